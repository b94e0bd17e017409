"""hf:// against a hostile endpoint (the stand-in's opt-in Hostile mode): ids that are paths, answers
that never come or drip, listed files that cannot be read. Each case runs the CLI as a user would,
under a time and memory bound, with a private HOME holding canary secrets, and checks that the audit
ends with a report or one line, that no canary reaches any output, and that nothing is written
outside the caches."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from helpers import MIT_TEXT, sharded_repo
from hubstub import Hostile, HubStub
from limits import assert_contained, run_limited

from auditor.demo import RepoBuilder

CANARY = "CANARY-3f9c1e-do-not-leak"
REPO = "org/model"


class Sandbox:
    """A private HOME with secrets in it, and a record of every file under the test's folder."""

    def __init__(self, root: Path, endpoint: str, licensedb: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.cache = self.home / ".cache"  # XDG_CACHE_HOME: the auditor's cache and the Hugging Face cache
        (self.home / ".ssh").mkdir(parents=True)
        self.allowed = [self.cache, root / "repo"]
        self.secret = self.home / ".ssh" / "id_rsa"
        self.secret.write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{CANARY}\n")
        self.outside = root / "secret.txt"
        self.outside.write_text(f"{CANARY}\n")
        self.report = root / "out" / "report.json"
        self.report.parent.mkdir()
        self.env = {"HOME": str(self.home), "XDG_CACHE_HOME": str(self.cache), "HF_ENDPOINT": endpoint,
                    "HF_HUB_DISABLE_TELEMETRY": "1", "HF_TOKEN": "", "HF_HOME": "", "HF_HUB_CACHE": "",
                    "HF_HUB_OFFLINE": "", "HTTPS_PROXY": "", "HTTP_PROXY": "", "https_proxy": "",
                    "http_proxy": ""}
        self.seed(licensedb)
        self.before = self.files()

    def seed(self, licensedb: Path) -> None:
        """The license index every run would otherwise build (seconds) in its fresh cache."""
        (self.cache / "model-license-auditor").mkdir(parents=True, exist_ok=True)
        shutil.copy(licensedb, self.cache / "model-license-auditor" / licensedb.name)

    def fresh_cache(self, name: str) -> None:
        self.cache = self.home / name
        self.allowed.append(self.cache)
        self.env["XDG_CACHE_HOME"] = str(self.cache)

    @property
    def blobs(self) -> Path:
        return self.cache / "model-license-auditor" / "hub" / "v2" / REPO.replace("/", "--") / "blobs"

    @property
    def hf_blobs(self) -> Path:
        return self.cache / "huggingface" / "hub" / f"models--{REPO.replace('/', '--')}" / "blobs"

    def files(self) -> set[Path]:
        return {p for p in self.root.rglob("*") if not p.is_dir()}

    def scan(self, *args: str, timeout: float = 60, seconds: str = "2"):
        run = run_limited("scan", f"hf://{REPO}", "--timeout", seconds, "--fail-on", "never",
                          "--output", self.report, *args, timeout=timeout, env=self.env)
        assert_contained(run)
        outputs = run.out + run.err + (self.report.read_text() if self.report.exists() else "")
        assert CANARY not in outputs
        stray = {p for p in self.files() - self.before
                 if p != self.report and not any(p.is_relative_to(root) for root in self.allowed)}
        assert not stray, f"written outside the caches: {sorted(map(str, stray))}"
        return run

    def doc(self) -> dict:
        return json.loads(self.report.read_text())


@pytest.fixture(scope="module")
def licensedb(tmp_path_factory) -> Path:
    warm = tmp_path_factory.mktemp("warm")
    (warm / "LICENSE").write_text(MIT_TEXT)
    run = run_limited("identify", warm / "LICENSE", env={"XDG_CACHE_HOME": str(warm / "cache")}, timeout=120)
    assert run.returncode == 0, run.err
    return next((warm / "cache" / "model-license-auditor").glob("licensedb-*"))


@pytest.fixture
def box(tmp_path, licensedb):
    with HubStub() as stub:
        stub.add(REPO, sharded_repo(tmp_path / "repo"))
        sandbox = Sandbox(tmp_path, stub.endpoint, licensedb)
        sandbox.stub = stub
        yield sandbox


def test_ids_that_are_paths_are_never_used_as_paths(box):
    """Tree oids and paths that point at the user's secrets: skipped with a note, nothing read."""
    relative = os.path.relpath(box.secret, box.blobs)
    bad_ids = {"LICENSE": relative, "README.md": str(box.outside), "config.json": "z" * 40}

    def tree(items: list[dict]) -> list[dict]:
        for item in items:
            if item["path"] in bad_ids:
                item["oid"] = bad_ids[item["path"]]
            if item.get("lfs"):
                item["lfs"]["oid"] = "../" * 8 + "x"
        items.append({"type": "file", "oid": items[0]["oid"], "size": 10, "path": "../../../../escape/LICENSE"})
        items.append({"type": "file", "oid": items[0]["oid"], "size": 10, "path": "/abs/NOTICE"})
        return items

    box.stub.hostile[REPO] = Hostile(tree=tree)
    run = box.scan()
    assert run.returncode in (0, 1)
    notes = "\n".join(box.doc()["notes"])
    for path in ("LICENSE", "README.md", "config.json", "../../../../escape/LICENSE", "/abs/NOTICE"):
        assert f"the Hub listed '{path}'" in notes, notes
    assert not {f["path"] for f in box.doc()["license_files"]} & {"LICENSE", "../../../../escape/LICENSE"}


def test_a_commit_id_that_is_a_path_is_one_line(box):
    def commits(items: list[dict]) -> list[dict]:
        items[0]["id"] = "../../../../pwned"
        return items

    box.stub.hostile[REPO] = Hostile(commits=commits)
    run = box.scan()
    assert run.returncode == 2 and "which is not a commit id" in run.err


def test_header_ids_that_are_paths_never_name_a_file(box):
    """ETag / X-Repo-Commit naming places outside the cache: huggingface_hub would write there."""
    escape = os.path.relpath(box.root / "pwned-relative", box.hf_blobs)
    absolute = box.root / "pwned-absolute"

    def headers(name: str, sent: dict[str, str]) -> dict[str, str]:
        if name == "LICENSE":
            return {**sent, "ETag": f'"{escape}"'}
        if name == "README.md":
            return {**sent, "X-Linked-Etag": f'"{absolute}"'}
        return {**sent, "X-Repo-Commit": "../../../../pwned-commit"}

    box.stub.hostile[REPO] = Hostile(headers=headers)
    run = box.scan()
    assert run.returncode in (0, 1), run.err
    text = json.dumps(box.doc())  # the file notes: in license files, the card, the timeline, notes
    assert "not a file id" in text and "not a commit id" in text
    assert not (box.root / "pwned-relative").exists() and not absolute.exists()


def test_listed_files_that_cannot_be_read_are_notes(box, licensedb):
    """A 404 on one shard's header and a body cut short: notes, and the rest of the audit agrees with
    a clean run of the same repo."""
    clean = box.scan()
    assert clean.returncode in (0, 1)
    expected = box.doc()
    box.fresh_cache("second")  # so the Hub is asked again
    box.seed(licensedb)
    box.stub.hostile[REPO] = Hostile(missing=frozenset({"model-00002-of-00002.safetensors"}),
                                     truncate=frozenset({"config.json"}))
    run = box.scan()
    assert run.returncode in (0, 1), run.err
    doc = box.doc()
    notes = "\n".join(doc["notes"])
    assert "model-00002-of-00002.safetensors: header not read (the Hub answered 404)" in notes, notes
    assert "config.json: not read (not downloaded" in notes, notes
    assert doc["findings"] == expected["findings"] and doc["license_files"] == expected["license_files"]


@pytest.mark.parametrize("hostile", [
    Hostile(stall=frozenset({"commits"})),
    Hostile(drip=frozenset({"tree"}), drip_every=0.5),
    Hostile(drip=frozenset({"download"}), drip_headers=False, drip_every=0.5),
], ids=["never-answers", "drips-headers", "drips-body"])
def test_a_server_that_never_finishes_ends_the_audit_in_bounded_time(box, hostile):
    box.stub.hostile[REPO] = hostile
    started = time.monotonic()
    run = box.scan(seconds="1", timeout=30)
    elapsed = time.monotonic() - started
    assert run.returncode == 2 and "stopped answering" in run.err and "--timeout 1" in run.err, run.err
    assert elapsed < 15, elapsed  # 2 x --timeout + 2 s without progress, plus start-up


def test_concurrent_scans_share_one_cache(box):
    """Four processes at once on one empty cache: every one succeeds with the same report."""
    import subprocess
    import sys

    env = {**os.environ, **box.env}
    reports = [box.root / "out" / f"report-{i}.json" for i in range(4)]
    procs = [subprocess.Popen([sys.executable, "-m", "auditor", "scan", f"hf://{REPO}", "--fail-on", "never",
                               "--output", str(report)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for report in reports]
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    docs = {report.read_text() for report in reports}
    assert len(docs) == 1


def test_an_alias_bomb_in_the_card_ends_within_limits(box):
    """A 'billion laughs' README front matter served by the Hub: noted, never expanded."""
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    bomb = "---\nlicense: mit\n" + "\n".join(levels) + "\n---\n# A model\n"
    RepoBuilder(box.root / "repo").commit("Card", "2025-01-03 10:00:00", {"README.md": bomb})
    run = box.scan(timeout=60)
    assert run.returncode in (0, 1), run.err
    assert "alias" in json.dumps(box.doc()).lower(), box.doc().get("card")


def test_the_proxy_is_used_and_the_pre_check_does_not_bypass_it(box):
    """HTTP(S)_PROXY as huggingface_hub users set it: the endpoint's host need not resolve locally.
    The stand-in answers proxy-form requests (absolute URLs) too, so it serves as the proxy."""
    box.env.update({"HF_ENDPOINT": "http://hub.invalid", "HTTP_PROXY": box.stub.endpoint,
                    "http_proxy": box.stub.endpoint, "NO_PROXY": "", "no_proxy": ""})
    run = box.scan()
    assert run.returncode in (0, 1), run.err
    assert box.doc()["target"]["repo_id"] == REPO
