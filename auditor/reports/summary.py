"""The one-sentence verdict every human-facing report leads with."""

from __future__ import annotations

from auditor.model import SEVERITIES, Audit


def verdict_sentence(audit: Audit) -> str:
    counts = audit.counts()
    if audit.failed():
        limit = SEVERITIES.index(audit.fail_on)
        blocking = [f for f in audit.findings if not f.waived and SEVERITIES.index(f.severity) <= limit]
        first = blocking[0]
        more = f", and {len(blocking) - 1} more" if len(blocking) > 1 else ""
        return (f"Fails: {len(blocking)} finding{'s' if len(blocking) != 1 else ''} at or above {audit.fail_on}: "
                f"{first.rule} ({first.subject}){more}.")
    review = [f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}" for s in SEVERITIES if counts[s]]
    tail = f"; {' and '.join(review)} to review" if review else ""
    return f"Passes: no finding at or above {audit.fail_on}{tail}."
