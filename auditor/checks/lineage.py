"""Checks on what the repo derives from."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.facts.catalog import Family, family_by_id, mentions, normalise
from auditor.facts.license_ids import spdx_for_key
from auditor.facts.lineage import architecture_group
from auditor.facts.upstreams import declared, licensor_own, resolve
from auditor.model import Candidate, Evidence, Facts, Finding, RuleInfo

# What a mirror appends to the checkpoint name it re-uploads: a title made of these says nothing of
# whose model it is.
_MIRROR_SUFFIX = re.compile(r"(-(gguf|ggml|gptq|awq|exl2|mlx|onnx|fp16|bf16|fp8|int4|int8|\d+bit|q\d\w*|hf|"
                            r"quantized|mirror|copy))*$")


def _body(readme: str) -> str:
    return re.sub(r"\A\s*---.*?\n---\s*\n", "", readme, flags=re.DOTALL)


def _only_checkpoint_name(name: str, family: Family) -> bool:
    """A title that just repeats one of the family's checkpoint names (a mirror's title)."""
    stripped = _MIRROR_SUFFIX.sub("", normalise(name.strip()).strip("-"))
    return any(stripped == normalise(repo.rsplit("/", 1)[-1]) for c in family.checkpoints for repo in c.repos)


def disclosed(facts: Facts, family: Family) -> bool:
    """The card, README or model name mentions the family as a word, other than in a title that only
    repeats an upstream checkpoint's name."""
    body = _body(facts.readme_text)
    title = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
    rest = body[:title.start()] + body[title.end():] if title else body
    card = facts.card
    if mentions(rest, family) or any(mentions(text, family) for text in (*card.tags, card.license_name or "")):
        return True
    name = card.model_name or (title.group(1) if title else "")
    return bool(name) and bool(mentions(name, family)) and not _only_checkpoint_name(name, family)


def _declared_here(facts: Facts, candidate: Candidate) -> bool:
    wanted = {repo.lower() for repo in facts.card.base_model}
    if candidate.upstream and candidate.upstream.lower() in wanted:
        return True
    family = family_by_id(candidate.family)
    if family is None:
        return False
    if wanted & {repo.lower() for checkpoint in family.checkpoints for repo in checkpoint.repos}:
        return True
    return disclosed(facts, family)


def undisclosed_base_model(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    threshold = float(rule.params.get("min_confidence", 0.8))
    own = licensor_own(facts)
    # Checkpoints that share an architecture and sizes (DeepSeek-V3 and R1, Llama 3.1 and 3.3 70B)
    # are one question: a declared one answers it, else they are one finding with alternatives.
    groups: dict[frozenset[str] | str, list[Candidate]] = {}
    for candidate in facts.lineage:
        if candidate.via or candidate.family in own or (declared(candidate) and not candidate.license):
            continue  # a base's base is disclosed with it; the licensor's own models are not upstreams;
            # a declared base without a license is upstream-unresolved's to report
        groups.setdefault(architecture_group(candidate), []).append(candidate)
    for members in groups.values():
        if any(_declared_here(facts, c) or any(e.source in ("card", "adapter_config", "readme") for e, _w in c.evidence)
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


def upstream_unresolved(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    """A declared base whose license nothing resolved: named, never dropped."""
    resolution = resolve(facts)
    severity = rule.severity if facts.weights else "info"
    for candidate in resolution.unresolved:
        tried = "; ".join(f"{e.source}: {e.detail}" for e, _w in candidate.evidence)
        family = family_by_id(candidate.family)
        hints = [f"{c.upstream} ({spdx_for_key(c.license)}, confidence {c.confidence:.2f})"
                 for c in facts.lineage if c is not candidate and c.license and c.relation != "architecture"
                 and not declared(c) and (family is None or c.family == candidate.family)]
        also = f" Its configuration matches {'; '.join(hints[:3])}." if hints else ""
        what = (f"which {family.name} checkpoint it is, and so which license binds" if family
                else "its license, and whether it is itself a derivative of another model")
        redistributes = (f"the repo redistributes weights ({len(facts.weights)} file(s))" if facts.weights
                         else "the repo carries no weights")
        yield rule.finding(
            f"The declared base {candidate.upstream} could not be resolved to its terms ({tried}); "
            f"{redistributes}. A reviewer must check {what}.{also}",
            subject=candidate.upstream or "?", severity=severity,
            evidence=tuple(Evidence(commit=facts.target.revision, path=e.path, excerpt=f"{e.source}: {e.detail}")
                           for e, _w in candidate.evidence),
            remediation=f"Look up {candidate.upstream} on the Hub (its card's license: and its LICENSE; "
                        "`--lookup-bases` reads the card) and carry "
                        "its license text and notices as its terms require; if it is a derivative, its own base's "
                        "terms apply too.",
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
