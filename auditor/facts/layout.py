"""Per-layer tensor structure, matched against the canonical layouts of rules/families/layouts.yaml.

A repo's tensors are reduced to a layer prefix (`model.layers`), the per-layer names after the
layer index (expert indexes become `*`), and the names outside the layers. A layout matches
exactly when those are the family's own names; it matches by renaming when the structure is the
same (same per-layer count, agreeing shapes where known) and some names differ. The renaming is
paired by shape, then by name hints, then by forward-pass order.
"""

from __future__ import annotations

import ast
import operator
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from auditor.facts.tensors import Shape
from auditor.model import LayoutMatch
from auditor.resources import load_rule_file, rules_dir

_NESTED_INDEX = re.compile(r"\.\d+\.")


def split_layer(name: str) -> tuple[str, int, str] | None:
    """(prefix, index, suffix) at the first numbered component (`model.layers.3.mlp.up.weight` ->
    `model.layers`, 3, `mlp.up.weight`), or None. One split, linear in the name: a backtracking
    pattern here took seconds on one long hostile name."""
    parts = name.split(".")
    for position in range(1, len(parts) - 1):
        if parts[position].isdecimal() and parts[position].isascii():
            prefix, suffix = ".".join(parts[:position]), ".".join(parts[position + 1:])
            if prefix and suffix:
                return prefix, int(parts[position]), suffix
    return None


@dataclass(frozen=True)
class Layout:
    id: str
    architectures: tuple[str, ...]  # config.json classes whose checkpoints use these names
    prefix: str
    top: tuple[str, ...]
    layer: tuple[tuple[str, str | None], ...]  # (name, shape formula) in forward order


@dataclass(frozen=True)
class Structure:
    prefix: str
    layers: int
    layer: dict[str, Shape | None]  # per-layer name -> shape of its first occurrence
    top: dict[str, Shape | None]



@lru_cache(maxsize=1)
def _rules() -> tuple[dict[str, Layout], dict[str, tuple[str, ...]]]:
    data = load_rule_file(rules_dir() / "families" / "layouts.yaml")
    layouts = {}
    for layout_id, entry in data["layouts"].items():
        layer = tuple((name, " , ".join(shape) if shape else None) for name, shape in entry["layer"].items())
        layouts[layout_id] = Layout(layout_id, tuple(entry["architectures"]), entry["prefix"], tuple(entry["top"]),
                                    layer)
    hints = {name: tuple(h.lower() for h in values) for name, values in data["hints"].items()}
    return layouts, hints


def layouts() -> dict[str, Layout]:
    return _rules()[0]


def layout_ids_for(architectures: tuple[str, ...] | list[str]) -> set[str]:
    """The layouts the checkpoints of these config.json architecture classes use."""
    wanted = {a.lower() for a in architectures}
    return {lid for lid, layout in layouts().items() if wanted & {a.lower() for a in layout.architectures}}


def structure(names: dict[str, Shape | None]) -> Structure | None:
    """The layer structure of a tensor inventory, or None when it has no numbered layers."""
    by_prefix: dict[str, set[int]] = {}
    for name in names:
        split = split_layer(name)
        if split:
            by_prefix.setdefault(split[0], set()).add(split[1])
    if not by_prefix:
        return None
    prefix = max(sorted(by_prefix), key=lambda p: len(by_prefix[p]))
    layer: dict[str, Shape | None] = {}
    top: dict[str, Shape | None] = {}
    for name, shape in sorted(names.items()):
        split = split_layer(name)
        if split and split[0] == prefix:
            suffix = _NESTED_INDEX.sub(".*.", "." + split[2] + ".").strip(".")
            layer.setdefault(suffix, shape)
        else:
            top[name] = shape
    return Structure(prefix, len(by_prefix[prefix]), layer, top)


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv}


def _evaluate(node: ast.AST, values: dict[str, int]) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_evaluate(node.left, values), _evaluate(node.right, values))
    raise ValueError("unsupported shape formula")


