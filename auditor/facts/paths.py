"""Classify repo paths as license files, the model card, or weights (patterns in rules/paths.yaml)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache

from auditor.model import TextFacts
from auditor.resources import load_rule_file, rules_dir

LICENSE = "license"
CARD = "card"
CODE = "code"
WEIGHTS = "weights"

_OWN_LICENSE = re.compile(r"(licen[cs]e|copying)([-._ ][^/]*)?", re.IGNORECASE)


def own_license_file(path: str) -> bool:
    """A top-level LICENSE/COPYING file: where a repo states its own terms (not a NOTICE, not the
    license of a vendored component below the top level)."""
    return _OWN_LICENSE.fullmatch(path) is not None


@dataclass(frozen=True)
class PathRules:
    license_names: tuple[re.Pattern[str], ...]
    license_any: re.Pattern[str]  # names and hints in one pattern: kind() runs on every changed path
    license_folder: re.Pattern[str]
    license_hints: tuple[re.Pattern[str], ...]
    documents: re.Pattern[str]
    never_license: re.Pattern[str]
    card: re.Pattern[str]
    code: re.Pattern[str]
    weights: re.Pattern[str]
    lineage: tuple[re.Pattern[str], ...]

    def kind(self, path: str) -> str | None:
        """license, card, code, weights, or None for a path the audit ignores. A license file whose
        name only hints is read as one; `is_license` then decides on its text."""
        folder, name = posixpath.split(path)
        if not self.never_license.search(name) and (
                self.license_folder.match(posixpath.basename(folder))
                or self.license_any.search(name)):
            return LICENSE
        if not folder and self.card.match(name):
            return CARD
        if self.code.search(path):
            return CODE
        if self.weights.search(name):
            return WEIGHTS
        return None

    def named_license(self, path: str) -> bool:
        """A license file by its name or folder alone, or a license-named binary document."""
        folder, name = posixpath.split(path)
        if self.license_folder.match(posixpath.basename(folder)):
            return True
        if any(p.search(name) for p in self.license_names):
            return True
        return bool(self.documents.search(name)) and any(p.search(name) for p in self.license_hints)

    def is_license(self, path: str, facts: TextFacts) -> bool:
        """Whether this version of a `license` path is a license file: by name, or for a name that
        only hints, when the text identifies as a license, a notice or a use policy, reads as an
        unrecognised license or agreement, or carries a use policy's markers."""
        return self.named_license(path) or bool(facts.licenses or facts.license_like or facts.markers)

    def is_lineage(self, path: str) -> bool:
        """Read (or, for weights, listed) at the revision to infer lineage: config, tokenizer, adapter,
        tensor headers, code, and which weight files the repo redistributes."""
        return bool(self.weights.search(posixpath.basename(path))) or any(p.search(path) for p in self.lineage)


@lru_cache(maxsize=1)
def path_rules() -> PathRules:
    data = load_rule_file(rules_dir() / "paths.yaml")
    flags = re.IGNORECASE
    license_data = data["license"]
    either = "|".join(f"(?:{p})" for p in license_data["names"] + license_data["hints"])
    return PathRules(
        license_names=tuple(re.compile(p, flags) for p in license_data["names"]),
        license_any=re.compile(either, flags),
        license_folder=re.compile(license_data["folder"], flags),
        license_hints=tuple(re.compile(p, flags) for p in license_data["hints"]),
        documents=re.compile(license_data["documents"], flags),
        never_license=re.compile(license_data["never"], flags),
        card=re.compile(data["card"], flags),
        code=re.compile(data["code"], flags),
        weights=re.compile(data["weights"], flags),
        lineage=tuple(re.compile(p, flags) for p in data["lineage"]),
    )
