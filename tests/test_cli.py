"""The command line contract: formats, exit codes, rules, demo, determinism."""

from __future__ import annotations

import json

import pytest
from helpers import MIT_TEXT, card, run_cli

from auditor import __version__
from auditor.demo import build_demo_repo


def test_json_is_byte_identical_across_runs_and_has_the_schema(tmp_path):
    path = build_demo_repo(tmp_path / "demo")
    first = run_cli("scan", str(path), "--format", "json")
    second = run_cli("scan", str(path), "--format", "json")
    assert first.returncode == 0 and first.stdout == second.stdout
    doc = json.loads(first.stdout)
    # The keys of model-audit/1 keep their order; later versions add keys, never move or drop one.
    original = ["schema", "tool", "target", "card", "license_files", "lineage", "timeline", "findings", "notes",
                "summary"]
    assert [key for key in doc if key in original] == original
    assert doc["datasets"] == [] and doc["weight_comparisons"] == []
    assert doc["schema"] == "model-audit/1"
    assert doc["tool"]["version"] == __version__ and doc["tool"]["rules_digest"].startswith("sha256:")
    assert len(doc["target"]["revision"]) == 40 and doc["target"]["commits_scanned"] == 7
    assert doc["summary"] == {"error": 0, "warning": 2, "info": 0, "waived": 0, "fail_on": "error",
                              "verdict": "pass"}
    finding = doc["findings"][0]
    assert list(finding) == ["rule", "severity", "message", "subject", "evidence", "remediation", "references",
                             "waiver", "location"]
    assert list(finding["evidence"][0]) == ["commit", "date", "path", "line", "excerpt", "note"]


def test_fail_on_sets_the_exit_code(tmp_path):
    path = build_demo_repo(tmp_path / "demo")  # two warnings, no error
    assert run_cli("scan", str(path)).returncode == 0
    assert run_cli("scan", str(path), "--fail-on", "warning").returncode == 1
    assert run_cli("scan", str(path), "--fail-on", "info").returncode == 1
    assert run_cli("scan", str(path), "--fail-on", "never").returncode == 0


def test_error_fails_by_default_and_output_file_is_written(repo, tmp_path):
    repo.commit("Add", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    repo.commit("Drop", "2025-01-02 10:00:00", {"LICENSE": None})
    out = tmp_path / "audit.json"
    result = run_cli("scan", str(repo.path), "--format", "json", "--output", str(out))
    assert result.returncode == 1 and "FAIL" in result.stdout and "license-removed (LICENSE)" in result.stdout
    assert json.loads(out.read_text())["summary"]["verdict"] == "fail"
    text = run_cli("scan", str(repo.path)).stdout
    assert "ERROR" in text and "license-removed" in text and "Verdict: FAIL" in text


def test_rules_lists_implemented_rules():
    result = run_cli("rules", "--format", "json")
    ids = [r["id"] for r in json.loads(result.stdout)["rules"]]
    # Rule ids are a public contract: none is renamed or dropped; new ones are added.
    assert set(ids) >= {"license-missing", "license-metadata-invalid", "history-incomplete", "license-removed",
                        "attribution-restored-late", "undisclosed-base-model", "renamed-tensors",
                        "upstream-license-missing", "upstream-copyright-missing", "upstream-notice-missing",
                        "declared-license-conflict", "naming-requirement", "use-restrictions-missing",
                        "license-file-mismatch", "code-notice-removed", "dataset-license-conflict",
                        "dataset-terms-restriction", "dataset-attribution-missing", "dataset-unresolved",
                        "base-model-not-confirmed", "upstream-unresolved", "past-license-conflict"}
    assert len(ids) == len(set(ids))
    assert "attribution-restored-late" in run_cli("rules").stdout


def test_user_rules_override_severity_and_add_a_policy(repo, tmp_path):
    repo.commit("Add", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    rules = tmp_path / "policy"
    rules.mkdir()
    (rules / "company.yaml").write_text(
        "rules:\n"
        "  - id: history-incomplete\n    severity: error\n"
        "  - id: no-mit\n    severity: error\n    check: denied-licenses\n    title: MIT is not allowed here\n"
        "    params: {licenses: [MIT]}\n")
    result = run_cli("scan", str(repo.path), "--rules", str(rules), "--format", "json")
    doc = json.loads(result.stdout)
    assert result.returncode == 1
    denied = [f for f in doc["findings"] if f["rule"] == "no-mit"]
    assert {f["subject"] for f in denied} == {"LICENSE", "README.md"}
    default = json.loads(run_cli("scan", str(repo.path), "--format", "json").stdout)
    assert default["tool"]["rules_digest"] != doc["tool"]["rules_digest"]

    (rules / "company.yaml").write_text("rules:\n  - id: x\n    severity: fatal\n    check: denied-licenses\n"
                                        "    title: t\n")
    bad = run_cli("scan", str(repo.path), "--rules", str(rules))
    assert bad.returncode == 2 and "severity must be one of" in bad.stderr


def test_version_and_module_entry_point():
    result = run_cli("--version")
    assert result.returncode == 0 and __version__ in result.stdout


def test_demo_writes_reports_and_says_where(tmp_path):
    result = run_cli("demo", "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 0
    doc = json.loads((tmp_path / "out" / "report.json").read_text())
    assert {f["rule"] for f in doc["findings"]} == {"license-removed", "attribution-restored-late"}
    assert "report.json" in result.stdout and "report.txt" in result.stdout
    assert "attribution-restored-late" in (tmp_path / "out" / "report.txt").read_text()
    # running it again replaces its own repo
    assert run_cli("demo", "--output-dir", str(tmp_path / "out")).returncode == 0


def test_ctrl_c_exits_130_with_one_line(repo, monkeypatch, capsys):
    """click turns Ctrl-C into Abort; the exit code is still the shell's 128 + SIGINT, not bad input."""
    import auditor.pipeline
    from auditor.cli import main

    repo.commit("Upload", "2025-01-01 10:00:00", {"README.md": card()})

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(auditor.pipeline, "audit", interrupted)
    monkeypatch.setattr("sys.argv", ["auditor", "scan", str(repo.path)])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 130
    assert capsys.readouterr().err.strip() == "auditor: interrupted"
