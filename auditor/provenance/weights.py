"""One model's weights as byte ranges: safetensors headers (dtype, shape, offsets) and a reader
that fetches only the ranges asked for, with pread locally and HTTP range requests on the Hub.

Every byte read is counted, so the report can say how little of the model was touched.
"""

from __future__ import annotations

import os
import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from auditor.errors import AuditorError
from auditor.facts.tensors import HEADER_LIMITS, LFS_POINTER_PREFIX, MAX_HEADER_BYTES
from auditor.safeload import UnsafeDocument, load_json

# Values compared directly. Packed or quantised storage (GPTQ/AWQ int32 words, bitsandbytes uint8,
# fp8) would need its own dequantisation and is reported as not compared.
COMPARABLE = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2", "I8": "i1"}
ITEMSIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "U32": 4, "I16": 2, "U16": 2,
            "I8": 1, "U8": 1, "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1}
# A first range request this long holds the header of most shards, so one request usually suffices.
_HEADER_PROBE = 1 << 16
_MAX_TENSORS = 200_000


@dataclass(frozen=True)
class TensorInfo:
    name: str
    dtype: str
    shape: tuple[int, ...]
    file: str  # the shard's path inside the model repo
    start: int  # absolute byte offset of the tensor's data in the file
    end: int

    @property
    def rows(self) -> int:
        return self.shape[0] if self.shape else 1

    @property
    def row_elements(self) -> int:
        count = 1
        for dim in self.shape[1:]:
            count *= dim
        return count


def decode(dtype: str, raw: bytes) -> np.ndarray:
    """Raw little-endian values -> float32."""
    values = np.frombuffer(raw, dtype=COMPARABLE[dtype])
    if dtype == "BF16":
        return (values.astype(np.uint32) << 16).view(np.float32)
    return values.astype(np.float32)


def parse_header(raw: bytes, file: str, data_start: int, file_size: int | None) -> dict[str, TensorInfo]:
    """The tensors of one shard from its JSON header; offsets that leave the file are refused."""
    try:
        header = load_json(raw, HEADER_LIMITS)
    except UnsafeDocument as exc:
        raise ValueError(f"header: {exc}") from exc
    if not isinstance(header, dict) or len(header) > _MAX_TENSORS:
        raise ValueError("header is not a JSON object of tensors")
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__" or not isinstance(entry, dict):
            continue
        dtype, shape, offsets = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
        if not (isinstance(dtype, str) and isinstance(shape, list) and all(isinstance(d, int) and d >= 0 for d in shape)
                and isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)):
            continue
        start, end = data_start + offsets[0], data_start + offsets[1]
        count = 1
        for dim in shape:
            count *= dim
        if start > end or (file_size is not None and end > file_size) or end - start != count * ITEMSIZE.get(dtype, 0):
            continue  # inconsistent entry: never read outside what the header can justify
        tensors[name] = TensorInfo(name, dtype, tuple(shape), file, start, end)
    return tensors


@dataclass
class WeightSet:
    """The safetensors weights of one model, and what reading them cost."""

    label: str
    tensors: dict[str, TensorInfo] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    total_bytes: int = 0
    bytes_read: int = 0
    requests: int = 0

    def read(self, ranges: list[tuple[str, int, int]]) -> dict[tuple[str, int, int], bytes]:
        """The bytes of each (file, start, end); ranges close together are fetched together."""
        out: dict[tuple[str, int, int], bytes] = {}
        by_file: dict[str, list[tuple[int, int]]] = {}
        for file, start, end in ranges:
            by_file.setdefault(file, []).append((start, end))
        for file, spans in sorted(by_file.items()):
            for lo, hi, members in _coalesce(spans):
                data = self._fetch(file, lo, hi)
                self.bytes_read += hi - lo
                self.requests += 1
                for start, end in members:
                    out[(file, start, end)] = data[start - lo:end - lo]
        return out

    def _fetch(self, file: str, start: int, end: int) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _coalesce(spans: list[tuple[int, int]], gap: int = 1 << 13) -> Iterator[tuple[int, int, list[tuple[int, int]]]]:
    spans = sorted(set(spans))
    lo, hi, members = spans[0][0], spans[0][1], [spans[0]]
    for start, end in spans[1:]:
        if start - hi <= gap:
            hi = max(hi, end)
            members.append((start, end))
            continue
        yield lo, hi, members
        lo, hi, members = start, end, [(start, end)]
    yield lo, hi, members


