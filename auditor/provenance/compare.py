"""Compare a target's weights with a candidate base's, from a seeded sample, and give a verdict.

The sample: every tensor outside the layers, and every tensor of a few layers spread over the depth;
of each, one block of at most `_ROWS` rows at a seeded position (the same rows on both sides).

The signals, per pair of tensors:
- bitwise equality of the sampled bytes (a copy);
- for matrices, the median over the sampled rows of the rows' cosine similarity;
- for vectors (norm weights), the correlation of the two vectors;
- a null baseline on the same values: the same measure after rotating the candidate's row by a
  seeded shift, which breaks any element-wise correspondence. A fine-tune stays far above it;
  independently initialised models sit on it.

The verdict: `copy` when every sampled tensor is bitwise equal; `derived` when the matrices'
similarity stands well clear of the null (`_MIN_SCORE` and `_MIN_Z`); `independent` otherwise;
`inconclusive` when nothing could be compared (quantised weights, no shared structure).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from auditor.provenance.align import (
    GROUPS,
    Slot,
    comparable,
    group_of,
    layer_offsets,
    name_slots,
    structure_slots,
)
from auditor.provenance.weights import COMPARABLE, TensorInfo, WeightSet, decode

SEED = 20260317
_ROWS = 32  # rows sampled per tensor
_BUDGET = 1 << 20  # bytes sampled per tensor at most
_LAYERS = 6  # layers sampled, spread over the depth
_MIN_SCORE = 0.1  # median row cosine a derived model keeps at least
_MIN_Z = 6.0  # how far above the null baseline, in standard errors
_PAIR_Z = 5.0  # a single pair counts as significant above this


@dataclass(frozen=True)
class PairSignal:
    group: str
    target: str
    candidate: str
    equal: bool
    score: float  # median row cosine (matrices) or correlation (vectors)
    null_mean: float
    null_sd: float
    rows: int
    by: str
    target_shape: tuple[int, ...] = ()
    candidate_shape: tuple[int, ...] = ()

    @property
    def z(self) -> float:
        if self.equal:
            return math.inf
        error = max(self.null_sd, 1e-6) * 1.2533 / math.sqrt(max(self.rows, 1))
        return (self.score - self.null_mean) / error


@dataclass(frozen=True)
class GroupSignal:
    group: str
    pairs: int
    equal: int
    score: float
    null_mean: float
    null_sd: float

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "pairs": self.pairs, "bitwise_equal": self.equal,
                "similarity": round(self.score, 4), "null_mean": round(self.null_mean, 4),
                "null_sd": round(self.null_sd, 4)}


@dataclass
class Comparison:
    target: str
    candidate: str
    verdict: str  # copy | derived | independent | inconclusive
    confidence: float
    reason: str
    groups: list[GroupSignal] = field(default_factory=list)
    pairs: list[PairSignal] = field(default_factory=list)
    aligned_by: str = ""
    layer_offset: int = 0
    notes: list[str] = field(default_factory=list)
    cost: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        renamed = sorted((p.target, p.candidate) for p in self.pairs if p.target != p.candidate)
        return {
            "target": self.target,
            "candidate": self.candidate,
            "verdict": self.verdict,
            "confidence": self.confidence,
            "reason": self.reason,
            "aligned_by": self.aligned_by,
            "layer_offset": self.layer_offset,
            "groups": [g.to_dict() for g in self.groups],
            "pairs_compared": len(self.pairs),
            "renamed": [{"target": t, "candidate": c} for t, c in renamed],
            "bytes": self.cost,
            "notes": list(self.notes),
        }


def _rng(*parts: object) -> np.random.Generator:
    digest = hashlib.sha256(("|".join(map(str, (SEED, *parts)))).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _block(t: TensorInfo, c: TensorInfo) -> tuple[int, int, int]:
    """(first row, rows, row width) of the sample, the same for both sides of a pair."""
    common_rows = min(t.rows, c.rows)
    width = t.row_elements if len(t.shape) > 1 else t.shape[0]
    rows_total = common_rows if len(t.shape) > 1 else 1
    row_bytes = width * max(1, np.dtype(COMPARABLE[t.dtype]).itemsize)
    take = max(1, min(_ROWS, rows_total, _BUDGET // max(row_bytes, 1)))
    first = int(_rng(t.shape[1:], rows_total).integers(0, rows_total - take + 1))
    return first, take, width


def _range(t: TensorInfo, first: int, rows: int, width: int) -> tuple[str, int, int]:
    size = np.dtype(COMPARABLE[t.dtype]).itemsize
    if len(t.shape) == 1:  # a vector: at most the budget's worth from its start
        return t.file, t.start, min(t.end, t.start + min(width * size, _BUDGET))
    start = t.start + first * width * size
    return t.file, start, start + rows * width * size


def _signal(slot: Slot, t: TensorInfo, c: TensorInfo, raw_t: bytes, raw_c: bytes, rows: int, width: int) -> PairSignal:
    equal = t.dtype == c.dtype and raw_t == raw_c
    a, b = decode(t.dtype, raw_t), decode(c.dtype, raw_c)
    n = min(a.size, b.size)
    a, b = a[:n], b[:n]
    vector = len(t.shape) == 1
    shift = int(_rng("shift", t.shape).integers(1, max(2, (n if vector else width))))
    if vector:
        score = _correlation(a, b)
        nulls = np.array([_correlation(a, np.roll(b, shift * k)) for k in range(1, 9)])
        count = 1
    else:
        a, b = a.reshape(rows, width), b.reshape(rows, width)
        score = float(np.median(_row_cosines(a, b)))
        nulls = _row_cosines(a, np.roll(b, shift, axis=1))
        count = rows
    nulls = nulls[np.isfinite(nulls)]
    null_mean = float(nulls.mean()) if nulls.size else 0.0
    null_sd = float(nulls.std()) if nulls.size > 1 else 1.0
    if not math.isfinite(score):
        score = 1.0 if equal else 0.0
    group = group_of(c.name, t.name, vector=vector, in_layer=slot.layer is not None)
    return PairSignal(group, t.name, c.name, equal, score, null_mean, null_sd, count, slot.by, t.shape, c.shape)


def _row_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    norms = np.linalg.norm(a64, axis=1) * np.linalg.norm(b64, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norms > 0, (a64 * b64).sum(axis=1) / norms, np.nan)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a64, b64 = a.astype(np.float64) - a.mean(), b.astype(np.float64) - b.mean()
    denominator = math.sqrt(float((a64 * a64).sum()) * float((b64 * b64).sum()))
    return float((a64 * b64).sum()) / denominator if denominator > 0 else math.nan


def _sampled_layers(slots: list[Slot]) -> set[int]:
    layers = sorted({s.layer for s in slots if s.layer is not None})
    if len(layers) <= _LAYERS:
        return set(layers)
    step = (len(layers) - 1) / (_LAYERS - 1)
    return {layers[round(i * step)] for i in range(_LAYERS)}


def _measure(slots: list[Slot], target: WeightSet, candidate: WeightSet) -> list[PairSignal]:
    """Read the samples of every tensor in the slots, then settle each slot's pairing by similarity."""
    plans = []
    t_ranges, c_ranges = [], []
    for slot in slots:
        for t in slot.targets:
            for c in slot.candidates:
                first, rows, width = _block(t, c)
                rt, rc = _range(t, first, rows, width), _range(c, first, rows, width)
                plans.append((slot, t, c, rt, rc, rows, width))
                t_ranges.append(rt)
                c_ranges.append(rc)
    t_data, c_data = target.read(t_ranges), candidate.read(c_ranges)
    by_slot: dict[int, list[PairSignal]] = {}
    for slot, t, c, rt, rc, rows, width in plans:
        by_slot.setdefault(id(slot), []).append(_signal(slot, t, c, t_data[rt], c_data[rc], rows, width))
    chosen = []
    for slot in slots:
        options = sorted(by_slot.get(id(slot), []), key=lambda p: (-p.score, p.target, p.candidate))
        taken_t: set[str] = set()
        taken_c: set[str] = set()
        for pair in options:  # greedy assignment, best similarity first
            if pair.target not in taken_t and pair.candidate not in taken_c:
                chosen.append(pair)
                taken_t.add(pair.target)
                taken_c.add(pair.candidate)
    return chosen


