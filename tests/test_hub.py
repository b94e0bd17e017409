"""hf://org/name through a local stand-in for the Hub: parity with a clone, errors, cache, requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import MIT_TEXT, card, sharded_repo
from hubstub import HubStub

from auditor.demo import RepoBuilder, build_demo_repo
from auditor.pipeline import Options, audit


@pytest.fixture
def hub(tmp_path, monkeypatch):
    with HubStub() as stub:
        monkeypatch.setenv("HF_ENDPOINT", stub.endpoint)
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
        monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
        monkeypatch.delenv("HF_TOKEN", raising=False)
        yield stub


def hub_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor", *args], capture_output=True, text=True, env=os.environ)


def without_target(doc: dict) -> dict:
    """What must match between a clone and the Hub. `notes` may differ: the Hub serves the headers of
    LFS weights that a clone without LFS only has pointers for."""
    return {key: value for key, value in doc.items() if key not in ("target", "notes")}


@pytest.mark.parametrize("build", [build_demo_repo, sharded_repo], ids=["delete-restore-notice", "sharded"])
def test_parity_with_a_local_clone(hub, tmp_path, build):
    path = build(tmp_path / "repo")
    hub.add("org/model", path)
    local = audit(str(path)).to_dict()
    remote = audit("hf://org/model").to_dict()
    assert remote["target"]["repo_id"] == "org/model" and remote["target"]["kind"] == "hub"
    assert remote["target"]["revision"] == local["target"]["revision"]
    assert remote["target"]["commits_scanned"] == local["target"]["commits_scanned"]
    assert without_target(remote) == without_target(local)
    if build is sharded_repo:
        assert hub.counts["range"] >= 2  # headers by range requests, no weights downloaded
        assert remote["lineage"][0]["evidence"]


def test_second_run_downloads_nothing_and_offline_works(hub, tmp_path, monkeypatch):
    hub.add("org/model", build_demo_repo(tmp_path / "repo"))
    first = audit("hf://org/model").to_dict()
    downloads, trees = hub.counts["download"], hub.counts["tree"]
    assert downloads > 0
    second = audit("hf://org/model").to_dict()
    assert hub.counts["download"] == downloads and hub.counts["tree"] == trees
    assert second == first
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    assert audit("hf://org/model", Options(offline=True)).to_dict() == first


def test_revision_and_pagination(hub, tmp_path):
    hub.commits_page, hub.tree_page = 2, 3
    path = build_demo_repo(tmp_path / "repo")
    hub.add("org/model", path)
    old = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD~4"], capture_output=True, text=True).stdout.strip()
    doc = audit(f"hf://org/model@{old}").to_dict()
    assert doc["target"]["revision"] == old and doc["target"]["commits_scanned"] == 3
    assert hub.counts["commits"] >= 2  # several pages
    full = audit("hf://org/model").to_dict()
    assert full["target"]["commits_scanned"] == 7


def test_errors_are_one_clear_line(hub, tmp_path):
    hub.add("org/model", build_demo_repo(tmp_path / "repo"))
    hub.errors["org/gated"] = (403, "GatedRepo")
    hub.errors["org/private"] = (401, None)
    cases = [
        ("hf://org/nope", "repo not found on the Hub: org/nope"),
        ("hf://org/gated", "is gated: accept its terms on the Hub, then log in"),
        ("hf://org/private", "not authorised for org/private: log in"),
        ("hf://org/model@no-such-branch", "revision not found on the Hub"),
        ("hf://a/b/c", "not a Hub model id"),
        ("hf://org/bad..name", "not a Hub model id"),
        ("hf://datasets/org/data", "scanning Hub datasets is not supported"),
    ]
    for target, message in cases:
        result = hub_cli("scan", target)
        assert result.returncode == 2, (target, result.stderr)
        assert message in result.stderr and result.stderr.count("\n") == 1, (target, result.stderr)
    hub.rate_limited["org/model"] = 2
    result = hub_cli("scan", "hf://org/model")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("rate limited by the Hub; retrying") == 2, result.stderr
    assert "HTTP Error 429" not in result.stderr
    down = subprocess.run([sys.executable, "-m", "auditor", "scan", "hf://org/model"], capture_output=True, text=True,
                          env={**os.environ, "HF_ENDPOINT": "http://127.0.0.1:9",
                               "XDG_CACHE_HOME": str(tmp_path / "empty")})
    assert down.returncode == 2 and "cannot reach the Hub" in down.stderr and down.stderr.count("\n") == 1


def test_requests_grow_with_commits_not_files(hub, tmp_path):
    repo = RepoBuilder(tmp_path / "repo")
    files = {f"data/file-{i}.txt": f"{i}\n" for i in range(40)}
    repo.commit("Many files", "2025-01-01 00:00:00", {**files, "README.md": card(), "LICENSE": MIT_TEXT})
    for i in range(30):
        repo.commit(f"Edit {i}", f"2025-01-02 00:{i:02d}:00", {f"data/file-{i}.txt": f"edited {i}\n"})
    hub.add("org/many", repo.path)
    audit("hf://org/many")
    served = sum(hub.counts.values())
    assert hub.counts["tree"] == 31  # one listing per commit
    assert served <= 31 + 2 + 6  # + commit pages + the few license/card downloads, never per file
    json.dumps(dict(hub.counts))


def test_damaged_cache_entries_read_as_missing(hub, tmp_path):
    """A blob cut short by a crash or a full disk, in the auditor's cache or the Hugging Face cache,
    is never taken for the file: it is fetched again and the report is the same."""
    hub.add("org/model", build_demo_repo(tmp_path / "repo"))
    first = audit("hf://org/model").to_dict()
    downloads = hub.counts["download"]
    damaged = [*(tmp_path / "cache").rglob("blobs/*"), *(tmp_path / "hf-home").rglob("blobs/*")]
    assert damaged
    for blob in damaged:
        blob.write_bytes(blob.read_bytes()[:5])
    assert audit("hf://org/model").to_dict() == first
    assert hub.counts["download"] > downloads


def test_huggingface_hub_settings(hub, tmp_path, monkeypatch):
    """HF_HUB_CACHE holds the downloads; HF_HUB_OFFLINE=1 is --offline; hf://name is a canonical model."""
    hub.add("gpt2", build_demo_repo(tmp_path / "repo"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    first = audit("hf://gpt2").to_dict()
    assert first["target"]["repo_id"] == "gpt2"
    assert list((tmp_path / "hub-cache" / "models--gpt2").rglob("LICENSE"))
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert audit("hf://gpt2").to_dict() == first
