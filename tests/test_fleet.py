"""`auditor fleet`: records equal single scans, resume after a kill, timeouts, hf://org/*, summaries."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from helpers import MIT_TEXT, card
from hubstub import Hostile, HubStub

from auditor.demo import RepoBuilder, build_demo_repo
from auditor.fleet.run import FleetOptions, run_fleet
from auditor.fleet.store import Store
from auditor.fleet.targets import expand_targets
from auditor.pipeline import audit
from auditor.reports.json import render_json


def fleet_cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor", "fleet", *args], capture_output=True, text=True,
                          cwd=cwd, env=os.environ)


def small_repo(path, number: int):
    """Varied small histories: a kept license, a removed one, a card-only repo."""
    repo = RepoBuilder(path)
    repo.commit("Add card", f"2025-01-{number % 27 + 1:02d} 10:00:00",
                {"README.md": card("license: mit" if number % 2 else "license: apache-2.0")})
    if number % 3 != 2:
        repo.commit("Add license", "2025-02-01 10:00:00", {"LICENSE": MIT_TEXT})
    if number % 3 == 1:
        repo.commit("Drop license", "2025-02-02 10:00:00", {"LICENSE": None})
    return path


def stored(store_path) -> dict[str, tuple]:
    """target -> (rowid, status, report, error); empty while the store is still being created."""
    with closing(sqlite3.connect(store_path)) as db:
        try:
            return {target: (rowid, status, report, error) for rowid, target, status, report, error in db.execute(
                "SELECT rowid, target, status, report, error FROM audits")}
        except sqlite3.OperationalError:
            return {}


def test_records_equal_single_scans_and_summaries(tmp_path):
    demo = build_demo_repo(tmp_path / "demo")
    removed = small_repo(tmp_path / "removed", 1)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "LICENSE").write_text(MIT_TEXT, encoding="utf-8")
    listing = tmp_path / "targets.txt"
    listing.write_text(f"# the fleet\n{removed}\n\n{folder}\n{tmp_path / 'missing'}\n", encoding="utf-8")
    store = tmp_path / "fleet.sqlite"
    command = (str(demo), "--from", str(listing), "--store", str(store), "--workers", "2",
               "--output", str(tmp_path / "out" / "summary.html"), "--output", str(tmp_path / "summary.json"),
               "--output", str(tmp_path / "summary.csv"))
    result = fleet_cli(*command)
    assert result.returncode == 1, result.stderr  # one target fails its gate, one cannot be audited
    rows = stored(store)
    for path in (demo, removed, folder):
        assert rows[str(path)][1] == "ok"
        assert rows[str(path)][2] == render_json(audit(str(path)))  # byte for byte the single scan
    assert rows[str(tmp_path / "missing")][1:] == ("failed", None, f"target does not exist: {tmp_path / 'missing'}")

    doc = json.loads((tmp_path / "summary.json").read_text())
    assert doc["schema"] == "model-audit-fleet/1"
    assert [t["target"] for t in doc["targets"]] == sorted(map(str, (demo, removed, folder, tmp_path / "missing")))
    by_target = {t["target"]: t for t in doc["targets"]}
    assert by_target[str(demo)]["status"] == "pass"
    assert by_target[str(demo)]["top_rules"] == ["attribution-restored-late", "license-removed"]
    assert {"upstream": "deepseek-ai/DeepSeek-V3-0324", "family": "deepseek-v3", "license": "MIT",
            "settled": True} in by_target[str(demo)]["upstreams"]
    assert by_target[str(tmp_path / "missing")]["status"] == "error"
    assert doc["totals"]["pass"] + doc["totals"]["fail"] == 3 and doc["totals"]["error"] == 1
    assert {"rule": "license-removed", "targets": 2, "findings": 2} in doc["totals"]["by_rule"]
    # each target's own report, beside the HTML summary, is the single report of that target
    report = tmp_path / by_target[str(demo)]["report"]  # relative to the JSON summary
    assert report.is_file() and "<title>License audit: " in report.read_text()
    assert (tmp_path / "out" / "summary.html").read_text().count('<a href="summary-reports/') == 3
    table = list(csv.DictReader(io.StringIO((tmp_path / "summary.csv").read_text())))
    assert [r["target"] for r in table] == [t["target"] for t in doc["targets"]]
    assert table[-1]["status"] == by_target[table[-1]["target"]]["status"]

    # a re-run audits only what has no revision to compare (the folder) and retries the failure;
    # the summary comes out byte for byte the same
    first = (tmp_path / "summary.json").read_bytes()
    again = fleet_cli(*command)
    assert "1 audited, 1 failed, 2 unchanged and skipped" in again.stderr, again.stderr
    assert (tmp_path / "summary.json").read_bytes() == first


def test_bad_input_is_one_line_exit_2(tmp_path):
    cases = [((), "no targets"), (("x", "--output", str(tmp_path / "s.pdf")), "written as .html, .json or .csv"),
             (("--from", str(tmp_path / "none.txt")), "cannot read --from"),
             (("hf://a/b/c",), "not a Hub model id")]
    for args, message in cases:
        result = fleet_cli(*args, "--store", str(tmp_path / "s.sqlite"))
        assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1, result.stderr


def test_killed_run_resumes_without_repeating(tmp_path):
    repos = [str(small_repo(tmp_path / f"repo-{i}", i)) for i in range(10)]
    store = tmp_path / "fleet.sqlite"
    args = [sys.executable, "-m", "auditor", "fleet", *repos, "--store", str(store), "--workers", "1"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not store.exists() or len(stored(store)) < 2):
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)  # driver and workers at once, as a crash would
    process.wait()
    before = stored(store)
    assert 2 <= len(before) < len(repos), "the kill came too late to test a resume"
    result = fleet_cli(*repos, "--store", str(store), "--workers", "2", "--output", str(tmp_path / "s.json"))
    assert result.returncode == 1, result.stderr  # the removed-license repos fail
    assert f"{len(repos) - len(before)} audited, 0 failed, {len(before)} unchanged and skipped" in result.stderr
    after = stored(store)
    assert sorted(after) == sorted(repos) and all(row[1] == "ok" for row in after.values())
    assert all(after[target] == row for target, row in before.items())  # the stored rows were not redone
    # a changed repo is audited again; --force audits everything
    RepoBuilder(tmp_path / "repo-0").commit("Restore", "2025-03-01 00:00:00", {"NOTICE": MIT_TEXT})
    result = fleet_cli(*repos, "--store", str(store))
    assert f"1 audited, 0 failed, {len(repos) - 1} unchanged" in result.stderr
    result = fleet_cli(*repos, "--store", str(store), "--force")
    assert f"{len(repos)} audited" in result.stderr


def empty_hub_cache(root: Path) -> Path:
    """A cache dir for XDG_CACHE_HOME with no Hub data, but with the user cache's license index:
    building that again in every worker costs seconds."""
    from auditor.facts.licensedb import cache_path, reference_index

    reference_index()
    index = cache_path()
    (root / "model-license-auditor").mkdir(parents=True, exist_ok=True)
    if index.is_file():
        (root / "model-license-auditor" / index.name).symlink_to(index)
    return root


@pytest.fixture
def hub(tmp_path, monkeypatch):
    cache = empty_hub_cache(tmp_path / "cache")
    with HubStub() as stub:
        monkeypatch.setenv("HF_ENDPOINT", stub.endpoint)
        monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
        monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
        monkeypatch.delenv("HF_TOKEN", raising=False)
        yield stub


def test_author_listing_through_the_hub(hub, tmp_path):
    hub.models_page = 2  # pages, as the Hub's listing has
    for number, name in enumerate(("org/a", "org/b", "org/c", "other/x")):
        hub.add(name, small_repo(tmp_path / name.replace("/", "-"), number))
    targets = expand_targets(["hf://org/*"])
    assert [t.name for t in targets] == ["hf://org/a", "hf://org/b", "hf://org/c"]
    assert hub.counts["models"] == 2
    store = tmp_path / "fleet.sqlite"
    run_fleet(targets, FleetOptions(store=store))
    rows = stored(store)
    for target in ("hf://org/a", "hf://org/b", "hf://org/c"):
        assert rows[target][2] == render_json(audit(target))
    # a re-run skips by the listing's commit ids: no commit, tree or file request at all
    hub.counts.clear()
    result = fleet_cli("hf://org/*", "--store", str(store))
    assert "0 audited, 0 failed, 3 unchanged and skipped" in result.stderr, result.stderr
    assert set(hub.counts) == {"models"}
    # a named Hub target costs one model_info request to know it is unchanged
    run_fleet(expand_targets(["hf://org/a"]), FleetOptions(store=store))
    hub.counts.clear()
    tally = run_fleet(expand_targets(["hf://org/a"]), FleetOptions(store=store))
    assert tally.skipped == 1 and dict(hub.counts) == {"model_info": 1}
    assert fleet_cli("hf://nobody/*", "--store", str(store)).stderr.count("lists no models by nobody") == 1


def test_an_author_listing_is_checked_like_any_hub_answer(hub, tmp_path, monkeypatch):
    hub.add("org/a", small_repo(tmp_path / "a", 0))
    # an id outside the author (a path, another owner) is refused on one line, before any audit
    for bad in ("../../../etc", "other/x", "org/../../x"):
        hub.hostile["org"] = Hostile(models=lambda items, bad=bad: [*items, {**items[0], "id": bad}])
        result = fleet_cli("hf://org/*", "--store", str(tmp_path / "fleet.sqlite"))
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1 and "which is not a model of org" in result.stderr, result.stderr
        assert not (tmp_path / "fleet.sqlite").exists() or not stored(tmp_path / "fleet.sqlite")
    # an author that is no Hub name is refused before any request
    hub.counts.clear()
    result = fleet_cli("hf://../*", "--store", str(tmp_path / "fleet.sqlite"))
    assert result.returncode == 2 and "not a Hub user or organisation name" in result.stderr, result.stderr
    assert not hub.counts
    # a head that is not a commit id only costs a request later: it names nothing
    hub.hostile["org"] = Hostile(models=lambda items: [{**items[0], "sha": "../../x"}])
    assert [(t.name, t.listed_revision) for t in expand_targets(["hf://org/*"])] == [("hf://org/a", None)]
    # a listing that never answers ends on the stall limit, on one line
    hub.hostile["org"] = Hostile(stall=frozenset({"models"}))
    monkeypatch.setenv("HF_HUB_DOWNLOAD_TIMEOUT", "1")
    started = time.monotonic()
    result = fleet_cli("hf://org/*", "--store", str(tmp_path / "fleet.sqlite"))
    assert result.returncode == 2 and "stopped answering (listing the models of org)" in result.stderr, result.stderr
    assert time.monotonic() - started < 30


def test_a_hanging_target_is_recorded_failed_after_its_timeout(hub, tmp_path):
    hub.add("org/fine", small_repo(tmp_path / "fine", 0))
    hub.add("org/slow", small_repo(tmp_path / "slow", 0))
    hub.hang.add("org/slow")
    began = time.monotonic()
    result = fleet_cli("hf://org/slow", "hf://org/fine", "--store", str(tmp_path / "s.sqlite"), "--timeout", "2",
                       "--output", str(tmp_path / "s.json"))
    assert time.monotonic() - began < 30
    doc = {t["target"]: t for t in json.loads((tmp_path / "s.json").read_text())["targets"]}
    assert doc["hf://org/slow"]["status"] == "error" and doc["hf://org/slow"]["error"] == "timed out after 2 s"
    assert doc["hf://org/fine"]["status"] == "pass"
    assert result.returncode == 1 and "1 audited, 1 failed" in result.stderr
    # a failed target is retried on the next run
    hub.hang.clear()
    result = fleet_cli("hf://org/slow", "hf://org/fine", "--store", str(tmp_path / "s.sqlite"))
    assert result.returncode == 0 and "1 audited, 0 failed, 1 unchanged" in result.stderr, result.stderr


def test_store_rejects_a_file_that_is_not_one(tmp_path):
    bogus = tmp_path / "not.sqlite"
    bogus.write_text("hello, not a database\n" * 100)
    with pytest.raises(Exception, match="cannot use .* as a fleet store"):
        Store(bogus)
