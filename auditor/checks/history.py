"""Checks on what happened to license texts across the history."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from auditor.facts.license_ids import spdx_for_key
from auditor.facts.licenses import license_name
from auditor.facts.phrases import LicenseInfo, defined_licenses
from auditor.model import Evidence, Facts, Finding, Gap, RuleInfo, Sighting

# What each kind of removed item breaks, by obligation kind (rules/obligations.yaml): a license text
# is owed as a copy, a notice as the notice, a copyright line as a retained notice.
_OWED = {"license": ("include-license",), "notice": ("notice-string", "propagate-notice"),
         "copyright": ("retain-copyright", "notice-string")}
# How a remediation names what an obligation asks for.
_ASKS = {"include-license": "a copy of its text travels with every copy of the model",
         "retain-copyright": "its copyright notices are retained",
         "notice-string": "its attribution notice sits in a Notice file",
         "propagate-notice": "the contents of the upstream NOTICE file are passed on"}


def format_duration(seconds: int) -> str:
    seconds = max(seconds, 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} d"] if days else []
    if hours or days:
        parts.append(f"{hours} h")
    if not days:
        parts.append(f"{minutes} min")
    return " ".join(parts)


def _short(sha: str) -> str:
    return sha[:12]


def _evidence(sighting: Sighting, excerpt: str | None = None) -> Evidence:
    return Evidence(commit=sighting.commit.sha, date=sighting.commit.date, path=sighting.path,
                    line=sighting.line, excerpt=excerpt if excerpt is not None else sighting.excerpt)


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _labels(gaps: list[Gap]) -> str:
    return _join([g.item.label for g in gaps])


def history_incomplete(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    target = facts.target
    if target.history_complete:
        return
    if target.kind == "folder":
        yield rule.finding("The target is a plain folder without git history; only its current files "
                           "were audited.", ".")
        return
    boundary = target.history_boundary
    if boundary is None:
        yield rule.finding("History is incomplete: objects of it could not be read (a partial clone or a "
                           "corrupt repository; the notes name them), so what they held was not audited.", ".")
        return
    yield rule.finding(
        f"History is incomplete: it stops at {_short(boundary.sha)} ({boundary.date}), a shallow or "
        f"grafted commit; {target.commits_scanned} commits were audited and anything earlier was not.",
        ".", (Evidence(commit=boundary.sha, date=boundary.date, excerpt=boundary.title),))


def _group(gaps: tuple[Gap, ...], key) -> list[list[Gap]]:
    groups: dict[tuple, list[Gap]] = {}
    for gap in gaps:
        groups.setdefault(key(gap), []).append(gap)
    return list(groups.values())


def parent_note(sha: str) -> str:
    """Where a deleted file's excerpt was read (Evidence.note): the file is gone at the commit itself,
    so in its parent."""
    return f"as of {_short(sha)}^, the parent commit (deleted in this one)"


def _removal_evidence(gap: Gap, deleted: bool) -> Evidence:
    evidence = _evidence(gap.removed)
    if not deleted:
        return evidence
    return replace(evidence, note=parent_note(gap.removed.commit.sha))


def _nested(path: str) -> bool:
    """A license file below the top level, other than in a top-level licenses folder: a vendored
    component's, which may leave together with the component."""
    return "/" in path and not re.match(r"^licen[cs]es?/[^/]+$", path, re.IGNORECASE)


def _replacements(rule: RuleInfo, group: list[Gap]) -> Iterator[Finding]:
    for gap in group:
        removed = gap.removed
        by = " and ".join(item.label for item in gap.replaced_by)
        since = f" (it came in with {_short(gap.since.commit.sha)}, {gap.since.commit.date})" if gap.since else ""
        evidence = [_evidence(gap.removed)]
        if gap.since:
            evidence.insert(0, _evidence(gap.since))
        yield rule.finding(
            f"{removed.path}: the {gap.item.label}{since} was replaced by the {by} in {_short(removed.commit.sha)} "
            f"({removed.commit.date}, \"{removed.commit.title}\"). A relicensing is no removal by itself; the "
            "upstream rules judge whether the terms at the audited revision meet every obligation.",
            subject=removed.path, evidence=tuple(evidence), severity="info")


def _licenses_of(facts: Facts, gap: Gap) -> list[str]:
    """The license keys a removed item was owed under: its own for a license text or notice; for a
    copyright line, the licenses of the file version it left."""
    if gap.item.kind in ("license", "notice"):
        return [gap.item.value]
    if gap.item.kind != "copyright":
        return []
    by_spdx = {spdx_for_key(key): key for key in defined_licenses()}
    before = next((e.licenses_before for e in facts.timeline
                   if e.commit.sha == gap.removed.commit.sha and e.path == gap.removed.path), ())
    return [by_spdx[spdx] for spdx in before if spdx in by_spdx]


@dataclass(frozen=True)
class _Terms:
    """What the removed items' own licenses say about them: clauses, and who asks for what."""

    clauses: tuple[str, ...]
    asks: tuple[str, ...]  # "the Llama 3.1 Community License Agreement asks that ..." sentences
    unknown: tuple[str, ...]  # license names without obligations on file


