"""Ids are real ids: SPDX's, ScanCode's for keys ScanCode has, ours otherwise; one id per license,
whichever matcher found it; each dated version of a license under a key of its own."""

from __future__ import annotations

import json
import re
import sys
from functools import lru_cache
from pathlib import Path

import license_expression
import pytest
import yaml
from helpers import card, findings, scan

from auditor.facts.license_ids import OWN_PREFIX, hf_id_for_key, hf_licenses, is_scancode_key, spdx_for_key
from auditor.facts.licensedb import data_root, reference_text
from auditor.facts.licenses import identify
from auditor.facts.phrases import defined_licenses, same_terms
from auditor.facts.text import text_facts
from auditor.resources import rules_dir
from auditor.sources.base import Blob

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from licensedb_set import build  # noqa: E402  (the four forms the benchmark uses)

# Hub ids whose license neither ScanCode nor rules/licenses/ has: they are our keys, in our namespace.
HUB_ONLY = {"h-research", "intel-research", "apple-ascl", "apple-amlr", "deepfloyd-if-license",
            "fair-noncommercial-research", "grok-2-community"}


@lru_cache(maxsize=1)
def _spdx_ids() -> frozenset[str]:
    ids = set()
    for entry in license_expression.get_license_index():
        ids.update(i for i in [entry.get("spdx_license_key"), *(entry.get("other_spdx_license_keys") or ())] if i)
    return frozenset(ids)


def _known_key(key: str) -> bool:
    return is_scancode_key(key) or key in defined_licenses()


def _real_id(spdx: str) -> bool:
    """An SPDX id or ScanCode's LicenseRef (both in ScanCode's index), or ours for a key we define."""
    return spdx in _spdx_ids() or (spdx.startswith(OWN_PREFIX) and spdx.removeprefix(OWN_PREFIX) in defined_licenses())


def test_ids_of_scancode_keys_spdx_ids_and_our_own():
    assert spdx_for_key("bsd-new") == "BSD-3-Clause"
    assert spdx_for_key("llama-2-license-2023") == "LicenseRef-scancode-llama-2-license-2023"
    # ScanCode's own id, which is not always LicenseRef-scancode-<key>
    assert spdx_for_key("philips-proprietary-notice-2000") == "LicenseRef-scancode-philips-proprietary-notice2000"
    assert spdx_for_key("llama-3-license-2024") == "LicenseRef-model-license-auditor-llama-3-license-2024"
    assert spdx_for_key("openrail-plus-plus") == "LicenseRef-model-license-auditor-openrail-plus-plus"
    assert not is_scancode_key("../licenses/mit") and not is_scancode_key("qwen-2024")


def test_every_defined_license_has_a_real_id():
    for key in defined_licenses():
        spdx = spdx_for_key(key)
        assert _real_id(spdx), (key, spdx)
        assert spdx.startswith(OWN_PREFIX) != is_scancode_key(key), key


def test_hub_table_keys_are_scancode_keys_or_ours():
    for hf_id, key in hf_licenses().items():
        if key is None:
            continue
        assert _known_key(key) or key in HUB_ONLY, (hf_id, key)
        assert spdx_for_key(key).startswith(OWN_PREFIX) == (not is_scancode_key(key)), key
    assert hf_licenses()["lgpl-lr"] == "lgpllr" and spdx_for_key("lgpllr") == "LGPLLR"


