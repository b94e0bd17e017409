"""The one-sentence verdict every human-facing report leads with."""

from __future__ import annotations

from auditor.model import SEVERITIES, Audit, Finding


def blocking(audit: Audit) -> list[Finding]:
    """The findings that make the audit fail: not waived, at or above --fail-on."""
    if audit.fail_on == "never":
        return []
    limit = SEVERITIES.index(audit.fail_on)
    return [f for f in audit.findings if not f.waived and SEVERITIES.index(f.severity) <= limit]


def _named(findings: list[Finding], shown: int) -> str:
    """'rule (subject)' for the first `shown` findings, then how many more."""
    named = ", ".join(f"{f.rule} ({f.subject})" for f in findings[:shown])
    return named + (f", and {len(findings) - shown} more" if len(findings) > shown else "")


def _warnings(audit: Audit) -> list[Finding]:
    return [f for f in audit.findings if not f.waived and f.severity == "warning"]


def verdict_sentence(audit: Audit) -> str:
    counts = audit.counts()
    if audit.failed():
        failing = blocking(audit)
        return (f"Fails: {len(failing)} finding{'s' if len(failing) != 1 else ''} at or above {audit.fail_on}: "
                f"{_named(failing, 1)}.")
    review = [f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}" for s in SEVERITIES if counts[s]]
    tail = f"; {' and '.join(review)} to review" if review else ""
    if warned := _warnings(audit):
        # A pass with warnings is not a clean bill: say which claims a reviewer must still judge.
        tail += f": {_named(warned, 3)}"
    return f"Passes: no finding at or above {audit.fail_on}{tail}."


def needs_review(audit: Audit) -> bool:
    """A pass that still carries warnings: reports show it apart from a clean pass."""
    return not audit.failed() and bool(_warnings(audit))


def _last_sentence(text: str) -> str:
    sentences = [part.strip() for part in text.replace("\n", " ").split(". ") if part.strip()]
    return (sentences[-1].rstrip(".") + ".") if sentences else ""


def demo_story(audit: Audit, repo: object) -> str:
    """What the demo found and why it matters: each finding, its rule's reason, then the verdict."""
    rules = {rule.id: rule for rule in audit.rules}
    lines = [f"Audited the demo repo {repo}: a fine-tune whose upstream license was deleted, weights uploaded, "
             "and the text restored later.", "What it found:"]
    for finding in audit.findings:
        if finding.waived:
            continue
        lines.append(f"  {finding.severity.upper()} {finding.rule}: {' '.join(finding.message.split())}")
        if finding.rule in rules and (why := _last_sentence(rules[finding.rule].description)):
            lines.append(f"    why: {why}")
    if len(lines) == 2:
        lines.append("  nothing")
    lines.append(verdict_sentence(audit))
    return "\n".join(lines)
