"""identify(text) -> [LicenseMatch]: which licenses a text holds, and on which lines.

Stages run cheapest first and stop once the text is accounted for:
1. exact: the hash of the whole normalised text (copyright lines left out) against LicenseDB;
2. phrase: titles, version and date lines, clauses and notice strings from rules/licenses/;
3. similarity: sampled word 5-grams against LicenseDB through an inverted index, on what the
   earlier stages left unclaimed.
A NOTICE bundling several licenses gives one match each, with its own line span.
"""

from __future__ import annotations

from auditor.facts.copyrights import find_copyrights
from auditor.facts.license_ids import hf_id_for_key, scancode_name, spdx_for_key
from auditor.facts.licensedb import reference_index
from auditor.facts.normalise import NormalisedText
from auditor.facts.phrases import defined_licenses, match_phrases
from auditor.model import LicenseMatch

# Phrase matches covering this share of the words leave nothing worth a similarity pass.
_COVERED = 0.9


def _name(key: str) -> str:
    info = defined_licenses().get(key)
    return info.name if info else scancode_name(key)


def _match(key: str, name: str | None, score: float, text: NormalisedText, first: int, last: int,
           matcher: str, is_notice: bool = False) -> LicenseMatch:
    return LicenseMatch(key=key, spdx=spdx_for_key(key), hf=hf_id_for_key(key), name=name or _name(key),
                        score=score, start_line=text.lines[first], end_line=text.lines[last], matcher=matcher,
                        is_notice=is_notice)


def identify(text: str) -> list[LicenseMatch]:
    normalised = NormalisedText(text)
    skip = frozenset(c.line for c in find_copyrights(text))
    return identify_normalised(normalised, normalised.digest(skip))


def identify_normalised(text: NormalisedText, digest: str) -> list[LicenseMatch]:
    """`digest` is the text's digest without copyright lines (NormalisedText.digest)."""
    if not text.words:
        return []
    index = reference_index()
    key = index.exact_match(digest)
    if key is not None:
        return [_match(key, None, 1.0, text, 0, len(text.words) - 1, "exact")]
    matches: list[tuple[int, int, LicenseMatch]] = []
    for found in match_phrases(text):
        form = found.form
        score = round(form.score * found.phrases / (2 + len(form.require)), 3)
        matches.append((found.first, found.last,
                        _match(form.license.key, form.label, score, text, found.first, found.last, "phrase",
                               is_notice=form.name == "notice")))
    claimed = sum(last - first + 1 for first, last, _m in matches)
    if claimed < _COVERED * len(text.words):
        for similar in index.similar(text):
            if any(similar.first <= last and first <= similar.last for first, last, _m in matches):
                continue
            matches.append((similar.first, similar.last,
                            _match(similar.key, None, similar.score, text, similar.first, similar.last,
                                   "similarity")))
    result = [m for _f, _l, m in matches]
    result.sort(key=lambda m: (-m.score, m.start_line, m.key))
    return result
