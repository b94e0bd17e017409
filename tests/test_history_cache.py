"""The per-commit history cache: a re-scan after one more commit reads one commit, gives the same
report as a cold scan, and a damaged cache entry is ignored."""

from __future__ import annotations

import json

import pytest
from helpers import MIT_TEXT, card, findings, scan

from auditor.sources import history_cache
from auditor.sources.local import GitSource


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setattr(history_cache, "user_cache_dir", lambda: root)
    return root


@pytest.fixture
def walks(monkeypatch):
    """The histories GitSource read, as (commits read, resumed from)."""
    seen = []
    original = GitSource.history

    def spy(self, progress=None, stop_at=frozenset()):
        history = original(self, progress, stop_at)
        seen.append((history.total, history.resumed_from))
        return history

    monkeypatch.setattr(GitSource, "history", spy)
    return seen


def _entries(root):
    return sorted(p.name for p in root.rglob("*.json"))


def test_rescan_after_one_commit_reads_one_commit_and_matches_a_cold_scan(repo, cache_dir, walks, tmp_path):
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    first = repo.commit("Drop", "2025-01-02 10:00:00", {"LICENSE": None})
    scan(repo.path)
    assert walks[-1] == (2, None) and _entries(cache_dir) == [f"{first}.json"]
    head = repo.commit("Restore", "2025-01-03 10:00:00", {"NOTICE": MIT_TEXT})
    warm = scan(repo.path)
    assert walks[-1] == (1, first)  # one commit read, the rest from the cache
    assert _entries(cache_dir) == [f"{head}.json"]
    assert warm["target"]["commits_scanned"] == 3
    assert findings(warm, "attribution-restored-late")
    history_cache_root = tmp_path / "cold"
    history_cache.user_cache_dir = lambda: history_cache_root  # undone by the fixture's monkeypatch
    assert scan(repo.path) == warm


@pytest.mark.parametrize("damage", [b"not json", b"\x80\x04\x95pickle", b'{"format": 1}', None])
def test_a_damaged_cache_entry_is_ignored(repo, cache_dir, walks, damage):
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    first = repo.commit("Drop", "2025-01-02 10:00:00", {"LICENSE": None})
    cold = scan(repo.path)
    [entry] = cache_dir.rglob("*.json")
    if damage is None:  # well-formed JSON with a wrong type inside
        doc = json.loads(entry.read_bytes())
        doc["commits"][0]["position"] = "zero"
        damage = json.dumps(doc).encode()
    entry.write_bytes(damage)
    repo.commit("Docs", "2025-01-03 10:00:00", {"docs.md": "x\n"})
    again = scan(repo.path)
    assert walks[-1] == (3, None)  # the whole history read again
    assert findings(again, "license-removed") == findings(cold, "license-removed")
    assert first not in " ".join(p.name for p in cache_dir.rglob("*.json"))


def test_staged_scans_keep_heads_entry_so_each_hook_run_reads_one_commit(repo, cache_dir, walks):
    """A pre-commit hook scans the pending commit, which git then remakes with its own time: the cache
    keeps HEAD's entry, so the next hook run (on top of the commit git made) resumes from there."""
    from auditor.pipeline import Options, audit

    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    head = repo.commit("Docs", "2025-01-02 10:00:00", {"docs.md": "x\n"})
    (repo.path / "NOTICE").write_text("Copyright 2025 Someone\n")
    repo.git("add", "NOTICE")
    audit(str(repo.path), Options(staged=True))
    assert walks[-1] == (3, None) and _entries(cache_dir) == [f"{head}.json"]  # HEAD's history, not the pending one's
    made = repo.commit("Notice", "2025-01-03 10:00:00")
    (repo.path / "more.md").write_text("y\n")
    repo.git("add", "more.md")
    staged = audit(str(repo.path), Options(staged=True)).to_dict()
    assert walks[-1] == (2, head)  # the pending commit and the one git made
    assert _entries(cache_dir) == [f"{made}.json"]
    assert staged["target"]["commits_scanned"] == 4
    audit(str(repo.path), Options(staged=True))
    assert walks[-1] == (1, made)
