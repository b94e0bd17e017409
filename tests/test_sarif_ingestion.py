"""GitHub code scanning's own SARIF ingestion rules (Microsoft's sarif-multitool, `--rule-kind Ghas`)
accept what the scan writes: a demo that passes and a repo that fails with card, history and upstream
findings at once. The validator is a .NET tool from npm; .ci/run installs it, elsewhere the test skips."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import run_cli
from test_reports import build_failing_repo

from auditor.demo import build_demo_repo

MULTITOOL = os.environ.get("SARIF_MULTITOOL") or shutil.which("sarif-multitool")
pytestmark = pytest.mark.skipif(
    MULTITOOL is None, reason="no sarif-multitool (npm install @microsoft/sarif-multitool, or set SARIF_MULTITOOL)")


def ingestion_problems(sarif: Path, tmp_path: Path) -> list[tuple[str, str, str]]:
    """(rule, level, message) for each GitHub ingestion rule or SARIF error the validator reports."""
    out = tmp_path / "validation.sarif"
    subprocess.run([MULTITOOL, "validate", "--rule-kind", "Ghas;Sarif", "-o", str(out), str(sarif)],
                   check=True, capture_output=True, text=True, timeout=300)
    results = json.loads(out.read_text())["runs"][0]["results"]
    return [(r["ruleId"], r.get("level", "warning"), json.dumps(r["message"])) for r in results
            if r["ruleId"].startswith("GH") or r.get("level") == "error"]


@pytest.mark.parametrize("case", ["demo", "failing"])
def test_github_ingestion_rules_accept_the_sarif(case, repo, tmp_path):
    if case == "demo":
        path = build_demo_repo(tmp_path / "demo")
    else:
        build_failing_repo(repo)
        path = repo.path
    sarif = tmp_path / "audit.sarif"
    result = run_cli("scan", str(path), "--output", str(sarif))
    assert result.returncode == (0 if case == "demo" else 1), result.stderr
    assert json.loads(sarif.read_text())["runs"][0]["results"]
    assert ingestion_problems(sarif, tmp_path) == []


def test_the_validator_does_catch_a_result_github_cannot_place(tmp_path):
    """The check above means something: a result without a region is rejected by the same run."""
    path = build_demo_repo(tmp_path / "demo")
    log = json.loads(run_cli("scan", str(path), "--format", "sarif").stdout)
    log["runs"][0]["results"][0]["locations"] = []
    broken = tmp_path / "broken.sarif"
    broken.write_text(json.dumps(log))
    assert any(rule.startswith("GH") for rule, _, _ in ingestion_problems(broken, tmp_path))
