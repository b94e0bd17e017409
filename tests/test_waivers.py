"""Waivers: match on rule id plus subject, still reported, not counted; expired ones stop applying."""

from __future__ import annotations

import datetime
import json

from helpers import MIT_TEXT, card, findings, run_cli, scan


def _removed_license_repo(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    repo.commit("Drop", "2025-01-02 10:00:00", {"LICENSE": None})


def test_repo_waiver_marks_the_finding_and_clears_the_gate(repo):
    _removed_license_repo(repo)
    assert run_cli("scan", str(repo.path)).returncode == 1
    repo.commit("Accept", "2025-01-03 10:00:00", {".auditor.yaml": (
        "waivers:\n  - rule: license-removed\n    subject: LIC*\n    reason: not-distributed\n"
        "    comment: the weights were never published\n    expires: 2099-01-01\n")})
    result = run_cli("scan", str(repo.path), "--format", "json")
    assert result.returncode == 0
    doc = json.loads(result.stdout)
    [waived] = findings(doc, "license-removed")
    assert waived["waiver"] == {"reason": "not-distributed", "comment": "the weights were never published",
                                "expires": "2099-01-01", "expired": False, "source": ".auditor.yaml"}
    assert doc["summary"]["error"] == 0 and doc["summary"]["waived"] == 1
    assert "WAIVED: not-distributed" in run_cli("scan", str(repo.path)).stdout


def test_expired_waiver_stops_applying_and_says_so(repo, tmp_path):
    _removed_license_repo(repo)
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n  - {rule: license-removed, subject: LICENSE, reason: license-acquired,"
                       " expires: 2025-06-30}\n")
    doc = scan(repo.path, waivers=waivers, today=datetime.date(2025, 7, 1))
    [finding] = findings(doc, "license-removed")
    assert finding["waiver"]["expired"] is True
    assert doc["summary"]["verdict"] == "fail" and doc["summary"]["waived"] == 0
    assert scan(repo.path, waivers=waivers, today=datetime.date(2025, 6, 30))["summary"]["verdict"] == "pass"
    result = run_cli("scan", str(repo.path), "--waivers", str(waivers))
    assert "WAIVER EXPIRED" in result.stdout


def test_waivers_match_rule_and_subject_never_message(repo, tmp_path):
    _removed_license_repo(repo)
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n  - {rule: license-removed, subject: NOTICE, reason: other}\n"
                       "  - {rule: license-missing, subject: LICENSE, reason: other}\n")
    doc = scan(repo.path, waivers=waivers)
    assert all(f["waiver"] is None for f in doc["findings"])


def test_bad_waivers_and_rules_explain(repo, tmp_path):
    _removed_license_repo(repo)
    bad = tmp_path / "bad.yaml"
    bad.write_text("waivers:\n  - {rule: license-removed, subject: LICENSE, reason: because}\n")
    result = run_cli("scan", str(repo.path), "--waivers", str(bad))
    assert result.returncode == 2 and "reason must be one of" in result.stderr
    assert result.stderr.count("\n") == 1
    explained = run_cli("rules", "--explain", "upstream-notice-missing")
    assert explained.returncode == 0
    assert "Notice file" in explained.stdout and "Remediation:" in explained.stdout
    assert run_cli("rules", "--explain", "nope").returncode == 2


def test_a_broken_waivers_file_in_the_audited_repo_is_noted_not_fatal(repo):
    _removed_license_repo(repo)
    repo.commit("Bad waivers", "2025-01-03 10:00:00", {".auditor.yaml": "- just a list\n"})
    result = run_cli("scan", str(repo.path), "--format", "json")
    assert result.returncode == 1  # the finding stands
    doc = json.loads(result.stdout)
    assert any(".auditor.yaml: expected a `waivers:` list" in note for note in doc["notes"])
