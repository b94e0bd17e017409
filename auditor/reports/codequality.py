"""GitLab Code Quality report: a JSON array of issues, each with a location GitLab can show in the
merge request. Waived findings are kept, at severity info, with the waiver in the description."""

from __future__ import annotations

from auditor.escape import dump_json
from auditor.model import Audit
from auditor.reports.sarif import fingerprints

_SEVERITY = {"error": "critical", "warning": "major", "info": "info"}


def render_codequality(audit: Audit) -> str:
    issues = []
    for finding, fingerprint in zip(audit.findings, fingerprints(audit.findings), strict=True):
        description = f"{finding.rule} ({finding.subject}): {finding.message}"
        severity = _SEVERITY[finding.severity]
        if finding.waived and finding.waiver:
            description += f" [waived: {finding.waiver.reason}]"
            severity = "info"
        location = finding.location
        issues.append({
            "type": "issue",
            "description": description,
            "check_name": finding.rule,
            "categories": ["Compliance"],
            "severity": severity,
            "fingerprint": fingerprint,
            "location": {"path": location.path if location else ".",
                         "lines": {"begin": location.line if location else 1}},
        })
    return dump_json(issues) + "\n"