class LocalWeights(WeightSet):
    """A folder or git working tree: the *.safetensors files in it, read slice by slice.

    `os.pread` rather than mmap: a mapped file's pages count as the process's memory once touched,
    and the page cache's large folios make that megabytes per slice (measured: 187 MB against 48 MB
    of peak RSS on a 1B-parameter pair), while pread copies exactly the bytes asked for."""

    def __init__(self, root: Path) -> None:
        super().__init__(label=str(root))
        self._files: dict[str, int] = {}
        root_real = root.resolve()
        for dirpath, dirnames, filenames in os.walk(root_real, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if d != ".git")
            for name in sorted(filenames):
                rel = Path(dirpath, name).relative_to(root_real).as_posix()
                if name.endswith(".safetensors"):
                    self._open(rel, Path(dirpath, name))
                elif name.endswith(".gguf"):
                    self.notes.append(f"{rel}: GGUF weights are not compared yet")

    def _open(self, rel: str, full: Path) -> None:
        # Regular files only, never through a link: a FIFO named *.safetensors must not block.
        if not stat.S_ISREG(full.lstat().st_mode):
            self.notes.append(f"{rel}: not a regular file; skipped")
            return
        fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        size = os.fstat(fd).st_size
        head = os.pread(fd, _HEADER_PROBE, 0)
        reason = None
        if head.startswith(LFS_POINTER_PREFIX):
            reason = "a Git LFS pointer; the weights are not in this checkout (git lfs pull)"
        elif size < 8:
            reason = "shorter than a safetensors header; skipped"
        else:
            (length,) = struct.unpack("<Q", head[:8])
            if length > min(MAX_HEADER_BYTES, size - 8):
                reason = f"header length {length} does not fit the file; skipped"
            else:
                raw = head[8:8 + length] if 8 + length <= len(head) else os.pread(fd, length, 8)
                try:
                    found = parse_header(raw, rel, 8 + length, size)
                except ValueError as exc:
                    reason = f"{exc}; skipped"
        if reason:
            os.close(fd)
            self.notes.append(f"{rel}: {reason}")
            return
        self.bytes_read += 8 + length
        self._files[rel] = fd
        self.total_bytes += size
        self.tensors.update(found)

    def _fetch(self, file: str, start: int, end: int) -> bytes:
        return os.pread(self._files[file], end - start, start)

    def close(self) -> None:
        for fd in self._files.values():
            os.close(fd)
        self._files.clear()


class HubWeights(WeightSet):
    """hf://org/name[@revision]: headers and samples through HTTP range requests, never whole shards."""

    def __init__(self, target: str, revision: str | None = None) -> None:
        from huggingface_hub import HfApi, constants
        from huggingface_hub.hf_api import RepoFile

        from auditor.sources.hub import parse_target
        from auditor.sources.hub_http import install as install_bounds

        install_bounds()  # header id checks, body caps and timeouts on every request, as for scan
        super().__init__(label=target)
        self.repo_id, at = parse_target(target)
        self.revision = revision or at or "main"
        self._endpoint = os.environ.get("HF_ENDPOINT") or None
        self._timeout = constants.HF_HUB_DOWNLOAD_TIMEOUT
        api = HfApi(endpoint=self._endpoint)
        try:
            files = [item for item in api.list_repo_tree(self.repo_id, recursive=True, revision=self.revision)
                     if isinstance(item, RepoFile)]
        except Exception as exc:  # the Hub client raises its own HTTP and transport errors
            raise AuditorError(f"cannot list the files of {target}: {_reason(exc)}") from exc
        for item in sorted(files, key=lambda f: f.path):
            if item.path.endswith(".gguf"):
                self.notes.append(f"{item.path}: GGUF weights are not compared yet")
            elif item.path.endswith(".safetensors"):
                self._open(item.path, item.size)

    def _open(self, path: str, size: int) -> None:
        head = self._fetch(path, 0, min(size, _HEADER_PROBE))
        self.bytes_read += len(head)
        self.requests += 1
        if len(head) < 8:
            self.notes.append(f"{path}: shorter than a safetensors header; skipped")
            return
        (length,) = struct.unpack("<Q", head[:8])
        if length > min(MAX_HEADER_BYTES, size - 8):
            self.notes.append(f"{path}: header length {length} does not fit the file; skipped")
            return
        raw = head[8:8 + length]
        if len(raw) < length:
            rest = self._fetch(path, len(head), 8 + length)
            self.bytes_read += len(rest)
            self.requests += 1
            raw += rest
        try:
            self.tensors.update(parse_header(raw, path, 8 + length, size))
        except ValueError as exc:
            self.notes.append(f"{path}: {exc}; skipped")
            return
        self.total_bytes += size

    def _fetch(self, file: str, start: int, end: int) -> bytes:
        from huggingface_hub import hf_hub_url
        from huggingface_hub.utils import build_hf_headers, get_session

        if end <= start:
            return b""
        url = hf_hub_url(self.repo_id, file, revision=self.revision, endpoint=self._endpoint)
        headers = {**build_hf_headers(), "Range": f"bytes={start}-{end - 1}"}
        wanted = end - start
        try:
            with get_session().stream("GET", url, headers=headers, follow_redirects=True,
                                      timeout=self._timeout) as response:
                if response.status_code != 206 and not (response.status_code == 200 and start == 0):
                    if response.status_code == 200:
                        raise AuditorError(f"{self.label}: the server ignores range requests; "
                                           "not downloading whole shards")
                    raise AuditorError(f"{self.label}: the Hub answered {response.status_code} for {file}")
                chunks, got = [], 0
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    got += len(chunk)
                    if got >= wanted:
                        break
        except AuditorError:
            raise
        except Exception as exc:
            raise AuditorError(f"cannot read {file} of {self.label}: {_reason(exc)}") from exc
        data = b"".join(chunks)[:wanted]
        if len(data) < wanted:
            raise AuditorError(f"{self.label}: {file} ended early ({len(data)} of {wanted} bytes)")
        return data


def _reason(exc: Exception) -> str:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    return f"HTTP {status}" if status else type(exc).__name__


def open_weights(target: str) -> WeightSet:
    if target.startswith("hf://"):
        return HubWeights(target)
    path = Path(target)
    if not path.is_dir():
        raise AuditorError(f"not a model folder: {target}")
    if (path / "HEAD").is_file() and (path / "objects").is_dir() and not (path / ".git").exists():
        raise AuditorError(f"{target} is a bare repository: provenance reads weight files from a working "
                           "tree, a folder or hf://")
    return LocalWeights(path)
