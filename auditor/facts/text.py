"""What one file version says: decode it safely, then find its licenses and copyrights."""

from __future__ import annotations

import re
import zlib
from dataclasses import replace

from auditor.facts.boilerplate import attributions
from auditor.facts.copyrights import find_copyrights
from auditor.facts.license_like import reads_as_license
from auditor.facts.licenses import identify_normalised
from auditor.facts.normalise import NormalisedText, git_lines
from auditor.facts.phrases import markers_in
from auditor.model import TextFacts
from auditor.sources.base import Blob


def decode(data: bytes) -> str | None:
    """Text, or None for binary content (NUL bytes or mostly undecodable)."""
    head = data[:8192]
    if b"\0" in head:
        return None
    text = data.decode("utf-8", "replace")
    if text and text[:8192].count("\ufffd") > len(text[:8192]) // 10:
        return None
    return text.removeprefix("\ufeff")


def _readable(blob: Blob) -> str | TextFacts:
    """The text, or the facts of a blob that cannot be read as text."""
    if blob.data is None:
        return TextFacts(unreadable=blob.unreadable or "unreadable")
    text = decode(blob.data)
    return TextFacts(unreadable="binary file") if text is None else text


EXCERPT_LINES = 3
EXCERPT_WIDTH = 160


def excerpt(lines: list[str], start: int) -> str:
    """Up to EXCERPT_LINES lines from line `start` (1-based), each cut at EXCERPT_WIDTH characters,
    trailing blank lines dropped: enough of a text for a reader to recognise it."""
    cut = [line.rstrip()[:EXCERPT_WIDTH] for line in lines[max(start - 1, 0):start - 1 + EXCERPT_LINES]]
    while cut and not cut[-1]:
        cut.pop()
    return "\n".join(cut)


_SHINGLE = 4
_SAMPLE = 4  # keep one shingle hash in four: enough to compare texts, small to cache


def fingerprint(normalised: NormalisedText, skip_lines: frozenset[int]) -> tuple[int, ...]:
    """Sampled crc32 hashes of the word 4-grams outside `skip_lines` (stable across runs, unlike hash())."""
    words = [w for w, line in zip(normalised.words, normalised.lines, strict=True) if line not in skip_lines]
    hashes = {zlib.crc32(" ".join(words[i:i + _SHINGLE]).encode()) for i in range(max(len(words) - _SHINGLE + 1, 0))}
    return tuple(sorted(h for h in hashes if h % _SAMPLE == 0))


def _analyse(text: str) -> tuple[TextFacts, NormalisedText]:
    copyrights = tuple(find_copyrights(text))
    normalised = NormalisedText(text)
    # Without copyright lines: a changed year must change neither the identification nor the digest
    # that recognises the same unidentified text elsewhere.
    skip = frozenset(c.line for c in copyrights)
    digest = normalised.digest(skip)
    identified = identify_normalised(normalised, digest)
    lines = git_lines(text)
    licenses = tuple(replace(m, excerpt=excerpt(lines, m.start_line)) for m in identified.licenses)
    facts = TextFacts(licenses=licenses, closest=identified.closest,
                      copyrights=attributions(copyrights, licenses, lines),
                      digest=digest,
                      # Only unidentified texts are tracked by their fingerprint (timeline.items_of):
                      # the rest are spared the hashing of every 4-gram.
                      fingerprint=() if licenses else fingerprint(normalised, skip))
    return facts, normalised


def text_facts(blob: Blob) -> TextFacts:
    text = _readable(blob)
    if isinstance(text, TextFacts):
        return text
    facts, normalised = _analyse(text)
    # Only a text nothing identified can be an unrecognised license.
    license_like = not facts.licenses and reads_as_license(text, normalised)
    return replace(facts, markers=markers_in(normalised), license_like=license_like)


HEADER_LINES = 60  # a copyright and license header sits at the top of a source file
_CHANGE_NOTICE = re.compile(r"\b(modified|modifications|changes|changed)\b", re.IGNORECASE)


def header_facts(blob: Blob) -> TextFacts:
    """The copyright and license header of a source file; `markers` holds "change-notice" when the
    header says the file was modified (Apache-2.0 4(b))."""
    text = _readable(blob)
    if isinstance(text, TextFacts):
        return text
    header = "\n".join(git_lines(text)[:HEADER_LINES])
    facts, _normalised = _analyse(header)
    return replace(facts, markers=frozenset({"change-notice"}) if _CHANGE_NOTICE.search(header) else frozenset())
