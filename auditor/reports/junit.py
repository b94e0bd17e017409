"""JUnit XML for CI systems that show test reports: one test case per finding (failed at or above
--fail-on, skipped when waived, passed with its text below --fail-on) and one passed case per rule
that found nothing, so the report lists everything that was checked."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from auditor.model import Audit
from auditor.reports.ci import where
from auditor.reports.summary import blocking, verdict_sentence

# XML 1.0 cannot carry most control characters, which repo strings may hold.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: object) -> str:
    return _INVALID.sub("?", "" if value is None else str(value))


def _details(finding, audit: Audit) -> str:
    lines = [f"{finding.severity}: {finding.message}", f"at {where(finding)}"]
    for evidence in finding.evidence:
        at = f"{evidence.path}:{evidence.line}" if evidence.path and evidence.line else evidence.path or ""
        past = evidence.commit and evidence.commit != audit.facts.target.revision
        commit = f" ({evidence.commit[:12]})" if past else ""
        lines.append(f"evidence: {at}{commit} {evidence.excerpt or ''}".rstrip())
    if finding.remediation:
        lines.append(f"fix: {finding.remediation}")
    return _text("\n".join(lines))


def render_junit(audit: Audit) -> str:
    failing = {id(f) for f in blocking(audit)}
    suite = ET.Element("testsuite", name="model-license-auditor")
    cases = failures = skipped = 0
    found_rules = {f.rule for f in audit.findings}
    for finding in audit.findings:
        cases += 1
        case = ET.SubElement(suite, "testcase", classname=f"license-audit.{finding.rule}",
                             name=_text(f"{finding.rule}: {finding.subject}"))
        if finding.location is not None:
            case.set("file", _text(finding.location.path))
            case.set("line", str(finding.location.line))
        if id(finding) in failing:
            failures += 1
            failure = ET.SubElement(case, "failure", type=finding.severity, message=_text(finding.message))
            failure.text = _details(finding, audit)
        elif finding.waived and finding.waiver:
            skipped += 1
            ET.SubElement(case, "skipped", message=_text(f"waived ({finding.waiver.reason}): {finding.waiver.comment}"))
        else:
            ET.SubElement(case, "system-out").text = _details(finding, audit)
    for rule in audit.rules:
        if rule.id not in found_rules:
            cases += 1
            ET.SubElement(suite, "testcase", classname=f"license-audit.{rule.id}",
                          name=_text(f"{rule.id}: {rule.title}"))
    suite.set("tests", str(cases))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    ET.SubElement(suite, "system-out").text = _text(verdict_sentence(audit))
    root = ET.Element("testsuites", name="license audit", tests=str(cases), failures=str(failures))
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
