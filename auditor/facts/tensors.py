"""Tensor names and shapes without loading weights: safetensors headers (8-byte length, then a
JSON header, capped), weight-map index files, and Git LFS pointers recognised as such."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from auditor.safeload import Limits, UnsafeDocument, load_json
from auditor.sources.base import MAX_TEXT_BYTES

LFS_POINTER_PREFIX = b"version https://git-lfs.github.com/spec/"
# huggingface_hub's own cap (constants.SAFETENSORS_MAX_HEADER_LENGTH), so a local scan and a Hub
# scan refuse the same headers; a 50,000-tensor header is ~5 MB. Parsed JSON takes up to ~15 times
# its size in memory, so this cap also bounds the audit's memory.
MAX_HEADER_BYTES = 25_000_000
HEADER_LIMITS = Limits(max_bytes=MAX_HEADER_BYTES, max_depth=8)
_INDEX_LIMITS = Limits(max_bytes=MAX_TEXT_BYTES, max_depth=8)
# Real tensor names are under 200 characters, and the largest checkpoints have ~100,000 tensors.
MAX_NAME_LENGTH = 1024
MAX_TENSORS = 500_000

Shape = tuple[int, ...]


@dataclass(frozen=True)
class TensorInventory:
    names: dict[str, Shape | None]  # shape None: known from an index file only
    sources: tuple[str, ...]  # files the names came from

    @property
    def has_shapes(self) -> bool:
        return any(shape is not None for shape in self.names.values())


def usable_name(name: str) -> bool:
    """Names that are analysed: bounded in length, and printable (a newline is no tensor's)."""
    return len(name) <= MAX_NAME_LENGTH and name.isprintable()


def read_safetensors_header(stream: BinaryIO) -> tuple[dict[str, Shape] | None, str | None]:
    """(name -> shape, None) from the header, or (None, why not). Reads at most 8 + header bytes."""
    head = stream.read(8)
    if head.startswith(LFS_POINTER_PREFIX[:8]):
        rest = stream.read(len(LFS_POINTER_PREFIX) - 8)
        if (head + rest).startswith(LFS_POINTER_PREFIX):
            return None, "Git LFS pointer (the weights are not in git)"
    if len(head) < 8:
        return None, "truncated: shorter than the 8-byte header length"
    (length,) = struct.unpack("<Q", head)
    if length > MAX_HEADER_BYTES:
        return None, f"header claims {length} bytes, over the {MAX_HEADER_BYTES} byte cap; not read"
    raw = stream.read(length)
    if len(raw) < length:
        return None, "truncated header"
    try:
        header = load_json(raw, HEADER_LIMITS)
    except UnsafeDocument as exc:
        return None, f"header: {exc}"
    if not isinstance(header, dict):
        return None, "header is not a JSON object"
    shapes: dict[str, Shape] = {}
    for name, entry in header.items():
        if name == "__metadata__" or not isinstance(entry, dict):
            continue
        shape = entry.get("shape")
        if isinstance(shape, list) and all(isinstance(d, int) for d in shape):
            shapes[name] = tuple(shape)
    return shapes, None


def read_index(text: str) -> tuple[list[str] | None, str | None]:
    """Tensor names from a model.safetensors.index.json or pytorch_model.bin.index.json."""
    if text.startswith(LFS_POINTER_PREFIX.decode()):
        return None, "Git LFS pointer (the file is not in git)"
    try:
        data = load_json(text, _INDEX_LIMITS)
    except UnsafeDocument as exc:
        return None, str(exc)
    weight_map = data.get("weight_map") if isinstance(data, dict) else None
    if not isinstance(weight_map, dict):
        return None, "no weight_map"
    return sorted(str(name) for name in weight_map), None
