"""A compact Markdown summary for pull-request comments."""

from __future__ import annotations

import re

from auditor.model import SEVERITIES, Audit
from auditor.reports.summary import verdict_sentence

_MAX_ROWS = 50


def cell(value: object) -> str:
    """Repo strings must not break the table, open HTML, or smuggle links into the comment."""
    text = " ".join(str(value or "").split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([|`*_\[\]\\])", r"\\\1", text)


def render_markdown(audit: Audit) -> str:
    data = audit.to_dict()
    summary = data["summary"]
    mark = "❌ FAIL" if audit.failed() else "✅ PASS"
    counts = ", ".join(f"{summary[s]} {s}" for s in SEVERITIES)
    waived = f", {summary['waived']} waived" if summary["waived"] else ""
    lines = [f"### License audit: {mark} ({counts}{waived})",
             "", f"> {cell(verdict_sentence(audit))}", ""]
    if data["lineage"]:
        best = data["lineage"][0]
        license_id = best["license"]["spdx"] if best["license"] else "license unknown"
        lines += [f"Lineage: **{cell(best['upstream'] or best['family'])}** ({cell(license_id)}), "
                  f"{cell(best['relation'])}, confidence {best['confidence']:.2f}", ""]
    findings = data["findings"]
    if findings:
        lines += ["| Severity | Rule | Subject | Finding |", "| --- | --- | --- | --- |"]
        for finding in findings[:_MAX_ROWS]:
            accepted = finding["waiver"] and not finding["waiver"]["expired"]
            severity = finding["severity"] + (" (waived)" if accepted else "")
            subject, message = cell(finding["subject"]), cell(finding["message"])
            lines.append(f"| {severity} | `{finding['rule']}` | {subject} | {message} |")
        if len(findings) > _MAX_ROWS:
            lines.append(f"| | | | and {len(findings) - _MAX_ROWS} more in the full report |")
    else:
        lines.append("No findings.")
    target = data["target"]
    lines += ["", f"<sub>model-license-auditor {data['tool']['version']} · revision "
                  f"{cell((target['revision'] or 'none')[:12])} · {target['commits_scanned']} commits · "
                  f"history {'complete' if target['history_complete'] else 'incomplete'}</sub>", ""]
    return "\n".join(lines)
