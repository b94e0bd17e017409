"""Read `hf://org/name[@revision]` straight from the Hugging Face Hub, with the interface of GitSource.

The Hub lists commits but not what each changed, so the timeline comes from comparing the trees of
consecutive commits. Requests grow with the number of commits (one commit-list page per 50 commits,
one tree listing per commit), not with commits times files. Trees (immutable per commit), file
contents (by blob id) and safetensors headers (by blob id) are cached on disk: a second run makes no
file download, and `--offline` runs from the cache alone.
"""

from __future__ import annotations

import json
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

from auditor.errors import AuditorError
from auditor.facts.paths import WEIGHTS, path_rules
from auditor.model import Commit
from auditor.sources.base import MAX_TEXT_BYTES, Blob, Change, History, RelevantCommit
from auditor.sources.local import iso_utc

FILE_MODE = "100644"
_RETRIES = 4


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
    """'hf://org/name@rev' -> ('org/name', 'rev')."""
    rest = target.removeprefix("hf://").strip("/")
    repo_id, _sep, revision = rest.partition("@")
    if repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise AuditorError(f"not a Hub model id: {target} (expected hf://org/name[@revision])")
    return repo_id, revision or None


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "model-license-auditor" / "hub"


class HubSource:
    kind = "hub"

    def __init__(self, target: str, revision: str | None, offline: bool = False) -> None:
        from huggingface_hub import HfApi

        _quiet_hub_logs()
        self.repo_id, at_revision = parse_target(target)
        self.path = self.repo_id
        self.offline = offline
        # Read at call time, not at import: huggingface_hub fixes its default endpoint when imported.
        self._endpoint = os.environ.get("HF_ENDPOINT") or None
        self._api = HfApi(endpoint=self._endpoint)
        self._cache = _cache_root() / self.repo_id.replace("/", "--")
        self._wanted = revision or at_revision or "main"
        if not offline:
            self._check_reachable()
        self._commits = self._list_commits()
        self.revision = self._commits[0]["id"] if self._commits else None
        self._trees: dict[str, dict[str, dict[str, Any]]] = {}

    # -- calls, retries, errors --------------------------------------------------------------
    def _check_reachable(self) -> None:
        """Fail fast when the network is down: huggingface_hub would retry for about 20 s first."""
        endpoint = self._endpoint or "https://huggingface.co"
        url = urlparse(endpoint)
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            socket.create_connection((url.hostname or "", port), timeout=10).close()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise AuditorError(f"cannot reach the Hub at {endpoint}: {reason}") from exc

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        from huggingface_hub.errors import (
            GatedRepoError,
            HfHubHTTPError,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )

        if self.offline:
            raise AuditorError(f"--offline: {what} for {self.repo_id} is not in the cache; run once online")
        for attempt in range(_RETRIES):
            try:
                return fn()
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
                    raise AuditorError(f"the Hub answered {status} to {what} for {self.repo_id}") from exc
                if attempt == _RETRIES - 1:
                    raise AuditorError(f"rate limited by the Hub ({what}); try again later") from exc
                delay = 2 ** attempt
                retry_after = exc.response.headers.get("Retry-After") if exc.response is not None else None
                if retry_after and retry_after.isdigit():
                    delay = int(retry_after)
                print(f"auditor: rate limited by the Hub; retrying {what} in {delay} s", file=sys.stderr)
                time.sleep(delay)
            except Exception as exc:
                # Transport failures come as OSError or as the HTTP client's own error types.
                if not isinstance(exc, OSError) and not type(exc).__module__.startswith(("httpx", "httpcore")):
                    raise
                endpoint = self._endpoint or "https://huggingface.co"
                raise AuditorError(f"cannot reach the Hub at {endpoint}: {type(exc).__name__}") from exc
        raise AssertionError("unreachable")

    def _cached_json(self, name: str, what: str, fetch: Callable[[], Any], immutable: bool) -> Any:
        file = self._cache / name
        if file.is_file() and (immutable or self.offline):
            return json.loads(file.read_text(encoding="utf-8"))
        data = self._call(what, fetch)
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(file)
        return data

    # -- history -----------------------------------------------------------------------------
    def _list_commits(self) -> list[dict[str, Any]]:
        def fetch() -> list[dict[str, Any]]:
            return [{"id": c.commit_id, "date": c.created_at.timestamp(), "author": (c.authors or [""])[0],
                     "title": c.title} for c in self._api.list_repo_commits(self.repo_id, revision=self._wanted)]

        # Which commit a branch names changes over time: online, ask every run; offline, the last answer.
        ref = self._wanted.replace("/", "--")
        return self._cached_json(f"commits-{ref}.json", "listing commits", fetch, immutable=False)

    def tree(self, sha: str) -> dict[str, dict[str, Any]]:
        """path -> {"oid", "size", "lfs"} of every file at a commit."""
        if sha not in self._trees:
            def fetch() -> dict[str, dict[str, Any]]:
                from huggingface_hub.hf_api import RepoFile

                return {item.path: {"oid": item.blob_id, "size": item.size, "lfs": bool(item.lfs)}
                        for item in self._api.list_repo_tree(self.repo_id, recursive=True, revision=sha)
                        if isinstance(item, RepoFile)}

            self._trees[sha] = self._cached_json(f"trees/{sha}.json", "listing files", fetch, immutable=True)
        return self._trees[sha]

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
    def _download(self, commit: str, path: str, blob: str, size: int | None) -> Blob:
        if size is not None and size > MAX_TEXT_BYTES:
            return Blob(data=None, unreadable="too large")
        cached = self._cache / "blobs" / blob
        if cached.is_file():
            return Blob(data=cached.read_bytes())

        def fetch() -> bytes:
            from huggingface_hub import hf_hub_download

            local = hf_hub_download(self.repo_id, path, revision=commit, cache_dir=str(self._cache / "hf"),
                                    endpoint=self._endpoint)
            return Path(local).read_bytes()

        data = self._call(f"downloading {path}", fetch)
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(data)
        return Blob(data=data)

    def read(self, commit: str, path: str, _mode: str, blob: str) -> Blob:
        entry = self.tree(commit).get(path)
        return self._download(commit, path, blob, entry["size"] if entry else None)

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
        cached = self._cache / "headers" / f"{entry[1]}.json"
        if cached.is_file():
            data = json.loads(cached.read_text(encoding="utf-8"))
            return ({k: tuple(v) for k, v in data["shapes"].items()} if data["shapes"] is not None else None,
                    data["why"])
        from huggingface_hub.errors import SafetensorsParsingError

        try:
            metadata = self._call(f"reading the header of {path}", lambda: self._api.parse_safetensors_file_metadata(
                self.repo_id, path, revision=self.revision))
            shapes, why = {name: tuple(info.shape) for name, info in metadata.tensors.items()}, None
        except SafetensorsParsingError as exc:
            shapes, why = None, f"unreadable header ({str(exc).splitlines()[0][:120]})"
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps({"shapes": shapes, "why": why}), encoding="utf-8")
        return shapes, why

    def read_root_file(self, name: str) -> str | None:
        if self.revision is None:
            return None
        entry = self.tree(self.revision).get(name)
        if entry is None:
            return None
        blob = self._download(self.revision, name, entry["oid"], entry["size"])
        return blob.data.decode("utf-8", "replace") if blob.data is not None else None

    def close(self) -> None:
        pass

