"""Read a local repo: a git working tree, a bare repo, or a plain folder.

Git repos are read in one streaming first-parent `git log -z --raw` pass, with blobs from one
`git cat-file --batch` process. Nothing is checked out, no filter or hook runs, and symbolic links
are resolved inside the repo only.
"""

from __future__ import annotations

import os
import posixpath
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

import git

from auditor.errors import AuditorError
from auditor.facts.paths import CARD, LICENSE, WEIGHTS, path_rules
from auditor.facts.tensors import read_safetensors_header
from auditor.model import Commit
from auditor.sources.base import MAX_TEXT_BYTES, Blob, Change, History, RelevantCommit

SYMLINK_MODE = "120000"
GITLINK_MODE = "160000"

# Settings from the audited repo's own config must not make git run anything.
_GIT_OVERRIDES = (
    "-c", "core.fsmonitor=false",
    "-c", "log.showSignature=false",
    "-c", "core.pager=cat",
    "-c", "diff.external=",
)
# GIT_NO_LAZY_FETCH (git 2.44+) keeps a partial clone from fetching missing blobs over the network.
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "GIT_PAGER": "cat", "GIT_NO_LAZY_FETCH": "1"}

_LOG_FORMAT = "%H%x00%P%x00%ct%x00%an%x00%s"


def iso_utc(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _git_env() -> dict[str, str]:
    return {**os.environ, **_GIT_ENV}


class CatFile:
    """One long-lived `git cat-file --batch`: blobs by id, or `rev:path`."""

    def __init__(self, git_dir: str) -> None:
        self._proc = subprocess.Popen(
            ["git", *_GIT_OVERRIDES, "--git-dir", git_dir, "cat-file", "--batch"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_git_env(),
        )

    def read(self, ref: str, limit: int = MAX_TEXT_BYTES) -> tuple[str, bytes | None]:
        """(type, data); data is None when the object is missing or larger than `limit`."""
        assert self._proc.stdin and self._proc.stdout
        self._proc.stdin.write(ref.encode("utf-8", "surrogateescape") + b"\n")
        self._proc.stdin.flush()
        header = self._proc.stdout.readline().split()
        if len(header) != 3:
            return "missing", None
        kind, size = header[1].decode(), int(header[2])
        if size > limit:
            remaining = size + 1
            while remaining:
                remaining -= len(self._proc.stdout.read(min(remaining, 1 << 20)))
            return kind, None
        data = self._proc.stdout.read(size + 1)[:-1]
        return kind, data

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        self._proc.wait()


def _inside(link_path: str, target: str) -> str | None:
    """The repo path a relative link points at, or None if it leaves the repo."""
    if target.startswith("/") or "\0" in target:
        return None
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(link_path), target))
    if resolved == ".." or resolved.startswith("../") or resolved == ".":
        return None
    return resolved


