"""What a repo derives from: candidates from the card, README, config, hyperparameters, tokenizer,
adapter config, tensor layout and modeling code, against the catalog in rules/families/.

Each piece of evidence has a weight; a candidate's confidence is 1 - prod(1 - weight), so
independent signals add up without ever reaching certainty from inference alone.

A declared base that is not catalogued as such is resolved in steps, each with its own confidence
and evidence: the family and version named inside the id, the card's `license:` where it names an
upstream's license, and otherwise it stays a candidate without a license (reported as unresolved,
never dropped). Bases are declared by the card, the adapter config, the README (Hub ids and links,
"built on X" prose) and config.json's `_name_or_path`. A catalogued derivative brings its own base
along (a chain of upstreams).
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from auditor.facts.catalog import (
    Checkpoint,
    Family,
    IdMatch,
    catalog,
    family_by_id,
    find_checkpoint,
    names_pattern,
    normalise,
    resolve_id,
)
from auditor.facts.layout import Structure, graph_summary, layout_ids_for, layouts
from auditor.facts.license_ids import hf_id_for_key, hf_licenses, scancode_category, spdx_for_key
from auditor.facts.model_files import ModelFiles
from auditor.facts.phrases import same_terms
from auditor.model import Candidate, Card, Clue, LayoutMatch, LicenseRef

RELATIONS = ("declared", "finetune", "adapter", "quantized", "merge", "architecture")

WEIGHTS = {
    "card": 1.0, "adapter_config": 0.95, "readme": 0.6, "config": 0.5, "hyperparameters": 0.8,
    "tensors": 0.6, "layout": 0.3, "tokenizer": 0.3, "code": 0.3, "license": 0.3, "name_or_path": 0.85,
    "filename": 0.5, "hub_card": 0.9,
}
_README_BASE = 0.9  # "built on X", "fine-tuned from X": a declaration in prose
_LOCAL_PATH = 0.6  # a local checkpoint path's last component, as config.json's _name_or_path
_UNKNOWN_ARCH = 0.35  # sizes alone under an architecture class the catalog does not know
_VOCAB_SLACK = 1024  # tokens a fine-tune may add to its base's vocabulary

_HUB_URL = re.compile(r"https?://(?:www\.)?(?:huggingface\.co|hf\.co)/(?!datasets/|spaces/|docs/|blog/)"
                      r"([A-Za-z0-9][\w.-]{0,95})/([A-Za-z0-9][\w.-]{0,95})")
_HUB_ID = re.compile(r"(?<![\w./:-])([A-Za-z0-9][\w.-]{1,95}/[A-Za-z0-9][\w.-]{1,95})(?![\w/-])")
_BASE_PHRASE = re.compile(
    r"\b(?:based\s+on|built\s+(?:on|upon|from)|fine-?tuned\s+(?:from|on|version\s+of)|fine-?tune\s+of|"
    r"derived\s+from|distilled\s+from|trained\s+from|continued\s+pre-?training\s+of|initiali[sz]ed\s+from|"
    r"merge\s+of|quanti[sz]ed\s+(?:version\s+)?of|quanti[sz]ation\s+of|fork\s+of|version\s+of)"
    r"(?:\s+(?:base\s+)?model)?\s*:?\s+(?:the\s+|an?\s+)?[\[`*\"']*([A-Za-z0-9][\w./:-]{2,150})", re.IGNORECASE)
_SIZE_WORD = re.compile(r"\d+(\.\d+)?[bm]\b|\d+x\d+b", re.IGNORECASE)


def add_evidence(candidate: Candidate, source: str, path: str | None, detail: str, weight: float | None = None) -> None:
    candidate.add(Clue(source, path, detail), WEIGHTS[source] if weight is None else round(weight, 3))


def license_ref(key: str | None) -> LicenseRef | None:
    return LicenseRef(key, spdx_for_key(key), hf_id_for_key(key)) if key else None


def architecture_group(candidate: Candidate) -> frozenset[str] | str:
    """Candidates in one group share an architecture (and so may share a config): DeepSeek-V3 and R1,
    Llama 3.1 and 3.3 70B. A config can only say which group, not which member."""
    family = family_by_id(candidate.family)
    return frozenset(a.lower() for a in family.architectures) if family else (candidate.upstream or "?")


def hub_ids(text: str) -> list[str]:
    """Model ids named in prose: Hub links (`https://huggingface.co/org/name`) and bare `org/name` ids."""
    found = [f"{m.group(1)}/{m.group(2)}".rstrip(".") for m in _HUB_URL.finditer(text)]
    stripped = _HUB_URL.sub(" ", text)
    found += [m.group(1).rstrip(".") for m in _HUB_ID.finditer(stripped)]
    return list(dict.fromkeys(found))


def readme_bases(text: str) -> list[tuple[str, str]]:
    """(name, sentence excerpt) for each base the README declares in prose: "built on Qwen2.5-Coder-32B"."""
    found = []
    for match in _BASE_PHRASE.finditer(text):
        name = match.group(1).rstrip(".,;:)]*`\"'")
        url = _HUB_URL.match(name)
        if url:
            name = f"{url.group(1)}/{url.group(2)}"
        elif name.lower().startswith("http"):
            continue
        excerpt = " ".join(text[match.start():match.end() + 40].split())[:160]
        found.append((name, excerpt))
    return found


def _license_families(key: str) -> list[Family]:
    """Families whose checkpoints carry this license, when the license is a model's own (a Llama or
    Qwen agreement), not a general one like Apache-2.0 that says nothing of the upstream."""
    if (scancode_category(key) or "") in ("Permissive", "Public Domain", "Copyleft", "Copyleft Limited"):
        return []
    # A derivative catalogued with its base (Vicuna v1.5 under Llama 2's terms) does not make the
    # license name its family.
    return [f for f in catalog()[0] if any(c.license == key and not c.base for c in f.checkpoints)]


def _within_tolerance(key: str, have: Any, want: Any) -> str | None:
    """'' when equal, a note when within what a fine-tune changes, None when different."""
    if have == want:
        return ""
    if not (isinstance(have, int) and isinstance(want, int)) or isinstance(have, bool):
        return None
    if key == "vocab_size" and want < have <= want + _VOCAB_SLACK:
        return f"vocab_size {have} = {want} + {have - want} added tokens"
    if key in ("max_position_embeddings", "max_sequence_length", "seq_length") and have > want:
        return f"{key} {have}, extended from {want}"
    return None


def _signature(config: dict[str, Any], signature: dict[str, Any], tolerant: bool) -> list[str] | None:
    """Notes on the tolerated differences when `config` matches `signature`, else None."""
    notes = []
    for key, want in signature.items():
        if key not in config:
            return None
        note = _within_tolerance(key, config[key], want) if tolerant else ("" if config[key] == want else None)
        if note is None:
            return None
        if note:
            notes.append(note)
    return notes


def tensor_dimensions(found: Structure | None, layout: LayoutMatch | None) -> dict[str, int]:
    """Sizes read off tensor shapes, to compare with checkpoints when config.json is silent. Renamed
    tensors are read under the canonical names the layout match paired them with."""
    if found is None:
        return {}
    canonical = {}
    for repo, canon in (layout.renamed if layout else ()):
        canonical[repo.rsplit("*.", 1)[-1]] = canon.rsplit("*.", 1)[-1]
    dims = {"num_hidden_layers": found.layers}
    for name, shape in found.layer.items():
        name = canonical.get(name, name)
        if shape and name.endswith("input_layernorm.weight") and len(shape) == 1:
            dims["hidden_size"] = shape[0]
        if shape and name.endswith("mlp.gate_proj.weight") and len(shape) == 2:
            dims["intermediate_size"] = shape[0]
    for name, shape in found.top.items():
        name = canonical.get(name, name)
        if shape and name.endswith("embed_tokens.weight") and len(shape) == 2:
            dims["vocab_size"] = shape[0]
    return dims


class _Candidates:
    """Candidates keyed by what they resolve to: any repo id of one checkpoint is the same candidate."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str | None], Candidate] = {}
        self.order = {f.id: i for i, f in enumerate(catalog()[0])}

    def get(self, upstream: str | None, family: Family | None, relation: str, license_key: str | None,
            checkpoint: Checkpoint | None = None, position: int | None = None) -> Candidate:
        family_id = family.id if family else None
        name = (checkpoint.name if checkpoint else upstream or "").lower()
        key = (name, None if name else family_id)
        if key not in self.by_key:
            self.by_key[key] = Candidate(
                upstream, family_id, relation, license_ref(license_key),
                order=position if position is not None else self.order.get(family_id or "", len(self.order)),
                checkpoint=checkpoint.name if checkpoint else None)
        candidate = self.by_key[key]
        if upstream and "/" in upstream and "/" not in (candidate.upstream or "/"):
            candidate.upstream = upstream  # prose named it "Mixtral-8x7b"; a later source gives its Hub id
        return candidate

    def values(self) -> list[Candidate]:
        return list(self.by_key.values())


