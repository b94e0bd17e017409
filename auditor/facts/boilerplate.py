"""Copyright lines that are part of a license text's boilerplate (rules/boilerplate.yaml): the FSF's
line atop the GPL, the placeholders of "how to apply" appendices. They attribute nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from auditor.model import Copyright, LicenseMatch
from auditor.resources import load_rule_file, rules_dir

_CONTEXT_LINES = 3


@dataclass(frozen=True)
class _Boilerplate:
    holder: re.Pattern[str]
    licenses: re.Pattern[str]
    context: re.Pattern[str]


@lru_cache(maxsize=1)
def _entries() -> tuple[_Boilerplate, ...]:
    data = load_rule_file(rules_dir() / "boilerplate.yaml")
    return tuple(_Boilerplate(*(re.compile(entry[k], re.IGNORECASE) for k in ("holder", "licenses", "context")))
                 for entry in data["copyright_boilerplate"])


def attributions(copyrights: tuple[Copyright, ...], matches: tuple[LicenseMatch, ...],
                 lines: list[str]) -> tuple[Copyright, ...]:
    """The copyright lines that attribute the work, boilerplate left out."""
    kept = []
    for copyright in copyrights:
        holder = " ".join(copyright.holders)
        following = "\n".join(lines[copyright.line:copyright.line + _CONTEXT_LINES])
        if not any(entry.holder.search(holder) and (
                any(entry.licenses.search(m.key) and m.start_line - 5 <= copyright.line <= m.end_line
                    for m in matches) or entry.context.search(following))
                for entry in _entries()):
            kept.append(copyright)
    return tuple(kept)
