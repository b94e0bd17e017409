"""SARIF 2.1.0 for code-scanning UIs: rules with help, stable fingerprints, waivers as suppressions."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from auditor.escape import dump_json
from auditor.model import Audit, Finding

_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


def fingerprint(finding: Finding) -> str:
    """Stable across runs and message rewording: rule, subject and where it points."""
    where = next((e.path for e in finding.evidence if e.path), "")
    return hashlib.sha256(f"{finding.rule}\0{finding.subject}\0{where}".encode()).hexdigest()[:32]


def _location(finding: Finding) -> dict:
    evidence = next((e for e in finding.evidence if e.path), None)
    physical: dict = {"artifactLocation": {"uri": quote(evidence.path) if evidence else "."}}
    if evidence and evidence.line:
        physical["region"] = {"startLine": evidence.line}
    return {"physicalLocation": physical}


def render_sarif(audit: Audit) -> str:
    index = {rule.id: number for number, rule in enumerate(audit.rules)}
    rules = [{
        "id": rule.id, "name": rule.id, "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description}, "help": {"text": rule.remediation},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"references": list(rule.references)},
    } for rule in audit.rules]
    results = []
    for finding in audit.findings:
        result = {
            "ruleId": finding.rule,
            "level": _LEVELS[finding.severity],
            "message": {"text": finding.message},
            "locations": [_location(finding)],
            "partialFingerprints": {"modelLicenseAuditor/v1": fingerprint(finding)},
            "properties": {"subject": finding.subject, "remediation": finding.remediation,
                           "references": list(finding.references)},
        }
        if finding.rule in index:
            result["ruleIndex"] = index[finding.rule]
        if finding.waived and finding.waiver:
            result["suppressions"] = [{"kind": "external", "status": "accepted",
                                       "justification": f"{finding.waiver.reason}: {finding.waiver.comment}".strip()}]
        results.append(result)
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "model-license-auditor", "version": audit.tool_version,
                                "informationUri": "https://pypi.org/project/model-license-auditor/",
                                "rules": rules}},
            "results": results,
            "properties": {"rulesDigest": audit.rules_digest, "revision": audit.facts.target.revision},
        }],
    }
    return dump_json(log) + "\n"
