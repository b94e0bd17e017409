"""SARIF, Markdown and HTML reports: validity, stability, hostile input rendered inert."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
from helpers import (
    HOSTILE_FILE,
    HOSTILE_LINK,
    MIT_TEXT,
    build_hostile_repo,
    card,
    config_json,
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
    # LICENSE is gone at the revision: the result sits on NOTICE, which holds the text now
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "NOTICE"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    assert result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "LICENSE"
    assert result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 3
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
    assert removed["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("LICENSE-%22%3E")


def test_several_outputs_follow_their_suffixes(tmp_path):
    path = build_demo_repo(tmp_path / "demo")
    outs = [tmp_path / n for n in ("audit.html", "audit.sarif", "audit.json", "audit.md", "audit.txt")]
    args = [a for out in outs for a in ("--output", str(out))]
    result = run_cli("scan", str(path), *args)
    assert result.returncode == 0 and result.stdout.startswith("License audit of")
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


LLAMA31_8B = dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                  num_key_value_heads=8, vocab_size=128256, max_position_embeddings=131072)


def build_failing_repo(repo) -> None:
    """A Llama derivative relabelled Apache whose LICENSE was then deleted: repo-level, card and
    history findings at once."""
    repo.commit("Add", "2025-01-01 10:00:00", {
        "README.md": card("license: apache-2.0") + "SovereignLM\n", "LICENSE": "Copyright 2024 Example\n\n" + MIT_TEXT,
        "config.json": config_json("LlamaForCausalLM", "llama", **LLAMA31_8B)})
    repo.commit("Drop the license", "2025-01-02 10:00:00", {"LICENSE": None})


def test_sarif_places_every_result_at_a_file_of_the_revision(repo):
    build_failing_repo(repo)
    log = json.loads(run_cli("scan", str(repo.path), "--format", "sarif").stdout)
    jsonschema.validate(log, SCHEMA)
    run = log["runs"][0]
    head = repo.git("rev-parse", "HEAD").strip()
    files = set(repo.git("ls-tree", "-r", "--name-only", "HEAD").split())
    assert run["versionControlProvenance"][0]["revisionId"] == head
    assert len(run["results"]) >= 6
    for result in run["results"]:
        [location] = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] in files, result
        assert physical["region"]["startLine"] >= 1, result
        assert result["partialFingerprints"]["primaryLocationLineHash"]
    fingerprints = [r["partialFingerprints"]["modelLicenseAuditor/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)
    removed = next(r for r in run["results"] if r["ruleId"] == "license-removed")
    # the fix goes into the card's license line; the deleted file is history, in relatedLocations
    assert removed["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "README.md"
    assert removed["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    related = removed["relatedLocations"]
    assert {r["physicalLocation"]["artifactLocation"]["uri"] for r in related} == {"LICENSE"}
    assert all("not in the audited revision" in r["message"]["text"] for r in related)
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["name"] != rule["id"] and rule["helpUri"].startswith("https://") and rule["help"]["markdown"]
        assert rule["properties"]["tags"] and rule["properties"]["precision"] in ("high", "medium")
        assert rule["properties"]["problem.severity"] in ("error", "warning", "recommendation")


def test_ci_log_says_why_whatever_the_outputs(repo, tmp_path, monkeypatch):
    build_failing_repo(repo)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = run_cli("scan", str(repo.path), "--output", str(tmp_path / "a.sarif"),
                     "--output", str(tmp_path / "a.html"))
    assert result.returncode == 1
    # the warnings include past-license-conflict: LICENSE held MIT on a Llama derivative for a day
    assert "FAIL (5 errors, 4 warnings, 0 info; --fail-on error)" in result.stdout
    assert "ERROR   license-removed (LICENSE) at README.md:2: LICENSE was deleted in" in result.stdout
    assert "upstream-license-missing (meta-llama/Llama-3.1-8B) at README.md:2" in result.stdout
    assert "4 findings below --fail-on error" in result.stdout
    assert "::error file=README.md,line=2,title=license-removed (LICENSE)::LICENSE was deleted" in result.stdout
    assert "::warning file=README.md,line=" in result.stdout
    # `--output -` is stdout: the report there, the log on stderr
    both = run_cli("scan", str(repo.path), "--format", "json", "--output", "-", "--output", str(tmp_path / "b.md"))
    assert json.loads(both.stdout)["summary"]["verdict"] == "fail"
    assert "license-removed (LICENSE) at README.md:2" in both.stderr and (tmp_path / "b.md").is_file()


def test_unwritable_output_fails_before_the_scan(tmp_path):
    for bad, why in ((tmp_path / "no" / "a.html", "does not exist"), (tmp_path, "is a directory")):
        result = run_cli("scan", str(tmp_path / "not-a-repo"), "--output", str(bad))
        assert result.returncode == 2 and why in result.stderr, result.stderr
        assert len(result.stderr.splitlines()) == 1 and result.stdout == ""


def test_junit_and_gitlab_code_quality(repo, tmp_path):
    build_failing_repo(repo)
    run_cli("scan", str(repo.path), "--output", str(tmp_path / "audit.xml"),
            "--output", f"codequality:{tmp_path / 'gl-code-quality-report.json'}")
    root = ET.parse(tmp_path / "audit.xml").getroot()
    suite = root.find("testsuite")
    assert (suite.get("failures"), root.get("failures")) == ("5", "5")
    failed = {case.get("name") for case in suite.iter("testcase") if case.find("failure") is not None}
    assert "license-removed: LICENSE" in failed
    removed = next(c for c in suite.iter("testcase") if c.get("name") == "license-removed: LICENSE")
    assert (removed.get("file"), removed.get("line")) == ("README.md", "2")
    assert "evidence: LICENSE:1" in removed.find("failure").text
    passed = {c.get("classname") for c in suite.iter("testcase") if not len(c)}
    assert "license-audit.renamed-tensors" in passed  # rules that found nothing are listed as passed
    issues = json.loads((tmp_path / "gl-code-quality-report.json").read_text())
    assert len(issues) == 9 and len({i["fingerprint"] for i in issues}) == 9
    first = next(i for i in issues if i["check_name"] == "license-removed")
    assert first["severity"] == "critical" and first["location"] == {"path": "README.md", "lines": {"begin": 2}}


def test_demo_tells_the_story_and_versions_name_what_decides_results(tmp_path):
    result = run_cli("demo", "--output-dir", str(tmp_path / "demo"))
    assert "WARNING attribution-restored-late:" in result.stdout and "2 of them uploaded weights" in result.stdout
    assert "why: Every revision in between, and any weights uploaded then, was published without it." \
        in result.stdout
    version = run_cli("--version").stdout
    assert "LicenseDB (licensedcode-data) " in version and "rules sha256:" in version
    doc = json.loads((tmp_path / "demo" / "report.json").read_text())
    assert doc["tool"]["licensedb_version"] in version and doc["tool"]["rules_digest"] in version


def test_waivers_that_match_nothing_are_reported_unused(repo, tmp_path):
    build_hostile_repo(repo)
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n  - {rule: licence-removed, subject: '*', reason: other, comment: typo}\n")
    doc = json.loads(run_cli("scan", str(repo.path), "--format", "json", "--waivers", str(waivers)).stdout)
    assert any("'licence-removed'" in note and "matched no finding" in note for note in doc["notes"])
