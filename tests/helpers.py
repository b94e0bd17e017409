"""Helpers for tests: fixture repos are real git repos built in code with dated commits."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from auditor.demo import MIT_TEXT as MIT_TEXT  # re-exported for the tests
from auditor.demo import RepoBuilder
from auditor.pipeline import Options, audit

SHARED = Path(__file__).resolve().parents[2] / "shared" / "testdata"
SHARED_REASON = "needs ../shared/testdata (the project's real license texts and repo bundles, beside the repo root)"


def shared_path(*parts: str) -> Path:
    """A file from ../shared/testdata; the test skips, with one line saying where it comes from, without it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        import pytest

        pytest.skip(f"{SHARED_REASON}: {'/'.join(parts)} is absent")
    return path


def shared_text(*parts: str) -> str:
    return shared_path(*parts).read_text(encoding="utf-8")

APACHE_NOTICE = """\
Copyright 2024 Alibaba Cloud

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
"""


def card(license_line: str = "license: mit", extra: str = "") -> str:
    return f"---\n{license_line}\n{extra}---\n# A model\n"


def scan(path: Path | str, **options) -> dict:
    """Audit in-process and return the JSON document a user would get."""
    return audit(str(path), Options(**options)).to_dict()


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, cwd=cwd)


def findings(doc: dict, rule: str) -> list[dict]:
    return [f for f in doc["findings"] if f["rule"] == rule]


def dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False)