def _declare(found: _Candidates, repo_id: str, relation: str, source: str, path: str | None, detail: str,
             weight: float, card: Card) -> Candidate:
    """A declared base, resolved by the fallback steps; without a license when none resolves it."""
    match: IdMatch | None = resolve_id(repo_id)
    if match is not None and match.checkpoint is not None:
        if match.confidence == 1.0:
            repo_id = _catalogued_id(match.checkpoint, repo_id)
        candidate = found.get(repo_id, match.family, relation, match.checkpoint.license, match.checkpoint, -1)
        note = "" if match.confidence == 1.0 else f" ({match.detail})"
        add_evidence(candidate, source, path, f"{detail}{note}", weight * match.confidence)
        return candidate
    declared_key = hf_licenses().get((card.license or "").lower())
    by_license = _license_families(declared_key) if declared_key else []
    family = match.family if match else (by_license[0] if len(by_license) == 1 else None)
    if declared_key and by_license and (family is None or family in by_license):
        candidate = found.get(repo_id, family, relation, declared_key, None, -1)
        names = ", ".join(f.name for f in by_license)
        add_evidence(candidate, source, path, f"{detail} (not catalogued; the card's license: {card.license} is "
                     f"the license of {names})", weight * 0.85)
        return candidate
    candidate = found.get(repo_id, family, relation, None, None, -1)
    why = match.detail if match else "not in the catalog, and the id names no catalogued family"
    add_evidence(candidate, source, path, f"{detail} ({why})", weight * (match.confidence if match else 1.0))
    return candidate


