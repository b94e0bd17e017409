"""The audit's data: facts read from a repo, findings judged from them, and the versioned JSON form.

Every `to_dict` emits keys in a fixed order; together with sorted inputs this keeps the
`model-audit/1` JSON byte-identical for the same repo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA = "model-audit/1"
SEVERITIES = ("error", "warning", "info")
USE_POLICY = "use-policy"  # the match form of an acceptable/prohibited use policy (LicenseMatch.form)


def severity_rank(severity: str) -> int:
    """0 is the most severe."""
    return SEVERITIES.index(severity)


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # ISO 8601, UTC
    timestamp: int
    author: str
    title: str


@dataclass(frozen=True)
class LicenseMatch:
    key: str  # ScanCode license key, or the project's own (rules/licenses/) where ScanCode has none
    spdx: str  # SPDX id, LicenseRef-scancode-<key>, or LicenseRef-model-license-auditor-<key>
    hf: str | None  # the Hugging Face license id, where the Hub has one
    name: str
    score: float
    start_line: int
    end_line: int
    matcher: str  # exact | phrase | rule | similarity
    # text: the license itself; notice: a notice or header that applies it ("Licensed under ..."), or
    # the attribution notice it requires; reference: a mere mention (a tag, an id, a URL);
    # use-policy: the acceptable/prohibited use policy that belongs to license `key`'s family
    form: str = "text"
    # The first lines of the match as the file has them, from start_line on: what a report quotes.
    excerpt: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "spdx": self.spdx,
            "key": self.key,
            "hf": self.hf,
            "name": self.name,
            "score": self.score,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "matcher": self.matcher,
            "form": self.form,
        }


@dataclass(frozen=True)
class Copyright:
    statement: str
    holders: tuple[str, ...]
    years: tuple[str, ...]
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "statement": self.statement,
            "holders": list(self.holders),
            "years": list(self.years),
            "line": self.line,
        }


@dataclass(frozen=True)
class TextFacts:
    """What one version of a license-relevant file says."""

    licenses: tuple[LicenseMatch, ...] = ()
    copyrights: tuple[Copyright, ...] = ()
    unreadable: str | None = None  # why the text was not examined (binary, too large, link outside repo)
    digest: str = ""  # hash of the normalised text, to recognise the same unidentified text elsewhere
    markers: frozenset[str] = frozenset()  # obligation markers found (use-policy references, "Built with")
    # Sampled hashes of the text's word shingles (copyright lines left out): an edited unidentified
    # text stays the same text when most of them survive. Empty where a license is identified.
    fingerprint: tuple[int, ...] = ()
    # Below the confidence at which a name is given: the nearest license, never reported as the license.
    closest: LicenseMatch | None = None
    license_like: bool = False  # reads as a license or agreement (grant, conditions, disclaimer, definitions)

    @property
    def has_license_text(self) -> bool:
        """A license text, not only a notice, reference or tag naming one."""
        return any(m.form == "text" for m in self.licenses)

    @property
    def use_policies(self) -> tuple[LicenseMatch, ...]:
        """The use policies the text carries (each keyed by the license of its family)."""
        return tuple(m for m in self.licenses if m.form == USE_POLICY)

    @property
    def only_use_policy(self) -> bool:
        """A use policy and nothing else: it restricts use, it grants no license."""
        return bool(self.licenses) and all(m.form == USE_POLICY for m in self.licenses)

    @property
    def unrecognised_license(self) -> bool:
        """A license or agreement that matches nothing known: license material all the same."""
        return self.license_like and not self.licenses


@dataclass(frozen=True)
class LicenseFile:
    path: str
    facts: TextFacts

    def to_dict(self, matches_key: str = "licenses") -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            matches_key: [m.to_dict() for m in self.facts.licenses],
            "copyrights": [c.to_dict() for c in self.facts.copyrights],
        }
        if self.facts.unreadable:
            out["unreadable"] = self.facts.unreadable
        if self.facts.closest:
            out["closest"] = self.facts.closest.to_dict()
        if self.facts.unrecognised_license:
            out["unrecognised_license"] = True
        return out


@dataclass(frozen=True)
class Card:
    """The model card's front matter. `present` is False when there is no README.md."""

    present: bool = False
    license: str | None = None
    license_name: str | None = None
    license_link: str | None = None
    base_model: tuple[str, ...] = ()
    base_model_relation: str | None = None
    tags: tuple[str, ...] = ()
    error: str | None = None  # malformed front matter
    has_front_matter: bool = False
    model_name: str | None = None
    datasets: tuple[str, ...] = ()  # the card's `datasets:`, as written

    def to_dict(self) -> dict[str, Any]:
        return {
            "present": self.present,
            "license": self.license,
            "license_name": self.license_name,
            "license_link": self.license_link,
            "base_model": list(self.base_model),
            "base_model_relation": self.base_model_relation,
            "tags": list(self.tags),
            "model_name": self.model_name,
            "datasets": list(self.datasets),
            "error": self.error,
        }


