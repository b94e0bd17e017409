"""Read `hf://org/name[@revision]` straight from the Hugging Face Hub, with the interface of GitSource.

The Hub lists commits but not what each changed, so the timeline comes from comparing the trees of
consecutive commits. Requests grow with the number of commits (one commit-list page per 50 commits,
one tree listing per commit), not with commits times files. Trees (immutable per commit), file
contents (by blob id) and safetensors headers (by blob id) are cached on disk: a second run makes no
file download, and `--offline` runs from the cache alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import getproxies, proxy_bypass

from auditor.cachefiles import user_cache_dir
from auditor.errors import AuditorError
from auditor.facts.paths import WEIGHTS, path_rules
from auditor.model import Commit
from auditor.sources.base import MAX_TEXT_BYTES, Blob, Change, History, RelevantCommit
from auditor.sources.hub_cache import HubCache, content_matches, is_git_oid, is_sha256, safe_repr
from auditor.sources.hub_http import DEFAULT_TIMEOUT, HubAnswerRejected, HubStalled, bounded_call, httpx
from auditor.sources.hub_http import install as install_bounds
from auditor.sources.local import iso_utc

FILE_MODE = "100644"
_RETRIES = 4
_MAX_WAIT = 60  # seconds: a Retry-After beyond this is not waited for


class _HubNotices(logging.Handler):
    """huggingface_hub retries rate-limited calls itself and logs two lines per retry; say it in one."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Rate limited."):
            wait = re.search(r"Waiting ([\d.]+)s", message)
            print(f"auditor: rate limited by the Hub; retrying in {wait[1] if wait else 'a few'} s", file=sys.stderr)
        elif record.levelno >= logging.ERROR:
            print(f"auditor: hub: {message.splitlines()[0]}", file=sys.stderr)


def _quiet_hub_logs() -> None:
    logger = logging.getLogger("huggingface_hub")
    if not any(isinstance(h, _HubNotices) for h in logger.handlers):
        logger.handlers = [_HubNotices()]  # replaces huggingface_hub's own stderr handler
        logger.propagate = False


def parse_target(target: str) -> tuple[str, str | None]:
    """'hf://org/name@rev' -> ('org/name', 'rev'); 'hf://gpt2' -> ('gpt2', None)."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    rest = target.removeprefix("hf://").strip("/")
    repo_id, _sep, revision = rest.partition("@")
    kind = repo_id.partition("/")[0]
    if kind in ("datasets", "spaces") and "/" in repo_id:
        raise AuditorError(f"{target}: scanning Hub {kind} is not supported, only models (hf://org/name)")
    try:
        validate_repo_id(repo_id)
    except HFValidationError as exc:
        raise AuditorError(f"not a Hub model id: {safe_repr(target)} (expected hf://org/name[@revision] "
                           "or hf://name)") from exc
    return repo_id, revision or None


def _cache_root() -> Path:
    # v2: entries hold only checked ids, and trees keep the LFS sha256 that verifies a download.
    return user_cache_dir() / "hub" / "v2"


def _hf_cache_dir() -> str:
    """The user's Hugging Face cache, by huggingface_hub's rules; read now, not when it was imported."""
    if os.environ.get("HF_HUB_CACHE"):
        return os.path.expanduser(os.environ["HF_HUB_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(os.path.expanduser(os.environ.get("HF_HOME") or os.path.join(xdg, "huggingface")), "hub")


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().upper() in ("1", "ON", "YES", "TRUE")


def check_reachable(endpoint: str, timeout: float) -> None:
    """Fail fast when the network is down: huggingface_hub would retry for about 20 s first.
    Through a proxy the endpoint is not ours to dial: huggingface_hub's own client goes through it."""
    url = urlparse(endpoint)
    host = url.hostname or ""
    if getproxies().get(url.scheme) and not proxy_bypass(host):
        return
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise AuditorError(f"cannot reach the Hub at {endpoint}: {reason}") from exc


