"""huggingface_hub's HTTP client, bounded for an endpoint the user may not trust.

huggingface_hub leaves listings without a timeout, bounds a download only per socket read (a
server dripping a byte every few seconds never trips it) and retries a timeout five times. It also
names cache files after the ETag and X-Repo-Commit headers as the server sends them. So, through
its own client factory (`set_client_factory`) and event hooks:

- every request gets connect, read, write and pool timeouts, asks for an uncompressed body, and
  a body is capped in size;
- ids in response headers (X-Repo-Commit, ETag, X-Linked-Etag) must be git or LFS ids, checked
  before huggingface_hub builds a path from them;
- each Hub call runs in a worker thread watched from the caller: when nothing has been received for
  `stall_limit` seconds (a silent server, a drip, retries of a dead one), the call is abandoned.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from auditor.errors import AuditorError
from auditor.sources.hub_cache import is_git_oid, safe_repr

try:  # the HTTP client huggingface_hub is built on: httpx2 in its newest releases, httpx before
    import httpx2 as httpx
except ImportError:  # pragma: no cover - depends on the installed huggingface_hub
    import httpx  # type: ignore[no-redef]

DEFAULT_TIMEOUT = 10.0  # seconds; huggingface_hub's own default
MAX_BODY = 32 * 1024 * 1024  # a safetensors header may be 25 MB; listings and texts are far smaller
MAX_REQUESTS = 5000  # per call: 250,000 commits or 5 million files in pages, far beyond any real repo
_PROGRESS_BYTES = 64 * 1024  # a body counts as progress per this much, so a drip does not
_ETAG = re.compile(r'(?:W/)?"?([0-9a-f]{40}|[0-9a-f]{64})"?')

T = TypeVar("T")


class HubAnswerRejected(AuditorError):
    """An answer that no Hub gives: an id that is not an id, a body too large, endless pages."""


class HubStalled(AuditorError):
    """Nothing was received for too long."""


@dataclass
class Watch:
    """One Hub call's progress, shared by the worker thread's hooks and the waiting caller."""

    timeout: float
    last: float = field(default_factory=time.monotonic)
    requests: int = 0
    abandoned: bool = False

    @property
    def stall_limit(self) -> float:
        # One silent attempt ends at `timeout`; huggingface_hub then waits 1 s and tries again.
        # A second silent attempt means the server is not going to answer.
        return 2 * self.timeout + 2

    def progress(self, grace: float = 0.0) -> None:
        self.last = max(self.last, time.monotonic() + grace)

    def stalled(self) -> bool:
        return time.monotonic() - self.last > self.stall_limit


_local = threading.local()


def _watch() -> Watch | None:
    return getattr(_local, "watch", None)


def _on_request(request: Any) -> None:
    watch = _watch()
    if watch is not None:
        if watch.abandoned:
            raise HubStalled("abandoned")
        watch.requests += 1
        if watch.requests > MAX_REQUESTS:
            raise HubAnswerRejected(f"more than {MAX_REQUESTS} requests for one answer (endless pages?)")
    timeout = watch.timeout if watch is not None else DEFAULT_TIMEOUT
    # Listings pass timeout=None, which means none at all; every request gets a bound here.
    request.extensions["timeout"] = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
    # A compressed body could expand far beyond MAX_BODY; ask for none (and refuse one, below).
    request.headers["Accept-Encoding"] = "identity"


def _check_headers(response: Any) -> None:
    headers = response.headers
    commit = headers.get("X-Repo-Commit")
    if commit is not None and not is_git_oid(commit):
        raise HubAnswerRejected(f"the Hub sent X-Repo-Commit {safe_repr(commit)}, not a commit id")
    if "/resolve/" in response.request.url.path:
        for name in ("X-Linked-Etag", "ETag"):
            value = headers.get(name)
            if value is not None and _ETAG.fullmatch(value) is None:
                raise HubAnswerRejected(f"the Hub sent {name} {safe_repr(value)}, not a file id")
    encoding = headers.get("Content-Encoding", "identity").strip().lower()
    if encoding not in ("identity", ""):
        raise HubAnswerRejected(f"the Hub sent a {safe_repr(encoding)}-compressed answer though asked for none")


_RANGE = re.compile(r"bytes=(\d+)-(\d+)")


def _body_limit(request: Any) -> int:
    """A range request may be answered with the range only, whatever its size; anything else with
    at most MAX_BODY (weight slices are fetched by range, texts and listings are small)."""
    wanted = _RANGE.fullmatch(request.headers.get("Range", "").strip())
    return int(wanted[2]) - int(wanted[1]) + 1 if wanted and int(wanted[2]) >= int(wanted[1]) else MAX_BODY


class _BoundedStream(httpx.SyncByteStream):
    def __init__(self, inner: Any, watch: Watch | None, limit: int) -> None:
        self._inner = inner
        self._watch = watch
        self._limit = limit

    def __iter__(self):
        received = unreported = 0
        for chunk in self._inner:
            if self._watch is not None and self._watch.abandoned:
                raise HubStalled("abandoned")
            received += len(chunk)
            if received > self._limit:
                raise HubAnswerRejected(f"the Hub sent an answer larger than the {self._limit} bytes asked for"
                                        if self._limit != MAX_BODY else
                                        f"the Hub sent an answer larger than {MAX_BODY // (1024 * 1024)} MB")
            unreported += len(chunk)
            if self._watch is not None and unreported >= _PROGRESS_BYTES:
                self._watch.progress()
                unreported = 0
            yield chunk
        if self._watch is not None:
            self._watch.progress()

    def close(self) -> None:
        self._inner.close()


def _on_response(response: Any) -> None:
    _check_headers(response)
    watch = _watch()
    response.stream = _BoundedStream(response.stream, watch, _body_limit(response.request))
    if watch is None:
        return
    if response.status_code == 429:
        # huggingface_hub sleeps as long as the server asks before it retries; that is not a stall.
        wait = response.headers.get("Retry-After", "")
        watch.progress(grace=float(wait) + 1 if wait.isdigit() else 0.0)
    elif response.status_code < 400:
        watch.progress()


def _client() -> Any:
    from huggingface_hub.utils._http import default_client_factory

    client = default_client_factory()
    hooks = client.event_hooks
    client.event_hooks = {"request": [*hooks["request"], _on_request],
                          "response": [*hooks["response"], _on_response]}
    return client


_installed = threading.Event()


def install() -> None:
    """Make huggingface_hub build its shared client with the bounds above (once per process)."""
    if _installed.is_set():
        return
    from huggingface_hub.utils import set_client_factory

    set_client_factory(_client)
    _installed.set()


def bounded_call(fn: Callable[[], T], timeout: float, stalled: Callable[[float], str]) -> T:
    """fn() in a worker thread; abandoned with HubStalled(stalled(seconds)) once it stops making progress.

    The worker is a daemon thread: an abandoned one, still blocked on its socket, does not keep the
    process alive, and its next hook call ends it."""
    watch = Watch(timeout)
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        _local.watch = watch
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # handed to the caller, which raises it
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="hub-call", daemon=True).start()
    while not done.wait(0.1):
        if watch.stalled():
            watch.abandoned = True
            raise HubStalled(stalled(watch.stall_limit))
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
