"""The card's `datasets:` -> Dataset facts: each dataset's terms from the catalog in rules/datasets/
(or, for an uncatalogued Hub id, from the dataset's own card when a look-up is allowed), the terms of
the model that generated it, and where the repo credits it or acknowledges those terms.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from auditor.facts.card import field_line
from auditor.facts.license_ids import hf_licenses, scancode_category, spdx_for_key
from auditor.facts.normalise import NormalisedText, phrase
from auditor.model import Card, Dataset, OutputTerms
from auditor.resources import load_rule_file, rules_dir

# A Hub dataset id, `org/name`: the only form a dataset card can be looked up by.
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
# Real cards name a handful; a hostile one could name thousands (and BOM dependency graphs grow
# quadratically in cyclonedx-python-lib). Beyond this many, the rest are noted, not audited.
MAX_DATASETS = 500
_FRONT_MATTER = re.compile(r"\A\s*---.*?\n---[ \t]*\n", re.DOTALL)


@dataclass(frozen=True)
class DatasetCard:
    """What a dataset's own card on the Hub says about its terms."""

    repo_id: str
    license: str | None  # the card's `license:` (a Hub id)
    license_name: str | None = None


# hub dataset id -> its card, or None when there is none (or looking it up is not allowed)
CardLookup = Callable[[str], DatasetCard | None]


def _load(name: str) -> dict[str, Any]:
    return load_rule_file(rules_dir() / "datasets" / name)


@lru_cache(maxsize=1)
def terms() -> dict[str, Any]:
    return _load("terms.yaml")


@lru_cache(maxsize=1)
def catalog() -> tuple[dict[str, Any], ...]:
    return tuple(_load("catalog.yaml")["datasets"])


def license_terms(spdx: str | None) -> dict[str, Any]:
    """A data license's flags (attribution, non_commercial, share_alike, compatible) and clause."""
    return dict(terms()["licenses"].get(spdx or "", {}))


def grants_commercial_use(key: str) -> bool:
    """True only for model licenses known to allow commercial use (ScanCode key)."""
    commercial = terms()["commercial"]
    if key in commercial["keys"]:
        return True
    spdx = spdx_for_key(key)
    if license_terms(spdx).get("non_commercial"):
        return False
    return scancode_category(key) in commercial["categories"]


def _find(name: str) -> dict[str, Any] | None:
    wanted = name.strip().lower()
    for entry in catalog():
        if any(fnmatch.fnmatchcase(wanted, repo.lower()) for repo in entry["repos"]):
            return entry
    if "/" not in wanted:
        for entry in catalog():
            if wanted in (n.lower() for n in entry.get("names", ())):
                return entry
    return None


def _phrases(name: str, entry: dict[str, Any] | None) -> set[str]:
    """How a text would name the dataset: its ids, plain names and title."""
    found = {phrase(name)}
    if entry:
        found.update(phrase(n) for n in (entry["title"], *entry.get("names", ()), *entry["repos"]) if "*" not in n)
    return {p for p in found if p}


def _where(phrases: set[str], texts: Mapping[str, NormalisedText]) -> tuple[str, ...]:
    return tuple(path for path, text in texts.items() if any(text.find(p) is not None for p in phrases))


def _generators(entry: dict[str, Any], texts: Mapping[str, NormalisedText]) -> tuple[OutputTerms, ...]:
    known = terms()["generators"]
    out = []
    for generated in entry.get("generated_by", ()):
        info = known[generated["terms"]]
        markers = {phrase(m) for m in info.get("markers", ())}
        out.append(OutputTerms(
            terms=generated["terms"], name=info["name"], generator=generated["model"],
            restriction=info["restriction"], clause=info["clause"], url=info.get("url"),
            prefix=info.get("prefix"), exempt_families=tuple(info.get("exempt_families", ())),
            acknowledged_in=_where(markers, texts)))
    return tuple(out)


def _with_license(dataset: Dataset, spdx: str | None) -> Dataset:
    flags = license_terms(spdx)
    return replace(dataset, license=spdx, attribution=bool(flags.get("attribution")),
                   non_commercial=bool(flags.get("non_commercial")), share_alike=bool(flags.get("share_alike")),
                   compatible=tuple(flags.get("compatible", ())), clause=flags.get("clause"))


def _from_catalog(name: str, entry: dict[str, Any], texts: Mapping[str, NormalisedText], line: int | None) -> Dataset:
    dataset = Dataset(name=name, catalog_id=entry["id"], title=entry["title"], terms_from="catalog",
                      source=entry["source"], basis=entry["basis"], credit=entry.get("credit"),
                      note=entry.get("note"), generated_by=_generators(entry, texts),
                      credited_in=_where(_phrases(name, entry), texts), line=line)
    return _with_license(dataset, entry.get("license"))


def _from_card(name: str, card: DatasetCard, texts: Mapping[str, NormalisedText], line: int | None) -> Dataset:
    hf_id = (card.license or "").lower()
    key = hf_licenses().get(hf_id)
    note = None
    if not key:
        what = f"license: {card.license}" if card.license else "no license:"
        named = f" ({card.license_name})" if card.license_name else ""
        note = f"the dataset card says {what}{named}; its terms need a reviewer"
    dataset = Dataset(name=name, title=card.repo_id, terms_from="dataset-card",
                      source=f"https://huggingface.co/datasets/{card.repo_id}", basis="fetched", note=note,
                      credited_in=_where(_phrases(name, None), texts), line=line)
    return _with_license(dataset, spdx_for_key(key) if key else None)


def read_datasets(card: Card, card_path: str | None, readme_text: str, license_texts: Mapping[str, str],
                  lookup: CardLookup | None = None) -> tuple[Dataset, ...]:
    """`license_texts`: path -> text of the license and NOTICE files at the revision. The README counts
    without its front matter, where `datasets:` itself names them."""
    if not card.datasets:
        return ()
    texts: dict[str, NormalisedText] = {}
    body = _FRONT_MATTER.sub("", readme_text, count=1)
    if body.strip():
        texts[card_path or "README.md"] = NormalisedText(body)
    for path, text in sorted(license_texts.items()):
        texts.setdefault(path, NormalisedText(text))
    line = field_line(readme_text, "datasets")
    out = []
    for name in list(dict.fromkeys(n.strip() for n in card.datasets if n and n.strip()))[:MAX_DATASETS]:
        entry = _find(name)
        if entry is not None:
            out.append(_from_catalog(name, entry, texts, line))
            continue
        looked_up = lookup(name) if lookup and HUB_ID.match(name) else None
        if looked_up is not None:
            out.append(_from_card(name, looked_up, texts, line))
        else:
            out.append(Dataset(name=name, credited_in=_where(_phrases(name, None), texts), line=line))
    return tuple(out)
