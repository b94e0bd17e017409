"""identify(text) -> [LicenseMatch]: which licenses a text holds, and on which lines.

Stages:
1. exact: the hash of the whole normalised text (copyright lines left out) against LicenseDB's texts
   and ScanCode's longer rules;
2. phrase: titles, version and date lines, clauses and notice strings from rules/licenses/, for the
   licenses LicenseDB has no text for and for telling its relatives apart (Llama 3.1/3.2/3.3);
3. similarity: sampled word 5-grams against LicenseDB through an inverted index. A phrase match of
   a license LicenseDB has a text for must agree with it: a closer text of another key wins;
4. rule: ScanCode's short notices, references and tags, found whole, where nothing above claimed (a
   name or tag just above a similarity span is that text's title).
Below CONFIDENT a similarity candidate is never named as the license: it is reported as the
closest one ("unknown license text, closest X"). A candidate whose deciding phrases (Affero,
Lesser, NonCommercial, the version in its title) are missing from the text is not that license.
A NOTICE bundling several licenses gives one match each, with its own line span.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.facts.copyrights import find_copyrights
from auditor.facts.license_ids import hf_id_for_key, scancode_name, spdx_for_key
from auditor.facts.licensedb import SHINGLE, SimilarMatch, reference_index
from auditor.facts.normalise import NormalisedText
from auditor.facts.phrases import defined_licenses, match_phrases
from auditor.model import LicenseMatch

# The similarity score from which a text is named as the license. benchmarks/identify_licensedb.py
# measures it: no wrong license was named above it on LicenseDB in four forms.
CONFIDENT = 0.8
# Candidates are gathered from here on, to say which license an unknown text is closest to.
_CLOSEST = 0.5
_RIVAL_COVER = 0.8
_TITLE_REACH = 40  # words before a similarity span where its title may stand


@dataclass(frozen=True)
class Identified:
    licenses: tuple[LicenseMatch, ...]
    closest: LicenseMatch | None  # best candidate below CONFIDENT, where nothing else covers it


def license_name(key: str) -> str:
    """How a reader names a license: the rules' own name, else its SPDX id."""
    info = defined_licenses().get(key)
    return info.name if info else scancode_name(key)


def _match(key: str, name: str | None, score: float, text: NormalisedText, first: int, last: int,
           matcher: str, form: str = "text") -> LicenseMatch:
    return LicenseMatch(key=key, spdx=spdx_for_key(key), hf=hf_id_for_key(key), name=name or license_name(key),
                        score=score, start_line=text.lines[first], end_line=text.lines[last], matcher=matcher,
                        form=form)


def _overlaps(first: int, last: int, spans: list[tuple[int, int, LicenseMatch]]) -> bool:
    return any(first <= t_last and t_first <= last for t_first, t_last, _m in spans)


def _decided(text: NormalisedText, candidate: SimilarMatch) -> bool:
    """The span holds every phrase that sets the candidate apart from its relatives. The span runs
    from the first sampled shingle, so the title above it is looked at too."""
    span = " " + " ".join(text.words[max(0, candidate.first - _TITLE_REACH):candidate.last + 1]) + " "
    return all(f" {phrase} " in span for phrase in candidate.deciding)


def identify(text: str) -> list[LicenseMatch]:
    normalised = NormalisedText(text)
    skip = frozenset(c.line for c in find_copyrights(text))
    return list(identify_normalised(normalised, normalised.digest(skip)).licenses)


def identify_normalised(text: NormalisedText, digest: str) -> Identified:
    """`digest` is the text's digest without copyright lines (NormalisedText.digest)."""
    if not text.words:
        return Identified((), None)
    index = reference_index()
    exact = index.exact_match(digest)
    if exact is not None:
        key, form = exact
        return Identified((_match(key, None, 1.0, text, 0, len(text.words) - 1, "exact", form),), None)
    similar = [c for c in index.similar(text, threshold=_CLOSEST) if _decided(text, c)]
    confident = [c for c in similar if c.score >= CONFIDENT]
    taken: list[tuple[int, int, LicenseMatch]] = []
    for found in match_phrases(text):
        form = found.form
        key = form.license.key
        if form.name == "text" and key in index.with_text:
            # LicenseDB has this license's text: the phrases stand unless another text, covering
            # most of the span, is closer (a shorter license inside it does not overturn them).
            size = found.last - found.first + 1
            rivals = [c for c in confident
                      if min(c.last, found.last) - max(c.first, found.first) + 1 >= _RIVAL_COVER * size]
            if rivals and rivals[0].key != key:
                continue
        score = round(form.score * found.phrases / (2 + len(form.require)), 3)
        taken.append((found.first, found.last,
                      _match(key, form.label, score, text, found.first, found.last, "phrase", form.name)))
    for candidate in confident:
        if not _overlaps(candidate.first, candidate.last, taken):
            taken.append((candidate.first, candidate.last,
                          _match(candidate.key, None, candidate.score, text, candidate.first, candidate.last,
                                 "similarity", candidate.form)))
    # A similarity span runs from its first sampled shingle to its last, a few words inside the text
    # it found; a name or tag just before it is that text's own title or heading, not another license.
    titled = [(max(0, first - _TITLE_REACH), last + SHINGLE, m) for first, last, m in taken
              if m.form == "text" and m.matcher == "similarity"]
    for hit in index.short_rules(text):
        if hit.form == "reference" and _overlaps(hit.first, hit.last, titled):
            continue
        if not _overlaps(hit.first, hit.last, taken):
            taken.append((hit.first, hit.last, _match(hit.key, None, 1.0, text, hit.first, hit.last, "rule",
                                                      hit.form)))
    closest = next((c for c in similar if c.score < CONFIDENT and not _overlaps(c.first, c.last, taken)), None)
    result = sorted((m for _f, _l, m in taken), key=lambda m: (m.form != "text", -m.score, m.start_line, m.key))
    return Identified(tuple(result), closest and _match(closest.key, None, closest.score, text, closest.first,
                                                        closest.last, "similarity", closest.form))