@dataclass(frozen=True)
class Evidence:
    """Where a finding's fact was read. With a `line`, `excerpt` is the file's own text from that line
    on (lines split at "\n" only, as git numbers them); without one, it says what was found there."""

    commit: str | None = None
    date: str | None = None
    path: str | None = None
    line: int | None = None
    excerpt: str | None = None
    note: str | None = None  # where the excerpt was read, when not at `commit` itself (a deleted file)

    def to_dict(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "date": self.date,
            "path": self.path,
            "line": self.line,
            "excerpt": self.excerpt,
            "note": self.note,
        }


@dataclass(frozen=True)
class Location:
    """Where a finding is shown in code-scanning tools: a file at the audited revision and a line."""

    path: str
    line: int

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line}


@dataclass(frozen=True)
class Waiver:
    """An accepted finding's waiver, as it applied to this audit."""

    reason: str
    comment: str
    expires: str | None
    expired: bool
    source: str  # the waivers file it came from

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "comment": self.comment, "expires": self.expires,
                "expired": self.expired, "source": self.source}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    subject: str
    evidence: tuple[Evidence, ...] = ()
    remediation: str = ""
    references: tuple[str, ...] = ()
    waiver: Waiver | None = None
    location: Location | None = None  # set by auditor.locations after the checks

    @property
    def waived(self) -> bool:
        return self.waiver is not None and not self.waiver.expired

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "subject": self.subject,
            "evidence": [e.to_dict() for e in self.evidence],
            "remediation": self.remediation,
            "references": list(self.references),
            "waiver": self.waiver.to_dict() if self.waiver else None,
            "location": self.location.to_dict() if self.location else None,
        }


# What happened to the license terms in an event (TimelineEvent.event).
EVENT_KINDS = ("added", "removed", "modified", "replaced", "moved", "restored")


@dataclass(frozen=True)
class TimelineEvent:
    commit: Commit
    path: str
    change: str  # what happened to the file: added | deleted | modified | moved | card-license-changed
    licenses_before: tuple[str, ...]
    licenses_after: tuple[str, ...]
    event: str = "modified"  # one of EVENT_KINDS
    from_path: str | None = None  # a move's old path
    line: int | None = None  # the line the event is about (for a removal: in the version before)
    previous: Commit | None = None  # restored: where it was removed; replaced: where the old terms came in

    def to_dict(self) -> dict[str, Any]:
        return {
            "commit": self.commit.sha,
            "date": self.commit.date,
            "author": self.commit.author,
            "title": self.commit.title,
            "path": self.path,
            "change": self.change,
            "licenses_before": list(self.licenses_before),
            "licenses_after": list(self.licenses_after),
            "event": self.event,
            "from_path": self.from_path,
            "line": self.line,
            "previous_commit": self.previous.sha if self.previous else None,
        }


@dataclass(frozen=True)
class Item:
    """One piece of attribution whose presence is tracked across history."""

    kind: str  # license | notice | policy | copyright | text | document
    # license, notice and policy (a use policy): license key; copyright: the holder's identity; text
    # and document (an unidentified text, a binary license file): an identity kept across edits
    value: str
    label: str = field(compare=False, hash=False)  # how a person would name it


@dataclass(frozen=True)
class Sighting:
    """Where an item was seen: the commit, file and line."""

    commit: Commit
    ordinal: int  # position on the first-parent chain, 0 = oldest scanned commit
    path: str
    line: int | None
    excerpt: str | None


