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


def is_known_hf_id(hf_id: str) -> bool:
    return hf_id.lower() in hf_licenses()
