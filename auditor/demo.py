"""`auditor demo`: a small fine-tune repo whose upstream MIT license is deleted, weights are uploaded,
and the permission notice comes back in NOTICE hours later. Also the repo builder the tests use."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

MIT_TEXT = """\
MIT License

Copyright (c) 2023 DeepSeek

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def lfs_pointer(oid_hex: str, size: int) -> str:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid_hex}\nsize {size}\n"


class RepoBuilder:
    """Builds a git repo commit by commit with fixed dates and identities, independent of the
    user's git config, so that the same script always gives the same history."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        base = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        base.update({"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"})
        result = subprocess.run(
            ["git", "-c", "user.name=Builder", "-c", "user.email=builder@example.com",
             "-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", *args],
            cwd=self.path, env={**base, **(env or {})}, check=True, capture_output=True, text=True,
        )
        return result.stdout

    def commit(self, message: str, date: str, files: dict[str, str | bytes | None] | None = None,
               links: dict[str, str] | None = None, author: str = "Demo Author <author@example.com>") -> str:
        """Write `files` (None deletes), create symbolic `links`, commit at `date` (UTC,
        'YYYY-MM-DD HH:MM:SS'), and return the commit sha."""
        for rel, content in (files or {}).items():
            target = self.path / rel
            if content is None:
                if target.is_symlink() or target.exists():
                    target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink():
                target.unlink()
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8", newline="")
        for rel, pointee in (links or {}).items():
            target = self.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink() or target.exists():
                target.unlink()
            target.symlink_to(pointee)
        self.git("add", "-A")
        name, email = author.rsplit(" <", 1)
        stamp = f"{date} +0000"
        self.git("commit", "-q", "--allow-empty", "-m", message,
                 env={"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email.rstrip(">"),
                      "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
                      "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email.rstrip(">")})
        return self.git("rev-parse", "HEAD").strip()


DEMO_CARD = """\
---
license: mit
base_model: deepseek-ai/DeepSeek-V3-0324
tags:
  - text-generation
---
# Demo-700B

A fine-tune of DeepSeek-V3-0324 for the demo of model-license-auditor.
"""


DEMO_CONFIG = """\
{
  "architectures": ["DeepseekV3ForCausalLM"],
  "model_type": "deepseek_v3",
  "hidden_size": 7168,
  "intermediate_size": 18432,
  "moe_intermediate_size": 2048,
  "num_hidden_layers": 61,
  "num_attention_heads": 128,
  "n_routed_experts": 256,
  "vocab_size": 129280
}
"""


def build_demo_repo(path: Path) -> Path:
    """The March 2026 incident in miniature."""
    repo = RepoBuilder(path)
    repo.commit("Initial commit", "2026-03-01 09:00:00",
                {".gitattributes": "*.safetensors filter=lfs diff=lfs merge=lfs -text\n"})
    repo.commit("Add upstream license and model card", "2026-03-01 09:30:00",
                {"LICENSE": MIT_TEXT, "README.md": DEMO_CARD})
    repo.commit("Clean up repository", "2026-03-02 18:00:00", {"LICENSE": None})
    repo.commit("Upload config", "2026-03-03 08:00:00",
                {"config.json": DEMO_CONFIG})
    repo.commit("Upload model weights (1/2)", "2026-03-03 09:00:00",
                {"model-00001-of-00002.safetensors": lfs_pointer("1" * 64, 4_900_000_000)})
    repo.commit("Upload model weights (2/2)", "2026-03-03 09:40:00",
                {"model-00002-of-00002.safetensors": lfs_pointer("2" * 64, 3_100_000_000)})
    repo.commit("Add the permission notice", "2026-03-03 21:40:00",
                {"NOTICE": "This model is derived from DeepSeek-V3.\n\n" + MIT_TEXT})
    return path


def prepare_demo_dir(output_dir: Path) -> Path:
    """The demo repo lives in the output folder so users can re-scan it; only ever replace our own."""
    repo_path = output_dir / "demo-model"
    if repo_path.exists():
        if not (repo_path / ".git").is_dir() or not (repo_path / "NOTICE").is_file():
            raise FileExistsError(f"{repo_path} exists and is not an auditor demo repo")
        shutil.rmtree(repo_path)
    output_dir.mkdir(parents=True, exist_ok=True)
    return build_demo_repo(repo_path)
