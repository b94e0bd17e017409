"""What one file version says: decode it safely, then find its licenses and copyrights."""

from __future__ import annotations

from auditor.facts.copyrights import find_copyrights
from auditor.facts.licenses import identify_normalised
from auditor.facts.normalise import NormalisedText
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


def text_facts(blob: Blob) -> TextFacts:
    if blob.data is None:
        return TextFacts(unreadable=blob.unreadable or "unreadable")
    text = decode(blob.data)
    if text is None:
        return TextFacts(unreadable="binary file")
    copyrights = tuple(find_copyrights(text))
    normalised = NormalisedText(text)
    # Without copyright lines: a changed year must change neither the identification nor the digest
    # that recognises the same unidentified text elsewhere.
    digest = normalised.digest(frozenset(c.line for c in copyrights))
    return TextFacts(licenses=tuple(identify_normalised(normalised, digest)), copyrights=copyrights,
                     digest=digest, markers=markers_in(normalised))