def _slots(target: WeightSet, candidate: WeightSet) -> tuple[list[Slot], str, int]:
    t, c = comparable(target.tensors), comparable(candidate.tensors)
    by_name = name_slots(t, c)
    if by_name is not None:
        return by_name, "name", 0
    offsets = layer_offsets(t, c)
    if len(offsets) == 1:
        return structure_slots(t, c, offsets[0]), "structure", offsets[0]
    # Layers added or dropped at one end: probe the middle of the overlap under each alignment.
    best: tuple[float, int, list[Slot]] | None = None
    for offset in offsets:
        slots = structure_slots(t, c, offset)
        layers = sorted({s.layer for s in slots if s.layer is not None})
        probe = [s for s in slots if layers and s.layer == layers[len(layers) // 2] and len(s.targets[0].shape) > 1]
        pairs = _measure(probe, target, candidate) if probe else []
        score = float(np.mean([p.score for p in pairs])) if pairs else -1.0
        if best is None or score > best[0]:
            best = (score, offset, slots)
    assert best is not None
    return best[2], "structure", best[1]


def compare_weights(target: WeightSet, candidate: WeightSet) -> Comparison:
    notes = [f"target: {n}" for n in target.notes] + [f"candidate: {n}" for n in candidate.notes]
    for side, weights in (("target", target), ("candidate", candidate)):
        packed = sorted({t.dtype for t in weights.tensors.values() if t.dtype not in COMPARABLE})
        if packed:
            notes.append(f"{side}: tensors stored as {', '.join(packed)} (quantised or packed, e.g. GPTQ, AWQ, "
                         "bitsandbytes) are not compared yet")
    result = Comparison(target.label, candidate.label, "inconclusive", 0.0, "", notes=notes)
    if not comparable(target.tensors) or not comparable(candidate.tensors):
        result.reason = "no comparable safetensors weights on one side"
        return _finish(result, target, candidate)
    slots, result.aligned_by, result.layer_offset = _slots(target, candidate)
    layers = _sampled_layers(slots)
    sampled = [s for s in slots if s.layer is None or s.layer in layers]
    pairs = _measure(sampled, target, candidate)
    result.pairs = sorted(pairs, key=lambda p: (GROUPS.index(p.group), p.target))
    result.groups = _groups(result.pairs)
    _judge(result)
    return _finish(result, target, candidate)


def _groups(pairs: list[PairSignal]) -> list[GroupSignal]:
    out = []
    for group in GROUPS:
        members = [p for p in pairs if p.group == group]
        if members:
            out.append(GroupSignal(group, len(members), sum(p.equal for p in members),
                                   float(np.mean([p.score for p in members])),
                                   float(np.mean([p.null_mean for p in members])),
                                   float(np.mean([p.null_sd for p in members]))))
    return out


def _judge(result: Comparison) -> None:
    pairs = result.pairs
    if not pairs:
        result.reason = "no tensors of the target could be paired with the candidate's"
        return
    if all(p.equal for p in pairs):
        reshaped = [p for p in pairs if p.target_shape != p.candidate_shape]
        if not reshaped:
            result.verdict, result.confidence = "copy", 0.99 if len(pairs) >= 4 else 0.9
            result.reason = f"all {len(pairs)} sampled tensors are bitwise equal"
            return
        # Equal where they overlap, but resized (an extended vocabulary): the candidate's weights, changed.
        result.verdict, result.confidence = "derived", 0.99 if len(pairs) >= 4 else 0.9
        result.reason = (f"all {len(pairs)} sampled tensors are bitwise equal where they overlap; "
                         f"{len(reshaped)} resized (e.g. {reshaped[0].target}: {list(reshaped[0].target_shape)} "
                         f"against {list(reshaped[0].candidate_shape)})")
        return
    matrices = [p for p in pairs if p.rows > 1] or pairs
    score = float(np.median([p.score for p in matrices]))
    null_mean = float(np.mean([p.null_mean for p in matrices]))
    null_sd = float(np.sqrt(np.mean([p.null_sd ** 2 for p in matrices])))
    rows = sum(p.rows for p in matrices)
    z = (score - null_mean) / (max(null_sd, 1e-6) * 1.2533 / math.sqrt(max(rows, 1)))
    significant = sum(1 for p in matrices if p.z >= _PAIR_Z) / len(matrices)
    evidence = min(1.0, len(matrices) / 8)  # few pairs: less sure either way
    if score >= _MIN_SCORE and z >= _MIN_Z:
        result.verdict = "derived"
        result.confidence = round(0.5 + 0.49 * significant * evidence, 3)
        result.reason = (f"sampled weights stay close to the candidate's: median similarity {score:.3f} "
                         f"against a null baseline of {null_mean:.3f} ± {null_sd:.3f} ({len(matrices)} tensors)")
    else:
        result.verdict = "independent"
        result.confidence = round(0.5 + 0.49 * (1 - significant) * evidence, 3)
        result.reason = (f"sampled weights are no closer to the candidate's than chance: median similarity "
                         f"{score:.3f}, null baseline {null_mean:.3f} ± {null_sd:.3f} ({len(matrices)} tensors)")


def _finish(result: Comparison, target: WeightSet, candidate: WeightSet) -> Comparison:
    result.cost = {side: {"bytes_read": w.bytes_read, "total_bytes": w.total_bytes, "requests": w.requests}
                   for side, w in (("target", target), ("candidate", candidate))}
    return result
