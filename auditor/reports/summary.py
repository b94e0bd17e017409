"""The one-sentence verdict every human-facing report leads with."""

from __future__ import annotations

from auditor.model import SEVERITIES, Audit, Finding


def blocking(audit: Audit) -> list[Finding]:
    """The findings that make the audit fail: not waived, at or above --fail-on."""
    if audit.fail_on == "never":
        return []
    limit = SEVERITIES.index(audit.fail_on)
    return [f for f in audit.findings if not f.waived and SEVERITIES.index(f.severity) <= limit]


def verdict_sentence(audit: Audit) -> str:
    counts = audit.counts()
    if audit.failed():
        failing = blocking(audit)
        first = failing[0]
        more = f", and {len(failing) - 1} more" if len(failing) > 1 else ""
        return (f"Fails: {len(failing)} finding{'s' if len(failing) != 1 else ''} at or above {audit.fail_on}: "
                f"{first.rule} ({first.subject}){more}.")
    review = [f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}" for s in SEVERITIES if counts[s]]
    tail = f"; {' and '.join(review)} to review" if review else ""
    return f"Passes: no finding at or above {audit.fail_on}{tail}."
