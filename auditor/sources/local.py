"""Read a local repo: a git working tree, a bare repo, or a plain folder.

Git repos are read in one streaming first-parent `git log -z --raw` pass, with blobs from one
`git cat-file --batch` process. Nothing is checked out, no filter or hook runs, and symbolic links
are resolved inside the repo only.
"""

from __future__ import annotations

import functools
import itertools
import os
import posixpath
import re
import subprocess
import tempfile
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
from auditor.sources.base import MAX_TEXT_BYTES, Blob, Change, History, RelevantCommit, open_regular, read_regular

SYMLINK_MODE = "120000"
GITLINK_MODE = "160000"

# Settings from the audited repo's own config must not make git run anything. protocol.allow=never
# stops every transport, so a partial clone cannot fetch a missing blob (and run the repo's
# remote.*.uploadpack or core.sshCommand to do it) on any git version.
_GIT_OVERRIDES = (
    "--no-replace-objects",
    "-c", "core.fsmonitor=false",
    "-c", "log.showSignature=false",
    "-c", "core.pager=cat",
    "-c", "diff.external=",
    "-c", "protocol.allow=never",
)
# GIT_NO_LAZY_FETCH (git 2.44+) says the same as protocol.allow=never for partial clones.
# GIT_NO_REPLACE_OBJECTS: a refs/replace/* object must not stand in for the real one (it could
# make a deleted NOTICE look present); --no-replace-objects above says it to the first process,
# the variable to any git it starts.
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "GIT_PAGER": "cat", "GIT_NO_LAZY_FETCH": "1",
            "GIT_NO_REPLACE_OBJECTS": "1"}
# What git says when an object is missing or corrupt (rather than the repo or git being unusable).
_OBJECT_TROUBLE = re.compile(r"missing|corrupt|inflate|unable to (?:read|unpack|stream|parse)|promisor|"
                             r"could not fetch|bad object|invalid object|packfile|loose object", re.IGNORECASE)

_LOG_FORMAT = "%H%x00%P%x00%ct%x00%an%x00%s"


