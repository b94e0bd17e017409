"""The GitHub Action (action.yml, composite): its audit step's own script, run locally with the
environment the runner gives it (inputs, GITHUB_ACTIONS, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import yaml
from test_reports import SCHEMA, build_failing_repo

ACTION = yaml.safe_load((Path(__file__).resolve().parents[1] / "action.yml").read_text())


def _step(step_id: str) -> dict:
    return next(step for step in ACTION["runs"]["steps"] if step.get("id") == step_id)


def _run_step(step: dict, workspace: Path, **inputs: str) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()} | inputs
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITHUB_"))}
    for name, value in step.get("env", {}).items():
        env[name] = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: values[m[1]], str(value))
    output, summary = workspace / "github-output", workspace / "step-summary.md"
    env.update({"PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", "GITHUB_ACTIONS": "true",
                "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)})
    result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workspace, env=env, capture_output=True, text=True)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines()) if output.exists() else {}
    return result, outputs


def test_action_audits_uploads_and_annotates(repo, tmp_path):
    build_failing_repo(repo)
    result, outputs = _run_step(_step("scan"), tmp_path, path=str(repo.path))
    assert result.returncode == 0 and outputs["exit-code"] == "1", result.stderr  # kept for the last step
    log = json.loads((tmp_path / ACTION["inputs"]["sarif"]["default"]).read_text())
    jsonschema.validate(log, SCHEMA)
    assert (tmp_path / ACTION["inputs"]["html"]["default"]).read_text().startswith("<!DOCTYPE html>")
    assert (tmp_path / "step-summary.md").read_text().startswith("### License audit: ❌ FAIL")
    assert "::error file=README.md,line=2,title=license-removed (LICENSE)::" in result.stdout
    assert "FAIL (5 errors" in result.stdout and "Shallow clone" not in result.stdout
    verdict = subprocess.run(["bash", "-c", ACTION["runs"]["steps"][-1]["run"]], env={**os.environ, "CODE": "1"})
    assert verdict.returncode == 1


def test_action_warns_when_a_shallow_clone_hides_history(repo, tmp_path):
    build_failing_repo(repo)
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", repo.path.as_uri(), str(shallow)], check=True)
    result, outputs = _run_step(_step("scan"), tmp_path, path=str(shallow), **{"fail-on": "never"})
    assert outputs["exit-code"] == "0"
    assert "::warning title=Shallow clone::" in result.stdout and "fetch-depth: 0" in result.stdout
    assert "history-incomplete" in result.stdout  # in the log summary and as an annotation
    assert "history-incomplete" in (tmp_path / "step-summary.md").read_text()