class GitSource:
    """A git working tree or bare repo, read at `revision` (default HEAD)."""

    def __init__(self, path: Path, revision: str | None) -> None:
        try:
            self._repo = git.Repo(path, search_parent_directories=False)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
            raise AuditorError(f"not a git repository: {path}") from exc
        self.path = str(path)
        self.kind = "bare" if self._repo.bare else "git"
        self._git_dir = str(Path(self._repo.git_dir).resolve())
        self.revision = self._resolve(revision or "HEAD")
        self._cat: CatFile | None = None

    def _git(self, *args: str) -> str:
        try:
            return self._repo.git.execute(
                ["git", *_GIT_OVERRIDES, "--git-dir", self._git_dir, *args], env=_GIT_ENV,
            )
        except git.GitCommandError as exc:
            raise AuditorError(f"git {args[0]} failed: {exc.stderr.strip() or exc}") from exc

    def _resolve(self, revision: str) -> str | None:
        if revision.startswith("-"):
            raise AuditorError(f"invalid revision: {revision}")
        try:
            return self._git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").strip()
        except AuditorError:
            if revision == "HEAD" and not self._git("for-each-ref", "--count=1"):
                return None  # a repo with no commits yet
            raise AuditorError(f"revision not found: {revision}") from None

    def _shallow_commits(self) -> set[str]:
        cut: set[str] = set()
        for name in ("shallow", "info/grafts"):
            file = Path(self._git_dir, name)
            if file.is_file():
                cut.update(line.split()[0] for line in file.read_text().splitlines() if line.strip())
        return cut

    def history(self, progress: Callable[[int], None] | None = None) -> History:
        if self.revision is None:
            return History(commits=(), total=0, complete=True, boundary=None)
        rules = path_rules()
        proc = self._repo.git.execute(
            ["git", *_GIT_OVERRIDES, "--git-dir", self._git_dir, "log", "-z", "--raw", "--no-renames",
             "--no-abbrev", "--first-parent", "--diff-merges=first-parent", "--no-color",
             f"--format={_LOG_FORMAT}", self.revision, "--"],
            as_process=True, env=_GIT_ENV,
        )
        relevant: list[RelevantCommit] = []
        total = 0
        oldest: tuple[str, str, int, str, str] | None = None
        head: Commit | None = None
        tokens = _tokens(proc.proc.stdout)
        token = next(tokens, None)
        while token is not None:
            sha, parents, stamp, author, title = (
                token, next(tokens), next(tokens), next(tokens), next(tokens))
            total += 1
            if progress and total % 5000 == 0:
                progress(total)
            changes: list[Change] = []
            weights: list[str] = []
            token = next(tokens, None)
            # Raw entries start with ':' (the first one with the newline that ends the header).
            while token is not None and token[:1] in (b":", b"\n"):
                meta, raw_path = token, next(tokens)
                token = next(tokens, None)
                path = raw_path.decode("utf-8", "surrogateescape")
                kind = rules.kind(path)
                if kind is None:
                    continue
                old_mode, new_mode, old_blob, new_blob, status = meta.lstrip(b"\n:").decode().split(" ")
                if kind == WEIGHTS:
                    if status != "D":
                        weights.append(path)
                    continue
                changes.append(Change(path=path, kind=kind, status=status, old_mode=old_mode,
                                      new_mode=new_mode, old_blob=old_blob, new_blob=new_blob))
            oldest = (sha.decode(), parents.decode(), int(stamp), author.decode("utf-8", "replace"),
                      title.decode("utf-8", "replace"))
            if head is None:
                head = _commit(*oldest)
            if changes or weights:
                relevant.append(RelevantCommit(commit=_commit(*oldest), position=total - 1,
                                               changes=tuple(changes), weights=tuple(weights)))
        proc.wait()
        if oldest is None:
            return History(commits=(), total=0, complete=True, boundary=None)
        cut = self._shallow_commits()
        complete = oldest[0] not in cut
        boundary = None if complete else _commit(*oldest)
        # `position` counted from HEAD; flip so 0 is the oldest scanned commit.
        ordered = tuple(
            RelevantCommit(commit=rc.commit, position=total - 1 - rc.position, changes=rc.changes,
                           weights=rc.weights)
            for rc in reversed(relevant)
        )
        return History(commits=ordered, total=total, complete=complete, boundary=boundary, head=head)

    def read(self, commit: str, change_path: str, mode: str, blob: str) -> Blob:
        """The content a path has at a commit; links are followed inside the repo only."""
        if mode == GITLINK_MODE:
            return Blob(data=None, unreadable="submodule")
        if self._cat is None:
            self._cat = CatFile(self._git_dir)
        path = change_path
        for _ in range(8):
            kind, data = self._cat.read(blob)
            if data is None:
                return Blob(data=None, unreadable="too large" if kind == "blob" else "missing object")
            if mode != SYMLINK_MODE:
                return Blob(data=data)
            target = _inside(path, data.decode("utf-8", "surrogateescape"))
            if target is None:
                return Blob(data=None, unreadable="symbolic link to outside the repository (not followed)")
            entry = self._git("ls-tree", "-z", commit, "--", target).rstrip("\0")
            if not entry:
                return Blob(data=None, unreadable="dangling symbolic link")
            mode, _type, blob = entry.split("\t", 1)[0].split(" ")
            path = target
        return Blob(data=None, unreadable="symbolic link loop")

    def snapshot_entries(self) -> dict[str, tuple[str, str]]:
        """path -> (mode, blob id) of the lineage-relevant files at the revision."""
        if self.revision is None:
            return {}
        rules = path_rules()
        entries = {}
        for record in self._git("ls-tree", "-r", "-z", "--full-tree", self.revision).split("\0"):
            if not record:
                continue
            meta, path = record.split("\t", 1)
            mode, kind, blob = meta.split(" ")
            if kind == "blob" and rules.is_lineage(path):
                entries[path] = (mode, blob)
        return entries

    def read_at_revision(self, path: str, entry: tuple[str, str]) -> Blob:
        assert self.revision is not None
        return self.read(self.revision, path, entry[0], entry[1])

    @contextmanager
    def open_blob(self, entry: tuple[str, str]) -> Iterator[BinaryIO]:
        """A stream over a blob, for reading a prefix only: the process is ended on close, so
        the rest of a large blob is never transferred."""
        proc = subprocess.Popen(["git", *_GIT_OVERRIDES, "--git-dir", self._git_dir, "cat-file", "blob", entry[1]],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_git_env())
        try:
            assert proc.stdout is not None
            yield proc.stdout
        finally:
            proc.kill()
            proc.wait()
            if proc.stdout:
                proc.stdout.close()

    def read_root_file(self, name: str) -> str | None:
        """A small file at the repo root at the revision (the waivers file), or None."""
        if self.revision is None:
            return None
        if self._cat is None:
            self._cat = CatFile(self._git_dir)
        kind, data = self._cat.read(f"{self.revision}:{name}", limit=1 << 20)
        return data.decode("utf-8", "replace") if kind == "blob" and data is not None else None

    def safetensors_header(self, _path: str, entry: tuple[str, str]) -> tuple[dict | None, str | None]:
        return _header_from(self, entry)

    def close(self) -> None:
        if self._cat is not None:
            self._cat.close()
            self._cat = None


