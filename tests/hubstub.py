"""A local stand-in for the Hugging Face Hub on 127.0.0.1, serving fixture git repos through the
HTTP endpoints huggingface_hub calls (it honours HF_ENDPOINT).

Faithful where the auditor depends on it: paginated commit and tree listings (Link headers),
X-Repo-Commit and ETag on file responses, HEAD and range requests (safetensors headers), and
401 / 404 / 429 answers with the X-Error-Code values the Hub sends.

`stub.hostile[repo_id] = Hostile(...)` (opt-in, per repo) makes it misbehave as an untrusted mirror
can: rewritten listings and headers (ids that are paths), 404s for listed files, bodies cut short,
answers that never come or come a byte at a time.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

LFS_PREFIX = b"version https://git-lfs.github.com/spec/v1"


@dataclass
class Hostile:
    """What an untrusted endpoint sends for one repo instead of the truth. Request kinds, as in
    `HubStub.counts`: commits, tree, head, download, range, models (an author's listing, keyed by author)."""

    commits: Callable[[list[dict]], list[dict]] | None = None  # rewrites the commit list
    tree: Callable[[list[dict]], list[dict]] | None = None  # rewrites the file listing
    models: Callable[[list[dict]], list[dict]] | None = None  # rewrites an author's model listing (key: author)
    headers: Callable[[str, dict[str, str]], dict[str, str]] | None = None  # (file name, headers) -> headers
    missing: frozenset[str] = frozenset()  # listed files answered with 404 (EntryNotFound)
    truncate: frozenset[str] = frozenset()  # files whose body stops halfway (Content-Length says it all)
    stall: frozenset[str] = frozenset()  # request kinds accepted and never answered
    drip: frozenset[str] = frozenset()  # request kinds answered a byte per `drip_every` seconds
    drip_headers: bool = True  # drip from the status line on; else the headers at once, then the body
    drip_every: float = 1.0


class HubStub:
    def __init__(self, commits_page: int = 50, tree_page: int = 1000) -> None:
        self.repos: dict[str, Path] = {}
        self.errors: dict[str, tuple[int, str | None]] = {}  # repo id -> (status, X-Error-Code)
        self.rate_limited: Counter = Counter()  # repo id -> 429 answers still to give
        self.counts: Counter = Counter()  # request kinds served
        self.hang: set[str] = set()  # repo ids whose requests never get an answer (until the stub stops)
        self.models_page = 1000
        self.hostile: dict[str, Hostile] = {}  # repo id -> misbehaviour (none unless asked for)
        self._stopping = threading.Event()
        self.commits_page = commits_page
        self.tree_page = tree_page
        self._blobs: dict[str, bytes] = {}
        self.datasets: dict[str, dict] = {}  # dataset repo id -> its card's front matter
        self.model_cards: dict[str, dict] = {}  # model repo id (no git behind it) -> its card's front matter
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HubStub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopping.set()  # ends stalled and dripping answers
        self._server.shutdown()
        self._server.server_close()

    def add(self, repo_id: str, path: Path) -> None:
        self.repos[repo_id] = path

    def add_dataset(self, repo_id: str, card_data: dict) -> None:
        """A dataset repo, answered by /api/datasets/org/name with its card metadata as the Hub does."""
        self.datasets[repo_id] = card_data

    def add_model_card(self, repo_id: str, card_data: dict) -> None:
        """A model known only by its card metadata, as model_info returns it (a declared base)."""
        self.model_cards[repo_id] = card_data

    # -- git ----------------------------------------------------------------------------------
    @staticmethod
    def git(repo: Path, *args: str) -> bytes:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True).stdout

    def blob(self, repo: Path, oid: str) -> bytes:
        """A blob's bytes, kept: range requests on a large shard would otherwise read it whole each time."""
        if oid not in self._blobs:
            self._blobs[oid] = self.git(repo, "cat-file", "blob", oid)
        return self._blobs[oid]

    def resolve(self, repo: Path, revision: str) -> str | None:
        try:
            return self.git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").decode().strip()
        except subprocess.CalledProcessError:
            return None

    def _handler(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
                      kind: str | None = None, repo_id: str | None = None, length: int | None = None) -> None:
                hostile = stub.hostile.get(repo_id or "")
                if hostile and kind in hostile.stall:
                    stub._stopping.wait()
                    return
                if hostile and kind in hostile.drip:
                    return self._drip(status, body, headers or {}, hostile)
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _drip(self, status: int, body: bytes, headers: dict[str, str], hostile: Hostile) -> None:
                head = [f"HTTP/1.1 {status} OK", *(f"{k}: {v}" for k, v in headers.items()),
                        f"Content-Length: {len(body)}", "", ""]
                raw = "\r\n".join(head).encode() + (body if self.command != "HEAD" else b"")
                start = 0 if hostile.drip_headers else len("\r\n".join(head).encode())
                try:
                    self.wfile.write(raw[:start])
                    for i in range(start, len(raw)):
                        if stub._stopping.wait(hostile.drip_every):
                            return
                        self.wfile.write(raw[i:i + 1])
                except OSError:
                    return  # the client gave up
                self.close_connection = True

            def _json(self, data, headers: dict[str, str] | None = None, kind: str | None = None,
                      repo_id: str | None = None) -> None:
                self._send(200, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})},
                           kind, repo_id)

            def _error(self, status: int, code: str | None, message: str) -> None:
                headers = {"Content-Type": "application/json", "X-Error-Message": message}
                if code:
                    headers["X-Error-Code"] = code
                self._send(status, json.dumps({"error": message}).encode(), headers)

            def _repo(self, repo_id: str) -> Path | None:
                if repo_id in stub.hang:
                    stub._stopping.wait()
                    return None
                if stub.rate_limited[repo_id] > 0:
                    stub.rate_limited[repo_id] -= 1
                    self._send(429, b'{"error": "slow down"}', {"Retry-After": "0"})
                    return None
                if repo_id in stub.errors:
                    status, code = stub.errors[repo_id]
                    self._error(status, code, f"{repo_id}: access denied" if status != 404 else "Repository not found")
                    return None
                if repo_id not in stub.repos:
                    self._error(404, "RepoNotFound", "Repository not found")
                    return None
                return stub.repos[repo_id]

            def _page(self, items: list, size: int, query: dict) -> tuple[list, dict[str, str]]:
                page = int(query.get("p", ["0"])[0])
                chunk = items[page * size:(page + 1) * size]
                headers = {}
                if (page + 1) * size < len(items):
                    url = urlparse(self.path)
                    rest = "&".join(f"{k}={v[0]}" for k, v in query.items() if k != "p")
                    headers["Link"] = f'<{stub.endpoint}{url.path}?{rest}&p={page + 1}>; rel="next"'
                return chunk, headers

            def do_HEAD(self) -> None:
                self.do_GET()

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                path = unquote(url.path)
                if path == "/api/models":
                    return self.models(query)
                if m := re.match(r"^/api/models/([^/]+/[^/]+)(?:/revision/([^/]+))?$", path):
                    return self.model_info(m[1], m[2] or "main")
                if m := re.match(r"^/api/datasets/([^/]+/[^/]+)(?:/revision/([^/]+))?$", path):
                    return self.dataset_info(m[1])
                if m := re.match(r"^/api/models/([^/]+(?:/[^/]+)?)/commits/(.+)$", path):
                    return self.commits(m[1], m[2], query)
                if m := re.match(r"^/api/models/([^/]+(?:/[^/]+)?)/tree/([^/]+)(/.*)?$", path):
                    return self.tree(m[1], m[2], query)
                if m := re.match(r"^/([^/]+(?:/[^/]+)?)/resolve/([^/]+)/(.+)$", path):
                    return self.resolve_file(m[1], m[2], m[3])
                self._error(404, None, f"no such endpoint: {path}")

            def _revision(self, repo_id: str, revision: str) -> tuple[Path, str] | None:
                """The repo and commit a request names, or None once an error has been answered."""
                repo = self._repo(repo_id)
                if repo is None:
                    return None
                sha = stub.resolve(repo, revision)
                if sha is None:
                    self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
                    return None
                return repo, sha

            def models(self, query: dict) -> None:
                """list_models(author=...): ids and head commits, by id, paged like the Hub."""
                stub.counts["models"] += 1
                author = query.get("author", [""])[0]
                items = [{"_id": repo_id, "id": repo_id, "modelId": repo_id, "private": False,
                          "sha": stub.resolve(path, "HEAD")}
                         for repo_id, path in sorted(stub.repos.items()) if repo_id.split("/")[0] == author]
                if (hostile := stub.hostile.get(author)) and hostile.models:
                    items = hostile.models(items)
                chunk, headers = self._page(items, stub.models_page, query)
                self._json(chunk, headers, "models", author)

            def model_info(self, repo_id: str, revision: str) -> None:
                stub.counts["model_info"] += 1
                if repo_id in stub.model_cards:
                    return self._json({"_id": repo_id, "id": repo_id, "modelId": repo_id, "private": False,
                                       "sha": "b" * 40, "cardData": stub.model_cards[repo_id]})
                if (found := self._revision(repo_id, revision)) is None:
                    return
                self._json({"_id": repo_id, "id": repo_id, "modelId": repo_id, "private": False, "sha": found[1]})

            def dataset_info(self, repo_id: str) -> None:
                stub.counts["dataset_info"] += 1
                if repo_id in stub.errors:
                    status, code = stub.errors[repo_id]
                    return self._error(status, code, f"{repo_id}: access denied")
                if repo_id not in stub.datasets:
                    return self._error(404, "RepoNotFound", "Repository not found")
                self._json({"_id": repo_id, "id": repo_id, "private": False, "sha": "d" * 40,
                            "cardData": stub.datasets[repo_id]})

            def commits(self, repo_id: str, revision: str, query: dict) -> None:
                stub.counts["commits"] += 1
                if (found := self._revision(repo_id, revision)) is None:
                    return
                repo, sha = found
                raw = stub.git(repo, "log", "--first-parent", "-z", "--format=%H%x00%ct%x00%an%x00%s", sha)
                fields = raw.decode("utf-8", "replace").split("\0")
                items = []
                for i in range(0, len(fields) - 3, 4):
                    commit, stamp, author, title = fields[i:i + 4]
                    date = datetime.fromtimestamp(int(stamp), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
                    items.append({"id": commit.strip(), "title": title, "message": "", "date": date,
                                  "authors": [{"user": author}]})
                if (hostile := stub.hostile.get(repo_id)) and hostile.commits:
                    items = hostile.commits(items)
                chunk, headers = self._page(items, stub.commits_page, query)
                self._json(chunk, headers, "commits", repo_id)

            def tree(self, repo_id: str, revision: str, query: dict) -> None:
                stub.counts["tree"] += 1
                if (found := self._revision(repo_id, revision)) is None:
                    return
                repo, sha = found
                items, folders = [], set()
                for record in stub.git(repo, "ls-tree", "-r", "-z", "-l", sha).split(b"\0"):
                    if not record:
                        continue
                    meta, name = record.split(b"\t", 1)
                    _mode, kind, oid, size = meta.split()
                    if kind != b"blob":
                        continue
                    path = name.decode("utf-8", "surrogateescape")
                    entry = {"type": "file", "oid": oid.decode(), "size": int(size), "path": path}
                    # LFS pointers are about 130 bytes; only those are worth a look.
                    pointer_sized = 100 <= int(size) <= 200
                    content = stub.git(repo, "cat-file", "blob", oid.decode()) if pointer_sized else b""
                    if content.startswith(LFS_PREFIX):
                        lfs_oid = re.search(rb"oid sha256:([0-9a-f]{64})", content)
                        lfs_size = re.search(rb"size (\d+)", content)
                        entry["lfs"] = {"oid": lfs_oid[1].decode() if lfs_oid else "",
                                        "size": int(lfs_size[1]) if lfs_size else 0, "pointerSize": int(size)}
                        entry["size"] = entry["lfs"]["size"]
                    parts = path.split("/")[:-1]
                    for depth in range(1, len(parts) + 1):
                        folders.add("/".join(parts[:depth]))
                    items.append(entry)
                items += [{"type": "directory", "oid": "0" * 40, "size": 0, "path": f} for f in sorted(folders)]
                if (hostile := stub.hostile.get(repo_id)) and hostile.tree:
                    items = hostile.tree(items)
                chunk, headers = self._page(items, stub.tree_page, query)
                self._json(chunk, headers, "tree", repo_id)

            def resolve_file(self, repo_id: str, revision: str, filename: str) -> None:
                ranged = "range" in {k.lower() for k in self.headers}
                kind = "range" if ranged else "head" if self.command == "HEAD" else "download"
                stub.counts[kind] += 1
                if (found := self._revision(repo_id, revision)) is None:
                    return
                repo, sha = found
                hostile = stub.hostile.get(repo_id) or Hostile()
                try:
                    if filename in hostile.missing:
                        raise subprocess.CalledProcessError(128, "git")
                    oid = stub.git(repo, "rev-parse", f"{sha}:{filename}").decode().strip()
                    body = stub.blob(repo, oid)
                except subprocess.CalledProcessError:
                    return self._error(404, "EntryNotFound", f"{filename} not found")
                headers = {"X-Repo-Commit": sha, "ETag": f'"{oid}"', "Accept-Ranges": "bytes"}
                if hostile.headers:
                    headers = hostile.headers(filename, headers)
                length = None
                if filename in hostile.truncate and self.command != "HEAD":
                    length, body = len(body), body[:len(body) // 2]
                    self.close_connection = True
                wanted = self.headers.get("Range")
                if wanted and (m := re.match(r"bytes=(\d+)-(\d*)", wanted)):
                    start = int(m[1])
                    end = min(int(m[2]) if m[2] else len(body) - 1, len(body) - 1)
                    headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
                    return self._send(206, body[start:end + 1], headers, kind, repo_id)
                self._send(200, body, headers, kind, repo_id, length)

        return Handler