def _terms(facts: Facts, group: list[Gap]) -> _Terms:
    licenses = defined_licenses()
    owed: dict[str, set[int]] = {}  # license key -> indexes of the obligations the removal breaks
    unknown: dict[str, None] = {}
    for gap in group:
        for key in _licenses_of(facts, gap):
            info: LicenseInfo | None = licenses.get(key)
            if info is None or not info.obligations:
                unknown[license_name(key)] = None
                continue
            # The first kind the license has is what this item is owed as.
            index = next((i for kind in _OWED[gap.item.kind] for i, o in enumerate(info.obligations)
                          if o.kind == kind), None)
            if index is not None:
                owed.setdefault(key, set()).add(index)
    clauses, asks = [], []
    for key, indexes in owed.items():
        info = licenses[key]
        wants = []
        for obligation in (info.obligations[i] for i in sorted(indexes)):  # in the license's own order
            clauses.append(obligation.clause)
            section = obligation.clause.split(":")[0]
            wants.append(_ASKS[obligation.kind] + (f" ({section})" if " " in section else ""))
        asks.append(f"The {info.name} asks that {' and that '.join(wants)}.")
    return _Terms(tuple(clauses), tuple(asks), tuple(unknown))


def _remediation(terms: _Terms, restore: str) -> str:
    parts = [restore, *terms.asks]
    if terms.unknown:
        parts.append(f"The tool has no obligations on file for the {_join(list(terms.unknown))}: read its own "
                     "terms on what copies must carry.")
    elif not terms.asks:
        parts.append("Read what was removed (the evidence gives the commit and file): a license text or notice "
                     "usually has to travel with every copy.")
    return " ".join(parts)


def license_removed(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    deleted = {(e.commit.sha, e.path) for e in facts.timeline if e.change == "deleted"}
    for group in _group(facts.gaps, lambda g: (g.removed.commit.sha, g.removed.path)):
        yield from _replacements(rule, [g for g in group if g.replaced_by])
        group = [g for g in group if not g.replaced_by]
        if not group:
            continue
        removed = group[0].removed
        commit = removed.commit
        was_deleted = (commit.sha, removed.path) in deleted
        how = "deleted" if was_deleted else "changed"
        absent = [g for g in group if g.restored is None]
        severity = rule.severity if absent else "warning"
        check = ""
        if absent and all(g.item.kind == "document" for g in group):
            severity, check = "warning", " The file cannot be read: check what it held."
        elif absent and all(g.item.kind == "policy" for g in group):
            # A use policy binds by reference too: whether its restrictions still reach users is
            # use-restrictions-missing's judgement, not this rule's.
            severity, check = "warning", (" A use policy may also be passed on by reference (its name and URL "
                                          "in the license or NOTICE): check that the restrictions still reach users.")
        elif absent and _nested(removed.path):
            severity, check = "warning", (" It sat below the top level: check whether the component it "
                                          "covered left the repository with it.")
        if absent:
            status = "still absent at the audited revision"
        else:
            back = sorted({g.restored.commit.sha[:12] for g in group if g.restored})
            status = f"restored later (in {', '.join(back)})"
        terms = _terms(facts, group)
        if absent:
            restore = (f"Restore the {_labels(absent)} (`git show {_short(commit.sha)}^:{removed.path}` prints "
                       "the version before the removal).")
        else:
            restore = "Keep the restored text where it is now; the late-restoration finding covers the gap."
        yield rule.finding(
            f"{removed.path} was {how} in {_short(commit.sha)} ({commit.date}, \"{commit.title}\"), "
            f"removing the {_labels(group)} from the repository; {status}.{check}",
            subject=removed.path,
            evidence=tuple(_removal_evidence(g, was_deleted) for g in group),
            severity=severity, references=terms.clauses, remediation=_remediation(terms, restore),
        )


def attribution_restored_late(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    closed = [g for g in facts.gaps if g.restored is not None]
    deleted = {(e.commit.sha, e.path) for e in facts.timeline if e.change == "deleted"}
    for group in _group(tuple(closed), lambda g: (g.removed.commit.sha, g.restored.commit.sha)):
        first = group[0]
        removed, restored = first.removed, first.restored
        assert restored is not None
        window = format_duration(restored.commit.timestamp - removed.commit.timestamp)
        uploads, code = first.weight_uploads, first.code_uploads
        published = (
            f"; {len(uploads)} of them uploaded weights without it" if uploads else "; no weights changed in it"
        )
        if code:
            published += f", {len(code)} changed modeling code"
        was_deleted = (removed.commit.sha, removed.path) in deleted
        evidence = [_removal_evidence(g, was_deleted) for g in group]
        evidence += [_evidence(g.restored) for g in group if g.restored]
        evidence += [
            Evidence(commit=u.commit.sha, date=u.commit.date, path=u.paths[0],
                     excerpt=f"weights uploaded during the gap: {', '.join(u.paths)}")
            for u in uploads
        ]
        evidence += [
            Evidence(commit=u.commit.sha, date=u.commit.date, path=u.paths[0],
                     excerpt=f"modeling code changed during the gap: {', '.join(u.paths)}")
            for u in code
        ]
        terms = _terms(facts, group)
        yield rule.finding(
            f"The {_labels(group)} removed from {removed.path} in {_short(removed.commit.sha)} "
            f"({removed.commit.date}) came back in {restored.path} in {_short(restored.commit.sha)} "
            f"({restored.commit.date}, \"{restored.commit.title}\"): absent for {window} across "
            f"{first.commits_in_gap} commit{'s' if first.commits_in_gap != 1 else ''}{published}.",
            subject=removed.path,
            evidence=tuple(evidence), references=terms.clauses,
            remediation=_remediation(terms, (
                "Keep the restored text. If revisions inside the window are still downloadable (tags, branches, "
                "pinned commits), publish a notice that they carry the same license, or remove them.")),
        )