def _commit(sha: str, _parents: str, stamp: int, author: str, title: str) -> Commit:
    return Commit(sha=sha, date=iso_utc(stamp), timestamp=stamp, author=author, title=title)


def _tokens(stream) -> Iterator[bytes]:
    rest = b""
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


class FolderSource:
    """A plain folder: the files as they are, no history."""

    kind = "folder"
    revision = None

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self._root = path.resolve()

    def _walk(self) -> Iterator[str]:
        for dirpath, dirnames, filenames in os.walk(self._root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if d != ".git")
            rel_dir = Path(dirpath).relative_to(self._root).as_posix()
            for name in sorted(filenames):
                yield name if rel_dir == "." else f"{rel_dir}/{name}"

    def files(self) -> Iterator[tuple[str, str]]:
        """(repo path, kind) of every license-relevant file, sorted; links are not followed."""
        rules = path_rules()
        found = [(rel, kind) for rel in self._walk() if (kind := rules.kind(rel)) in (LICENSE, CARD)]
        return iter(sorted(found))

    def snapshot_entries(self) -> dict[str, str]:
        rules = path_rules()
        return {rel: rel for rel in self._walk() if rules.is_lineage(rel)}

    def read_at_revision(self, path: str, _entry: str) -> Blob:
        return self.read(path)

    @contextmanager
    def open_blob(self, entry: str) -> Iterator[BinaryIO]:
        full = self._root / entry
        if full.is_symlink():
            raise OSError("symbolic link (not followed)")
        with full.open("rb") as handle:
            yield handle

    def safetensors_header(self, _path: str, entry: str) -> tuple[dict | None, str | None]:
        return _header_from(self, entry)

    def read_root_file(self, name: str) -> str | None:
        blob = self.read(name) if (self._root / name).is_file() else None
        return blob.data.decode("utf-8", "replace") if blob and blob.data is not None else None

    def close(self) -> None:
        pass

    def read(self, rel: str) -> Blob:
        full = self._root / rel
        try:
            real = full.resolve(strict=True)
        except (OSError, RuntimeError):
            return Blob(data=None, unreadable="dangling symbolic link")
        if real != self._root and self._root not in real.parents:
            return Blob(data=None, unreadable="symbolic link to outside the repository (not followed)")
        try:
            if real.stat().st_size > MAX_TEXT_BYTES:
                return Blob(data=None, unreadable="too large")
            return Blob(data=real.read_bytes())
        except OSError as exc:
            return Blob(data=None, unreadable=f"unreadable ({exc.strerror})")


def _header_from(source: GitSource | FolderSource, entry) -> tuple[dict | None, str | None]:
    """A safetensors header read from the start of a local blob; the rest is never read."""
    try:
        with source.open_blob(entry) as stream:
            return read_safetensors_header(stream)
    except OSError as exc:
        return None, str(exc)


def open_local(path: Path, revision: str | None) -> GitSource | FolderSource:
    if not path.exists():
        raise AuditorError(f"target does not exist: {path}")
    if not path.is_dir():
        raise AuditorError(f"target is not a directory: {path}")
    if not os.access(path, os.R_OK | os.X_OK):
        raise AuditorError(f"target is not readable: {path}")
    if (path / ".git").exists() or (path / "HEAD").is_file() and (path / "objects").is_dir():
        return GitSource(path, revision)
    if revision:
        raise AuditorError(f"--revision given but {path} is not a git repository")
    return FolderSource(path)