def iso_utc(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _git_env() -> dict[str, str]:
    return {**os.environ, **_GIT_ENV}


class ObjectUnreadable(Exception):
    """git could not hand over an object: missing (a partial clone) or corrupt."""


def _last_line(errors: BinaryIO) -> str:
    errors.seek(0)
    lines = [line for line in errors.read()[-4096:].decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "git ended without a message"


def _object_trouble(message: str) -> bool:
    return bool(_OBJECT_TROUBLE.search(message))


class CatFile:
    """One long-lived `git cat-file --batch`: blobs by id, or `rev:path`. If git dies on an object
    (a corrupt loose object, a blob a partial clone lacks), that object is unreadable and the next
    read starts a new process."""

    def __init__(self, git_dir: str) -> None:
        self._git_dir = git_dir
        self._proc: subprocess.Popen | None = None
        self._errors: BinaryIO | None = None

    def _start(self) -> subprocess.Popen:
        # Lives as long as the process (closed in _died or close): git's last words on a failure.
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115
        self._proc = subprocess.Popen(
            ["git", *_GIT_OVERRIDES, "--git-dir", self._git_dir, "cat-file", "--batch"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors, env=_git_env(),
        )
        return self._proc

    def _died(self) -> ObjectUnreadable:
        """The process ended mid-request: why, as an object problem or as a plain error."""
        assert self._proc is not None and self._errors is not None
        self._proc.kill()
        self._proc.wait()
        message = _last_line(self._errors)
        self._errors.close()
        self._proc, self._errors = None, None
        if not _object_trouble(message):
            raise AuditorError(f"git cat-file failed: {message}")
        return ObjectUnreadable(message)

    def read(self, ref: str, limit: int = MAX_TEXT_BYTES) -> tuple[str, bytes | None]:
        """(type, data); data is None when the object is missing or larger than `limit`. Raises
        ObjectUnreadable when git dies on it."""
        proc = self._proc or self._start()
        assert proc.stdin and proc.stdout
        try:
            proc.stdin.write(ref.encode("utf-8", "surrogateescape") + b"\n")
            proc.stdin.flush()
        except BrokenPipeError:
            raise self._died() from None
        line = proc.stdout.readline()
        if not line.endswith(b"\n"):
            raise self._died()
        header = line.split()
        if len(header) != 3:
            return "missing", None
        kind, size = header[1].decode(), int(header[2])
        if size > limit:
            remaining = size + 1
            while remaining:
                chunk = proc.stdout.read(min(remaining, 1 << 20))
                if not chunk:
                    raise self._died()
                remaining -= len(chunk)
            return kind, None
        data = proc.stdout.read(size + 1)
        if len(data) != size + 1:
            raise self._died()
        return kind, data[:-1]

    def close(self) -> None:
        if self._proc is None:
            return
        try:
            if self._proc.stdin:
                self._proc.stdin.close()
        except BrokenPipeError:
            pass
        self._proc.wait()
        if self._errors:
            self._errors.close()
        self._proc, self._errors = None, None


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
        self.notes = _confine(path.resolve(), Path(self._git_dir), Path(self._repo.common_dir).resolve())
        self.notes += self._replace_refs()
        self.revision = self._resolve(revision or "HEAD")
        self._cat: CatFile | None = None
        self._problems: dict[str, str] = {}  # object id -> note, in the order met

    @property
    def problems(self) -> tuple[str, ...]:
        """Notes on objects that could not be read: the history audited is then not complete."""
        return tuple(self._problems.values())

    def _unreadable(self, obj: str, commit: str, path: str, why: str) -> None:
        self._problems.setdefault(obj, f"object {obj} at commit {commit} could not be read ({path}: {why})")

    def _cat_read(self, ref: str, limit: int = MAX_TEXT_BYTES) -> tuple[str, bytes | None]:
        if self._cat is None:
            self._cat = CatFile(self._git_dir)
        return self._cat.read(ref, limit)

    def _git(self, *args: str) -> str:
        try:
            return self._repo.git.execute(
                ["git", *_GIT_OVERRIDES, "--git-dir", self._git_dir, *args], env=_GIT_ENV,
            )
        except git.GitCommandError as exc:
            raise AuditorError(f"git {args[0]} failed: {exc.stderr.strip() or exc}") from exc

    def _replace_refs(self) -> list[str]:
        """Replace refs are ignored (see _GIT_ENV), but said: git log, show and checkout in this clone
        show the replacements, so a reader comparing them with the audit must know why they differ."""
        refs = self._git("for-each-ref", "--format=%(refname)", "refs/replace/").split()
        if not refs:
            return []
        first = refs[0].removeprefix("refs/replace/")
        return [f"refs/replace: {len(refs)} replace ref(s) ignored ({first}"
                f"{', ...' if len(refs) > 1 else ''}): the history is audited as committed, while git log and "
                "checkout in this clone show the replacement objects"]

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
            blob = read_regular(Path(self._git_dir, name))
            if blob.data is not None:
                cut.update(line.split()[0] for line in blob.data.decode("ascii", "replace").splitlines()
                           if line.strip())
        return cut

    def history(self, progress: Callable[[int], None] | None = None,
                stop_at: frozenset[str] = frozenset()) -> History:
        """`stop_at`: commits whose history is cached; the walk ends on reaching one. A shallow or
        grafted repo shows a commit's history differently from a full clone, so it reads all."""
        if stop_at and self._shallow_commits():
            stop_at = frozenset()
        if self.revision is None:
            return History(commits=(), total=0, complete=True, boundary=None)
        relevant: list[RelevantCommit] = []
        total = 0
        oldest: tuple[str, str, int, str, str] | None = None
        head: Commit | None = None
        below: Commit | None = None
        resumed: str | None = None
        with tempfile.TemporaryFile() as errors, subprocess.Popen(
            ["git", *_GIT_OVERRIDES, "--git-dir", self._git_dir, "log", "-z", "--raw", "--no-renames",
             "--no-abbrev", "--first-parent", "--diff-merges=first-parent", "--no-color",
             f"--format={_LOG_FORMAT}", self.revision, "--"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors, env=_git_env(),
        ) as proc:
            assert proc.stdout is not None
            malformed = None
            try:
                for fields, changes, weights in parse_log(_tokens(proc.stdout), path_rules().kind):
                    if fields[0] in stop_at:
                        resumed = fields[0]
                        proc.kill()
                        break
                    total += 1
                    if progress and total % 5000 == 0:
                        progress(total)
                    oldest = fields
                    if head is None:
                        head = _commit(*fields)
                    elif below is None:
                        below = _commit(*fields)
                    if changes or weights:
                        relevant.append(RelevantCommit(commit=_commit(*fields), position=total - 1,
                                                       changes=changes, weights=weights))
            except MalformedLog as exc:
                malformed = exc
            stopped = self._log_ended(proc, errors, oldest, malformed)
        if resumed is not None:
            ordered = tuple(RelevantCommit(commit=rc.commit, position=total - 1 - rc.position, changes=rc.changes,
                                           weights=rc.weights) for rc in reversed(relevant))
            return History(commits=ordered, total=total, complete=True, boundary=None, head=head,
                           resumed_from=resumed, below_head=below)
        if oldest is None:
            return History(commits=(), total=0, complete=stopped is None, boundary=None)
        cut = self._shallow_commits()
        complete = oldest[0] not in cut and stopped is None
        boundary = None if complete else _commit(*oldest)
        # `position` counted from HEAD; flip so 0 is the oldest scanned commit.
        ordered = tuple(
            RelevantCommit(commit=rc.commit, position=total - 1 - rc.position, changes=rc.changes,
                           weights=rc.weights)
            for rc in reversed(relevant)
        )
        return History(commits=ordered, total=total, complete=complete, boundary=boundary, head=head,
                       below_head=below)

    def _log_ended(self, proc: subprocess.Popen, errors: BinaryIO, oldest: tuple[str, str, int, str, str] | None,
                   malformed: MalformedLog | None) -> str | None:
        """None when `git log` read the whole history; a note when it stopped at an object it could
        not read (the history before it is then not audited). Any other failure is an error."""
        if malformed is not None:
            proc.kill()
        if proc.wait() > 0:  # git gave up by itself
            message = _last_line(errors)
            if not _object_trouble(message):
                raise AuditorError(f"git log failed: {message}")
            where = f" after commit {oldest[0]}" if oldest else ""
            self._problems.setdefault("log", f"the history stops{where}: an object could not be read ({message})")
            return self._problems["log"]
        if malformed is not None:
            raise AuditorError(f"git log output could not be read: {malformed}")
        return None

    def read(self, commit: str, change_path: str, mode: str, blob: str) -> Blob:
        """The content a path has at a commit; links are followed inside the repo only."""
        if mode == GITLINK_MODE:
            return Blob(data=None, unreadable="submodule")
        path = change_path
        for _ in range(8):
            try:
                kind, data = self._cat_read(blob)
            except ObjectUnreadable as exc:
                self._unreadable(blob, commit, path, str(exc))
                return Blob(data=None, unreadable="object could not be read")
            if data is None:
                if kind == "blob":
                    return Blob(data=None, unreadable="too large")
                self._unreadable(blob, commit, path, "missing")
                return Blob(data=None, unreadable="missing object")
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
        with tempfile.TemporaryFile() as errors, subprocess.Popen(
                ["git", *_GIT_OVERRIDES, "--git-dir", self._git_dir, "cat-file", "blob", entry[1]],
                stdout=subprocess.PIPE, stderr=errors, env=_git_env()) as proc:
            assert proc.stdout is not None
            try:
                yield proc.stdout
                # Ended by itself (nothing more to read): a blob git could not hand over shows here.
                if proc.stdout.peek(1) == b"" and proc.wait() > 0:
                    message = _last_line(errors)
                    if not _object_trouble(message):
                        raise AuditorError(f"git cat-file failed: {message}")
                    assert self.revision is not None
                    self._unreadable(entry[1], self.revision, "a safetensors header", message)
                    raise OSError(f"object {entry[1]} could not be read ({message})")
            finally:
                proc.kill()

    def read_root_file(self, name: str) -> str | None:
        """A small file at the repo root at the revision (the waivers file), or None."""
        if self.revision is None:
            return None
        try:
            kind, data = self._cat_read(f"{self.revision}:{name}", limit=1 << 20)
        except ObjectUnreadable as exc:
            self._unreadable(f"{self.revision}:{name}", self.revision, name, str(exc))
            return None
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
    """NUL-separated fields of `git log -z`, read in 1 MB chunks (chained in C: one Python frame per
    chunk, not per field)."""
    return itertools.chain.from_iterable(_chunks(stream))


def _chunks(stream) -> Iterator[list[bytes]]:
    rest = b""
    while True:
        chunk = stream.read(1 << 20)
        if not chunk:
            break
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield parts
    if rest:
        yield [rest]


class MalformedLog(Exception):
    """`git log` output that is not in the requested form (cut short when git died)."""


_SHA = re.compile(rb"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_RAW = re.compile(rb"\n?:(\d{6}) (\d{6}) ([0-9a-f]{40}(?:[0-9a-f]{24})?) ([0-9a-f]{40}(?:[0-9a-f]{24})?) ([A-Z])\d*")

LogFields = tuple[str, str, int, str, str]  # sha, parents, commit time, author, title
_KNOWN_PATHS = 200_000  # paths classified once and remembered; a hostile repo cannot grow it further
_RAW_START = (b":", b"\n:")
_RAW_MIN = len(":100644 100644 " + "0" * 40 + " " + "0" * 40 + " M")  # the shortest raw entry (SHA-1)
_UNSEEN = object()


def parse_log(tokens: Iterator[bytes], kind_of: Callable[[str], str | None]
              ) -> Iterator[tuple[LogFields, tuple[Change, ...], tuple[str, ...]]]:
    """Commits from `git log -z --raw --format=%H%x00%P%x00%ct%x00%an%x00%s`, newest first, each
    with the changes to paths `kind_of` knows and the weight files it added or changed. Raises
    MalformedLog on anything else (output cut short included), never another error.

    This loop runs once per changed path of the whole history, while git produces it: the entries
    of paths the audit ignores (nearly all) cost a dict lookup and a length check, and only the
    others are parsed in full."""
    # A repo has few distinct paths and many commits: classify each path once.
    kinds: dict[bytes, str | None] = {}
    take = functools.partial(next, tokens, None)
    token = take()
    while token is not None:
        sha, parents, stamp, author, title = token, take(), take(), take(), take()
        if title is None or not _SHA.fullmatch(sha) or not stamp.isdigit():
            raise MalformedLog("a commit header cut short or malformed")
        changes: list[Change] = []
        weights: list[str] = []
        token = take()
        # Raw entries start with ':' (the first one with the newline that ends the header).
        while token is not None and token.startswith(_RAW_START):
            raw_path = take()
            if raw_path is None or len(token) < _RAW_MIN:
                raise MalformedLog("a changed-path entry cut short or malformed")
            kind = kinds.get(raw_path, _UNSEEN)
            if kind is _UNSEEN:
                kind = kind_of(raw_path.decode("utf-8", "surrogateescape"))
                if len(kinds) < _KNOWN_PATHS:
                    kinds[raw_path] = kind
            if kind is not None:
                meta = _RAW.fullmatch(token)
                if meta is None:
                    raise MalformedLog("a changed-path entry malformed")
                path = raw_path.decode("utf-8", "surrogateescape")
                old_mode, new_mode, old_blob, new_blob, status = (part.decode() for part in meta.groups())
                if kind == WEIGHTS:
                    if status != "D":
                        weights.append(path)
                else:
                    changes.append(Change(path=path, kind=kind, status=status, old_mode=old_mode,
                                          new_mode=new_mode, old_blob=old_blob, new_blob=new_blob))
            token = take()
        fields = (sha.decode(), parents.decode("ascii", "replace"), int(stamp), author.decode("utf-8", "replace"),
                  title.decode("utf-8", "replace"))
        yield fields, tuple(changes), tuple(weights)


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
        with open_regular(full) as handle:
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
        return read_regular(real)


def _header_from(source: GitSource | FolderSource, entry) -> tuple[dict | None, str | None]:
    """A safetensors header read from the start of a local blob; the rest is never read."""
    try:
        with source.open_blob(entry) as stream:
            return read_safetensors_header(stream)
    except OSError as exc:
        return None, str(exc)


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _names_target(git_dir: Path, target: Path) -> bool:
    """Whether a git dir outside the target is the target's own: a linked worktree's (its `gitdir`
    file names the target's .git) or a submodule's (its core.worktree is the target). Both
    back-pointers live in the other repository, which the audited tree cannot write."""
    back = read_regular(git_dir / "gitdir", limit=4096)
    if back.data is not None:
        named = Path(os.fsdecode(back.data.strip()))
        if (git_dir / named).resolve() == target / ".git":
            return True
    config = read_regular(git_dir / "config", limit=1 << 20)
    if config.data is not None:
        try:
            worktree = subprocess.run(
                ["git", "config", "--file", str(git_dir / "config"), "--get", "core.worktree"],
                capture_output=True, env=_git_env(), check=False, timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return False
        if worktree and (git_dir / os.fsdecode(worktree)).resolve() == target:
            return True
    return False


def _confine(target: Path, git_dir: Path, common_dir: Path) -> list[str]:
    """Refuse a repository that is not the target's: a `.git` file or link (or a `commondir`) that
    points at another repository outside it would audit that one under the target's name.
    Returns notes on what is allowed but read from outside (alternate object stores)."""
    if not _within(git_dir, target) and not _names_target(git_dir, target):
        raise AuditorError(f"{target}: its .git points at a repository outside the target that is not its "
                           "worktree or submodule; audit that repository directly if it is the one meant")
    if _within(git_dir, target) and not _within(common_dir, target):
        raise AuditorError(f"{target}: its git directory's commondir points outside the target")
    notes = []
    alternates = read_regular(common_dir / "objects" / "info" / "alternates", limit=1 << 20)
    if alternates.data is not None and _within(common_dir, target):
        for line in alternates.data.decode("utf-8", "surrogateescape").splitlines():
            if line.strip() and not line.startswith("#"):
                store = (common_dir / "objects" / line.strip()).resolve()
                if not _within(store, target):
                    notes.append("objects/info/alternates: some objects may be read from an object store "
                                 "outside the target (a clone made with --shared or --reference)")
                    break
    return notes


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