def safetensors_bytes(shapes: dict[str, tuple[int, ...]]) -> bytes:
    """A real, tiny safetensors file: 8-byte header length, JSON header, zeroed F16 data."""
    import struct

    header, offset = {}, 0
    for name, shape in shapes.items():
        size = 2
        for dim in shape:
            size *= dim
        header[name] = {"dtype": "F16", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + bytes(offset)


def llama_tensors(layers: int, hidden: int, inter: int, vocab: int, heads: int, kv: int,
                  rename=lambda name: name) -> dict[str, tuple[int, ...]]:
    """Llama-layout tensor shapes, names passed through `rename`."""
    head_dim = hidden // heads
    shapes = {"model.embed_tokens.weight": (vocab, hidden), "model.norm.weight": (hidden,),
              "lm_head.weight": (vocab, hidden)}
    for i in range(layers):
        p = f"model.layers.{i}."
        shapes.update({
            p + "input_layernorm.weight": (hidden,), p + "post_attention_layernorm.weight": (hidden,),
            p + "self_attn.q_proj.weight": (heads * head_dim, hidden),
            p + "self_attn.k_proj.weight": (kv * head_dim, hidden),
            p + "self_attn.v_proj.weight": (kv * head_dim, hidden),
            p + "self_attn.o_proj.weight": (hidden, heads * head_dim),
            p + "mlp.gate_proj.weight": (inter, hidden), p + "mlp.up_proj.weight": (inter, hidden),
            p + "mlp.down_proj.weight": (hidden, inter),
        })
    return {rename(name): shape for name, shape in shapes.items()}


def config_json(architecture: str, model_type: str, **sizes) -> str:
    return json.dumps({"architectures": [architecture], "model_type": model_type, **sizes}, indent=2)


def index_json(names) -> str:
    return json.dumps({"metadata": {"total_size": 0},
                       "weight_map": {name: "model-00001-of-00002.safetensors" for name in names}})


HOSTILE_TITLE = "<script>alert('title')</script> Remove license"
HOSTILE_AUTHOR = "Mallory \"><img src=x onerror=alert('author')> <mallory@example.com>"
HOSTILE_FILE = "LICENSE-\"><img src=x onerror=alert('file')>.txt"
HOSTILE_LINK = "javascript:alert('link')"


def build_hostile_repo(repo) -> None:
    """Repo strings that try to run script in a report: commit title, author, file name, card link."""
    repo.commit("Add", "2025-01-01 10:00:00", {
        "README.md": f"---\nlicense: other\nlicense_name: x\nlicense_link: \"{HOSTILE_LINK}\"\n---\n# <b>Model</b>\n",
        HOSTILE_FILE: MIT_TEXT})
    repo.commit(HOSTILE_TITLE, "2025-01-02 10:00:00", {HOSTILE_FILE: None}, author=HOSTILE_AUTHOR)


# Every real text in ../shared/testdata/licenses, with the ScanCode key and Hub id it must get
# (tests/test_identify.py and benchmarks/identify.py).
LICENSE_EXPECTATIONS = {
    "mit.txt": ("mit", "mit"),
    "deepseek-v3-LICENSE-CODE-mit.txt": ("mit", "mit"),
    "apache-2.0.txt": ("apache-2.0", "apache-2.0"),
    "cc-by-4.0.txt": ("cc-by-4.0", "cc-by-4.0"),
    "cc-by-sa-4.0.txt": ("cc-by-sa-4.0", "cc-by-sa-4.0"),
    "cc-by-nc-4.0.txt": ("cc-by-nc-4.0", "cc-by-nc-4.0"),
    "llama2.txt": ("llama-2-license-2023", "llama2"),
    "llama3.txt": ("llama-3-license-2024", "llama3"),
    "llama3.1.txt": ("llama-3.1-license-2024", "llama3.1"),
    "llama3.2.txt": ("llama-3.2-license-2024", "llama3.2"),
    "llama3.3.txt": ("llama-3.3-license-2024", "llama3.3"),
    "llama4.txt": ("llama-4-license-2025", "llama4"),
    "gemma.txt": ("gemma-tou-2025-03-24", "gemma"),  # "Last modified: March 24, 2025"
    "tongyi-qianwen.txt": ("tongyi-qianwen-2023", None),
    "tongyi-qianwen-research.txt": ("tongyi-qianwen-research-2023", None),
    "deepseek-license-agreement-v1.0.txt": ("deepseek-la-1.0", None),
    "creativeml-openrail-m.txt": ("stable-diffusion-2022-08-22", "creativeml-openrail-m"),
}


def perturbations(text: str) -> dict[str, str]:
    """A license text as found in the wild: as distributed, reflowed, titled, inside NOTICE prose."""
    reflowed = "\n".join(textwrap.wrap(" ".join(text.split()), 60))
    return {
        "original": text,
        "reflowed": reflowed,
        "titled": "Model License\n\nCopyright (c) 2026 Example Labs\n\n" + text,
        "in-notice": "This model includes material from upstream, used under the terms below.\n\n" + reflowed
                     + "\n\nAll other files are covered by the repository's own notices.\n",
    }


def sharded_repo(path: Path) -> Path:
    """A card, MIT LICENSE, two safetensors shards with an index and config; then the LICENSE dropped."""
    repo = RepoBuilder(path)
    names = llama_tensors(2, 32, 96, 64, 4, 2)
    first = {k: v for i, (k, v) in enumerate(sorted(names.items())) if i % 2 == 0}
    second = {k: v for k, v in names.items() if k not in first}
    repo.commit("Add card", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    repo.commit("Upload shards", "2025-01-02 10:00:00", {
        "model-00001-of-00002.safetensors": safetensors_bytes(first),
        "model-00002-of-00002.safetensors": safetensors_bytes(second),
        "model.safetensors.index.json": index_json(names),
        "config.json": config_json("LlamaForCausalLM", "llama", hidden_size=32, intermediate_size=96,
                                   num_attention_heads=4, num_key_value_heads=2, num_hidden_layers=2),
    })
    repo.commit("Drop license", "2025-01-03 10:00:00", {"LICENSE": None})
    return path


def build_short_window_repo(path: Path) -> RepoBuilder:
    """Three months of history with one 12-hour exposure in the middle: the license goes on 14 March
    at 09:00, two weight shards follow in the same minute, and the license is back at 21:00."""
    from auditor.demo import lfs_pointer

    repo = RepoBuilder(path)
    repo.commit("Add license and card", "2026-01-05 10:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    repo.commit("Credit the fine-tune", "2026-02-10 12:00:00",
                {"LICENSE": MIT_TEXT.replace("2023 DeepSeek", "2023 DeepSeek\nCopyright (c) 2026 Example Org")})
    repo.commit("Tidy up", "2026-03-14 09:00:00", {"LICENSE": None})
    repo.commit("Upload weights (1/2)", "2026-03-14 15:00:10",
                {"model-00001-of-00002.safetensors": lfs_pointer("1" * 64, 4_900_000_000)})
    repo.commit("Upload weights (2/2)", "2026-03-14 15:00:40",
                {"model-00002-of-00002.safetensors": lfs_pointer("2" * 64, 3_100_000_000)})
    repo.commit("Put the license back", "2026-03-14 21:00:00",
                {"LICENSE": MIT_TEXT.replace("2023 DeepSeek", "2023 DeepSeek\nCopyright (c) 2026 Example Org")})
    repo.commit("Add an example", "2026-04-02 16:00:00", {"example.py": "print('hello')\n"})
    return repo
