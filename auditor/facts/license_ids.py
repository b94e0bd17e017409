"""License ids: Hugging Face card ids -> ScanCode keys -> SPDX ids (table in rules/hf-licenses.yaml)."""

from __future__ import annotations

import re
from functools import lru_cache

import license_expression

from auditor.resources import load_rule_file, rules_dir


@lru_cache(maxsize=1)
def hf_licenses() -> dict[str, str | None]:
    data = load_rule_file(rules_dir() / "hf-licenses.yaml")
    return dict(data["licenses"])


@lru_cache(maxsize=1)
def _scancode_index() -> dict[str, dict]:
    return {entry["license_key"]: entry for entry in license_expression.get_license_index()}


def spdx_for_key(key: str) -> str:
    """The SPDX id for a ScanCode key; keys the bundled index lacks get the LicenseRef form."""
    entry = _scancode_index().get(key)
    if entry and entry.get("spdx_license_key"):
        return entry["spdx_license_key"]
    return f"LicenseRef-scancode-{key}"


@lru_cache(maxsize=1)
def _hf_by_key() -> dict[str, str]:
    return {key: hf_id for hf_id, key in sorted(hf_licenses().items(), reverse=True) if key}


def hf_id_for_key(key: str) -> str | None:
    """The Hub's id for a ScanCode key, where the Hub has one."""
    return _hf_by_key().get(key)


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
