"""History -> license events, attribution gaps, and the state at the audited revision.

Attribution is tracked repo-wide as items: a license text, a license notice, a copyright holder, an
unidentified license text, a binary license document. An item that disappears from every license
file opens a gap; the same item showing up again in any license file, possibly another one, closes
it. Moving a text from LICENSE to NOTICE in one commit therefore opens no gap.

Identity is what a person would call "the same": a copyright line is its holder (a year bump is no
removal), an unidentified text keeps its identity while most of its word shingles survive an edit,
a binary document keeps it at its path. One identified license text giving way to another in the
same commit and file is a replacement, not a removal.

What the repo declared itself under is kept window by window (`Declaration`): the card's `license:`
and the licenses of the top-level LICENSE/COPYING files, so that a stretch of history under terms an
upstream does not allow is seen even after it was put right.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

from auditor.facts.card import card_from_blob, field_line
from auditor.facts.copyrights import holder_identity
from auditor.facts.license_ids import hf_licenses
from auditor.facts.paths import CARD, CODE, own_license_file, path_rules
from auditor.model import (
    USE_POLICY,
    Card,
    Commit,
    Declaration,
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

TERMS = ("license", "text", "document")  # items that are terms, not attributions of a holder
SIMILAR = 0.5  # share of fingerprint hashes two versions of an unidentified text have in common

Items = dict[Item, tuple[int | None, str | None]]
Declared = tuple[str, str]  # (source, license key): see model.Declaration


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
    license_keys_seen: frozenset[str]  # every license text identified in any version of any license file
    weights_seen: bool = False  # weight files were uploaded somewhere in the history
    declarations: tuple[Declaration, ...] = ()  # oldest first
    code_headers: tuple[LicenseFile, ...] = ()  # source files with a license or copyright header, at the last commit


def items_of(facts: TextFacts, license_file: bool = True) -> Items:
    """The attribution items in one file version, with their line and an excerpt. In a license file
    every copyright line and an unidentified text count too; in the README only license texts and the
    copyright lines that head or sit inside them do, since READMEs quote copyright lines in code
    samples and citations that come and go. Unidentified texts and documents come out keyed by
    digest; the walk maps them to the identity they keep across edits."""
    items: Items = {}
    for match in facts.licenses:
        if not license_file and match.matcher == "rule":
            continue  # a README names licenses in passing ("license: mit" in its front matter)
        if match.form == USE_POLICY:  # its own item: a policy leaving is not the notice leaving
            item = Item("policy", match.key, match.name)
        elif match.form != "text":  # a notice or reference: attribution all the same
            item = Item("notice", match.key, f"{match.name} {match.form}")
        else:
            item = Item("license", match.key, f"{match.name} text")
        items.setdefault(item, (match.start_line, match.excerpt or None))
    spans = [(m.start_line - 5, m.end_line) for m in facts.licenses]
    for copyright in facts.copyrights:
        if not license_file and not any(lo <= copyright.line <= hi for lo, hi in spans):
            continue
        holder = holder_identity(copyright)
        if holder:
            items.setdefault(Item("copyright", holder, f'copyright line "{copyright.statement}"'),
                             (copyright.line, copyright.statement))
    if license_file and not facts.licenses and facts.digest:
        items[Item("text", facts.digest, "")] = (1, None)
    return items


def _similar(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    if not a or not b:
        return False
    common = len(set(a) & set(b))
    return common / (len(a) + len(b) - common) >= SIMILAR


def _spdx_ids(facts: TextFacts | None) -> tuple[str, ...]:
    if facts is None:
        return ()
    return tuple(sorted({m.spdx for m in facts.licenses}))


@dataclass
class _Touched:
    """One license path (or the README) changed in a commit: its items before and after."""

    path: str
    old: TextFacts | None
    new: TextFacts | None = None
    old_items: Items = field(default_factory=dict)
    new_items: Items = field(default_factory=dict)
    readme: bool = False


class _Walk:
    def __init__(self, read_blob: ReadBlob, facts_at: FactsAt) -> None:
        self.read_blob = read_blob
        self.facts_at = facts_at
        self.files: dict[str, TextFacts] = {}  # license files now
        self.file_items: dict[str, Items] = {}  # path -> its items now, identities resolved
        self.presence: dict[Item, dict[str, Sighting]] = {}
        self.since: dict[Item, Sighting] = {}  # present items: where they (last) came in
        self.absent_since: dict[Item, Sighting] = {}
        self.replaced: dict[Item, tuple[Item, ...]] = {}
        self.prints: dict[str, tuple[int, ...]] = {}  # text identity -> its latest fingerprint
        self.labels: dict[str, str] = {}  # text or document identity -> its label
        self.events: list[TimelineEvent] = []
        # (item, removed, restored, where it had come in, what replaced it)
        self.closed: list[tuple[Item, Sighting, Sighting, Sighting | None, tuple[Item, ...]]] = []
        self.card = Card()
        self.card_path: str | None = None
        self.card_text = ""
        self.card_removed: tuple[str, Commit] | None = None  # the card license last removed, and where
        self.card_since: Commit | None = None
        self.readme: TextFacts | None = None  # the README's own license sections and copyrights
        self.keys_seen: set[str] = set()
        self.headers: dict[str, TextFacts] = {}  # source file -> its header now
        self.modified: dict[str, Commit] = {}  # source file -> its latest modification
        self.header_losses: list[HeaderLoss] = []
        self.declared: dict[Declared, tuple[str, Sighting]] = {}  # open: what it says, where it came in
        self.declared_last: dict[Declared, Sighting] = {}  # where each was last seen
        self.declarations: list[tuple[Declared, str, Sighting, Sighting]] = []  # closed windows

    # -- one commit ---------------------------------------------------------------------------

    def commit(self, rc: RelevantCommit) -> None:
        present_before = {item for item, where in self.presence.items() if where}
        last_seen = {item: min(where.values(), key=lambda s: s.path)
                     for item, where in self.presence.items() if where}
        touched: list[tuple[Change, _Touched]] = []
        # Every old version leaves first, so that text moved between files in this commit is found
        # among what left when the new versions come in.
        for change in rc.changes:
            if change.kind == CODE:
                self._code(rc, change)
                continue
            readme = change.kind == CARD
            entry = _Touched(change.path, self.readme if readme else self.files.pop(change.path, None),
                             old_items=self.file_items.pop(change.path, {}), readme=readme)
            for item in entry.old_items:
                self.presence.get(item, {}).pop(change.path, None)
            touched.append((change, entry))
        released = {item: entry.path for _c, entry in touched for item in entry.old_items}
        for change, entry in touched:
            if entry.readme:
                entry.new = self._card(rc, change)
            elif change.status != "D":
                new = self.facts_at(rc.commit, change, None)
                if path_rules().is_license(change.path, new):
                    entry.new = new
                    self.files[change.path] = new
            if entry.new is None:
                continue
            # Texts only: a README's `license: apache-2.0` tag or a notice sentence is a declaration, not
            # the license text that lineage counts as carried (and that settles between checkpoints).
            self.keys_seen.update(m.key for m in entry.new.licenses if m.form == "text")
            entry.new_items = self._resolve(change, entry, released)
            self.file_items[change.path] = entry.new_items
            for item, (line, excerpt) in entry.new_items.items():
                self.presence.setdefault(item, {})[change.path] = Sighting(
                    rc.commit, rc.position, change.path, line, excerpt)
        present_after = {item for item, where in self.presence.items() if where}
        gone, back = present_before - present_after, present_after - present_before
        absent_before = dict(self.absent_since)
        for item in sorted(gone, key=lambda i: (i.kind, i.value)):
            seen = last_seen[item]
            self.absent_since[item] = Sighting(rc.commit, rc.position, seen.path, seen.line, seen.excerpt)
            self.replaced[item] = self._replacement(item, seen.path, touched)
        for item in sorted(back, key=lambda i: (i.kind, i.value)):
            came = min(self.presence[item].values(), key=lambda s: s.path)
            removed = self.absent_since.pop(item, None)
            if removed is not None:
                self.closed.append((item, removed, came, self.since.get(item), self.replaced.pop(item, ())))
            self.since[item] = came
        self._file_events(rc, touched, present_after, absent_before)
        if any(change.kind == CARD or own_license_file(change.path) for change, _e in touched):
            self._declarations(rc)

    def _resolve(self, change: Change, entry: _Touched, released: dict[Item, str]) -> Items:
        """Map an unidentified text or document to the identity it keeps: the same path's previous
        version, a text that left another file in this commit (a move), one present elsewhere, or
        one removed earlier (a restoration); else it is new."""
        assert entry.new is not None
        items = items_of(entry.new, not entry.readme)
        raw = [item for item in items if item.kind == "text"]
        if entry.new.unreadable and not entry.readme:
            raw = [Item("document", change.new_blob, "")]
            items[raw[0]] = (None, entry.new.unreadable)
        for item in raw:
            where = items.pop(item)
            identity = self._identity(item.kind, item.value, entry, released)
            if item.kind == "text":
                self.prints[identity] = entry.new.fingerprint
            kind_name = "license document"
            if item.kind == "text":
                kind_name = "unrecognised license text" if entry.new.license_like else "license text"
            label = self.labels.setdefault(identity, f"{kind_name} first seen in {change.path}")
            items[Item(item.kind, identity, label)] = where
        return items

    def _identity(self, kind: str, value: str, entry: _Touched, released: dict[Item, str]) -> str:
        same_path = [i for i in entry.old_items if i.kind == kind]
        elsewhere = [i for i, path in released.items() if i.kind == kind and path != entry.path]
        others = [i for i, where in self.presence.items() if i.kind == kind and where]
        absent = [i for i in self.absent_since if i.kind == kind]
        if kind == "document":
            # A new version at the same path is the same document; elsewhere only the same blob is.
            if same_path:
                return same_path[0].value
            return value
        fingerprint = entry.new.fingerprint if entry.new else ()
        for candidates in (same_path, elsewhere, others, absent):
            for item in sorted(candidates, key=lambda i: i.value):
                if item.value == value or _similar(self.prints.get(item.value, ()), fingerprint):
                    return item.value
        return value

    def _replacement(self, item: Item, path: str, touched: list[tuple[Change, _Touched]]) -> tuple[Item, ...]:
        """Terms that took `item`'s place in this commit: new license texts in the file it left, or
        in a file added in the same commit when that file was deleted."""
        if item.kind not in TERMS:
            return ()
        entries = {entry.path: entry for _c, entry in touched}
        left = entries.get(path)
        if left is None:
            return ()
        if left.new is not None:
            candidates = [left]
        else:
            candidates = [e for e in entries.values() if e.old is None and e.new is not None]
        gained = {i for e in candidates for i in e.new_items if i.kind in ("license", "text") and i not in e.old_items}
        return tuple(sorted(gained - {item}, key=lambda i: (i.kind, i.value)))

    # -- events -------------------------------------------------------------------------------

    def _file_events(self, rc: RelevantCommit, touched: list[tuple[Change, _Touched]],
                     present_after: set[Item], absent_before: dict[Item, Sighting]) -> None:
        entries = [entry for _c, entry in touched]
        moved_from: dict[str, str] = {}
        for entry in entries:
            if entry.old is None and entry.new is not None:
                for other in entries:
                    if other is not entry and other.old is not None and other.new is None and \
                            other.path not in moved_from.values() and \
                            set(other.old_items) & set(entry.new_items):
                        moved_from[entry.path] = other.path
                        break
        for change, entry in touched:
            if entry.old is None and entry.new is None:
                continue
            lost = [i for i in entry.old_items if i not in entry.new_items]
            gained = [i for i in entry.new_items if i not in entry.old_items]
            if entry.readme and not lost and not gained:
                continue  # README edits are events only where its license sections change
            event, line, previous, file_change = self._classify(
                entry, lost, gained, present_after, absent_before, moved_from)
            if event is None:
                continue
            if change.status == "D" and not entry.readme and event == "moved":
                continue  # the move is told once, at the new path
            self.events.append(TimelineEvent(
                rc.commit, entry.path, file_change, _spdx_ids(entry.old), _spdx_ids(entry.new), event=event,
                from_path=moved_from.get(entry.path), line=line, previous=previous))

    def _classify(self, entry: _Touched, lost: list[Item], gained: list[Item], present_after: set[Item],
                  absent_before: dict[Item, Sighting], moved_from: dict[str, str]
                  ) -> tuple[str | None, int | None, Commit | None, str]:
        def line_of(items: list[Item], where: Items) -> int | None:
            return next((where[i][0] for i in sorted(items, key=lambda i: (i.kind not in TERMS, i.kind))), None)

        restored = [i for i in gained if i in absent_before]
        previous = absent_before[restored[0]].commit if restored else None
        if entry.old is None:
            if entry.path in moved_from:
                return "moved", line_of(gained, entry.new_items), None, "moved"
            if restored:
                return "restored", line_of(restored, entry.new_items), previous, "added"
            return "added", line_of(gained, entry.new_items), None, "added"
        if entry.new is None:
            if entry.path in moved_from.values():
                return "moved", None, None, "deleted"
            return "removed", line_of(lost, entry.old_items), None, "deleted"
        lost_terms = [i for i in lost if i.kind in TERMS and i not in present_after]
        gained_terms = [i for i in gained if i.kind in TERMS]
        if lost_terms and gained_terms:
            came = self.since.get(lost_terms[0])
            return ("replaced", line_of(gained_terms, entry.new_items), came.commit if came else None,
                    "modified")
        if lost_terms or [i for i in lost if i not in present_after]:
            return "removed", line_of(lost, entry.old_items), None, "modified"
        if restored:
            return "restored", line_of(restored, entry.new_items), previous, "modified"
        if gained_terms:
            return "added", line_of(gained_terms, entry.new_items), None, "modified"
        return "modified", line_of(gained, entry.new_items), None, "modified"

    def _declarations(self, rc: RelevantCommit) -> None:
        """Open a window for each license now declared that was not, close those no longer declared."""
        now: dict[Declared, tuple[str, Sighting]] = {}
        license_id = self.card.license
        card_key = hf_licenses().get(license_id.lower()) if license_id else None
        if card_key and license_id:
            now[("card", card_key)] = (license_id, Sighting(rc.commit, rc.position, self.card_path or "README.md",
                                                            field_line(self.card_text, "license"),
                                                            f"license: {license_id}"))
        for path, facts in sorted(self.files.items()):
            if own_license_file(path):
                for match in facts.licenses:
                    if match.form == "text":
                        now.setdefault(("file", match.key), (match.name, Sighting(
                            rc.commit, rc.position, path, match.start_line, match.name)))
        for key in sorted(self.declared.keys() - now.keys()):
            declared, start = self.declared.pop(key)
            last = self.declared_last.pop(key)
            self.declarations.append((key, declared, start, Sighting(rc.commit, rc.position, last.path, last.line,
                                                                     last.excerpt)))
        for key, (declared, sighting) in now.items():
            self.declared.setdefault(key, (declared, sighting))
            self.declared_last[key] = sighting

    # -- the card and source headers ----------------------------------------------------------

    def _card(self, rc: RelevantCommit, change: Change) -> TextFacts | None:
        commit = rc.commit
        blob = None if change.status == "D" else self.read_blob(commit, change)
        card, text = card_from_blob(blob) if blob is not None else (Card(), "")
        before, after = self.card.license, card.license
        if after != before:
            previous = None
            if before and not after:
                event = "removed"
                self.card_removed = (before, commit)
            elif not before:
                restored = self.card_removed is not None and self.card_removed[0] == after
                event = "restored" if restored else "added"
                previous = self.card_removed[1] if self.card_removed else None
                self.card_removed = None
            else:
                event, previous = "replaced", self.card_since
            self.events.append(TimelineEvent(
                commit, change.path, "card-license-changed", (before,) if before else (), (after,) if after else (),
                event=event, previous=previous,
                # A removal's line is the field's in the version before.
                line=field_line(text, "license") if after else field_line(self.card_text, "license")))
            self.card_since = commit
        self.card, self.card_text = card, text
        self.card_path = None if change.status == "D" else change.path
        # A license section in the README is attribution too.
        self.readme = None if blob is None else self.facts_at(commit, change, blob)
        return self.readme

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
    code_commits = [(rc, paths) for rc in history.commits
                    if (paths := tuple(c.path for c in rc.changes if c.kind == CODE and c.status != "D"))]
    code_positions = [rc.position for rc, _paths in code_commits]
    gap_ends: list[tuple[Item, Sighting, Sighting | None, Sighting | None, tuple[Item, ...]]] = list(walk.closed)
    gap_ends += [(item, removed, None, walk.since.get(item), walk.replaced.get(item, ()))
                 for item, removed in walk.absent_since.items()]

    def uploads(start: int, end: int) -> tuple[WeightUpload, ...]:
        """Commits at positions [start, end) that added or changed weights."""
        lo, hi = bisect.bisect_left(weight_positions, start), bisect.bisect_left(weight_positions, end)
        return tuple(WeightUpload(rc.commit, rc.weights) for rc in weight_commits[lo:hi])

    def code_uploads(start: int, end: int) -> tuple[WeightUpload, ...]:
        lo, hi = bisect.bisect_left(code_positions, start), bisect.bisect_left(code_positions, end)
        return tuple(WeightUpload(rc.commit, paths) for rc, paths in code_commits[lo:hi])

    gaps = []
    for item, removed, back, since, replaced_by in gap_ends:
        end = back.ordinal if back else history.total
        gaps.append(Gap(item=item, removed=removed, restored=back,
                        weight_uploads=uploads(removed.ordinal, end), code_uploads=code_uploads(removed.ordinal, end),
                        commits_in_gap=end - removed.ordinal,
                        replaced_by=replaced_by, since=since))
    gaps.sort(key=lambda g: (g.removed.ordinal, g.removed.path, g.item.kind, g.item.value))

    windows = [*walk.declarations, *((key, declared, start, None) for key, (declared, start) in walk.declared.items())]
    declarations = sorted(
        (Declaration(source=key[0], key=key[1], declared=declared, start=start, end=end,
                     weight_uploads=uploads(start.ordinal, end.ordinal if end else history.total),
                     commits=(end.ordinal if end else history.total) - start.ordinal)
         for key, declared, start, end in windows),
        key=lambda d: (d.start.ordinal, d.source, d.key))
    files = dict(walk.files)
    if walk.card_path and walk.readme and walk.readme.has_license_text:
        files[walk.card_path] = walk.readme
    license_files = tuple(LicenseFile(path, facts) for path, facts in sorted(files.items()))
    return TimelineResult(events=tuple(walk.events), gaps=tuple(gaps), license_files=license_files,
                          card=walk.card, card_path=walk.card_path, card_text=walk.card_text,
                          readme_facts=walk.readme, header_losses=tuple(walk.header_losses),
                          unmarked_changes=tuple(
                              UnmarkedChange(path, commit, _header_label(walk.headers[path]))
                              for path, commit in sorted(walk.modified.items())
                              if _has_header(walk.headers[path]) and "change-notice" not in walk.headers[path].markers),
                          license_keys_seen=frozenset(walk.keys_seen),
                          weights_seen=bool(weight_commits), declarations=tuple(declarations),
                          code_headers=tuple(LicenseFile(path, header) for path, header in sorted(walk.headers.items())
                                             if _has_header(header)))
