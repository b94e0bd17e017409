"""SARIF 2.1.0 that code scanning accepts and places: every result at a file of the audited revision
with a start line (auditor/locations.py), history evidence about files that are gone as related
locations, unique stable fingerprints, rules with help, waivers as suppressions."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

from auditor.checks import CHECKS
from auditor.escape import dump_json
from auditor.model import Audit, Evidence, Finding, RuleInfo

_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_PROBLEM = {"error": "error", "warning": "warning", "info": "recommendation"}
# How often a rule's findings are right, as SARIF says it: error findings must be right.
_PRECISION = {"error": "high", "warning": "medium", "info": "medium"}
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
HELP_URI = "https://pypi.org/project/model-license-auditor/#rules"


def _digest(*parts: object) -> str:
    return hashlib.sha256("\0".join("" if p is None else str(p) for p in parts).encode()).hexdigest()


def fingerprints(findings: tuple[Finding, ...]) -> list[str]:
    """One per finding, unique within the audit and stable across runs and message rewording: rule,
    subject, location and what the evidence points at; repeats are numbered in report order."""
    seen: dict[str, int] = {}
    out = []
    for finding in findings:
        where = finding.location.to_dict() if finding.location else None
        evidence = sorted((e.commit or "", e.path or "", e.line or 0, e.excerpt or "") for e in finding.evidence)
        base = _digest(finding.rule, finding.subject, where, evidence)[:32]
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}:{seen[base]}")
    return out


def _line_text(audit: Audit, finding: Finding) -> str | None:
    """The text of the primary line, where the audit read it: the card, or current evidence."""
    location = finding.location
    assert location is not None
    facts = audit.facts
    if location.path == facts.card_path:
        lines = facts.readme_text.split("\n")  # numbered as git numbers them
        return lines[location.line - 1] if location.line <= len(lines) else None
    return next((e.excerpt for e in finding.evidence if e.path == location.path and e.line == location.line
                 and e.commit in (None, facts.target.revision)), None)


def _physical(path: str, line: int | None) -> dict:
    physical: dict = {"artifactLocation": {"uri": quote(path), "uriBaseId": "SRCROOT"}}
    if line:
        physical["region"] = {"startLine": line}
    return physical


def _related(audit: Audit, finding: Finding) -> list[dict]:
    """Evidence that is not the primary location: other files, and history (files since deleted)."""
    primary = finding.location
    related = []
    for evidence in finding.evidence:
        if not evidence.path or (primary and evidence.path == primary.path and (evidence.line or 1) == primary.line
                                 and evidence.commit in (None, audit.facts.target.revision)):
            continue
        related.append({"id": len(related), "physicalLocation": _physical(evidence.path, evidence.line),
                        "message": {"text": _evidence_text(audit, evidence)}})
    return related


def _evidence_text(audit: Audit, evidence: Evidence) -> str:
    where = evidence.path or ""
    gone = where not in audit.facts.paths
    if evidence.commit and (gone or evidence.commit != audit.facts.target.revision):
        where += f" in commit {evidence.commit[:12]}{f' ({evidence.date})' if evidence.date else ''}"
    if gone:
        where += ", not in the audited revision"
    return f"{where}: {evidence.excerpt}" if evidence.excerpt else where


def _rule(rule: RuleInfo) -> dict:
    check = CHECKS.get(rule.check)
    area = check.__module__.rsplit(".", 1)[-1] if check else "policy"
    references = "".join(f"\n- {reference}" for reference in rule.references)
    markdown = (f"**{rule.title}**\n\n{rule.description}\n\n**Fix:** {rule.remediation}\n"
                + (f"\n**Clauses and references:**\n{references}\n" if references else "")
                + f"\n`auditor rules --explain {rule.id}` prints this help.")
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "helpUri": HELP_URI,
        "help": {"text": rule.remediation, "markdown": markdown},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"tags": ["license-compliance", area], "precision": _PRECISION[rule.severity],
                       "problem.severity": _PROBLEM[rule.severity], "references": list(rule.references)},
    }


def _provenance(audit: Audit) -> list[dict]:
    target = audit.facts.target
    if not target.revision:
        return []
    if target.kind == "hub":
        uri = f"https://huggingface.co/{quote(target.path)}"
    else:
        uri = Path(target.path).resolve().as_uri()
    return [{"repositoryUri": uri, "revisionId": target.revision, "mappedTo": {"uriBaseId": "SRCROOT"}}]


def render_sarif(audit: Audit) -> str:
    index = {rule.id: number for number, rule in enumerate(audit.rules)}
    results = []
    for finding, fingerprint in zip(audit.findings, fingerprints(audit.findings), strict=True):
        result: dict = {
            "ruleId": finding.rule,
            "level": _LEVELS[finding.severity],
            "message": {"text": finding.message},
            "partialFingerprints": {"modelLicenseAuditor/v1": fingerprint},
            "properties": {"subject": finding.subject, "remediation": finding.remediation,
                           "references": list(finding.references)},
        }
        if finding.location is not None:
            result["locations"] = [{"physicalLocation": _physical(finding.location.path, finding.location.line)}]
            line = _line_text(audit, finding)
            if line is not None:
                result["partialFingerprints"]["primaryLocationLineHash"] = \
                    f"{_digest(finding.location.path, ' '.join(line.split()))[:16]}:1"
        if related := _related(audit, finding):
            result["relatedLocations"] = related
        if finding.rule in index:
            result["ruleIndex"] = index[finding.rule]
        if finding.waived and finding.waiver:
            result["suppressions"] = [{"kind": "external", "status": "accepted",
                                       "justification": f"{finding.waiver.reason}: {finding.waiver.comment}".strip()}]
        results.append(result)
    run: dict = {
        "tool": {"driver": {"name": "model-license-auditor", "version": audit.tool_version,
                            "informationUri": "https://pypi.org/project/model-license-auditor/",
                            "rules": [_rule(rule) for rule in audit.rules]}},
        "results": results,
        "properties": {"rulesDigest": audit.rules_digest, "revision": audit.facts.target.revision},
    }
    if provenance := _provenance(audit):
        run["versionControlProvenance"] = provenance
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return dump_json(log) + "\n"
