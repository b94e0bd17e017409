"""Tensor names and shapes without loading weights: safetensors headers (8-byte length, then a
JSON header, capped), weight-map index files, and Git LFS pointers recognised as such."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import BinaryIO

LFS_POINTER_PREFIX = b"version https://git-lfs.github.com/spec/"
# The safetensors reference reader refuses headers over 100 MB; a 50,000-tensor header is ~5 MB.
MAX_HEADER_BYTES = 100 * 1024 * 1024

Shape = tuple[int, ...]


@dataclass(frozen=True)
class TensorInventory:
    names: dict[str, Shape | None]  # shape None: known from an index file only
    sources: tuple[str, ...]  # files the names came from

    @property
    def has_shapes(self) -> bool:
        return any(shape is not None for shape in self.names.values())


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
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, "header is not valid JSON"
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
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None, "not valid JSON"
    weight_map = data.get("weight_map") if isinstance(data, dict) else None
    if not isinstance(weight_map, dict):
        return None, "no weight_map"
    return sorted(str(name) for name in weight_map), None
