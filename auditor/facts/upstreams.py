"""Which upstreams' terms bind the repo: lineage candidates resolved to licenses with obligations,
and for every candidate why it binds or not (`Candidate.binds` / `why`, in the JSON).

Checkpoints that share an architecture and sizes are one question (DeepSeek-V3 under the DeepSeek
License Agreement, V3-0324 and R1 under MIT). It is settled by what the card declares, else by the
license text the repo itself carries or once carried, else by all alternatives agreeing on a
license; otherwise it stays open and is reported as such instead of guessed.

A repo published by the licensor itself is not a derivative of its own models: its Hub organisation
publishes the family, or (with no model files or weights in the repo and no declared base) its own
top-level LICENSE names the family's licensor as the copyright holder.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.facts.catalog import Family, Ships, family_by_id, find_checkpoint
from auditor.facts.lineage import architecture_group
from auditor.facts.paths import own_license_file
from auditor.facts.phrases import LicenseInfo, defined_licenses
from auditor.model import Candidate, Facts

MIN_CONFIDENCE = 0.8
_MODEL_FILES = ("config", "hyperparameters", "tensors", "tokenizer", "adapter_config", "name_or_path")
_DECLARING = ("card", "adapter_config", "readme", "name_or_path")


@dataclass(frozen=True)
class Upstream:
    candidate: Candidate
    license: LicenseInfo
    family: Family | None

    @property
    def label(self) -> str:
        return self.candidate.upstream or (self.family.name if self.family else self.license.name)

    @property
    def ships(self) -> Ships | None:
        """What the upstream's own repos ship (copyright lines, NOTICE), where the catalog records it."""
        if self.family is None:
            return None
        hit = find_checkpoint(self.candidate.checkpoint or "")
        return self.family.ships_for(hit[1] if hit else None)


@dataclass(frozen=True)
class Resolution:
    upstreams: tuple[Upstream, ...]
    open_questions: tuple[tuple[Candidate, ...], ...]  # alternatives with different licenses
    unresolved: tuple[Candidate, ...]  # declared bases whose license nothing resolved
    verdicts: tuple[tuple[Candidate, bool, str], ...]  # every candidate: binds, and why


def _sources(candidate: Candidate) -> set[str]:
    return {evidence.source for evidence, _weight in candidate.evidence}


def declared(candidate: Candidate) -> bool:
    return bool(_sources(candidate) & set(_DECLARING)) and any(
        e.source != "readme" or not e.detail.startswith("names ") for e, _w in candidate.evidence)


def licensor_own(facts: Facts) -> dict[str, str]:
    """family id -> why the repo is judged that family's licensor's own."""
    own: dict[str, str] = {}
    org = facts.target.path.split("/", 1)[0].lower() if facts.target.kind == "hub" else None
    top_holders = [(lf.path, c.statement, h.lower()) for lf in facts.license_files if own_license_file(lf.path)
                   for c in lf.facts.copyrights for h in c.holders]
    # Only a repo without model files: a derivative carries its upstream's LICENSE (with the upstream's
    # copyright line in it) as its terms require, and must not pass for the upstream itself.
    model_files = any(e.source in _MODEL_FILES for c in facts.lineage for e, _w in c.evidence)
    no_weights = not facts.weights and not facts.card.base_model and not model_files
    for candidate in facts.lineage:
        family = family_by_id(candidate.family)
        if family is None or family.id in own:
            continue
        if org and org in family.publishers:
            own[family.id] = f"the repo belongs to {org}, which publishes {family.name} itself"
            continue
        holder = (family.holder or "").lower()
        named = next(((p, s) for p, s, h in top_holders if holder and holder in h), None)
        if no_weights and named:
            own[family.id] = (f"{named[0]} names \"{named[1]}\": {family.holder}, the {family.name} licensor, holds "
                              "the repo's own license, and the repo carries no weights and declares no base model")
    return own