def _family_licenses() -> list[tuple[str, str]]:
    found = []
    for path in sorted((rules_dir() / "families").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for family in data.get("families", ()):
            for checkpoint in family.get("checkpoints", ()):
                if checkpoint.get("license"):
                    found.append((family["id"], checkpoint["license"]))
    return found


def test_family_catalog_licenses_are_known_keys():
    licenses = _family_licenses()
    assert len(licenses) > 50
    for family, key in licenses:
        assert _known_key(key), (family, key)
    sdxl = {key for family, key in licenses if family == "stable-diffusion-xl"}
    assert sdxl == {"openrail-plus-plus-2023-07-26"}  # SDXL's text is dated July 26, 2023


def test_dataset_catalog_and_terms_use_real_ids():
    catalog = yaml.safe_load((rules_dir() / "datasets" / "catalog.yaml").read_text(encoding="utf-8"))
    for entry in catalog["datasets"]:
        if entry.get("license"):
            assert _real_id(entry["license"]), (entry["id"], entry["license"])
    terms = yaml.safe_load((rules_dir() / "datasets" / "terms.yaml").read_text(encoding="utf-8"))
    for spdx in terms["licenses"]:
        assert _real_id(spdx), spdx
    for key in terms["commercial"]["keys"]:
        assert _known_key(key), key


def test_obligation_kinds_are_the_ones_on_file():
    kinds = set(yaml.safe_load((rules_dir() / "obligations.yaml").read_text(encoding="utf-8"))["kinds"])
    for key, info in defined_licenses().items():
        assert {o.kind for o in info.obligations} <= kinds, key


# ---- one id per license, whichever matcher found it ----------------------------------------------

MODEL_NAME = re.compile(r"rail|llama|gemma|bigscience|bigcode|stable.diffusion|open.weights|\bai\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def model_keys() -> tuple[str, ...]:
    """LicenseDB's model licenses: by key and name (OpenRAIL, RAIL, Llama, Gemma, BigScience,
    BigCode, Stable Diffusion, open weights, AI), and texts that define "the Model" as a term."""
    keys = []
    for path in sorted(data_root().glob("*.LICENSE")):
        raw = path.read_text(encoding="utf-8", errors="replace")
        meta, text = raw.split("---", 2)[1:] if raw.startswith("---") else ("", raw)
        name = re.search(r"^name:\s*(.+)$", meta, re.MULTILINE)
        if any(f"{flag}: yes" in meta for flag in ("is_deprecated", "is_unknown", "is_generic")):
            continue
        if MODEL_NAME.search(f"{path.stem} {name.group(1) if name else ''}") or re.search(
                r"[\"“](?:Model|Derivatives of the Model|Model Derivatives)[\"”]", text):
            keys.append(path.stem)
    return tuple(keys)


@lru_cache(maxsize=1)
def model_samples():
    return build(keys=model_keys())


def test_model_keys_are_the_model_licenses():
    keys = set(model_keys())
    assert {"llama-2-license-2023", "llama-license-2023", "bigscience-open-rail-m", "bigscience-rail-1.0",
            "bigcode-open-rail-m-v1", "stable-diffusion-2022-08-22", "open-weights-permissive-1.0.0"} <= keys
    assert "mit" not in keys and "apache-2.0" not in keys


def test_every_model_license_key_in_licensedb_is_found_in_each_form_and_never_named_wrong():
    samples = model_samples()
    forms = {(s.key, s.form) for s in samples}
    for key in model_keys():
        assert {(key, "shipped"), (key, "rewrapped"), (key, "titled")} <= forms, key
    assert ("llama-2-license-2023", "notice") in forms
    for sample in samples:
        matches = text_facts(Blob(data=sample.text.encode())).licenses
        assert matches, sample.name
        assert {m.key for m in matches} == {sample.key}, (sample.name, matches)


def test_one_id_per_license_whichever_matcher_found_it():
    identities: dict[str, set[tuple]] = {}
    matchers = set()
    for sample in model_samples():
        for m in identify(sample.text):
            identities.setdefault(m.key, set()).add((m.spdx, m.hf))
            matchers.add(m.matcher)
    text = reference_text("llama-2-license-2023")
    heading = "LLAMA 2 COMMUNITY LICENSE AGREEMENT\nLlama 2 Version Release Date: July 18, 2023\n"
    for sample in (text, heading, "Llama 2 is licensed under the LLAMA 2 Community License, Copyright © Meta "
                   "Platforms, Inc. All Rights Reserved."):
        for m in identify(sample):
            identities.setdefault(m.key, set()).add((m.spdx, m.hf))
            matchers.add(m.matcher)
    assert matchers == {"exact", "phrase", "similarity", "rule"}
    for key, ids in identities.items():
        assert ids == {(spdx_for_key(key), hf_id_for_key(key))}, (key, ids)
    assert identities["llama-2-license-2023"] == {("LicenseRef-scancode-llama-2-license-2023", "llama2")}


# ---- dated versions --------------------------------------------------------------------------------

GEMMA_BODY = ("\n\nBy using, reproducing, modifying, distributing ... Model Derivatives ...\n\nSection 1: DEFINITIONS\n"
              "1.1 Definitions\n(a) \"Model Derivatives\" means ...\n\nthe Agreement shall not be deemed a waiver of "
              "any rights under this Agreement.\n")


@pytest.mark.parametrize("date_line, key, spdx", [
    ("Last modified: March 24, 2025", "gemma-tou-2025-03-24", "LicenseRef-model-license-auditor-gemma-tou-2025-03-24"),
    ("Last modified: April 1, 2024", "gemma-tou-2024-04-01", "LicenseRef-scancode-gemma-tou-2024-04-01"),
    ("Last modified: February 21, 2024", "gemma-tou-2024-02-21",
     "LicenseRef-model-license-auditor-gemma-tou-2024-02-21"),
])
def test_each_dated_gemma_text_has_its_own_key(date_line, key, spdx):
    [match] = identify("Gemma Terms of Use\n\n" + date_line + GEMMA_BODY)
    assert (match.key, match.spdx, match.hf, match.form) == (key, spdx, "gemma", "text")
    assert match.name.endswith(f"({key.removeprefix('gemma-tou-')})")


def test_a_gemma_text_without_its_date_is_the_terms_at_a_lower_score():
    [match] = identify("Gemma Terms of Use" + GEMMA_BODY)
    assert (match.key, match.name) == ("gemma-tou-2024-04-01", "Gemma Terms of Use (date not stated)")
    assert match.score < 1


def _rail_plus_plus(date: str) -> str:
    """A CreativeML Open RAIL++-M text as Stability AI ships it: the RAIL-M in LicenseDB, retitled and
    dated, without the clause on remote updates that the ++ dropped."""
    body = reference_text("stable-diffusion-2022-08-22").split("dated August 22, 2022", 1)[1]
    body = re.sub(r", update the Model through electronic means.*?latest version of the Model", "", body, flags=re.S)
    return f"Copyright (c) 2023 Stability AI\nCreativeML Open RAIL++-M License dated {date}\n{body}"


@pytest.mark.parametrize("date, key", [("July 26, 2023", "openrail-plus-plus-2023-07-26"),
                                       ("November 24, 2022", "openrail-plus-plus")])
def test_rail_plus_plus_m_comes_out_as_its_dated_version(date, key):
    [match] = identify(_rail_plus_plus(date))
    assert (match.key, match.spdx, match.hf, match.matcher) == (key, spdx_for_key(key), "openrail++", "phrase")
    assert match.spdx == OWN_PREFIX + key
    assert match.start_line == 2  # the title line: the copyright line above it is not the license
    # its neighbour, the CreativeML Open RAIL-M, is still itself
    assert [m.key for m in identify(reference_text("stable-diffusion-2022-08-22"))] == ["stable-diffusion-2022-08-22"]


def test_dated_versions_are_the_same_terms_for_the_rules():
    assert same_terms("gemma-tou-2025-03-24", "gemma-tou-2024-04-01")
    assert same_terms("openrail-plus-plus-2023-07-26", "openrail-plus-plus")
    assert not same_terms("llama-3.1-license-2024", "llama-3.2-license-2024")
    assert not same_terms("openrail-plus-plus", "stable-diffusion-2022-08-22")


@pytest.mark.parametrize("date", ["July 26, 2023", "November 24, 2022"])
def test_sdxl_derivative_carrying_a_rail_plus_plus_text_meets_the_license(repo, date):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: openrail++\nbase_model: stabilityai/stable-diffusion-xl-base-1.0"),
        "LICENSE.md": _rail_plus_plus(date),
    })
    doc = scan(repo.path)
    [license_file] = doc["license_files"]
    assert license_file["licenses"][0]["hf"] == "openrail++"
    for rule in ("upstream-license-missing", "declared-license-conflict", "license-file-mismatch",
                 "use-restrictions-missing"):
        assert not findings(doc, rule), (rule, findings(doc, rule))