def _catalogued_id(checkpoint: Checkpoint, name: str) -> str:
    """A bare checkpoint name by the catalogued repo id it names (`Phi-3-mini-128k-instruct` is
    microsoft/Phi-3-mini-128k-instruct, not the first repo of its catalog entry)."""
    wanted = name.lower()
    return next((r for r in checkpoint.repos if r.lower() == wanted or r.lower().endswith(f"/{wanted}")), name)


def _declared(found: _Candidates, card: Card, card_path: str | None, readme: str, files: ModelFiles) -> None:
    declared_relation = card.base_model_relation if card.base_model_relation in RELATIONS else None
    relation = declared_relation or ("merge" if len(card.base_model) > 1 else "declared")
    for repo in card.base_model:
        repo_id = hub_ids(repo)[0] if hub_ids(repo) else repo
        _declare(found, repo_id, relation, "card", card_path, f"base_model: {repo}", WEIGHTS["card"], card)
    if files.adapter_base:
        candidate = _declare(found, files.adapter_base, "adapter", "adapter_config", "adapter_config.json",
                             f"base_model_name_or_path: {files.adapter_base}", WEIGHTS["adapter_config"], card)
        candidate.relation = "adapter"
    for name, excerpt in readme_bases(readme):
        if resolve_id(name) is None and "/" not in name and not _SIZE_WORD.search(name):
            continue  # a word after "based on", not a model name
        _declare(found, name, relation, "readme", card_path, f'"{excerpt}"', _README_BASE, card)
    for repo in hub_ids(readme):
        hit = find_checkpoint(repo)
        if hit:  # a plain mention of a catalogued id: weaker than a declaration
            candidate = found.get(repo, hit[0], relation, hit[1].license, hit[1])
            add_evidence(candidate, "readme", card_path, f"names {repo}")
    _named_weights(found, files)
    name_or_path = files.config.get("_name_or_path")
    if isinstance(name_or_path, str) and name_or_path.strip():
        value = name_or_path.strip()
        if re.fullmatch(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*", value):
            _declare(found, value, "finetune", "name_or_path", "config.json", f"_name_or_path: {value}",
                     WEIGHTS["name_or_path"], card)
        else:
            last = value.rstrip("/").rsplit("/", 1)[-1]
            match = resolve_id(last)
            if match is not None and match.checkpoint is not None:
                named = _catalogued_id(match.checkpoint, last) if match.confidence == 1.0 else match.checkpoint.name
                candidate = found.get(named, match.family, "finetune", match.checkpoint.license, match.checkpoint)
                add_evidence(candidate, "name_or_path", "config.json",
                             f"_name_or_path: {value} (a local path; {match.detail})", _LOCAL_PATH * match.confidence)


def _named_weights(found: _Candidates, files: ModelFiles) -> None:
    """A weight file named after a catalogued checkpoint (`Phi-4-mini-instruct-Q3_K_M.gguf`): a
    re-upload says what it is in its file names. Of the names one file contains, the longest is the
    one it is named after (`Phi-4-mini-instruct`, not `phi-4`)."""
    names = sorted({posixpath.basename(p) for p in files.weights})[:20]
    for name in names:
        low = normalise(name)
        hits = [(len(basename), family, checkpoint, repo)
                for family in catalog()[0] for checkpoint in family.checkpoints for repo in checkpoint.repos
                if "-" in (basename := normalise(repo.rsplit("/", 1)[-1])) and basename in low
                and names_pattern(basename).search(low)]
        longest = max((h[0] for h in hits), default=0)
        seen: set[str] = set()
        for length, family, checkpoint, repo in hits:
            if length < longest or checkpoint.name in seen:
                continue
            seen.add(checkpoint.name)
            candidate = found.get(checkpoint.name, family, "quantized" if name.endswith((".gguf", ".ggml"))
                                  else "finetune", checkpoint.license, checkpoint)
            add_evidence(candidate, "filename", name, f"the weight file {name} is named after {repo}")


def _inferred(found: _Candidates, files: ModelFiles, structure: Structure | None, layout: LayoutMatch | None,
              license_keys: frozenset[str]) -> set[str]:
    """Candidates from sizes: config.json under a known (or an unknown) architecture, or tensor shapes."""
    families, archs = catalog()
    arch_names = {a.lower() for a in files.architectures}
    known_archs = set(archs) | {a.lower() for f in families for a in f.architectures}
    unknown_arch = bool(arch_names) and not arch_names & known_archs
    model_type = (files.model_type or "").lower()
    dims = tensor_dimensions(structure, layout) if files.tensors.has_shapes else {}
    # Tolerances (an extended vocab, a longer context) apply only where no checkpoint matches exactly:
    # Llama 3.1 8B is Llama 3 8B with a longer context.
    tolerant = not any(_signature(files.config, c.config, tolerant=False) is not None
                       for f in families for c in f.checkpoints if c.config)
    # and then only the closest: Llama 3.1 8B with 8 added tokens, not Llama 3 8B with a longer context too.
    fewest = min((len(notes) for f in families for c in f.checkpoints if c.config
                  and (notes := _signature(files.config, c.config, tolerant)) is not None), default=0)
    matched: set[str] = set()
    for family in families:
        by_arch = arch_names & {a.lower() for a in family.architectures}
        by_type = model_type and model_type in {t.lower() for t in family.model_types}
        for checkpoint in family.checkpoints:
            if not checkpoint.config:
                continue  # a derivative catalogued by id: its sizes are its base's
            notes = _signature(files.config, checkpoint.config, tolerant=tolerant)
            if notes is not None and len(notes) > fewest:
                notes = None
            by_config = notes is not None and bool(by_arch or by_type)
            by_sizes = notes is not None and unknown_arch and len(checkpoint.config) >= 5
            comparable = {k: v for k, v in checkpoint.config.items() if k in dims}
            by_tensors = len(comparable) >= 3 and _signature(dims, comparable, tolerant=False) is not None
            if not (by_config or by_sizes or by_tensors):
                continue
            matched.add(family.id)
            relation = "quantized" if files.quantized else "finetune"
            candidate = found.get(checkpoint.name, family, relation, checkpoint.license, checkpoint)
            sizes = ", ".join(f"{k}={v}" for k, v in checkpoint.config.items())
            tolerated = f"; {'; '.join(notes)}" if notes else ""
            if by_config:
                add_evidence(candidate, "config", "config.json",
                             f"architectures: {', '.join(files.architectures) or model_type}")
                add_evidence(candidate, "hyperparameters", "config.json",
                             f"{sizes} as in {checkpoint.source}{tolerated}",
                             family_signature_weight(family, bool(notes)))
            if by_sizes:
                add_evidence(candidate, "config", "config.json",
                             f"architectures: {', '.join(files.architectures)} is not catalogued", _UNKNOWN_ARCH)
                add_evidence(candidate, "hyperparameters", "config.json",
                             f"{sizes} as in {checkpoint.source}{tolerated}",
                             family_signature_weight(family, bool(notes)))
            if by_tensors:
                shown = ", ".join(f"{k}={v}" for k, v in comparable.items())
                add_evidence(candidate, "tensors", files.tensors.sources[0] if files.tensors.sources else None,
                             f"tensor shapes give {shown}")
            if any(same_terms(checkpoint.license, key) for key in license_keys):
                add_evidence(candidate, "license", None,
                             f"the repo carries or carried the {checkpoint.license} license text")
    return matched


def family_signature_weight(family: Family, tolerated: bool = False) -> float:
    """Encoder sizes (BERT-base, -small) are shared by many independently trained models: sizes alone
    name such a family only as a possibility. A match within tolerances counts a little less."""
    if family.kind == "text-encoder":
        return 0.5
    return WEIGHTS["hyperparameters"] - (0.1 if tolerated else 0.0)


def _architecture_only(found: _Candidates, files: ModelFiles, matched: set[str], structure: Structure | None,
                       layout: LayoutMatch | None) -> None:
    """The code lineage an architecture class implies, where no checkpoint of it matched; from the
    tensor graph when config.json names no architecture (renamed tensors hide a Llama)."""
    families, archs = catalog()
    taken = matched | {c.family for c in found.values() if c.family}
    if layout is not None and structure is not None and not files.architectures:
        arch_name = layouts()[layout.layout].architectures[0].lower()
        arch = archs.get(arch_name)
        related = {f.id for f in families if arch_name in {a.lower() for a in f.architectures}}
        if arch is not None and not related & taken:
            candidate = found.get(None, family_by_id(arch.family), "architecture", arch.code_license)
            candidate.family = candidate.family or arch.family
            weight = WEIGHTS["tensors"] if layout.shapes_checked else WEIGHTS["layout"]
            add_evidence(candidate, "tensors", files.tensors.sources[0] if files.tensors.sources else None,
                         f"{'renamed ' if layout.renamed else ''}{graph_summary(structure, layout)} ({arch.code})",
                         weight)
    for arch_name in sorted({a.lower() for a in files.architectures}):
        arch = archs.get(arch_name)
        if arch is None:
            continue
        related = {f.id for f in families if arch_name in {a.lower() for a in f.architectures}}
        if related & taken:
            continue
        candidate = found.get(None, family_by_id(arch.family), "architecture", arch.code_license)
        if candidate.family is None:
            candidate.family = arch.family
        add_evidence(candidate, "config", "config.json",
                     f"architectures: {', '.join(files.architectures)} ({arch.code})")


def _supporting(found: _Candidates, files: ModelFiles, layout: LayoutMatch | None) -> None:
    for candidate in found.values():
        family = family_by_id(candidate.family)
        if family is None:
            continue
        if family.vocab_size and files.vocab_size == family.vocab_size:
            add_evidence(candidate, "tokenizer", None, f"vocab_size {files.vocab_size}")
        markers = [m for m in family.markers if any(m in token for token in files.tokens)]
        if markers:
            add_evidence(candidate, "tokenizer", None, f"special tokens {', '.join(markers)}")
        if layout is not None and layout.layout in layout_ids_for(family.architectures):
            kind = "renamed " if layout.renamed else ""
            add_evidence(candidate, "tensors", files.tensors.sources[0] if files.tensors.sources else None,
                         f"{kind}{layout.layout} tensor layout", WEIGHTS["layout"])
        for path, body in files.code:
            classes = [a for a in family.architectures if re.search(rf"\bclass\s+{re.escape(a)}\b", body)]
            if classes:
                add_evidence(candidate, "code", path, f"defines {', '.join(classes)}")


def _chains(found: _Candidates) -> None:
    """A catalogued derivative (a distillation, an instruct version) carries its own base's terms too."""
    pending = [c for c in found.values() if c.checkpoint]
    seen = {c.checkpoint for c in pending}
    while pending:
        child = pending.pop(0)
        hit = find_checkpoint(child.checkpoint or "")
        if hit is None or not hit[1].base:
            continue
        base = find_checkpoint(hit[1].base)
        if base is None:
            continue
        family, checkpoint = base
        ancestor = found.get(checkpoint.name, family, "ancestor", checkpoint.license, checkpoint)
        ancestor.via = ancestor.via or child.checkpoint
        add_evidence(ancestor, "catalog", None,
                     f"{child.checkpoint} is a {hit[1].relation or 'derivative'} of {checkpoint.name} "
                     f"({hit[1].source})", child.confidence)
        if checkpoint.name not in seen:
            seen.add(checkpoint.name)
            pending.append(ancestor)


def infer_lineage(card: Card, card_path: str | None, readme: str, files: ModelFiles,
                  structure: Structure | None, layout: LayoutMatch | None,
                  license_keys: frozenset[str]) -> list[Candidate]:
    found = _Candidates()
    _declared(found, card, card_path, readme, files)
    matched = _inferred(found, files, structure, layout, license_keys)
    _architecture_only(found, files, matched, structure, layout)
    _supporting(found, files, layout)
    _chains(found)
    return sorted(found.values(), key=lambda c: (-c.confidence, c.order, c.upstream or "", c.family or ""))