def expected_shape(formula: str | None, config: dict) -> Shape | None:
    """A shape formula from layouts.yaml evaluated on config values; None when it cannot be."""
    if formula is None:
        return None
    values = {k: v for k, v in config.items() if isinstance(v, int) and not isinstance(v, bool)}
    if "hidden_size" in values and "num_attention_heads" in values:
        values.setdefault("head_dim", values["hidden_size"] // max(values["num_attention_heads"], 1))
    if "num_attention_heads" in values:
        values.setdefault("num_key_value_heads", values["num_attention_heads"])
    try:
        return tuple(_evaluate(ast.parse(part.strip(), mode="eval").body, values) for part in formula.split(","))
    except (KeyError, ValueError, SyntaxError, ZeroDivisionError):
        return None


def sizes_from_shapes(found: Structure) -> dict[str, int]:
    """Sizes read off the tensors when config.json is missing or silent: hidden from the per-layer
    vectors, intermediate and the key/value width from the matrices that have a hidden dimension."""
    vectors = Counter(shape[0] for shape in found.layer.values() if shape and len(shape) == 1)
    if not vectors:
        return {}
    hidden = vectors.most_common(1)[0][0]
    others = Counter(dim for shape in found.layer.values() if shape and len(shape) == 2 and hidden in shape
                     for dim in shape if dim != hidden)
    sizes = {"hidden_size": hidden}
    if others:
        sizes["intermediate_size"] = others.most_common(1)[0][0]
        narrower = sorted(d for d in others if d < hidden and hidden % d == 0)
        if narrower:  # grouped-query attention: k and v are narrower than q
            sizes.update(head_dim=narrower[0], num_key_value_heads=1, num_attention_heads=hidden // narrower[0])
    return sizes


def _hint_score(repo_name: str, canonical: str, hints: dict[str, tuple[str, ...]]) -> int:
    """How strongly a name suggests a canonical tensor: longer matching fragments count more
    ("unembed" says lm_head more than its "embed" says embed_tokens)."""
    lowered = repo_name.lower()
    return sum(len(hint) for hint in hints.get(canonical, ()) if hint in lowered)


def _pair(repo: list[str], canonical: list[str], hints: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """Pair equally many names: strongest name hints first, then forward-pass order."""
    options = sorted(
        ((-_hint_score(r, c, hints), ci, ri, r, c) for ri, r in enumerate(repo) for ci, c in enumerate(canonical)))
    pairs, used_repo, used_canonical = [], set(), set()
    for _score, ci, _ri, r, c in options:
        if r not in used_repo and c not in used_canonical:
            pairs.append((r, c, ci))
            used_repo.add(r)
            used_canonical.add(c)
    return [(r, c) for r, c, _ci in sorted(pairs, key=lambda p: p[2])]


def match_layout(found: Structure, layout: Layout, config: dict) -> LayoutMatch | None:
    _layouts, hints = _rules()
    canonical = dict(layout.layer)
    if len(found.layer) != len(canonical):
        return None
    if "hidden_size" not in config:
        config = {**sizes_from_shapes(found), **config}
    expected = {name: expected_shape(formula, config) for name, formula in canonical.items()}
    shapes_checked = any(shape is not None for shape in found.layer.values()) and any(
        shape is not None for shape in expected.values())

    def agrees(repo_name: str, canonical_name: str) -> bool:
        have, want = found.layer.get(repo_name), expected.get(canonical_name)
        return have is None or want is None or have == want

    same = [name for name in found.layer if name in canonical]
    if not all(agrees(name, name) for name in same):
        return None
    repo_rest = sorted(set(found.layer) - set(same))
    canonical_rest = [name for name in canonical if name not in same]
    if repo_rest and not shapes_checked and len(same) * 2 < len(canonical):
        return None  # without shapes, only a partial renaming can be told from another architecture
    pairs: list[tuple[str, str]] = []
    if shapes_checked:
        groups: dict[Shape | None, list[str]] = {}
        for name in canonical_rest:
            groups.setdefault(expected[name], []).append(name)
        repo_groups: dict[Shape | None, list[str]] = {}
        for name in repo_rest:
            repo_groups.setdefault(found.layer[name], []).append(name)
        if Counter({k: len(v) for k, v in groups.items()}) != Counter({k: len(v) for k, v in repo_groups.items()}):
            return None
        for shape, names in groups.items():
            pairs.extend(_pair(repo_groups[shape], names, hints))
    else:
        pairs = _pair(repo_rest, canonical_rest, hints)
    renamed = [(f"{found.prefix}.*.{repo}", f"{layout.prefix}.*.{canon}") for repo, canon in pairs]
    if found.prefix != layout.prefix:
        renamed.insert(0, (f"{found.prefix}.*", f"{layout.prefix}.*"))
    # Names outside the layers are paired only when the counts agree (tied embeddings drop lm_head).
    top_repo = sorted(set(found.top) - set(layout.top))
    top_canonical = [name for name in layout.top if name not in found.top]
    accounted = not top_repo or len(top_repo) == len(top_canonical)  # a tied lm_head may be absent
    if top_repo and accounted:
        renamed.extend(_pair(top_repo, top_canonical, hints))
    return LayoutMatch(layout.id, tuple(renamed), shapes_checked, top_accounted=accounted)


def best_layout(found: Structure, config: dict, architectures: tuple[str, ...] = ()) -> LayoutMatch | None:
    """An exact match with any layout wins (Gemma, Phi, GPT-NeoX and BLOOM keep their own names).
    A renaming is claimed only against the layout of the architecture config.json declares, or
    against any layout when it declares none: a repo that says it is another architecture, or one
    whose canonical names are not catalogued, is taken at its word."""
    declared = layout_ids_for(architectures)
    candidates = []
    for layout in layouts().values():
        match = match_layout(found, layout, config)
        if match is None:
            continue
        if not match.renamed and match.top_accounted:
            return match
        if architectures and layout.id not in declared:
            continue
        candidates.append((not match.top_accounted, len(match.renamed), layout.id, match))
    return min(candidates, key=lambda c: c[:3])[3] if candidates else None


def graph_summary(found: Structure, match: LayoutMatch) -> str:
    """What the tensor graph shows, in the canonical names the match paired: attention (grouped-query
    when K/V are narrower than Q), a gated three-matrix MLP, norms per block, embedding and head."""
    canonical = {repo.rsplit("*.", 1)[-1]: canon.rsplit("*.", 1)[-1] for repo, canon in match.renamed}
    layer = {canonical.get(name, name): shape for name, shape in found.layer.items()}
    top = {canonical.get(name, name): shape for name, shape in found.top.items()}
    parts = []
    q, k = layer.get("self_attn.q_proj.weight"), layer.get("self_attn.k_proj.weight")
    if q and k:
        kind = "grouped-query" if k[0] < q[0] else "multi-head"
        parts.append(f"per-block {kind} attention (q {list(q)}, k/v {list(k)})")
    mlp = [layer.get(f"mlp.{n}_proj.weight") for n in ("gate", "up", "down")]
    if all(mlp):
        parts.append(f"gated three-matrix MLP (gate/up {list(mlp[0])}, down {list(mlp[2])})")
    norms = sum(1 for name, shape in layer.items() if "norm" in name and shape and len(shape) == 1)
    if norms:
        parts.append(f"{norms} norms per block")
    for name, label in (("model.embed_tokens.weight", "embedding"), ("lm_head.weight", "head")):
        if top.get(name):
            parts.append(f"{label} {list(top[name])}")
    where = f"{found.layers} blocks"
    return f"{match.layout} tensor graph over {where}: " + ", ".join(parts) if parts else f"{match.layout} layout"
