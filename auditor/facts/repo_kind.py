"""Model repo or code repo: card metadata rules judge model repos only. A model repo has a
config.json, an adapter config, weights (at the revision or anywhere in its history), or a card
with front matter; a GitHub project about a model has none of these."""

from __future__ import annotations

from auditor.facts.model_files import ModelFiles
from auditor.model import Card, RepoKind


def judge_repo_kind(card: Card, files: ModelFiles, weights_in_history: bool) -> RepoKind:
    reasons = []
    if card.has_front_matter or card.error:
        reasons.append("the README has model card front matter")
    for name in ("config.json", "adapter_config.json"):
        if name in files.paths:
            reasons.append(name)
    weights = [p for p in files.paths if p.endswith(".safetensors")]
    if weights:
        reasons.append(f"safetensors weights at the revision ({len(weights)})")
    elif weights_in_history:
        reasons.append("weight files in the history")
    if reasons:
        return RepoKind("model", tuple(reasons))
    return RepoKind("code", ("no config.json, adapter config, weights or model card front matter",))
