"""Classify repo paths as license files, the model card, or weights (patterns in rules/paths.yaml)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache

import yaml

from auditor.resources import rules_dir

LICENSE = "license"
CARD = "card"
CODE = "code"
WEIGHTS = "weights"


@dataclass(frozen=True)
class PathRules:
    license_basename: re.Pattern[str]
    license_folder: re.Pattern[str]
    card: re.Pattern[str]
    code: re.Pattern[str]
    weights: re.Pattern[str]
    lineage: tuple[re.Pattern[str], ...]

    def kind(self, path: str) -> str | None:
        """license, card, code, weights, or None for a path the audit ignores."""
        folder, name = posixpath.split(path)
        if self.license_basename.match(name) or self.license_folder.match(posixpath.basename(folder)):
            return LICENSE
        if not folder and self.card.match(name):
            return CARD
        if self.code.search(path):
            return CODE
        if self.weights.search(name):
            return WEIGHTS
        return None

    def is_lineage(self, path: str) -> bool:
        """Read at the revision to infer lineage: config, tokenizer, adapter, tensor headers, code."""
        return any(pattern.search(path) for pattern in self.lineage)


@lru_cache(maxsize=1)
def path_rules() -> PathRules:
    data = yaml.safe_load((rules_dir() / "paths.yaml").read_text(encoding="utf-8"))
    flags = re.IGNORECASE
    return PathRules(
        license_basename=re.compile(data["license"]["basename"], flags),
        license_folder=re.compile(data["license"]["folder"], flags),
        card=re.compile(data["card"], flags),
        code=re.compile(data["code"], flags),
        weights=re.compile(data["weights"], flags),
        lineage=tuple(re.compile(p, flags) for p in data["lineage"]),
    )
