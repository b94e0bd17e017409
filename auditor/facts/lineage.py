"""What a repo derives from: candidates from the card, README, config, hyperparameters, tokenizer,
adapter config, tensor layout and modeling code, against the catalog in rules/families/.

Each piece of evidence has a weight; a candidate's confidence is 1 - prod(1 - weight), so
independent signals add up without ever reaching certainty from inference alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from auditor.facts.layout import Structure, layout_ids_for
from auditor.facts.license_ids import hf_id_for_key, spdx_for_key
from auditor.facts.model_files import ModelFiles
from auditor.model import Candidate, Card, Clue, LayoutMatch, LicenseRef
from auditor.resources import rules_dir

RELATIONS = ("declared", "finetune", "adapter", "quantized", "merge", "architecture")

WEIGHTS = {
    "card": 1.0, "adapter_config": 0.95, "readme": 0.6, "config": 0.5, "hyperparameters": 0.8,
    "tensors": 0.6, "layout": 0.3, "tokenizer": 0.3, "code": 0.3, "license": 0.3,
}


@dataclass(frozen=True)
class Checkpoint:
    repos: tuple[str, ...]
    license: str
    config: dict[str, Any]
    source: str


@dataclass(frozen=True)
class Family:
    id: str
    name: str
    copyright: str | None  # the holder the upstream's copyright notices name
    architectures: tuple[str, ...]
    model_types: tuple[str, ...]
    names: tuple[str, ...]
    vocab_size: int | None
    markers: tuple[str, ...]
    checkpoints: tuple[Checkpoint, ...]


@dataclass(frozen=True)
class Architecture:
    family: str
    code_license: str
    code: str


def add_evidence(candidate: Candidate, source: str, path: str | None, detail: str, weight: float | None = None) -> None:
    candidate.add(Clue(source, path, detail), WEIGHTS[source] if weight is None else weight)


def license_ref(key: str | None) -> LicenseRef | None:
    return LicenseRef(key, spdx_for_key(key), hf_id_for_key(key)) if key else None


@lru_cache(maxsize=1)
def catalog() -> tuple[tuple[Family, ...], dict[str, Architecture]]:
    folder = rules_dir() / "families"
    families = []
    for file in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for entry in data.get("families", ()):
            tokenizer = entry.get("tokenizer") or {}
            families.append(Family(
                id=entry["id"], name=entry["name"], copyright=entry.get("copyright"),
                architectures=tuple(entry["architectures"]),
                model_types=tuple(entry["model_types"]),
                names=tuple(n.lower() for n in entry.get("names", ())), vocab_size=tokenizer.get("vocab_size"),
                markers=tuple(tokenizer.get("markers", ())),
                checkpoints=tuple(Checkpoint(tuple(c["repos"]), c["license"], dict(c["config"]), c["source"])
                                  for c in entry["checkpoints"]),
            ))
    archs_data = yaml.safe_load((folder / "architectures.yaml").read_text(encoding="utf-8"))["architectures"]
    archs = {name.lower(): Architecture(v["family"], v["code_license"], v["code"]) for name, v in archs_data.items()}
    return tuple(families), archs


def find_checkpoint(repo_id: str) -> tuple[Family, Checkpoint] | None:
    wanted = repo_id.strip().strip("/").lower()
    for family in catalog()[0]:
        for checkpoint in family.checkpoints:
            if wanted in (r.lower() for r in checkpoint.repos):
                return family, checkpoint
    return None


def family_by_id(family_id: str) -> Family | None:
    return next((f for f in catalog()[0] if f.id == family_id), None)


def _repo_ids_in(text: str) -> list[str]:
    """Catalogued repo ids named in prose (links or plain)."""
    lowered = text.lower()
    found = []
    for family in catalog()[0]:
        for checkpoint in family.checkpoints:
            for repo in checkpoint.repos:
                if re.search(rf"(?<![\w./-]){re.escape(repo.lower())}(?![\w.-])", lowered):
                    found.append(repo)
    return found


def architecture_group(candidate: Candidate) -> frozenset[str] | str:
    """Candidates in one group share an architecture (and so may share a config): DeepSeek-V3 and R1,
    Llama 3.1 and 3.3 70B. A config can only say which group, not which member."""
    family = family_by_id(candidate.family) if candidate.family else None
    return frozenset(a.lower() for a in family.architectures) if family else (candidate.upstream or "?")


def readme_names_family(readme: str, family: Family) -> bool:
    lowered = readme.lower()
    return any(name in lowered for name in family.names) or any(
        repo.lower() in lowered for c in family.checkpoints for repo in c.repos)


def _signature_matches(config: dict[str, Any], signature: dict[str, Any]) -> bool:
    return all(key in config and config[key] == value for key, value in signature.items())


def tensor_dimensions(found: Structure | None) -> dict[str, int]:
    """Sizes read off tensor shapes, to compare with checkpoints when config.json is silent."""
    if found is None:
        return {}
    dims = {"num_hidden_layers": found.layers}
    for name, shape in found.layer.items():
        if shape and name.endswith("input_layernorm.weight") and len(shape) == 1:
            dims["hidden_size"] = shape[0]
        if shape and name.endswith("mlp.gate_proj.weight") and len(shape) == 2:
            dims["intermediate_size"] = shape[0]
    for name, shape in found.top.items():
        if shape and name.endswith("embed_tokens.weight") and len(shape) == 2:
            dims["vocab_size"] = shape[0]
    return dims


def infer_lineage(card: Card, card_path: str | None, readme: str, files: ModelFiles,
                  structure: Structure | None, layout: LayoutMatch | None,
                  license_keys: frozenset[str]) -> list[Candidate]:
    families, archs = catalog()
    order = {f.id: i for i, f in enumerate(families)}
    candidates: dict[tuple[str | None, str | None], Candidate] = {}

    def candidate(upstream: str | None, family: Family | None, relation: str, license_key: str | None,
                  position: int, checkpoint: Checkpoint | None = None) -> Candidate:
        """The candidate for this upstream; any repo id of the same checkpoint is the same one."""
        family_id = family.id if family else None
        aliases = {r.lower() for r in checkpoint.repos} if checkpoint else set()
        for (known_upstream, known_family), existing in candidates.items():
            if known_family == family_id and known_upstream in aliases:
                return existing
        key = (upstream.lower() if upstream else None, family_id)
        if key not in candidates:
            candidates[key] = Candidate(upstream, family.id if family else None, relation, license_ref(license_key),
                                        order=position)
        return candidates[key]

    # Declared: the card, then the adapter config.
    declared_relation = card.base_model_relation if card.base_model_relation in RELATIONS else None
    relation = declared_relation or ("merge" if len(card.base_model) > 1 else "declared")
    for repo in card.base_model:
        family, checkpoint = find_checkpoint(repo) or (None, None)
        found = candidate(repo, family, relation, checkpoint.license if checkpoint else None, -1, checkpoint)
        add_evidence(found, "card", card_path, f"base_model: {repo}")
    if files.adapter_base:
        family, checkpoint = find_checkpoint(files.adapter_base) or (None, None)
        found = candidate(files.adapter_base, family, "adapter", checkpoint.license if checkpoint else None, -1,
                          checkpoint)
        found.relation = "adapter"
        add_evidence(found, "adapter_config", "adapter_config.json", f"base_model_name_or_path: {files.adapter_base}")
    for repo in _repo_ids_in(readme):
        family, checkpoint = find_checkpoint(repo)
        found = candidate(repo, family, relation, checkpoint.license, order[family.id], checkpoint)
        add_evidence(found, "readme", card_path, f"names {repo}")

    # Inferred: architecture, then sizes from config.json or from tensor shapes.
    arch_names = {a.lower() for a in files.architectures}
    model_type = (files.model_type or "").lower()
    dims = tensor_dimensions(structure) if files.tensors.has_shapes else {}
    matched_families: set[str] = set()
    for family in families:
        by_arch = arch_names & {a.lower() for a in family.architectures}
        by_type = model_type and model_type in {t.lower() for t in family.model_types}
        for checkpoint in family.checkpoints:
            by_config = (by_arch or by_type) and _signature_matches(files.config, checkpoint.config)
            comparable = {k: v for k, v in checkpoint.config.items() if k in dims}
            by_tensors = len(comparable) >= 3 and _signature_matches(dims, comparable)
            if not (by_config or by_tensors):
                continue
            matched_families.add(family.id)
            relation_here = "quantized" if files.quantized else "finetune"
            found = candidate(checkpoint.repos[0], family, relation_here, checkpoint.license, order[family.id],
                              checkpoint)
            if by_config:
                add_evidence(found, "config", "config.json",
                             f"architectures: {', '.join(files.architectures) or model_type}")
                sizes = ", ".join(f"{k}={v}" for k, v in checkpoint.config.items())
                add_evidence(found, "hyperparameters", "config.json", f"{sizes} as in {checkpoint.source}")
            if by_tensors:
                sizes = ", ".join(f"{k}={v}" for k, v in comparable.items())
                add_evidence(found, "tensors", files.tensors.sources[0] if files.tensors.sources else None,
                          f"tensor shapes give {sizes}")
            if checkpoint.license in license_keys:
                add_evidence(found, "license", None,
                             f"the repo carries or carried the {checkpoint.license} license text")

    # Architecture only: the code lineage, not the weights.
    for arch_name in sorted(arch_names):
        arch = archs.get(arch_name)
        if arch is None:
            continue
        related = {f.id for f in families if arch_name in {a.lower() for a in f.architectures}}
        if related & (matched_families | {c.family for c in candidates.values()}):
            continue
        found = candidate(None, family_by_id(arch.family), "architecture", arch.code_license,
                          order.get(arch.family, len(order)))
        if found.family is None:
            found.family = arch.family
        add_evidence(found, "config", "config.json", f"architectures: {', '.join(files.architectures)} ({arch.code})")

    # Supporting evidence on the candidates found so far.
    for found in candidates.values():
        family = family_by_id(found.family) if found.family else None
        if family is None:
            continue
        if family.vocab_size and files.vocab_size == family.vocab_size:
            add_evidence(found, "tokenizer", None, f"vocab_size {files.vocab_size}")
        markers = [m for m in family.markers if any(m in token for token in files.tokens)]
        if markers:
            add_evidence(found, "tokenizer", None, f"special tokens {', '.join(markers)}")
        if layout is not None and layout.layout in layout_ids_for(family.architectures):
            kind = "renamed " if layout.renamed else ""
            add_evidence(found, "tensors", files.tensors.sources[0] if files.tensors.sources else None,
                      f"{kind}{layout.layout} tensor layout", WEIGHTS["layout"])
        for path, body in files.code:
            classes = [a for a in family.architectures if re.search(rf"\bclass\s+{re.escape(a)}\b", body)]
            if classes:
                add_evidence(found, "code", path, f"defines {', '.join(classes)}")
    ranked = sorted(candidates.values(), key=lambda c: (-c.confidence, c.order, c.upstream or "", c.family or ""))
    return ranked
