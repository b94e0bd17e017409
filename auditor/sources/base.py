"""What every source hands the pipeline: the relevant part of the history, and file contents."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from auditor.model import Commit

# Larger files are not license texts; reading them would only cost memory.
MAX_TEXT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Blob:
    data: bytes | None
    unreadable: str | None = None  # why there is no data


@dataclass(frozen=True)
class Change:
    path: str
    kind: str  # license | card (see facts.paths)
    status: str  # A D M T, as git reports them
    old_mode: str
    new_mode: str
    old_blob: str
    new_blob: str


@dataclass(frozen=True)
class RelevantCommit:
    """A first-parent commit that changed a license file, the card, or weights."""

    commit: Commit
    position: int  # 0 = oldest scanned commit
    changes: tuple[Change, ...]
    weights: tuple[str, ...]  # weight files added or changed


@dataclass(frozen=True)
class History:
    commits: tuple[RelevantCommit, ...]  # oldest first
    total: int  # commits scanned, relevant or not
    complete: bool
    boundary: Commit | None  # where the available history stops, when it is incomplete
    head: Commit | None = None  # the audited revision
    resumed_from: str | None = None  # the walk stopped at this cached commit: `commits` are the newer ones
    below_head: Commit | None = None  # the head's first parent, where this walk read it


_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symbolic link"))


@contextmanager
def open_regular(path: Path) -> Iterator[BinaryIO]:
    """A regular file opened for reading, never anything else: opening a FIFO or a device named
    LICENSE would block the audit or read forever. O_NONBLOCK makes the open itself return at once;
    fstat on the open file then decides, so a swap after a check cannot fool it. Raises OSError."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "special file")
            raise OSError(f"{kind}, not a regular file")
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def read_regular(path: Path, limit: int = MAX_TEXT_BYTES) -> Blob:
    """A regular file's bytes, up to `limit`; anything else is unreadable, with the reason."""
    try:
        with open_regular(path) as handle:
            if os.fstat(handle.fileno()).st_size > limit:
                return Blob(data=None, unreadable="too large")
            data = handle.read(limit + 1)
    except OSError as exc:
        return Blob(data=None, unreadable=f"unreadable ({exc.strerror or exc})")
    return Blob(data=None, unreadable="too large") if len(data) > limit else Blob(data=data)
