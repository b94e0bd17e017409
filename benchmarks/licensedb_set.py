"""An evaluation set built from LicenseDB itself: every license key with a text, in four forms.

- shipped: the text as LicenseDB carries it;
- rewrapped: the same words re-flowed to 60 columns;
- titled: the license's name as a title line above the text;
- notice: one of ScanCode's own notice rules for that key (the first, by rule number, of 8 to 150
  words), where ScanCode has one.

A sample's answer is right when it names the key, or a key whose text is the same after
normalisation (LicenseDB carries some texts under two keys); wrong when it names any other license.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from auditor.facts.licensedb import data_root, read_reference
from auditor.facts.normalise import words_of

FORMS = ("shipped", "rewrapped", "titled", "notice")
_RULE_NUMBER = re.compile(r"_(\d+)\.RULE$")


@dataclass(frozen=True)
class Sample:
    name: str  # file name: <key>--<form>.txt
    key: str
    form: str
    text: str


def _meta_value(meta: str, field: str) -> str | None:
    found = re.search(rf"^{field}:\s*(.+)$", meta, re.MULTILINE)
    return found.group(1).strip().strip("'\"") if found else None


def _notices(rules: Path, keys: Collection[str] | None = None) -> dict[str, str]:
    """key -> the text of its first short notice rule (of `keys` only: ScanCode names a rule file after
    its key, so only those files are read)."""
    best: dict[str, tuple[int, str]] = {}
    paths = rules.glob("*.RULE") if keys is None else (p for k in sorted(keys) for p in rules.glob(f"{k}_*.RULE"))
    for path in paths:
        raw = path.read_text(encoding="utf-8", errors="replace")
        if not raw.startswith("---"):
            continue
        _empty, meta, text = raw.split("---", 2)
        key = _meta_value(meta, "license_expression")
        if (not key or " " in key or (keys is not None and key not in keys)
                or "is_license_notice: yes" not in meta or "is_false_positive: yes" in meta
                or "is_deprecated: yes" in meta):
            continue
        if not 8 <= len(words_of(text)) <= 150:
            continue
        number = _RULE_NUMBER.search(path.name)
        rank = int(number.group(1)) if number else 10**9
        if key not in best or rank < best[key][0]:
            best[key] = (rank, text.strip())
    return {key: text for key, (_rank, text) in best.items()}


def build(every: int = 1, keys: Collection[str] | None = None) -> list[Sample]:
    """The set; `every` > 1 keeps every n-th key (by name) for a quicker run, `keys` only those."""
    root = data_root()
    notices = _notices(root.parent / "rules", keys)
    samples = []
    for number, path in enumerate(sorted(root.glob("*.LICENSE"))):
        if keys is not None and path.stem not in keys:
            continue
        key, usable, text = read_reference(path)
        if not usable or not text.strip() or number % every:
            continue
        meta = path.read_text(encoding="utf-8", errors="replace").split("---", 2)[1]
        name = _meta_value(meta, "name") or key
        forms = {
            "shipped": text.strip("\n") + "\n",
            "rewrapped": "\n".join(textwrap.wrap(" ".join(text.split()), 60)) + "\n",
            "titled": f"{name}\n\n{text.strip()}\n",
        }
        if key in notices:
            forms["notice"] = notices[key] + "\n"
        samples.extend(Sample(f"{key}--{form}.txt", key, form, body) for form, body in forms.items())
    return samples


def same_text_keys() -> dict[str, str]:
    """key -> a digest of its normalised text, to count two keys of one text as the same answer."""
    out = {}
    for path in data_root().glob("*.LICENSE"):
        key, _usable, text = read_reference(path)
        out[key] = hashlib.sha256(" ".join(words_of(text)).encode()).hexdigest()
    return out
