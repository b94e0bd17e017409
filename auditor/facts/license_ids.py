"""License ids: Hugging Face card ids -> ScanCode keys -> SPDX ids (table in rules/hf-licenses.yaml)."""

from __future__ import annotations

from functools import lru_cache

import license_expression
import yaml

from auditor.resources import rules_dir


@lru_cache(maxsize=1)
def hf_licenses() -> dict[str, str | None]:
    data = yaml.safe_load((rules_dir() / "hf-licenses.yaml").read_text(encoding="utf-8"))
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