@dataclass(frozen=True)
class WeightUpload:
    commit: Commit
    paths: tuple[str, ...]


@dataclass(frozen=True)
class Gap:
    """An item that left the repo at `removed` and came back at `restored` (None: still absent)."""

    item: Item
    removed: Sighting  # commit that removed it; path, line and excerpt from the version before
    restored: Sighting | None
    weight_uploads: tuple[WeightUpload, ...]  # commits inside the gap that added or changed weights
    commits_in_gap: int  # revisions that lacked the item
    replaced_by: tuple[Item, ...] = ()  # license texts that took its place in the same commit and file
    since: Sighting | None = None  # where the removed item had come in
    # Commits inside the gap that added or changed modeling code (the tracked source files): code
    # published without the attribution, like weights.
    code_uploads: tuple[WeightUpload, ...] = ()


@dataclass(frozen=True)
class Declaration:
    """A stretch of history in which the card's `license:` (source "card") or the top-level LICENSE or
    COPYING files (source "file") declared one license: what revisions published in it said they were under."""

    source: str  # card | file
    key: str  # ScanCode key
    declared: str  # as written: the card's id, or the license text's name
    start: Sighting  # the commit it came in with, and its path and line there
    end: Sighting | None  # the commit that dropped it (path and line: the version before); None: still declared
    weight_uploads: tuple[WeightUpload, ...] = ()  # commits inside the window that added or changed weights
    commits: int = 0  # revisions in the window


@dataclass(frozen=True)
class HeaderLoss:
    """A source file whose copyright or license header disappeared in a commit."""

    path: str
    commit: Commit
    lost: tuple[str, ...]  # what the header said before: license names and copyright statements
    line: int | None


@dataclass(frozen=True)
class UnmarkedChange:
    """A source file with an upstream header, modified later without a change notice."""

    path: str
    commit: Commit  # the latest modification
    header: str


@dataclass(frozen=True)
class LicenseRef:
    """A license as the JSON names it: ScanCode key, SPDX id and Hugging Face id."""

    key: str
    spdx: str
    hf: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"spdx": self.spdx, "key": self.key, "hf": self.hf}


@dataclass(frozen=True)
class Clue:
    """One piece of lineage evidence: where it was read and what it says."""

    source: str  # card | readme | config | hyperparameters | tensors | tokenizer | adapter_config | code | license
    path: str | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "path": self.path, "detail": self.detail}


@dataclass
class Candidate:
    """An upstream the repo may derive from, with weighted evidence. Confidence is 1 - prod(1 - weight),
    so independent signals add up without ever reaching certainty from inference alone."""

    upstream: str | None
    family: str | None
    relation: str
    license_ref: LicenseRef | None
    evidence: list[tuple[Clue, float]] = field(default_factory=list)
    order: int = 0  # catalog position, for a stable order among equals
    checkpoint: str | None = None  # the catalogued checkpoint it resolved to, where one did
    via: str | None = None  # the catalogued derivative whose own base this is (a chain of upstreams)
    binds: bool | None = None  # set once upstreams are resolved: do its terms bind the repo
    why: str = ""  # why it binds or not, for reports
    unsettled: bool = False  # set with binds: one of checkpoints under different licenses that nothing settles

    @property
    def license(self) -> str | None:
        """The ScanCode key of the upstream's license, where known."""
        return self.license_ref.key if self.license_ref else None

    @property
    def confidence(self) -> float:
        doubt = 1.0
        for _evidence, weight in self.evidence:
            doubt *= 1.0 - weight
        return round(1.0 - doubt, 3)

    def to_dict(self) -> dict[str, Any]:
        return {
            "upstream": self.upstream, "family": self.family, "relation": self.relation,
            "license": self.license_ref.to_dict() if self.license_ref else None,
            "confidence": self.confidence, "evidence": [e.to_dict() for e, _w in self.evidence],
            "checkpoint": self.checkpoint, "via": self.via, "binds": self.binds, "why": self.why,
        }

    def add(self, clue: Clue, weight: float) -> None:
        if all(existing != clue for existing, _w in self.evidence):
            self.evidence.append((clue, weight))


