"""Checks on what the repo derives from."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.facts.license_ids import spdx_for_key
from auditor.facts.lineage import architecture_group, family_by_id, readme_names_family
from auditor.model import Candidate, Evidence, Facts, Finding, RuleInfo


def _declared(facts: Facts, candidate: Candidate) -> bool:
    declared = {repo.lower() for repo in facts.card.base_model}
    if candidate.upstream and candidate.upstream.lower() in declared:
        return True
    family = family_by_id(candidate.family) if candidate.family else None
    if family is None:
        return False
    if declared & {repo.lower() for checkpoint in family.checkpoints for repo in checkpoint.repos}:
        return True
    return readme_names_family(facts.readme_text, family)


def undisclosed_base_model(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    threshold = float(rule.params.get("min_confidence", 0.8))
    # Checkpoints that share an architecture and sizes (DeepSeek-V3 and R1, Llama 3.1 and 3.3 70B)
    # are one question: a declared one answers it, else they are one finding with alternatives.
    groups: dict[frozenset[str] | str, list[Candidate]] = {}
    for candidate in facts.lineage:
        groups.setdefault(architecture_group(candidate), []).append(candidate)
    for members in groups.values():
        if any(_declared(facts, c) or any(e.source in ("card", "adapter_config") for e, _w in c.evidence)
               for c in members):
            continue
        group = [c for c in members if c.confidence >= threshold and c.relation != "architecture"]
        if not group:
            continue
        best = group[0]
        family_id = best.family or best.upstream or "?"
        options = "; or ".join(
            f"{c.upstream} ({spdx_for_key(c.license) if c.license else 'license unknown'})" for c in group)
        sources = sorted({e.source for c in group for e, _w in c.evidence})
        family = family_by_id(family_id)
        name = family.name if family else family_id
        yield rule.finding(
            f"The weights derive from {name} ({options}) with confidence {best.confidence:.2f} by "
            f"{' + '.join(sources)}, but the card's base_model does not declare it and the README does not "
            "name it.",
            subject=best.upstream or family_id,
            evidence=tuple(Evidence(commit=facts.target.revision, path=e.path, excerpt=f"{e.source}: {e.detail}")
                           for e, _w in best.evidence),
        )


def renamed_tensors(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    layout = facts.layout
    if layout is None or not layout.renamed:
        return
    mapping = ", ".join(f"{repo} -> {canonical}" for repo, canonical in layout.renamed)
    basis = "per-layer structure and shapes" if layout.shapes_checked else "per-layer structure"
    path = layout.sources[0] if layout.sources else None
    yield rule.finding(
        f"The tensors have the {layout.layout} layout ({basis}) under other names: {mapping}.",
        subject=layout.layout,
        evidence=tuple(Evidence(commit=facts.target.revision, path=path, excerpt=f"{repo} -> {canonical}")
                       for repo, canonical in layout.renamed),
    )


def base_model_not_confirmed(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    """A base the repo claims, whose weights the sampled comparison found no closer than chance."""
    claimed = {repo.lower() for repo in facts.card.base_model}
    for comparison in facts.weight_comparisons:
        if comparison.verdict != "independent":
            continue
        names = {comparison.candidate.lower().removeprefix("hf://").partition("@")[0]}
        if comparison.upstream:
            names.add(comparison.upstream.lower())
        if not names & claimed:
            continue
        yield rule.finding(
            f"The card declares {comparison.upstream or comparison.candidate} as its base, but the sampled "
            f"weights are no closer to it than independent models are ({comparison.reason}).",
            subject=comparison.upstream or comparison.candidate,
            evidence=(Evidence(commit=facts.target.revision, path=facts.card_path,
                               excerpt=f"weights: {comparison.verdict} ({comparison.confidence:.2f})"),),
        )
