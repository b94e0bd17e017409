"""Whether a text that matches no known license still reads as a license or agreement.

Such a text is an "unrecognised license": a reviewer must read it, and history tracks it as license
material. The signals (grant, restrictions, warranty disclaimer, limitation of liability, defined
terms...) and what vetoes them (code, README sections, codes of conduct) are data in
rules/license_like.yaml; this module only scores them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from auditor.facts.normalise import NormalisedText, git_lines, phrase
from auditor.resources import load_rule_file, rules_dir

# YAML front matter (a model card's, a Jekyll page's): metadata, not the document's text.
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n.*?\n---[ \t]*(\r?\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class _Signal:
    name: str
    weight: int
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class _Rules:
    title_within: int
    title: tuple[str, ...]
    title_lines: int
    title_line: re.Pattern[str]
    threshold: int
    require: tuple[frozenset[str], ...]
    signals: tuple[_Signal, ...]
    not_phrases: tuple[str, ...]
    not_lines: tuple[re.Pattern[str], ...]
    code_line: re.Pattern[str]
    code_share: float


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    data = load_rule_file(rules_dir() / "license_like.yaml")
    return _Rules(
        title_within=int(data["title_within"]),
        title=tuple(phrase(p) for p in data["title"]),
        title_lines=int(data["title_lines"]),
        title_line=re.compile(data["title_line"], re.IGNORECASE),
        threshold=int(data["threshold"]),
        require=tuple(frozenset(group) for group in data["require"]),
        signals=tuple(_Signal(name, int(s["weight"]), tuple(phrase(p) for p in s["phrases"]))
                      for name, s in data["signals"].items()),
        not_phrases=tuple(phrase(p) for p in data["not_license"]["phrases"]),
        not_lines=tuple(re.compile(p, re.IGNORECASE) for p in data["not_license"]["lines"]),
        code_line=re.compile(data["code_line"]),
        code_share=float(data["code_share"]),
    )


def signals_in(text: NormalisedText) -> frozenset[str]:
    """The names of the license signals the text carries."""
    return frozenset(s.name for s in _rules().signals if any(text.find(p) is not None for p in s.phrases))


def _is_code(lines: list[str], rules: _Rules) -> bool:
    content = [line for line in lines if line.strip()]
    if not content:
        return False
    return sum(1 for line in content if rules.code_line.match(line)) > rules.code_share * len(content)


def reads_as_license(text: str, normalised: NormalisedText | None = None) -> bool:
    """A license or agreement by its language: titled as one near the top, granting or withholding
    rights, disclaiming warranty or liability, and scoring enough signals; not code, a README, a
    code of conduct or a security policy. `normalised` is the NormalisedText of `text`, when known."""
    rules = _rules()
    front = _FRONT_MATTER.match(text)
    if front:
        text, normalised = text[front.end():], None
    lines = git_lines(text)
    if _is_code(lines, rules) or any(p.search(line) for p in rules.not_lines for line in lines):
        return False
    normalised = normalised or NormalisedText(text)
    top = [line for line in lines if line.strip()][:rules.title_lines]
    if not any(rules.title_line.search(line) for line in top) and \
            not any(normalised.find(t, 0, rules.title_within) is not None for t in rules.title):
        return False
    if any(normalised.find(p) is not None for p in rules.not_phrases):
        return False
    found = signals_in(normalised)
    if not all(group & found for group in rules.require):
        return False
    return sum(s.weight for s in rules.signals if s.name in found) >= rules.threshold
