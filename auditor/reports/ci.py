"""What a CI log shows whatever the --output targets: the verdict, each blocking finding with its
rule, subject and location, and (on GitHub Actions) `::error file=…,line=…::` annotations."""

from __future__ import annotations

from auditor.model import SEVERITIES, Audit, Finding
from auditor.reports.summary import blocking
from auditor.reports.text import oneline

_MAX_LISTED = 50
_ANNOTATION = {"error": "error", "warning": "warning", "info": "notice"}
# The rule whose findings are shown in every log, blocking or not: results rest on the history read.
_HISTORY_RULE = "history-incomplete"


def where(finding: Finding) -> str:
    if finding.location is None:
        return "the repository"
    return f"{finding.location.path}:{finding.location.line}"


def log_summary(audit: Audit) -> str:
    counts = audit.counts()
    target = audit.facts.target
    tally = ", ".join(f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}" for s in SEVERITIES)
    waived = f", {counts['waived']} waived" if counts["waived"] else ""
    revision = f" at {target.revision[:12]}" if target.revision else ""
    lines = [f"License audit of {oneline(target.path)}{revision}: {'FAIL' if audit.failed() else 'PASS'} "
             f"({tally}{waived}; --fail-on {audit.fail_on})"]
    listed = blocking(audit)
    shown = listed[:_MAX_LISTED]
    shown += [f for f in audit.findings if f.rule == _HISTORY_RULE and f not in listed and not f.waived]
    for finding in shown:
        lines.append(f"  {finding.severity.upper():<8}{finding.rule} ({oneline(finding.subject)}) at {where(finding)}: "
                     f"{oneline(finding.message)}")
    if len(listed) > _MAX_LISTED:
        lines.append(f"  and {len(listed) - _MAX_LISTED} more at or above {audit.fail_on} in the report")
    rest = sum(1 for f in audit.findings if not f.waived) - len(shown) - max(len(listed) - _MAX_LISTED, 0)
    if rest > 0:
        lines.append(f"  {rest} finding{'s' if rest != 1 else ''} below --fail-on {audit.fail_on}: see the report")
    return "\n".join(lines) + "\n"


def _escape(value: str, prop: bool = False) -> str:
    """GitHub workflow-command escaping; properties also escape ':' and ','."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def github_annotations(audit: Audit) -> str:
    """One workflow command per finding that is not waived; GitHub shows them on the file and line."""
    lines = []
    for finding in audit.findings:
        if finding.waived:
            continue
        props = [f"title={_escape(oneline(f'{finding.rule} ({finding.subject})'), prop=True)}"]
        if finding.location is not None:
            props = [f"file={_escape(oneline(finding.location.path), prop=True)}",
                     f"line={finding.location.line}", *props]
        lines.append(f"::{_ANNOTATION[finding.severity]} {','.join(props)}::{_escape(oneline(finding.message))}")
    return "".join(line + "\n" for line in lines)