# ---- what each match says, in identify's JSON and in a scan's ---------------------------------------

MATCH_FIELDS = ["spdx", "key", "hf", "name", "score", "start_line", "end_line", "matcher", "form"]


def test_each_match_gives_key_ids_score_matcher_lines_and_form(repo, tmp_path):
    from helpers import MIT_TEXT, run_cli

    notice = (MIT_TEXT + "\n\nLlama 3.1 is licensed under the Llama 3.1 Community License, Copyright © Meta "
              "Platforms, Inc. All Rights Reserved.\n\nGemma Terms of Use\n\nLast modified: March 24, 2025"
              + GEMMA_BODY + "\nThe code is released under the Apache License, Version 2.0.\n")
    (tmp_path / "NOTICE").write_text(notice, encoding="utf-8")
    [result] = json.loads(run_cli("identify", str(tmp_path / "NOTICE"), "--format", "json").stdout)
    repo.commit("Upload", "2025-01-01 10:00:00", {"NOTICE": notice})
    [license_file] = scan(repo.path)["license_files"]
    assert license_file["licenses"] == result["matches"]
    found = {(m["key"], m["spdx"], m["hf"], m["matcher"], m["form"]) for m in result["matches"]}
    assert found == {("mit", "MIT", "mit", "phrase", "text"),
                     ("apache-2.0", "Apache-2.0", "apache-2.0", "rule", "reference"),
                     ("llama-3.1-license-2024", "LicenseRef-scancode-llama-3.1-license-2024", "llama3.1", "phrase",
                      "notice"),
                     ("gemma-tou-2025-03-24", "LicenseRef-model-license-auditor-gemma-tou-2025-03-24", "gemma",
                      "phrase", "text")}
    lines = notice.split("\n")
    for m in result["matches"]:
        assert list(m) == MATCH_FIELDS
        assert isinstance(m["score"], float) and 0 < m["score"] <= 1
        assert 1 <= m["start_line"] <= m["end_line"] <= len(lines)
        assert m["form"] in ("text", "notice", "reference", "use-policy")
    gemma = next(m for m in result["matches"] if m["key"].startswith("gemma"))
    assert lines[gemma["start_line"] - 1] == "Gemma Terms of Use"
