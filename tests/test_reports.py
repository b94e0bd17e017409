"""SARIF, Markdown and HTML reports: validity, stability, hostile input rendered inert."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from helpers import (
    HOSTILE_FILE,
    HOSTILE_LINK,
    build_hostile_repo,
    run_cli,
)

from auditor.demo import build_demo_repo

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


def test_sarif_validates_and_fingerprints_are_stable(tmp_path):
    path = build_demo_repo(tmp_path / "demo")
    first = run_cli("scan", str(path), "--format", "sarif")
    second = run_cli("scan", str(path), "--format", "sarif")
    log = json.loads(first.stdout)
    jsonschema.validate(log, SCHEMA)
    assert first.stdout == second.stdout
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["attribution-restored-late"]["help"]["text"]
    result = next(r for r in run["results"] if r["ruleId"] == "license-removed")
    assert result["level"] == "warning"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "LICENSE"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert len(result["partialFingerprints"]["modelLicenseAuditor/v1"]) == 32


def test_waived_findings_are_suppressed_in_sarif(repo, tmp_path):
    build_hostile_repo(repo)
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n  - {rule: license-removed, subject: 'LICENSE-*', reason: false-positive,"
                       " comment: test}\n")
    log = json.loads(run_cli("scan", str(repo.path), "--format", "sarif", "--waivers", str(waivers)).stdout)
    jsonschema.validate(log, SCHEMA)
    [removed] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "license-removed"]
    assert removed["suppressions"][0]["status"] == "accepted"
    assert removed["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("LICENSE-%22%3E")


def test_several_outputs_follow_their_suffixes(tmp_path):
    path = build_demo_repo(tmp_path / "demo")
    outs = [tmp_path / n for n in ("audit.html", "audit.sarif", "audit.json", "audit.md", "audit.txt")]
    args = [a for out in outs for a in ("--output", str(out))]
    result = run_cli("scan", str(path), *args)
    assert result.returncode == 0 and result.stdout == ""
    assert outs[0].read_text().startswith("<!DOCTYPE html>")
    assert json.loads(outs[1].read_text())["version"] == "2.1.0"
    assert json.loads(outs[2].read_text())["schema"] == "model-audit/1"
    assert outs[3].read_text().startswith("### License audit:")
    assert outs[4].read_text().startswith("model-license-auditor")


def test_html_is_self_contained_and_hostile_strings_are_inert(repo):
    build_hostile_repo(repo)
    html = run_cli("scan", str(repo.path), "--format", "html").stdout
    assert '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'' in html
    for raw in ("<script>alert", "<img src=x", 'href="javascript:', "<b>Model</b>"):
        assert raw not in html, raw
    assert "&lt;script&gt;alert(" in html and "&lt;img src=x onerror=alert(" in html
    assert HOSTILE_LINK.replace("'", "&#39;") in html  # shown as text, not as a link
    assert "src=\"http" not in html and "href=\"http" not in html and "@import" not in html
    assert html.count("<script>") == 1  # only the report's own filter script
    # markdown for PR comments escapes too
    md = run_cli("scan", str(repo.path), "--format", "markdown").stdout
    assert "<img" not in md and "<script" not in md
    assert HOSTILE_FILE in run_cli("scan", str(repo.path)).stdout
