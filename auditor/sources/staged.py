"""`--staged`: the commit `git commit` is about to make, so a pre-commit hook judges it, not HEAD.

The staged index (or the one git hands a hook in GIT_INDEX_FILE, as for `git commit -a`) is copied
to a temporary file, written as a tree from that copy, and wrapped in a commit on top of HEAD with
`git commit-tree`. No ref, index or working-tree file of the user's repo changes; the only trace is
the unreferenced tree and commit objects, which `git commit` itself would write a moment later and
`git gc` removes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from auditor.errors import AuditorError

PENDING_TITLE = "(the commit being made: staged changes)"
# Fixed so that the pending commit needs no user identity in the git config.
_IDENTITY = {"GIT_AUTHOR_NAME": "staged changes", "GIT_AUTHOR_EMAIL": "staged@localhost",
             "GIT_COMMITTER_NAME": "staged changes", "GIT_COMMITTER_EMAIL": "staged@localhost"}


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(["git", "-c", "core.fsmonitor=false", "-C", str(repo), *args], capture_output=True,
                            text=True, env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})})
    if result.returncode != 0:
        raise AuditorError(f"--staged: git {args[0]} failed: {result.stderr.strip() or result.returncode}")
    return result.stdout.strip()


def pending_commit(repo: Path) -> str:
    """The sha of a commit holding HEAD plus the staged changes (HEAD's parent chain below it)."""
    if _git(repo, "rev-parse", "--is-bare-repository") == "true":
        raise AuditorError(f"--staged needs a working tree with an index; {repo} is a bare repository")
    index = os.environ.get("GIT_INDEX_FILE") or _git(repo, "rev-parse", "--git-path", "index")
    index_path = Path(index) if Path(index).is_absolute() else Path(repo, index)
    with tempfile.TemporaryDirectory(prefix="auditor-staged-") as scratch:
        copy = Path(scratch, "index")
        if index_path.is_file():
            shutil.copyfile(index_path, copy)
        # write-tree may refresh the index it reads (cache tree): it only ever sees the copy.
        tree = _git(repo, "write-tree", env={"GIT_INDEX_FILE": str(copy)})
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", "HEAD^{commit}"],
                          capture_output=True, text=True).stdout.strip()
    parents = ["-p", head] if head else []
    return _git(repo, "commit-tree", tree, *parents, "-m", PENDING_TITLE, env=_IDENTITY)
