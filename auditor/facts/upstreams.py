"""Which upstreams' terms bind the repo: lineage candidates resolved to licenses with obligations.

Checkpoints that share an architecture and sizes are one question (DeepSeek-V3 under the DeepSeek
License Agreement, V3-0324 and R1 under MIT). It is settled by what the card declares, else by the
license text the repo itself carries or once carried, else by all alternatives agreeing on a
license; otherwise it stays open and is reported as such instead of guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.facts.lineage import Family, architecture_group, family_by_id
from auditor.facts.phrases import LicenseInfo, defined_licenses
from auditor.model import Candidate

MIN_CONFIDENCE = 0.8
_DECLARING = ("card", "adapter_config", "readme")


@dataclass(frozen=True)
class Upstream:
    candidate: Candidate
    license: LicenseInfo
    family: Family | None

    @property
    def label(self) -> str:
        return self.candidate.upstream or (self.family.name if self.family else self.license.name)


@dataclass(frozen=True)
class Resolution:
    upstreams: tuple[Upstream, ...]
    open_questions: tuple[tuple[Candidate, ...], ...]  # alternatives with different licenses


def _sources(candidate: Candidate) -> set[str]:
    return {evidence.source for evidence, _weight in candidate.evidence}


def resolve(lineage: tuple[Candidate, ...]) -> Resolution:
    licenses = defined_licenses()
    groups: dict[frozenset[str] | str, list[Candidate]] = {}
    for candidate in lineage:
        if candidate.relation == "architecture" or candidate.confidence < MIN_CONFIDENCE or not candidate.license:
            continue
        groups.setdefault(architecture_group(candidate), []).append(candidate)
    chosen: list[Candidate] = []
    open_questions = []
    for members in groups.values():
        declared = [c for c in members if _sources(c) & set(_DECLARING)]
        carried = [c for c in members if "license" in _sources(c)]
        if declared:
            chosen.extend(declared)
        elif carried:
            chosen.append(carried[0])
        elif len({c.license for c in members}) == 1:
            chosen.append(members[0])
        else:
            open_questions.append(tuple(members))
    upstreams = tuple(
        Upstream(c, licenses[c.license], family_by_id(c.family) if c.family else None)
        for c in chosen if c.license in licenses)
    return Resolution(upstreams, tuple(open_questions))
