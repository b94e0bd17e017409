"""License ids: Hugging Face card ids -> license keys -> SPDX ids (table in rules/hf-licenses.yaml).

A key is ScanCode's where ScanCode has one, else the project's own (rules/licenses/). Its id is the
SPDX id where SPDX has one, else ScanCode's `LicenseRef-scancode-...` id, but only for a key that
installed ScanCode data really holds (license-expression's bundled ScanCode index, which is the
newer, or licensedcode-data's texts), else `LicenseRef-model-license-auditor-<key>`: never an id
that looks like ScanCode's for a key ScanCode does not have.
"""

from __future__ import annotations

import re
from functools import lru_cache

import license_expression

from auditor.facts.licensedb import data_root
from auditor.facts.phrases import defined_licenses
from auditor.resources import load_rule_file, rules_dir


@lru_cache(maxsize=1)
def hf_licenses() -> dict[str, str | None]:
    data = load_rule_file(rules_dir() / "hf-licenses.yaml")
    return dict(data["licenses"])


@lru_cache(maxsize=1)
def _scancode_index() -> dict[str, dict]:
    return {entry["license_key"]: entry for entry in license_expression.get_license_index()}


OWN_PREFIX = "LicenseRef-model-license-auditor-"
_KEY = re.compile(r"^[a-z0-9][a-z0-9.+_-]*$")
_SPDX_LINE = re.compile(r"^spdx_license_key:\s*(\S+)\s*$", re.MULTILINE)


@lru_cache(maxsize=512)
def _licensedb_spdx(key: str) -> str | None:
    """The id licensedcode-data gives a key its text file has (`LicenseRef-scancode-<key>` where
    the file names none, as ScanCode does); None when it has no such key."""
    if not _KEY.match(key):
        return None
    path = data_root() / f"{key}.LICENSE"
    if not path.is_file():
        return None
    front = path.read_text(encoding="utf-8", errors="replace").split("---", 2)[1:2]
    found = _SPDX_LINE.search(front[0]) if front else None
    return found.group(1) if found else f"LicenseRef-scancode-{key}"


def is_scancode_key(key: str) -> bool:
    return key in _scancode_index() or _licensedb_spdx(key) is not None


def spdx_for_key(key: str) -> str:
    """The SPDX id of a key: SPDX's own, ScanCode's LicenseRef for a real ScanCode key, or ours."""
    entry = _scancode_index().get(key)
    if entry:
        return entry.get("spdx_license_key") or f"LicenseRef-scancode-{key}"
    return _licensedb_spdx(key) or f"{OWN_PREFIX}{key}"


@lru_cache(maxsize=1)
def _hf_by_key() -> dict[str, str]:
    return {key: hf_id for hf_id, key in sorted(hf_licenses().items(), reverse=True) if key}


def hf_id_for_key(key: str) -> str | None:
    """The Hub's id for a key, where the Hub has one: a dated version has its license's id (the Hub's
    `gemma` names the terms, whichever date)."""
    info = defined_licenses().get(key)
    return _hf_by_key().get(key) or (_hf_by_key().get(info.base) if info else None)


def scancode_category(key: str) -> str | None:
    entry = _scancode_index().get(key)
    return entry.get("category") if entry else None


def scancode_name(key: str) -> str:
    entry = _scancode_index().get(key)
    spdx = entry.get("spdx_license_key") if entry else None
    return spdx or key


@lru_cache(maxsize=1)
def _keys_by_name() -> dict[str, str]:
    """Lower-case Hub ids and SPDX ids (and their aliases) -> ScanCode keys."""
    found: dict[str, str] = {}
    for entry in license_expression.get_license_index():
        for spdx in [entry.get("spdx_license_key"), *(entry.get("other_spdx_license_keys") or ())]:
            if spdx and not spdx.lower().startswith("licenseref-"):
                found.setdefault(spdx.lower(), entry["license_key"])
    found.update({hf_id: key for hf_id, key in hf_licenses().items() if key})
    return found


def key_for_name(name: str) -> str | None:
    """The ScanCode key a short license name stands for: `AGPL-3.0`, `Apache 2.0`, `mit`."""
    wanted = re.sub(r"\s+", "-", name.strip().lower()).removesuffix("-license")
    return _keys_by_name().get(wanted) or _keys_by_name().get(wanted.removesuffix("-only"))


_NAME = r"([A-Za-z][\w.+]*(?:[ -]v?\d+(?:\.\d+)*)?(?:-only|-or-later)?)"
_STATEMENTS = (
    re.compile(r"img\.shields\.io/badge/licen[cs]e-([A-Za-z0-9.+_%]+(?:--[A-Za-z0-9.+_%]+)*)-", re.IGNORECASE),
    re.compile(r"\b(?:licen[cs]ed|released|distributed|published|available)\s+under\s+(?:the\s+|an?\s+)?" + _NAME,
               re.IGNORECASE),
    re.compile(r"^\W*licen[cs]e\W*:\W*" + _NAME, re.IGNORECASE | re.MULTILINE),
)


def license_statements(text: str) -> list[tuple[str, int, str]]:
    """(ScanCode key, line, excerpt) for each license a README names in a badge or a statement
    ("released under the AGPL-3.0", "License: MIT"). Front matter is the card's, not prose."""
    body = re.sub(r"\A\s*---.*?\n---\s*\n", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.DOTALL)
    found: dict[str, tuple[str, int, str]] = {}
    for pattern in _STATEMENTS:
        for match in pattern.finditer(body):
            name = match.group(1).replace("--", "-").replace("%20", " ").replace("_", " ")
            key = key_for_name(name)
            if key and key not in found:
                line = body.count("\n", 0, match.start()) + 1
                found[key] = (key, line, " ".join(match.group(0).split())[:120])
    return sorted(found.values(), key=lambda f: (f[1], f[0]))
