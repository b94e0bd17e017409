from __future__ import annotations

from pathlib import Path

import pytest

from auditor.demo import RepoBuilder


@pytest.fixture
def repo(tmp_path: Path) -> RepoBuilder:
    """An empty git repo; tests add dated commits."""
    return RepoBuilder(tmp_path / "repo")