def default_timeout() -> float:
    """HF_HUB_DOWNLOAD_TIMEOUT as huggingface_hub reads it, else its default."""
    try:
        value = float(os.environ.get("HF_HUB_DOWNLOAD_TIMEOUT", ""))
    except ValueError:
        return DEFAULT_TIMEOUT
    return value if value > 0 else DEFAULT_TIMEOUT


def _repo_path(path: object) -> bool:
    """A path git could hold: relative, no empty, '.', '..' or '.git' part."""
    if not isinstance(path, str) or not path or "\0" in path or path.startswith("/"):
        return False
    return all(part not in ("", ".", "..") and part.lower() != ".git" for part in path.split("/"))


class _Unreadable(Exception):
    """One listed file could not be read; the audit goes on with a note, as for a local file."""


class HubSource:
    kind = "hub"

    def __init__(self, target: str, revision: str | None, offline: bool = False,
                 timeout: float | None = None) -> None:
        from huggingface_hub import HfApi

        _quiet_hub_logs()
        install_bounds()
        self.repo_id, at_revision = parse_target(target)
        self.path = self.repo_id
        self.offline = offline or _env_true("HF_HUB_OFFLINE")
        self.timeout = timeout or default_timeout()
        # Read at call time, not at import: huggingface_hub fixes its default endpoint when imported.
        self._endpoint = os.environ.get("HF_ENDPOINT") or None
        self._api = HfApi(endpoint=self._endpoint)
        self._cache = HubCache(_cache_root() / self.repo_id.replace("/", "--"))
        self._wanted = revision or at_revision or "main"
        self._notes: dict[str, None] = {}  # ordered, once each
        if not self.offline:
            self._check_reachable()
        self._commits = self._list_commits()
        self.revision = self._commits[0]["id"] if self._commits else None
        self._trees: dict[str, dict[str, dict[str, Any]]] = {}

    # -- calls, retries, errors --------------------------------------------------------------
    @property
    def _endpoint_name(self) -> str:
        return self._endpoint or "https://huggingface.co"

    def _check_reachable(self) -> None:
        check_reachable(self._endpoint_name, self.timeout)

    def _call(self, what: str, fn: Callable[[], Any], file: bool = False) -> Any:
        """fn() with bounded time and retries, its failures as one-line errors. With `file`, failures
        that belong to the one file (not found, cut short, not what was listed) raise _Unreadable."""
        from huggingface_hub.errors import (
            GatedRepoError,
            HfHubHTTPError,
            LocalEntryNotFoundError,
            OfflineModeIsEnabled,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )

        if self.offline:
            raise AuditorError(f"--offline: {what} for {self.repo_id} is not in the cache; run once online")

        def stalled(seconds: float) -> str:
            return (f"the Hub at {self._endpoint_name} stopped answering ({what} for {self.repo_id}): "
                    f"nothing received for {seconds:.0f} s (--timeout {self.timeout:g})")

        for attempt in range(_RETRIES):
            try:
                return bounded_call(fn, self.timeout, stalled)
            except HubStalled:
                raise
            except HubAnswerRejected as exc:
                if file:
                    raise _Unreadable(str(exc)) from exc
                raise AuditorError(f"{exc} ({what} for {self.repo_id})") from exc
            except GatedRepoError as exc:
                raise AuditorError(f"{self.repo_id} is gated: accept its terms on the Hub, then log in "
                                   "(`hf auth login`) or set HF_TOKEN") from exc
            except RevisionNotFoundError as exc:
                raise AuditorError(f"revision not found on the Hub: {self.repo_id}@{self._wanted}") from exc
            except HfHubHTTPError as exc:
                # A 401 may come as RepositoryNotFoundError too: the Hub hides private repos.
                status = getattr(exc.response, "status_code", None)
                if status == 401:
                    raise AuditorError(f"not authorised for {self.repo_id}: log in (`hf auth login`) or set "
                                       "HF_TOKEN with access to it") from exc
                if isinstance(exc, RepositoryNotFoundError):
                    raise AuditorError(f"repo not found on the Hub: {self.repo_id}") from exc
                if status != 429:
                    if file and status != 403:
                        raise _Unreadable(f"the Hub answered {status}") from exc
                    raise AuditorError(f"the Hub answered {status} to {what} for {self.repo_id}") from exc
                if attempt == _RETRIES - 1:
                    raise AuditorError(f"rate limited by the Hub ({what}); try again later") from exc
                delay = 2 ** attempt
                retry_after = exc.response.headers.get("Retry-After") if exc.response is not None else None
                if retry_after and retry_after.isdigit():
                    delay = min(int(retry_after), _MAX_WAIT)
                print(f"auditor: rate limited by the Hub; retrying {what} in {delay} s", file=sys.stderr)
                time.sleep(delay)
            except (LocalEntryNotFoundError, OfflineModeIsEnabled) as exc:
                # huggingface_hub's word for "the HEAD request failed and nothing is cached".
                raise AuditorError(f"cannot reach the Hub at {self._endpoint_name} ({what})") from exc
            except Exception as exc:
                if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError)):
                    raise AuditorError(f"cannot reach the Hub at {self._endpoint_name}: {type(exc).__name__}") from exc
                if isinstance(exc, OSError) and exc.errno is not None:
                    # The local disk, not the server: a full or read-only Hugging Face cache.
                    raise AuditorError(f"cannot store {what.removeprefix('downloading ')}: {exc.strerror} "
                                       f"({exc.filename or _hf_cache_dir()})") from exc
                served = isinstance(exc, (OSError, ValueError, KeyError, TypeError, RecursionError)) or \
                    type(exc).__module__.startswith(("httpx", "httpcore", "h11"))
                if not served:
                    raise
                # A body cut short, an answer that is not a Hub's (huggingface_hub cannot parse it).
                reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else 'no detail'}"
                if file:
                    raise _Unreadable(f"the Hub's answer could not be used ({safe_repr(reason, 160)})") from exc
                raise AuditorError(f"the Hub at {self._endpoint_name} gave an answer that could not be used "
                                   f"({what} for {self.repo_id}): {safe_repr(reason, 160)}") from exc
        raise AssertionError("unreachable")

    def _note(self, text: str) -> None:
        self._notes.setdefault(text, None)

    @property
    def notes(self) -> tuple[str, ...]:
        """What the Hub listed that could not be used (entries with invalid paths or ids), and why."""
        return tuple(self._notes)

    # -- history -----------------------------------------------------------------------------
    def _list_commits(self) -> list[dict[str, Any]]:
        def fetch() -> list[dict[str, Any]]:
            return [{"id": c.commit_id, "date": c.created_at.timestamp(), "author": (c.authors or [""])[0],
                     "title": c.title} for c in self._api.list_repo_commits(self.repo_id, revision=self._wanted)]

        # Which commit a branch names changes over time: online, ask every run; offline, the last answer.
        name = "commits-" + hashlib.sha256(self._wanted.encode("utf-8", "surrogatepass")).hexdigest()[:32] + ".json"
        cached = self._cache.read_json(name)
        if self.offline and _valid_commits(cached):
            return cached
        commits = self._call("listing commits", fetch)
        bad = next((c["id"] for c in commits if not is_git_oid(c["id"])), None)
        if bad is not None:
            raise AuditorError(f"the Hub at {self._endpoint_name} listed a commit of {self.repo_id} with the id "
                               f"{safe_repr(bad)}, which is not a commit id")
        if not _valid_commits(commits):
            raise AuditorError(f"the Hub at {self._endpoint_name} sent a commit list for {self.repo_id} "
                               "that is not one")
        self._cache.write_json(commits, name)
        return commits

    def tree(self, sha: str) -> dict[str, dict[str, Any]]:
        """path -> {"oid", "size", "lfs" (its sha256, or None)} of every usable file at a commit."""
        if sha not in self._trees:
            listing = self._cache.read_json("trees", f"{sha}.json")  # sha: checked when listed
            if not _valid_tree(listing):
                listing = self._call("listing files", lambda: self._list_tree(sha))
                self._cache.write_json(listing, "trees", f"{sha}.json")
            for note in listing["skipped"]:
                self._note(note)
            self._trees[sha] = listing["files"]
        return self._trees[sha]

    def _list_tree(self, sha: str) -> dict[str, Any]:
        """The files the Hub lists at a commit, each checked: an entry whose path or ids are not what
        git and LFS make is left out, with a note, so that no server text becomes a local path."""
        from huggingface_hub.hf_api import RepoFile

        files: dict[str, dict[str, Any]] = {}
        skipped: list[str] = []
        for item in self._api.list_repo_tree(self.repo_id, recursive=True, revision=sha):
            if not isinstance(item, RepoFile):
                continue
            lfs = item.lfs.sha256 if item.lfs else None
            why = ("path" if not _repo_path(item.path) else
                   "id" if not is_git_oid(item.blob_id) or (item.lfs and not is_sha256(lfs)) else
                   "size" if not isinstance(item.size, int) or item.size < 0 else None)
            if why:
                skipped.append(f"the Hub listed {safe_repr(item.path)} at {sha[:12]} with an invalid {why} "
                               f"(id {safe_repr(item.blob_id)}): not read")
                continue
            files[item.path] = {"oid": item.blob_id, "size": item.size, "lfs": lfs}
        return {"files": files, "skipped": skipped}

    def history(self, progress: Callable[[int], None] | None = None) -> History:
        if not self._commits:
            return History(commits=(), total=0, complete=True, boundary=None)
        rules = path_rules()
        relevant: list[RelevantCommit] = []
        previous: dict[str, dict[str, Any]] = {}
        ordered = list(reversed(self._commits))
        for position, item in enumerate(ordered):
            if progress and position and position % 50 == 0:
                progress(position)
            files = self.tree(item["id"])
            changes, weights = [], []
            for path in sorted(set(previous) | set(files)):
                old, new = previous.get(path), files.get(path)
                if old is not None and new is not None and old["oid"] == new["oid"]:
                    continue
                kind = rules.kind(path)
                if kind is None:
                    continue
                if kind == WEIGHTS:
                    if new is not None:
                        weights.append(path)
                    continue
                status = "A" if old is None else "D" if new is None else "M"
                old_blob, new_blob = (old or {}).get("oid", "0" * 40), (new or {}).get("oid", "0" * 40)
                changes.append(Change(path=path, kind=kind, status=status, old_mode=FILE_MODE, new_mode=FILE_MODE,
                                      old_blob=old_blob, new_blob=new_blob))
            if changes or weights:
                relevant.append(RelevantCommit(self._commit(item), position, tuple(changes), tuple(weights)))
            previous = files
        return History(commits=tuple(relevant), total=len(ordered), complete=True, boundary=None,
                       head=self._commit(self._commits[0]))

    @staticmethod
    def _commit(item: dict[str, Any]) -> Commit:
        stamp = int(item["date"])
        return Commit(sha=item["id"], date=iso_utc(stamp), timestamp=stamp, author=item["author"],
                      title=item["title"])

    # -- contents ----------------------------------------------------------------------------
    def _download(self, commit: str, path: str, entry: dict[str, Any]) -> Blob:
        """A listed file's bytes, from the cache or the Hub, and only if they are the blob the tree
        names: a short, damaged or substituted entry is read again, and a download that still does
        not match is a note (as an unreadable local file is), not the file's text."""
        if entry["size"] > MAX_TEXT_BYTES:
            return Blob(data=None, unreadable="too large")
        oid, size, lfs = entry["oid"], entry["size"], entry["lfs"]
        data = self._cache.read_bytes("blobs", oid)
        if data is not None and content_matches(data, oid, size, lfs):
            return Blob(data=data)

        def fetch(force: bool) -> bytes:
            from huggingface_hub import hf_hub_download

            local = hf_hub_download(self.repo_id, path, revision=commit, cache_dir=_hf_cache_dir(),
                                    endpoint=self._endpoint, etag_timeout=self.timeout, force_download=force)
            with open(local, "rb") as handle:  # bounded: the tree said how large it is
                return handle.read(MAX_TEXT_BYTES + 1)

        try:
            data = self._call(f"downloading {path}", lambda: fetch(False), file=True)
            if not content_matches(data, oid, size, lfs):
                # Perhaps a damaged entry in the Hugging Face cache: once more, bypassing it.
                data = self._call(f"downloading {path}", lambda: fetch(True), file=True)
        except _Unreadable as exc:
            return Blob(data=None, unreadable=f"not downloaded: {exc}")
        if not content_matches(data, oid, size, lfs):
            return Blob(data=None, unreadable="the Hub served content that does not match the listed id "
                                              "(cut short or changed)")
        self._cache.write_bytes(data, "blobs", oid)
        return Blob(data=data)

    def read(self, commit: str, path: str, _mode: str, _blob: str) -> Blob:
        entry = self.tree(commit).get(path)
        if entry is None:
            return Blob(data=None, unreadable="not listed by the Hub at this commit")
        return self._download(commit, path, entry)

    def snapshot_entries(self) -> dict[str, tuple[str, str]]:
        if self.revision is None:
            return {}
        rules = path_rules()
        return {path: (FILE_MODE, entry["oid"]) for path, entry in self.tree(self.revision).items()
                if rules.is_lineage(path)}

    def read_at_revision(self, path: str, entry: tuple[str, str]) -> Blob:
        assert self.revision is not None
        return self.read(self.revision, path, entry[0], entry[1])

    def safetensors_header(self, path: str, entry: tuple[str, str]) -> tuple[dict | None, str | None]:
        """Tensor shapes from the header, read with range requests (no weights are fetched)."""
        name = f"{entry[1]}.json"  # entry[1]: a tree oid, checked when listed
        data = self._cache.read_json("headers", name)
        if _valid_header(data):
            return ({k: tuple(v) for k, v in data["shapes"].items()} if data["shapes"] is not None else None,
                    data["why"])
        from huggingface_hub.errors import SafetensorsParsingError

        try:
            metadata = self._call(f"reading the header of {path}", lambda: self._api.parse_safetensors_file_metadata(
                self.repo_id, path, revision=self.revision), file=True)
            shapes = {str(name): [int(n) for n in info.shape] for name, info in metadata.tensors.items()}
            why = None
        except SafetensorsParsingError as exc:
            shapes, why = None, f"unreadable header ({safe_repr(str(exc).splitlines()[0], 120)})"
        except (_Unreadable, TypeError, ValueError) as exc:
            # Not stored: a 404 or a cut-short range may be a passing fault of the server.
            return None, f"header not read ({exc})"
        self._cache.write_json({"shapes": shapes, "why": why}, "headers", name)
        return ({k: tuple(v) for k, v in shapes.items()} if shapes is not None else None), why

    def read_root_file(self, name: str) -> str | None:
        if self.revision is None:
            return None
        entry = self.tree(self.revision).get(name)
        if entry is None:
            return None
        blob = self._download(self.revision, name, entry)
        return blob.data.decode("utf-8", "replace") if blob.data is not None else None

    def close(self) -> None:
        pass


def _valid_commits(data: Any) -> bool:
    """A commit list as this source stores it (from the cache or just parsed)."""
    return isinstance(data, list) and all(
        isinstance(c, dict) and is_git_oid(c.get("id")) and isinstance(c.get("date"), (int, float))
        and isinstance(c.get("author"), str) and isinstance(c.get("title"), str) for c in data)


def _valid_tree(data: Any) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict) or \
            not isinstance(data.get("skipped"), list):
        return False
    return all(_repo_path(path) and isinstance(e, dict) and is_git_oid(e.get("oid"))
               and isinstance(e.get("size"), int) and (e.get("lfs") is None or is_sha256(e.get("lfs")))
               for path, e in data["files"].items())


def _valid_header(data: Any) -> bool:
    if not isinstance(data, dict) or not (data.get("why") is None or isinstance(data.get("why"), str)):
        return False
    shapes = data.get("shapes")
    return shapes is None and data.get("why") is not None or isinstance(shapes, dict) and all(
        isinstance(v, list) and all(isinstance(n, int) for n in v) for v in shapes.values())
