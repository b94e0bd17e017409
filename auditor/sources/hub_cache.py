"""The Hub source's disk cache: entries named only by ids that have been checked, kept under one root,
written atomically and verified when read back.

The ids come from a server the user may not trust (HF_ENDPOINT can name any mirror), so an id is
used in a file name only once it has the form git or LFS gives it; anything else is refused before
a path is built. A crash or a full disk can leave at most a stray temp file, never a short entry,
and an entry whose size or hash does not match its id reads as missing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from auditor.errors import AuditorError

_GIT_OID = re.compile(r"[0-9a-f]{40}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def is_git_oid(value: object) -> bool:
    """A git object id (commit or blob) as the Hub sends it: 40 lower-case hex digits."""
    return isinstance(value, str) and _GIT_OID.fullmatch(value) is not None


def is_sha256(value: object) -> bool:
    """An LFS object id: 64 lower-case hex digits."""
    return isinstance(value, str) and _SHA256.fullmatch(value) is not None


def git_blob_oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def content_matches(data: bytes, oid: str, size: int | None, lfs_sha256: str | None) -> bool:
    """Is `data` the file the tree listed: its size, and its LFS sha256 or else its git blob id."""
    if size is not None and len(data) != size:
        return False
    if lfs_sha256 is not None:
        return hashlib.sha256(data).hexdigest() == lfs_sha256
    return git_blob_oid(data) == oid


def safe_repr(value: object, limit: int = 60) -> str:
    """A server-sent value for a one-line message: printable ASCII only, and short."""
    text = ascii(value)
    return text if len(text) <= limit else text[:limit] + "..."


class HubCache:
    """Files under `root`, named from parts that are ids or fixed words, never from raw server text."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, *parts: str) -> Path:
        """root/parts..., refused unless every part is one plain name and the result stays under root."""
        for part in parts:
            if not part or part in (".", "..") or "/" in part or "\\" in part or "\0" in part:
                raise AuditorError(f"not a cache entry name: {safe_repr(part)}")
        path = self.root.joinpath(*parts)
        root = self.root.resolve()
        if not path.resolve().is_relative_to(root):
            raise AuditorError(f"cache entry outside the cache: {safe_repr(str(path))}")
        return path

    def read_bytes(self, *parts: str) -> bytes | None:
        path = self.path(*parts)
        try:
            # Only a regular file: a FIFO or device planted in the cache must not block the audit.
            if not path.is_file() or path.is_symlink():
                return None
            return path.read_bytes()
        except OSError:
            return None

    def write_bytes(self, data: bytes, *parts: str) -> None:
        """A unique temp file in the entry's own folder, renamed into place: concurrent writers of one
        entry each rename a complete file, and a crash leaves no short entry. A cache that cannot be
        written (full disk, read-only) only costs a later download."""
        path = self.path(*parts)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def read_json(self, *parts: str) -> Any:
        data = self.read_bytes(*parts)
        if data is None:
            return None
        try:
            return json.loads(data)
        except (ValueError, RecursionError):
            return None  # a damaged entry is a missing one

    def write_json(self, data: Any, *parts: str) -> None:
        self.write_bytes(json.dumps(data, sort_keys=True).encode("utf-8"), *parts)
