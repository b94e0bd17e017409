"""A weight comparison as lineage evidence: the strongest kind there is, since names, config and
tokenizer can all be changed cheaply and the weights cannot."""

from __future__ import annotations

from auditor.model import Candidate, Clue, WeightComparison
from auditor.provenance.compare import Comparison

RELATED = ("copy", "derived")


def apply_comparison(lineage: list[Candidate], comparison: Comparison,
                     identity: Candidate | None) -> tuple[list[Candidate], WeightComparison]:
    """The lineage with the comparison's evidence added, best first, and the comparison's record.

    `identity` is what the candidate model itself is (a catalogued checkpoint, or what its own audit
    infers); without one, the candidate is named as given."""
    upstream = identity.upstream if identity else None
    record = WeightComparison(comparison.candidate, upstream, comparison.verdict,
                              comparison.confidence, comparison.reason)
    if comparison.verdict not in RELATED:
        return lineage, record
    name = upstream or comparison.candidate
    clue = Clue("weights", None, f"{comparison.verdict} ({comparison.confidence:.2f}) against "
                                 f"{comparison.candidate}: {comparison.reason}")
    match = next((c for c in lineage if c.upstream and c.upstream.lower() == name.lower()), None)
    if match is None:
        match = Candidate(name, identity.family if identity else None, "finetune",
                          identity.license_ref if identity else None, order=-2)
        lineage = [match, *lineage]
    match.add(clue, comparison.confidence)
    lineage = sorted(lineage, key=lambda c: (-c.confidence, c.order, c.upstream or "", c.family or ""))
    return lineage, record
