"""Accepted findings: `.auditor.yaml` at the repo root and `--waivers FILE`.

A waiver matches on rule id plus subject (a glob), never on message text. A waived finding is still
reported, marked as waived, and does not count toward --fail-on; an expired waiver stops applying
and the finding says so.
"""

from __future__ import annotations

import datetime
import fnmatch
from dataclasses import dataclass, replace

from auditor.errors import AuditorError
from auditor.model import Finding, Waiver
from auditor.safeload import UnsafeDocument, load_yaml

REASONS = ("license-acquired", "not-distributed", "upstream-permission", "false-positive", "other")
REPO_FILE = ".auditor.yaml"


@dataclass(frozen=True)
class WaiverRule:
    rule: str
    subject: str
    reason: str
    comment: str
    expires: datetime.date | None
    source: str


def parse_waivers(text: str | bytes, source: str) -> list[WaiverRule]:
    try:
        data = load_yaml(text) or {}
    except UnsafeDocument as exc:
        raise AuditorError(f"{source}: {exc}") from exc
    entries = data.get("waivers") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise AuditorError(f"{source}: expected a `waivers:` list")
    found = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not entry.get("rule") or not entry.get("subject"):
            raise AuditorError(f"{source}: waiver {number} needs `rule` and `subject`")
        reason = str(entry.get("reason", ""))
        if reason not in REASONS:
            raise AuditorError(f"{source}: waiver {number}: reason must be one of {', '.join(REASONS)}")
        expires = entry.get("expires")
        if expires is not None and not isinstance(expires, datetime.date):
            try:
                expires = datetime.date.fromisoformat(str(expires))
            except ValueError as exc:
                raise AuditorError(f"{source}: waiver {number}: expires must be a date (YYYY-MM-DD)") from exc
        found.append(WaiverRule(rule=str(entry["rule"]), subject=str(entry["subject"]), reason=reason,
                                comment=str(entry.get("comment", "")), expires=expires, source=source))
    return found


def matches(waiver: WaiverRule, finding: Finding) -> bool:
    return waiver.rule == finding.rule and fnmatch.fnmatchcase(finding.subject, waiver.subject)


def apply_waivers(findings: tuple[Finding, ...], waivers: list[WaiverRule],
                  today: datetime.date) -> tuple[Finding, ...]:
    out = []
    for finding in findings:
        match = next((w for w in waivers if matches(w, finding)), None)
        if match is None:
            out.append(finding)
            continue
        expired = match.expires is not None and match.expires < today
        out.append(replace(finding, waiver=Waiver(
            reason=match.reason, comment=match.comment,
            expires=match.expires.isoformat() if match.expires else None, expired=expired, source=match.source)))
    return tuple(out)


def unused_waivers(findings: tuple[Finding, ...], waivers: list[WaiverRule]) -> list[str]:
    """A note per waiver that matches no finding: a misspelt rule id or subject waives nothing."""
    notes = []
    for waiver in waivers:
        if not any(matches(waiver, finding) for finding in findings):
            notes.append(f"{waiver.source}: waiver for rule {waiver.rule!r}, subject {waiver.subject!r} matched "
                         f"no finding (unused; check the rule id with `auditor rules` and the subject)")
    return notes
