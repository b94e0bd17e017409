"""History -> license events, attribution gaps, and the state at the audited revision.

Attribution is tracked repo-wide as items (a license text, a copyright line, an unidentified
license text). An item that disappears from every license file opens a gap; the same item showing
up again in any license file, possibly another one, closes it. Moving a text from LICENSE to NOTICE
in one commit therefore opens no gap.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

from auditor.facts.card import card_from_blob
from auditor.facts.copyrights import normalise_statement
from auditor.facts.paths import CARD, CODE, path_rules
from auditor.model import (
    Card,
    Commit,
    Gap,
    HeaderLoss,
    Item,
    LicenseFile,
    Sighting,
    TextFacts,
    TimelineEvent,
    UnmarkedChange,
    WeightUpload,
)
from auditor.sources.base import Blob, Change, History, RelevantCommit

ReadBlob = Callable[[Commit, Change], Blob]
# Facts of a change's new content; pass the blob when it was already read, to read it once.
FactsAt = Callable[[Commit, Change, Blob | None], TextFacts]


@dataclass(frozen=True)
class TimelineResult:
    events: tuple[TimelineEvent, ...]
    gaps: tuple[Gap, ...]
    license_files: tuple[LicenseFile, ...]  # at the last commit
    card: Card
    card_path: str | None
    card_text: str
    readme_facts: TextFacts | None
    header_losses: tuple[HeaderLoss, ...]
    unmarked_changes: tuple[UnmarkedChange, ...]
    license_keys_seen: frozenset[str]  # every license identified in any version of any license file


def items_of(path: str, facts: TextFacts, license_file: bool = True) -> dict[Item, tuple[int | None, str | None]]:
    """The attribution items in one file version, with their line and an excerpt. In a license file
    every copyright line and an unidentified text count too; in the README only license texts and the
    copyright lines that head or sit inside them do, since READMEs quote copyright lines in code
    samples and citations that come and go."""
    items: dict[Item, tuple[int | None, str | None]] = {}
    for match in facts.licenses:
        item = Item("license", match.key, f"{match.name} text")
        items.setdefault(item, (match.start_line, f"{match.name} (lines {match.start_line}-{match.end_line})"))
    spans = [(m.start_line - 5, m.end_line) for m in facts.licenses]
    for copyright in facts.copyrights:
        if not license_file and not any(lo <= copyright.line <= hi for lo, hi in spans):
            continue
        item = Item("copyright", normalise_statement(copyright.statement),
                    f'copyright line "{copyright.statement}"')
        items.setdefault(item, (copyright.line, copyright.statement))
    if license_file and not facts.licenses and facts.digest:
        items[Item("text", facts.digest, f"license text first seen in {path}")] = (1, None)
    return items


def _spdx_ids(facts: TextFacts | None) -> tuple[str, ...]:
    if facts is None:
        return ()
    return tuple(sorted({m.spdx for m in facts.licenses}))


class _Walk:
    def __init__(self, read_blob: ReadBlob, facts_at: FactsAt) -> None:
        self.read_blob = read_blob
        self.facts_at = facts_at
        self.files: dict[str, TextFacts] = {}
        self.presence: dict[Item, dict[str, Sighting]] = {}
        self.absent_since: dict[Item, Sighting] = {}
        self.events: list[TimelineEvent] = []
        self.closed: list[tuple[Item, Sighting, Sighting | None]] = []
        self.card = Card()
        self.card_path: str | None = None
        self.card_text = ""
        self.readme: TextFacts | None = None  # the README's own license sections and copyrights
        self.keys_seen: set[str] = set()
        self.headers: dict[str, TextFacts] = {}  # source file -> its header now
        self.modified: dict[str, Commit] = {}  # source file -> its latest modification
        self.header_losses: list[HeaderLoss] = []

    def commit(self, rc: RelevantCommit) -> None:
        present_before = {item for item, where in self.presence.items() if where}
        last_seen = {item: min(where.values(), key=lambda s: s.path)
                     for item, where in self.presence.items() if where}
        for change in rc.changes:
            if change.kind == CARD:
                self._card(rc, change)
            elif change.kind == CODE:
                self._code(rc, change)
            else:
                self._license_file(rc, change)
        present_after = {item for item, where in self.presence.items() if where}
        for item in sorted(present_before - present_after, key=lambda i: (i.kind, i.value)):
            seen = last_seen[item]
            self.absent_since[item] = Sighting(rc.commit, rc.position, seen.path, seen.line, seen.excerpt)
        for item in sorted(present_after - present_before, key=lambda i: (i.kind, i.value)):
            removed = self.absent_since.pop(item, None)
            if removed is not None:
                back = min(self.presence[item].values(), key=lambda s: s.path)
                self.closed.append((item, removed, back))

    def _card(self, rc: RelevantCommit, change: Change) -> None:
        commit = rc.commit
        blob = None if change.status == "D" else self.read_blob(commit, change)
        card, text = card_from_blob(blob) if blob is not None else (Card(), "")
        if card.license != self.card.license:
            before = (self.card.license,) if self.card.license else ()
            after = (card.license,) if card.license else ()
            self.events.append(TimelineEvent(commit, change.path, "card-license-changed", before, after))
        self.card, self.card_text = card, text
        self.card_path = None if change.status == "D" else change.path
        # A license section in the README is attribution too.
        old, self.readme = self.readme, None if blob is None else self.facts_at(commit, change, blob)
        self._track(rc, change.path, old, self.readme, license_file=False)

    def _code(self, rc: RelevantCommit, change: Change) -> None:
        path = change.path
        old = self.headers.pop(path, None)
        if change.status == "D":
            self.modified.pop(path, None)
            return  # a deleted file is gone, not stripped
        new = self.facts_at(rc.commit, change, None)
        self.headers[path] = new
        if old is not None and _has_header(old) and not _has_header(new):
            lost = tuple(m.name for m in old.licenses) + tuple(c.statement for c in old.copyrights)
            line = old.copyrights[0].line if old.copyrights else old.licenses[0].start_line
            self.header_losses.append(HeaderLoss(path, rc.commit, lost, line))
        if old is not None:
            self.modified[path] = rc.commit

    def _license_file(self, rc: RelevantCommit, change: Change) -> None:
        path = change.path
        old = self.files.pop(path, None)
        new = None
        if change.status != "D":
            new = self.facts_at(rc.commit, change, None)
            if path_rules().is_license(path, new):
                self.files[path] = new
            else:
                new = None  # a name that only hints, and the text is no license
        if old is None and new is None:
            return
        kind = {"A": "added", "D": "deleted"}.get(change.status, "modified")
        if old is None and new is not None:
            kind = "added"
        self.events.append(TimelineEvent(rc.commit, path, kind, _spdx_ids(old), _spdx_ids(new)))
        self._track(rc, path, old, new, license_file=True)

    def _track(self, rc: RelevantCommit, path: str, old: TextFacts | None, new: TextFacts | None,
               license_file: bool) -> None:
        if old is not None:
            for item in items_of(path, old, license_file):
                self.presence.get(item, {}).pop(path, None)
        if new is not None:
            self.keys_seen.update(m.key for m in new.licenses)
            for item, (line, excerpt) in items_of(path, new, license_file).items():
                self.presence.setdefault(item, {})[path] = Sighting(rc.commit, rc.position, path, line, excerpt)


def _has_header(facts: TextFacts) -> bool:
    return bool(facts.copyrights or facts.licenses)


def _header_label(facts: TextFacts) -> str:
    return "; ".join([c.statement for c in facts.copyrights] + [m.name for m in facts.licenses])


def build_timeline(history: History, read_blob: ReadBlob, facts_at: FactsAt) -> TimelineResult:
    """Walk the relevant commits oldest first; `facts_at` gives a license file's facts at a commit."""
    walk = _Walk(read_blob, facts_at)
    for rc in history.commits:
        walk.commit(rc)
    weight_commits = [rc for rc in history.commits if rc.weights]
    weight_positions = [rc.position for rc in weight_commits]
    gap_ends = [(item, removed, back) for item, removed, back in walk.closed]
    gap_ends += [(item, removed, None) for item, removed in walk.absent_since.items()]
    gaps = []
    for item, removed, back in gap_ends:
        end = back.ordinal if back else history.total
        lo = bisect.bisect_left(weight_positions, removed.ordinal)
        hi = bisect.bisect_left(weight_positions, end)
        gaps.append(Gap(item=item, removed=removed, restored=back,
                        weight_uploads=tuple(WeightUpload(rc.commit, rc.weights)
                                             for rc in weight_commits[lo:hi]),
                        commits_in_gap=end - removed.ordinal))
    gaps.sort(key=lambda g: (g.removed.ordinal, g.removed.path, g.item.kind, g.item.value))
    files = dict(walk.files)
    if walk.card_path and walk.readme and walk.readme.licenses:
        files[walk.card_path] = walk.readme
    license_files = tuple(LicenseFile(path, facts) for path, facts in sorted(files.items()))
    return TimelineResult(events=tuple(walk.events), gaps=tuple(gaps), license_files=license_files,
                          card=walk.card, card_path=walk.card_path, card_text=walk.card_text,
                          readme_facts=walk.readme, header_losses=tuple(walk.header_losses),
                          unmarked_changes=tuple(
                              UnmarkedChange(path, commit, _header_label(walk.headers[path]))
                              for path, commit in sorted(walk.modified.items())
                              if _has_header(walk.headers[path]) and "change-notice" not in walk.headers[path].markers),
                          license_keys_seen=frozenset(walk.keys_seen))
