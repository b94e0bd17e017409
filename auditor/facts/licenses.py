"""identify(text) -> [LicenseMatch]: which licenses a text holds, and on which lines.

Texts are normalised to words (SPDX matching guidelines: case, punctuation, quotes, bullets,
markdown and line wrapping do not count; equivalent spellings from rules/normalisation.yaml).
Each license in rules/licenses/ declares phrase forms; a form matches where its start phrase is
followed by every required phrase, so a NOTICE that bundles several licenses gives one match each,
with its own line span.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import yaml

from auditor.model import LicenseMatch
from auditor.resources import rules_dir

_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=1)
def _equivalents() -> dict[str, str]:
    data = yaml.safe_load((rules_dir() / "normalisation.yaml").read_text(encoding="utf-8"))
    return dict(data["equivalent_words"])


def normalise_words(text: str) -> list[str]:
    eq = _equivalents()
    return [eq.get(w, w) for w in _WORD.findall(text.lower())]


def _phrase(text: str) -> str:
    return " ".join(normalise_words(text))


@dataclass(frozen=True)
class _Form:
    key: str
    spdx: str
    name: str
    start: str
    require: tuple[str, ...]
    end: str
    max_words: int | None
    tail: str
    tail_within: int


@lru_cache(maxsize=1)
def _forms() -> tuple[_Form, ...]:
    forms = []
    for file in sorted((rules_dir() / "licenses").glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for form in data.get("forms", ()):
            forms.append(_Form(
                key=data["key"], spdx=data["spdx"], name=data["name"], start=_phrase(form["start"]),
                require=tuple(_phrase(p) for p in form.get("require", ())),
                end=_phrase(form.get("end", "")), max_words=form.get("max_words"),
                tail=_phrase(form.get("tail", "")), tail_within=form.get("tail_within", 0),
            ))
    return tuple(forms)


class NormalisedText:
    """Normalised words joined by single spaces, with a map back to source lines."""

    def __init__(self, text: str) -> None:
        eq = _equivalents()
        words: list[str] = []
        lines: list[int] = []
        for number, line in enumerate(text.splitlines(), start=1):
            for word in _WORD.findall(line.lower()):
                words.append(eq.get(word, word))
                lines.append(number)
        self.words = words
        self.lines = lines
        self.joined = " " + " ".join(words) + " "
        self._starts: list[int] = []
        offset = 1
        for word in words:
            self._starts.append(offset)
            offset += len(word) + 1

    def digest(self, skip_lines: frozenset[int] = frozenset()) -> str:
        """Hash of the words, leaving out `skip_lines`; empty for a text with no words."""
        kept = [w for w, line in zip(self.words, self.lines, strict=True) if line not in skip_lines]
        return hashlib.sha256(" ".join(kept).encode()).hexdigest() if kept else ""

    def find(self, phrase: str, start_word: int = 0, end_word: int | None = None) -> int | None:
        """Index of the first word of `phrase` at or after `start_word`, ending before `end_word`."""
        if not phrase:
            return None
        lo = self._starts[start_word] - 1 if start_word < len(self._starts) else len(self.joined)
        hi = len(self.joined) if end_word is None or end_word >= len(self._starts) else self._starts[end_word]
        at = self.joined.find(" " + phrase + " ", lo, hi)
        if at < 0:
            return None
        return bisect.bisect_left(self._starts, at + 1)


def _match_form(text: NormalisedText, form: _Form) -> list[tuple[int, int, int]]:
    """(first word, last word, phrases matched) for each occurrence of the form."""
    found = []
    position = 0
    while (start := text.find(form.start, position)) is not None:
        limit = start + form.max_words if form.max_words else None
        cursor = start + len(form.start.split())
        last = cursor - 1
        complete = True
        for phrase in form.require:
            at = text.find(phrase, cursor, limit)
            if at is None:
                complete = False
                break
            cursor = at + len(phrase.split())
            last = cursor - 1
        if complete:
            end = text.find(form.end, cursor, limit)
            if end is not None:
                last = end + len(form.end.split()) - 1
                tail = text.find(form.tail, last + 1, last + 1 + form.tail_within)
                if tail is not None:
                    last = tail + len(form.tail.split()) - 1
            found.append((start, last, 1 + len(form.require) + (end is not None)))
        position = start + 1
    return found


def identify(text: str) -> list[LicenseMatch]:
    """Licenses in `text`, best first; overlapping candidates keep the most specific."""
    return identify_normalised(NormalisedText(text))


def identify_normalised(normalised: NormalisedText) -> list[LicenseMatch]:
    if not normalised.words:
        return []
    candidates = []
    for form in _forms():
        for first, last, phrases in _match_form(normalised, form):
            candidates.append((phrases, -first, form, first, last))
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2].key))
    taken: list[tuple[int, int]] = []
    matches = []
    for phrases, _neg, form, first, last in candidates:
        if any(first <= t_last and t_first <= last for t_first, t_last in taken):
            continue
        taken.append((first, last))
        total = 2 + len(form.require)
        matches.append(LicenseMatch(
            key=form.key, spdx=form.spdx, name=form.name, score=round(phrases / total, 2),
            start_line=normalised.lines[first], end_line=normalised.lines[last], matcher="phrase",
        ))
    matches.sort(key=lambda m: (-m.score, m.start_line, m.key))
    return matches
