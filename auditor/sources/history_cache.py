"""Per-commit history facts cached in the user's cache dir, so that re-scanning a repo that gained a
commit costs about one commit's work: the relevant commits up to a head, and the facts of every
license blob read on the way, keyed by the head commit id and the tool version and rules digest.

The format is JSON (data only, never code), written through a unique temp file and a rename, and
checked field by field when read back: a file that does not check out is ignored and rewritten.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from auditor.cachefiles import user_cache_dir, write_atomically
from auditor.model import Commit, Copyright, LicenseMatch, TextFacts
from auditor.sources.base import Change, History, RelevantCommit

FORMAT = 3
# The fields this module writes. When a dataclass gains one, the cache turns itself off instead of
# handing back facts without it (and a test says so).
_FIELDS = {
    TextFacts: ("licenses", "copyrights", "unreadable", "digest", "markers", "fingerprint", "closest", "license_like"),
    LicenseMatch: ("key", "spdx", "hf", "name", "score", "start_line", "end_line", "matcher", "form",
                   "excerpt"),
    Copyright: ("statement", "holders", "years", "line"),
    Change: ("path", "kind", "status", "old_mode", "new_mode", "old_blob", "new_blob"),
    Commit: ("sha", "date", "timestamp", "author", "title"),
    RelevantCommit: ("commit", "position", "changes", "weights"),
}


def cache_usable() -> bool:
    return all(tuple(f.name for f in dataclasses.fields(cls)) == names for cls, names in _FIELDS.items())
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_MAX_BYTES = 256 << 20


class HistoryCache:
    def __init__(self, key: str, root: Path | None = None) -> None:
        self.key = key
        self.dir = (root or user_cache_dir()) / "history" / hashlib.sha256(key.encode()).hexdigest()[:24]

    def heads(self) -> frozenset[str]:
        """Head commits with a cache entry (names only; entries are checked when loaded)."""
        try:
            names = os.listdir(self.dir)
        except OSError:
            return frozenset()
        return frozenset(n[:-5] for n in names if n.endswith(".json") and _SHA.fullmatch(n[:-5]))

    def load(self, head: str) -> tuple[History, dict[str, TextFacts]] | None:
        path = self.dir / f"{head}.json"
        try:
            if path.stat().st_size > _MAX_BYTES:
                return None
            doc = json.loads(path.read_bytes())
            if doc.get("format") != FORMAT or doc.get("key") != self.key or doc.get("head") != head:
                return None
            history = History(
                commits=tuple(_relevant(rc) for rc in doc["commits"]), total=_int(doc["total"]),
                complete=doc["complete"] is True, boundary=_commit(doc["boundary"]) if doc["boundary"] else None,
                head=_commit(doc["head_commit"]))
            facts = {str(k): _facts(v) for k, v in doc["facts"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        if history.head is None or history.head.sha != head:
            return None
        return history, facts

    def save(self, history: History, facts: dict[str, TextFacts], superseded: str | None = None) -> None:
        """Best effort: a cache that cannot be written (read-only home, full disk) only costs time."""
        if history.head is None:
            return
        doc = {"format": FORMAT, "key": self.key, "head": history.head.sha, "total": history.total,
               "complete": history.complete,
               "boundary": _commit_dict(history.boundary) if history.boundary else None,
               "head_commit": _commit_dict(history.head),
               "commits": [_relevant_dict(rc) for rc in history.commits],
               "facts": {k: _facts_dict(v) for k, v in sorted(facts.items())}}
        with contextlib.suppress(OSError):
            write_atomically(self.dir / f"{history.head.sha}.json",
                             json.dumps(doc, separators=(",", ":")).encode())
            if superseded and superseded != history.head.sha:
                os.unlink(self.dir / f"{superseded}.json")


def extend(cached: History, newer: History) -> History:
    """`newer`: the commits after `cached`'s head (positions from 0), as read by a resumed walk."""
    shifted = tuple(RelevantCommit(rc.commit, rc.position + cached.total, rc.changes, rc.weights)
                    for rc in newer.commits)
    return History(commits=cached.commits + shifted, total=cached.total + newer.total,
                   complete=cached.complete, boundary=cached.boundary, head=newer.head or cached.head,
                   below_head=newer.below_head)


