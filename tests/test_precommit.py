"""The pre-commit hook, driven by real `pre-commit` through `git commit`: it judges the commit being
made (HEAD plus the staged index), so the commit that removes a license is blocked and an unrelated
commit on a clean repo passes. The hook comes from this repo's .pre-commit-hooks.yaml, run as a
`repo: local` hook with the installed `auditor` (offline; a remote `repo:` would install it itself)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from helpers import MIT_TEXT, card

HOOKS = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
            "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}


def _run(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=repo, env=env, capture_output=True, text=True)


def test_hook_blocks_the_commit_that_removes_a_license_and_passes_an_unrelated_one(repo, tmp_path):
    [hook] = yaml.safe_load(HOOKS.read_text())
    assert "--staged" in hook["entry"]
    local = {**hook, "language": "system"}
    config = yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]})
    repo.commit("Release", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT,
                                                   ".pre-commit-config.yaml": config})
    env = _env(tmp_path)
    installed = _run(repo.path, env, sys.executable, "-m", "pre_commit", "install")
    assert installed.returncode == 0, installed.stderr

    (repo.path / "notes.txt").write_text("training notes\n")
    _run(repo.path, env, "git", "add", "notes.txt")
    unrelated = _run(repo.path, env, "git", "commit", "-m", "Add notes")
    assert unrelated.returncode == 0, unrelated.stdout + unrelated.stderr
    assert "model license audit" in unrelated.stdout + unrelated.stderr  # the hook did run
    head = repo.git("rev-parse", "HEAD").strip()

    _run(repo.path, env, "git", "rm", "-q", "LICENSE")
    removal = _run(repo.path, env, "git", "commit", "-m", "Clean up repository")
    output = removal.stdout + removal.stderr
    assert removal.returncode != 0, output
    assert "license-removed (LICENSE)" in output and "FAIL" in output
    assert repo.git("rev-parse", "HEAD").strip() == head  # the commit did not land
    # nothing of the user's state changed: LICENSE is still staged for deletion, refs untouched
    assert repo.git("status", "--porcelain").splitlines() == ["D  LICENSE"]
    assert repo.git("for-each-ref", "--format=%(refname)").split() == ["refs/heads/main"]


def test_staged_judges_the_index_not_head_nor_the_working_tree(repo):
    from helpers import run_cli

    repo.commit("Release", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    (repo.path / "LICENSE").unlink()  # deleted in the working tree only: not part of the commit
    assert run_cli("scan", str(repo.path), "--staged").returncode == 0
    repo.git("rm", "-q", "--cached", "LICENSE")  # now staged
    staged = run_cli("scan", str(repo.path), "--staged")
    assert staged.returncode == 1 and "license-removed" in staged.stdout
    assert "(the commit being made: staged changes)" in staged.stdout
    assert run_cli("scan", str(repo.path)).returncode == 0  # HEAD itself is still fine
    assert run_cli("scan", str(repo.path), "--staged", "--revision", "HEAD").returncode == 2


def test_readme_hook_snippet_names_the_release_tag_of_this_version():
    import re

    from auditor import __version__

    readme = (HOOKS.parent / "README.md").read_text()
    snippet = readme[readme.index("rev: v"):].split("\n", 1)[0]
    assert re.fullmatch(r"rev: v\d+\.\d+\.\d+", snippet) and snippet == f"rev: v{__version__}"