@dataclass(frozen=True)
class LayoutMatch:
    """How a repo's tensors fit a known layout."""

    layout: str
    renamed: tuple[tuple[str, str], ...]  # (repo name, canonical name); empty for an exact match
    shapes_checked: bool
    sources: tuple[str, ...] = ()  # the files the tensor names came from
    top_accounted: bool = True  # the names outside the layers are the layout's, or paired with them


@dataclass(frozen=True)
class OutputTerms:
    """What the model that generated a dataset allows its outputs to be used for."""

    terms: str  # id in rules/datasets/terms.yaml `generators`
    name: str  # e.g. "OpenAI Terms of Use"
    generator: str  # the model that generated the data
    restriction: str
    clause: str
    url: str | None = None
    prefix: str | None = None  # a model trained on the outputs must begin its name with this
    exempt_families: tuple[str, ...] = ()  # lineage families the restriction does not cover
    acknowledged_in: tuple[str, ...] = ()  # files (card, NOTICE) that name these terms

    def to_dict(self) -> dict[str, Any]:
        return {"terms": self.terms, "name": self.name, "generator": self.generator,
                "restriction": self.restriction, "clause": self.clause, "url": self.url,
                "acknowledged_in": list(self.acknowledged_in)}


@dataclass(frozen=True)
class Dataset:
    """A dataset the card names, with the terms known for it."""

    name: str  # as the card's `datasets:` gives it
    catalog_id: str | None = None  # entry in rules/datasets/catalog.yaml
    title: str | None = None
    license: str | None = None  # SPDX id or LicenseRef-; None when no single license is known
    terms_from: str | None = None  # catalog | dataset-card
    source: str | None = None  # where the terms were read
    basis: str | None = None  # stored-copy | transcribed | fetched
    attribution: bool = False  # the license requires crediting the data
    non_commercial: bool = False
    share_alike: bool = False
    compatible: tuple[str, ...] = ()  # licenses a share-alike license lets adaptations take
    clause: str | None = None  # the license clause behind the flags
    credit: str | None = None  # a credit line the publisher asks for, where known
    note: str | None = None  # what a reviewer should know (mixed terms, relicensed copies)
    generated_by: tuple[OutputTerms, ...] = ()
    credited_in: tuple[str, ...] = ()  # files whose text (outside the front matter) names the dataset
    line: int | None = None  # the card line that names it

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "catalog_id": self.catalog_id, "title": self.title, "license": self.license,
            "terms_from": self.terms_from, "source": self.source, "basis": self.basis,
            "attribution": self.attribution, "non_commercial": self.non_commercial,
            "share_alike": self.share_alike, "note": self.note,
            "generated_by": [g.to_dict() for g in self.generated_by], "credited_in": list(self.credited_in),
        }


@dataclass(frozen=True)
class WeightComparison:
    """`scan --compare-with`: what the sampled weights say about one candidate base."""

    candidate: str  # as given: a path or hf:// id
    upstream: str | None  # the checkpoint the candidate is, where known
    verdict: str  # copy | derived | independent | inconclusive
    confidence: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"candidate": self.candidate, "upstream": self.upstream, "verdict": self.verdict,
                "confidence": self.confidence, "reason": self.reason}


@dataclass(frozen=True)
class RepoKind:
    """What the repo was judged to be: a model repo (card metadata rules apply) or a code repo."""

    kind: str  # model | code
    reasons: tuple[str, ...]  # what made it so

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Target:
    kind: str  # git | bare | folder | hub
    path: str
    revision: str | None
    commits_scanned: int
    history_complete: bool
    history_boundary: Commit | None = None  # oldest reachable commit when history was cut
    revision_date: str | None = None
    repo_kind: RepoKind | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            # A Hub target is named by its repo id, a local one by its path.
            "repo_id" if self.kind == "hub" else "path": self.path,
            "revision": self.revision,
            "revision_date": self.revision_date,
            "commits_scanned": self.commits_scanned,
            "history_complete": self.history_complete,
            "repo_kind": self.repo_kind.to_dict() if self.repo_kind else None,
        }