def without_head(history: History) -> History | None:
    """The history up to the head's parent: what a scan of the commit being made (--staged) leaves
    for the next one, since that pending commit is no ancestor of the commit git then makes."""
    if history.below_head is None or history.head is None:
        return None
    newest = history.total - 1
    return History(commits=tuple(rc for rc in history.commits if rc.position < newest), total=newest,
                   complete=history.complete, boundary=history.boundary, head=history.below_head)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("not an integer")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _opt_int(value: Any) -> int | None:
    return None if value is None else _int(value)


def _commit_dict(commit: Commit) -> list[Any]:
    return [commit.sha, commit.date, commit.timestamp, commit.author, commit.title]


def _commit(value: list[Any]) -> Commit:
    sha, date, stamp, author, title = value
    if not _SHA.fullmatch(_str(sha)):
        raise ValueError("not a commit id")
    return Commit(sha=sha, date=_str(date), timestamp=_int(stamp), author=_str(author), title=_str(title))


def _relevant_dict(rc: RelevantCommit) -> dict[str, Any]:
    return {"commit": _commit_dict(rc.commit), "position": rc.position,
            "changes": [[c.path, c.kind, c.status, c.old_mode, c.new_mode, c.old_blob, c.new_blob]
                        for c in rc.changes],
            "weights": list(rc.weights)}


def _relevant(value: dict[str, Any]) -> RelevantCommit:
    changes = []
    for entry in value["changes"]:
        path, kind, status, old_mode, new_mode, old_blob, new_blob = (_str(v) for v in entry)
        changes.append(Change(path, kind, status, old_mode, new_mode, old_blob, new_blob))
    return RelevantCommit(commit=_commit(value["commit"]), position=_int(value["position"]),
                          changes=tuple(changes), weights=tuple(_str(w) for w in value["weights"]))


def _match_list(m: LicenseMatch) -> list[Any]:
    return [m.key, m.spdx, m.hf, m.name, m.score, m.start_line, m.end_line, m.matcher, m.form, m.excerpt]


def _match(entry: list[Any]) -> LicenseMatch:
    key, spdx, hf, name, score, start, end, matcher, form, excerpt = entry
    if not isinstance(score, (int, float)) or isinstance(score, bool):
        raise TypeError("score")
    return LicenseMatch(key=_str(key), spdx=_str(spdx), hf=None if hf is None else _str(hf), name=_str(name),
                        score=float(score), start_line=_int(start), end_line=_int(end), matcher=_str(matcher),
                        form=_str(form), excerpt=_str(excerpt))


def _facts_dict(facts: TextFacts) -> dict[str, Any]:
    return {"licenses": [_match_list(m) for m in facts.licenses],
            "closest": _match_list(facts.closest) if facts.closest else None,
            "license_like": facts.license_like,
            "copyrights": [[c.statement, list(c.holders), list(c.years), c.line] for c in facts.copyrights],
            "unreadable": facts.unreadable, "digest": facts.digest, "markers": sorted(facts.markers),
            "fingerprint": list(facts.fingerprint)}


def _facts(value: dict[str, Any]) -> TextFacts:
    licenses = [_match(entry) for entry in value["licenses"]]
    closest = None if value["closest"] is None else _match(value["closest"])
    copyrights = tuple(Copyright(statement=_str(s), holders=tuple(_str(h) for h in holders),
                                 years=tuple(_str(y) for y in years), line=_int(line))
                       for s, holders, years, line in value["copyrights"])
    unreadable = value["unreadable"]
    return TextFacts(licenses=tuple(licenses), closest=closest, license_like=value["license_like"] is True,
                     copyrights=copyrights,
                     unreadable=None if unreadable is None else _str(unreadable), digest=_str(value["digest"]),
                     markers=frozenset(_str(m) for m in value["markers"]),
                     fingerprint=tuple(_int(h) for h in value["fingerprint"]))
