"""Which tensor of the target pairs with which tensor of the candidate.

By name when most names are shared. Otherwise by structure, for a shell that renamed everything:
tensors are grouped by layer and, within a layer, by shape; a group with one tensor on each side is
a pair, and a group with several (query and output projections share a shape) is a slot that the
comparison settles by similarity. Embedding rows may differ a little (an extended vocabulary), and
layer counts may differ at the ends (`layer_offsets`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from auditor.provenance.weights import COMPARABLE, TensorInfo

GROUPS = ("embeddings", "attention", "mlp", "norms", "head", "other")
# Name fragments that say what a tensor is, in the naming schemes of common checkpoints.
_HINTS = (
    ("head", ("lm_head", "output.weight", "classifier", "score")),
    ("embeddings", ("embed", "wte", "wpe", "tok_", "word_embeddings", "shared")),
    ("norms", ("norm", "ln_", "ln", "layernorm", "rms")),
    ("attention", ("attn", "attention", "q_proj", "k_proj", "v_proj", "o_proj", "query", "key", "value",
                   "wq", "wk", "wv", "wo", "qkv", "c_attn")),
    ("mlp", ("mlp", "ffn", "feed_forward", "fc", "gate", "up_proj", "down_proj", "w1", "w2", "w3", "experts",
             "dense")),
)
# An extended or trimmed vocabulary changes the embedding rows by a few percent at most.
_ROW_TOLERANCE = 0.25
MAX_NAME = 512


@dataclass(frozen=True)
class Slot:
    """Tensors that must pair among themselves: one pair, or a few of one shape settled by similarity."""

    targets: tuple[TensorInfo, ...]
    candidates: tuple[TensorInfo, ...]
    by: str  # name | structure
    layer: int | None = None


def split_name(name: str) -> tuple[str, int | None, str]:
    """'model.layers.3.mlp.w1' -> ('model.layers', 3, 'mlp.w1'), in one pass over the parts."""
    parts = name[:MAX_NAME].split(".")
    for i, part in enumerate(parts):
        if part.isdigit() and len(part) < 7:
            return ".".join(parts[:i]), int(part), ".".join(parts[i + 1:])
    return name, None, ""


def group_of(*names: str, vector: bool, in_layer: bool) -> str:
    """The tensor group a pair belongs to, from the first of its names that says (the candidate's,
    usually a base with canonical names), else from its shape and place."""
    for name in names:
        tokens = set(name.lower().replace("_", ".").split(".")) | {name.lower()}
        lowered = name.lower()
        for group, hints in _HINTS:
            if any(hint in tokens or (len(hint) > 3 and hint in lowered) for hint in hints):
                if group == "norms" and not vector:
                    continue
                return group
    if vector:
        return "norms"
    return "other" if in_layer else "embeddings"


def comparable(tensors: dict[str, TensorInfo]) -> dict[str, TensorInfo]:
    return {name: t for name, t in tensors.items() if t.dtype in COMPARABLE and t.shape and 0 not in t.shape}


def _fits(a: TensorInfo, b: TensorInfo) -> bool:
    """Same trailing dimensions, and row counts within the vocabulary tolerance."""
    if len(a.shape) != len(b.shape) or a.shape[1:] != b.shape[1:]:
        return False
    if a.shape == b.shape:
        return True
    return len(a.shape) > 1 and abs(a.rows - b.rows) <= _ROW_TOLERANCE * max(a.rows, b.rows)


def name_slots(target: dict[str, TensorInfo], candidate: dict[str, TensorInfo]) -> list[Slot] | None:
    """Pairs by shared name, or None when too few names are shared to trust names."""
    shared = sorted(name for name in target.keys() & candidate.keys() if _fits(target[name], candidate[name]))
    if not shared or len(shared) < 0.5 * min(len(target), len(candidate)):
        return None
    slots = []
    for name in shared:
        t, c = target[name], candidate[name]
        _prefix, layer, _rest = split_name(name)
        slots.append(Slot((t,), (c,), "name", layer))
    return slots


def _by_layer(tensors: dict[str, TensorInfo]) -> tuple[dict[int, list[TensorInfo]], list[TensorInfo]]:
    layers: dict[int, list[TensorInfo]] = defaultdict(list)
    top: list[TensorInfo] = []
    for name in sorted(tensors):
        _prefix, layer, _rest = split_name(name)
        (top if layer is None else layers[layer]).append(tensors[name])
    return layers, top


def layer_offsets(target: dict[str, TensorInfo], candidate: dict[str, TensorInfo]) -> list[int]:
    """How target layer i may line up with candidate layer i - offset: layers added or dropped at the
    front or the back."""
    t_layers, _ = _by_layer(target)
    c_layers, _ = _by_layer(candidate)
    if not t_layers or not c_layers:
        return [0]
    diff = (max(t_layers) + 1) - (max(c_layers) + 1)
    return [0] if diff == 0 else sorted({0, diff})


def structure_slots(target: dict[str, TensorInfo], candidate: dict[str, TensorInfo], offset: int = 0) -> list[Slot]:
    t_layers, t_top = _by_layer(target)
    c_layers, c_top = _by_layer(candidate)
    slots: list[Slot] = []
    for layer in sorted(t_layers):
        c_list = c_layers.get(layer - offset)
        if c_list:
            slots += _shape_slots(t_layers[layer], c_list, layer)
    slots += _shape_slots(t_top, c_top, None)
    return slots


def _shape_slots(t_list: list[TensorInfo], c_list: list[TensorInfo], layer: int | None) -> list[Slot]:
    """Within a layer (or outside the layers), tensors of fitting shapes form one slot."""
    slots = []
    used: set[str] = set()
    for t in t_list:
        if t.name in used:
            continue
        same_t = [x for x in t_list if x.name not in used and _fits(x, t) and x.shape[1:] == t.shape[1:]]
        same_c = [c for c in c_list if _fits(c, t)]
        used.update(x.name for x in same_t)
        if same_c:
            slots.append(Slot(tuple(same_t), tuple(same_c), "structure", layer))
    return slots