def _stamp(verdicts: list[tuple[Candidate, bool, str]], candidate: Candidate, binds: bool, why: str) -> None:
    verdicts.append((candidate, binds, why))


def resolve(facts: Facts) -> Resolution:
    licenses = defined_licenses()
    own = licensor_own(facts)
    verdicts: list[tuple[Candidate, bool, str]] = []
    groups: dict[frozenset[str] | str, list[Candidate]] = {}
    unresolved: list[Candidate] = []
    for candidate in facts.lineage:
        if candidate.via:
            continue  # decided with the derivative it came through
        if candidate.family in own:
            _stamp(verdicts, candidate, False, f"not a derivative: {own[candidate.family]}")
        elif candidate.relation == "architecture":
            _stamp(verdicts, candidate, False, "architecture only: the modeling code's license applies to code "
                                               "copied from it, not the weights' terms")
        elif not candidate.license or candidate.license not in licenses:
            if declared(candidate):
                unresolved.append(candidate)
                what = ("no license resolved" if not candidate.license
                        else f"its license {candidate.license} has no obligations on file")
                _stamp(verdicts, candidate, False, f"declared, but {what}: reported as upstream-unresolved")
            else:
                _stamp(verdicts, candidate, False, "no license known for it")
        elif candidate.confidence < MIN_CONFIDENCE:
            _stamp(verdicts, candidate, False,
                   f"confidence {candidate.confidence:.2f} is below {MIN_CONFIDENCE}: a possibility, not a finding")
        else:
            groups.setdefault(architecture_group(candidate), []).append(candidate)
    chosen: list[Candidate] = []
    open_questions = []
    for members in groups.values():
        declared_members = [c for c in members if declared(c)]
        carried = [c for c in members if "license" in _sources(c)]
        if declared_members:
            picked, why = declared_members, "declared by the repo"
        elif carried:
            picked, why = carried[:1], "matches, and the repo carries or carried its license text"
        elif len({c.license for c in members}) == 1:
            picked, why = members[:1], f"matches with confidence {members[0].confidence:.2f}"
            if len(members) > 1:
                why += "; the checkpoints sharing its configuration are under the same license"
        else:
            open_questions.append(tuple(members))
            for c in members:
                _stamp(verdicts, c, False, "matches checkpoints under different licenses; nothing in the repo "
                                           "settles which (reported as info)")
            continue
        chosen.extend(picked)
        for c in members:
            if c in picked:
                _stamp(verdicts, c, True, why)
            else:
                _stamp(verdicts, c, False, f"same configuration as {picked[0].upstream}, which the repo settles on")
    # The bases of catalogued derivatives bind with them.
    for candidate in facts.lineage:
        if not candidate.via:
            continue
        parent = next((c for c in chosen if c.checkpoint == candidate.via), None)
        if parent is not None and candidate.license in licenses and candidate.family not in own:
            chosen.append(candidate)
            _stamp(verdicts, candidate, True, f"the base of {candidate.via}, whose terms bind: its own terms "
                                              "travel with it")
        else:
            _stamp(verdicts, candidate, False, f"the base of {candidate.via}, which does not bind")
    upstreams = tuple(Upstream(c, licenses[c.license], family_by_id(c.family))
                      for c in chosen if c.license in licenses)
    order = {id(c): i for i, c in enumerate(facts.lineage)}
    return Resolution(upstreams, tuple(open_questions), tuple(unresolved),
                      tuple(sorted(verdicts, key=lambda v: order[id(v[0])])))


def stamp_verdicts(facts: Facts) -> None:
    """Record on each candidate whether it binds and why (the JSON's `binds` and `why`), and whether
    it is an alternative nothing settles, so that reports render the resolution instead of redoing it."""
    resolution = resolve(facts)
    unsettled = {id(c) for group in resolution.open_questions for c in group}
    for candidate, binds, why in resolution.verdicts:
        candidate.binds, candidate.why, candidate.unsettled = binds, why, id(candidate) in unsettled

