"""The Ray engine on a local Ray instance (2 CPUs, started once for the module): the same records
as the local engine, and a hanging target ended by its timeout."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest
from hubstub import HubStub
from test_fleet import empty_hub_cache, small_repo

from auditor.fleet.run import FleetOptions, run_fleet
from auditor.fleet.targets import expand_targets

ray = pytest.importorskip("ray", reason="the ray extra is not installed: pip install '.[ray]'")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A Hub stand-in, then Ray: its workers inherit HF_ENDPOINT and the cache dir from this process."""
    cache = empty_hub_cache(tmp_path_factory.mktemp("cache"))
    with HubStub() as hub, pytest.MonkeyPatch.context() as env:
        env.setenv("HF_ENDPOINT", hub.endpoint)
        env.setenv("XDG_CACHE_HOME", str(cache))
        env.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
        env.delenv("HF_TOKEN", raising=False)
        # Ray waits a fixed 30 s for its node to start; an overloaded machine can miss that once.
        for attempt in (1, 2):
            try:
                ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
                break
            except Exception as exc:
                ray.shutdown()
                if attempt == 2:
                    pytest.skip(f"Ray could not start a local instance here: {str(exc).splitlines()[0]}")
        try:
            yield hub
        finally:
            ray.shutdown()


def records(store) -> dict[str, tuple]:
    with closing(sqlite3.connect(store)) as db:
        return {t: (s, r, e) for t, s, r, e in db.execute("SELECT target, status, report, error FROM audits")}


def test_ray_gives_the_records_of_the_local_engine(cluster, tmp_path):
    cluster.add("org/slow", small_repo(tmp_path / "slow", 0))
    cluster.hang.add("org/slow")
    paths = [str(small_repo(tmp_path / f"repo-{i}", i)) for i in range(3)]
    targets = expand_targets([*paths, "hf://org/slow"])
    on_ray = run_fleet(targets, FleetOptions(store=tmp_path / "ray.sqlite", engine="ray", timeout=3))
    assert (on_ray.done, on_ray.failed) == (3, 1)
    assert ray.is_initialized()  # a Ray instance the fleet did not start is left running
    run_fleet(targets[:3], FleetOptions(store=tmp_path / "local.sqlite", engine="local"))
    ray_rows, local_rows = records(tmp_path / "ray.sqlite"), records(tmp_path / "local.sqlite")
    assert ray_rows.pop("hf://org/slow") == ("failed", None, "timed out after 3 s")
    assert ray_rows == local_rows
