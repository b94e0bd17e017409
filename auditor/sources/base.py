"""What every source hands the pipeline: the relevant part of the history, and file contents."""

from __future__ import annotations

from dataclasses import dataclass

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
