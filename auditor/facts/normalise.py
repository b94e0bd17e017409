"""Text normalisation for matching, after the SPDX matching guidelines.

Case, punctuation, quotes, dashes, bullets, markdown and line wrapping do not count; the copyright
sign, invisible characters, word pairs and equivalent spellings are folded by the one table in
rules/normalisation.yaml, which every matcher uses. Words keep a map back to their source line (as
git counts lines), so every match can say where it starts and ends.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from auditor.resources import load_rule_file, rules_dir

# Letters and digits in any script; underscores, quotes, bullets and markup separate words.
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class _Table:
    characters: dict[int, str]  # for str.translate
    sequences: tuple[tuple[str, str], ...]  # longer than one character: str.replace
    pairs: re.Pattern[str] | None  # two words that may be one: "non-commercial"
    pair_words: dict[str, str]  # the two words run together -> the word
    words: dict[str, str]


@lru_cache(maxsize=1)
def _table() -> _Table:
    data = load_rule_file(rules_dir() / "normalisation.yaml")
    pairs = [pair.split() for pair in data.get("equivalent_pairs", {})]
    # Either word of a pair, separated by white space (line breaks too: re-wrapping a text must not
    # change its words) and at most one dash; the match is checked against the table (a regex of
    # the exact pairs is slower, and normalisation runs over every text).
    firsts, seconds = ("|".join(sorted({re.escape(p[i]) for p in pairs}, key=lambda w: (-len(w), w))) for i in (0, 1))
    pattern = re.compile(rf"(?:{firsts})\s*[-\u2010-\u2015\u2212]?\s*(?:{seconds})(?![^\W_])")
    folds = dict(data.get("equivalent_characters", {}))
    return _Table(characters=str.maketrans({k: v for k, v in folds.items() if len(k) == 1}),
                  sequences=tuple((k, v) for k, v in folds.items() if len(k) > 1),
                  pairs=pattern if pairs else None,
                  pair_words={"".join(pair.split()): word for pair, word in data.get("equivalent_pairs", {}).items()},
                  words=dict(data["equivalent_words"]))


def _folded(text: str) -> str:
    """Lower-cased, with the table's characters and word pairs folded; the same lines as `text`."""
    table = _table()
    text = text.lower().translate(table.characters)
    for sequence, replacement in table.sequences:
        text = text.replace(sequence, replacement)
    if table.pairs is None:
        return text

    def pair(match: re.Match[str]) -> str:
        word = table.pair_words.get("".join(_WORD.findall(match.group(0))))
        starts_word = match.start() == 0 or not _WORD.match(text, match.start() - 1)
        # The line breaks it spanned stay after the word, so every later line keeps its number.
        return word + "\n" * match.group(0).count("\n") if word and starts_word else match.group(0)

    return table.pairs.sub(pair, text)


def git_lines(text: str) -> list[str]:
    """Lines as git and GitHub number them: split at "\\n" only. str.splitlines() also splits at
    U+2028, U+0085, form feeds and lone "\\r", which shifts every line number after one."""
    return text.split("\n")


def words_of(text: str) -> list[str]:
    eq = _table().words
    return [eq.get(w, w) for w in _WORD.findall(_folded(text))]


def phrase(text: str) -> str:
    """A phrase as it is searched for: normalised words joined by single spaces."""
    return " ".join(words_of(text))


class NormalisedText:
    """Normalised words joined by single spaces, with a map back to source lines."""

    def __init__(self, text: str) -> None:
        eq = _table().words
        words: list[str] = []
        lines: list[int] = []
        findall = _WORD.findall
        for number, line in enumerate(git_lines(_folded(text)), start=1):
            found = findall(line)
            if found:
                words.extend([eq.get(w, w) for w in found])
                lines.extend([number] * len(found))
        self.words = words
        self.lines = lines
        self.joined = " " + " ".join(words) + " "
        # Offset of each word in `joined`: one separator before every word.
        self._starts = list(accumulate((len(w) + 1 for w in words), initial=1))[:-1]

    def digest(self, skip_lines: frozenset[int] = frozenset()) -> str:
        """Hash of the words, leaving out `skip_lines`; empty for a text with no words."""
        kept = [w for w, line in zip(self.words, self.lines, strict=True) if line not in skip_lines]
        return hashlib.sha256(" ".join(kept).encode()).hexdigest() if kept else ""

    def phrase_at(self, word: int, phrase_text: str, length: int) -> bool:
        """Whether the `length` words from `word` on are `phrase_text`."""
        start = self._starts[word]
        return self.joined.startswith(phrase_text, start) and self.joined[start + len(phrase_text)] == " " \
            if word + length <= len(self.words) else False

    def find(self, phrase_text: str, start_word: int = 0, end_word: int | None = None) -> int | None:
        """Index of the first word of `phrase_text` at or after `start_word`, ending before `end_word`."""
        if not phrase_text or start_word >= len(self._starts):
            return None
        lo = self._starts[start_word] - 1
        hi = len(self.joined) if end_word is None or end_word >= len(self._starts) else self._starts[end_word]
        at = self.joined.find(" " + phrase_text + " ", lo, hi)
        if at < 0:
            return None
        return bisect.bisect_left(self._starts, at + 1)