@dataclass(frozen=True)
class Facts:
    """Everything the checks may look at. Checks read this and never do I/O."""

    target: Target
    card: Card
    card_path: str | None
    license_files: tuple[LicenseFile, ...]
    timeline: tuple[TimelineEvent, ...]
    gaps: tuple[Gap, ...]
    readme_text: str = ""
    declarations: tuple[Declaration, ...] = ()  # what the card and LICENSE declared, window by window, oldest first
    readme_facts: TextFacts | None = None  # licenses, copyrights and markers in the README itself
    lineage: tuple[Candidate, ...] = ()  # best first
    layout: LayoutMatch | None = None  # how the repo's tensors fit a known layout, if any does
    notes: tuple[str, ...] = ()  # files that could not be read or used (model files, waivers), and why
    header_losses: tuple[HeaderLoss, ...] = ()
    unmarked_changes: tuple[UnmarkedChange, ...] = ()
    paths: frozenset[str] = frozenset()  # files known to exist at the revision: license files, card, model files
    datasets: tuple[Dataset, ...] = ()  # the card's `datasets:` with their terms
    weight_comparisons: tuple[WeightComparison, ...] = ()  # --compare-with, in the order given
    code_files: tuple[LicenseFile, ...] = ()  # source files carrying their own license or copyright header
    architectures: tuple[str, ...] = ()  # config.json `architectures`
    weights: tuple[str, ...] = ()  # weight files (or their LFS pointers) at the revision: the repo redistributes them


@dataclass(frozen=True)
class RuleInfo:
    id: str
    severity: str
    title: str
    description: str
    remediation: str
    references: tuple[str, ...]
    check: str
    params: dict[str, Any] = field(default_factory=dict)
    applies_to: str = "any"  # any | model: card metadata rules run on model repos only

    def finding(self, message: str, subject: str, evidence: tuple[Evidence, ...] = (),
                severity: str | None = None, clause: str | None = None, remediation: str | None = None,
                references: tuple[str, ...] | None = None) -> Finding:
        """`clause`: the license clause this finding rests on, listed before the rule's references.
        `references`: the clauses of the license actually involved, instead of the rule's examples.
        `remediation`: what to do for this finding in particular, instead of the rule's general advice."""
        if references is None:
            references = self.references
        references = (clause, *references) if clause else references
        return Finding(rule=self.id, severity=severity or self.severity, message=message, subject=subject,
                       evidence=evidence, remediation=remediation or self.remediation, references=references)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "title": self.title,
            "description": self.description,
            "remediation": self.remediation,
            "references": list(self.references),
        }


@dataclass(frozen=True)
class Audit:
    tool_version: str
    rules_digest: str
    facts: Facts
    findings: tuple[Finding, ...]
    fail_on: str
    rules: tuple[RuleInfo, ...] = ()  # the rules the audit ran, for reports that describe them
    licensedb_version: str = ""  # licensedcode-data, the reference texts the matches rest on

    def counts(self) -> dict[str, int]:
        """Findings by severity; waived ones are counted apart and do not count toward --fail-on."""
        active = [f for f in self.findings if not f.waived]
        counts = {s: sum(1 for f in active if f.severity == s) for s in SEVERITIES}
        counts["waived"] = len(self.findings) - len(active)
        return counts

    def failed(self) -> bool:
        if self.fail_on == "never":
            return False
        limit = severity_rank(self.fail_on)
        return any(severity_rank(f.severity) <= limit for f in self.findings if not f.waived)

    def to_dict(self) -> dict[str, Any]:
        facts = self.facts
        return {
            "schema": SCHEMA,
            "tool": {"name": "model-license-auditor", "version": self.tool_version,
                     "rules_digest": self.rules_digest, "licensedb_version": self.licensedb_version},
            "target": facts.target.to_dict(),
            "card": facts.card.to_dict(),
            "license_files": [lf.to_dict() for lf in facts.license_files],
            "lineage": [candidate.to_dict() for candidate in facts.lineage],
            "datasets": [d.to_dict() for d in facts.datasets],
            "weight_comparisons": [c.to_dict() for c in facts.weight_comparisons],
            "timeline": [e.to_dict() for e in facts.timeline],
            "findings": [f.to_dict() for f in self.findings],
            "notes": list(facts.notes),
            "summary": {**self.counts(), "fail_on": self.fail_on,
                        "verdict": "fail" if self.failed() else "pass"},
        }
