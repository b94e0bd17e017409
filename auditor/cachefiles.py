"""The user cache directory and the one way the tool writes a file there."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def user_cache_dir() -> Path:
    """$XDG_CACHE_HOME/model-license-auditor, read at call time (tests and CI jobs set their own)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "model-license-auditor"


def write_atomically(path: Path, data: bytes) -> None:
    """Unique temp file in the same folder, then rename: concurrent runs never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
