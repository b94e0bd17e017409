"""Helpers for tests: fixture repos are real git repos built in code with dated commits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from auditor.demo import MIT_TEXT, RepoBuilder
from auditor.pipeline import Options, audit

SHARED = Path(__file__).resolve().parents[2] / "shared" / "testdata"

APACHE_NOTICE = """\
Copyright 2024 Alibaba Cloud

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
"""


def card(license_line: str = "license: mit", extra: str = "") -> str:
    return f"---\n{license_line}\n{extra}---\n# A model\n"


def scan(path: Path | str, **options) -> dict:
    """Audit in-process and return the JSON document a user would get."""
    return audit(str(path), Options(**options)).to_dict()


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, cwd=cwd)


def findings(doc: dict, rule: str) -> list[dict]:
    return [f for f in doc["findings"] if f["rule"] == rule]


def dumps(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False)


__all__ = ["MIT_TEXT", "RepoBuilder", "APACHE_NOTICE", "SHARED", "card", "scan", "run_cli", "findings", "dumps"]
