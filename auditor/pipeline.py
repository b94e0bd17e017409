"""audit(target, options) -> Audit: the one place where source, facts, rules and checks meet."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from auditor import __version__
from auditor.engine import load_rules, run_checks
from auditor.errors import AuditorError
from auditor.facts.card import card_from_blob
from auditor.facts.catalog import find_checkpoint
from auditor.facts.datasets import MAX_DATASETS, CardLookup, read_datasets
from auditor.facts.layout import best_layout, structure
from auditor.facts.license_ids import hf_licenses
from auditor.facts.licensedb import data_version
from auditor.facts.lineage import add_evidence, infer_lineage, license_ref
from auditor.facts.model_files import read_model_files
from auditor.facts.paths import CARD, CODE, path_rules
from auditor.facts.repo_kind import judge_repo_kind
from auditor.facts.text import header_facts, text_facts
from auditor.facts.timeline import build_timeline
from auditor.facts.upstreams import MIN_CONFIDENCE, declared, stamp_verdicts
from auditor.locations import locate
from auditor.model import Audit, Candidate, Card, Commit, Facts, LicenseFile, Target, TextFacts
from auditor.safeload import UnsafeDocument, read_capped
from auditor.sources.base import Blob, Change, History
from auditor.sources.history_cache import HistoryCache, cache_usable, extend, without_head
from auditor.sources.local import SYMLINK_MODE, FolderSource, GitSource, open_local
from auditor.sources.staged import pending_commit
from auditor.waivers import REPO_FILE, apply_waivers, parse_waivers, unused_waivers

if TYPE_CHECKING:
    from auditor.sources.hub import HubSource
# The Hub modules (huggingface_hub, httpx) are imported only by audits that go to the Hub: a local scan,
# such as a pre-commit hook's, does not pay their start-up.


@dataclass(frozen=True)
class Options:
    revision: str | None = None
    rule_dirs: tuple[Path, ...] = ()
    fail_on: str = "error"
    waivers: Path | None = None  # in addition to the repo's own .auditor.yaml
    offline: bool = False  # hf:// targets: use only the cache
    lookup_bases: bool = False  # read cards on the Hub for what the repo names (datasets), also for local targets
    today: datetime.date | None = None  # for waiver expiry; default: today in UTC
    progress: Callable[[int], None] | None = None  # called with the number of commits read so far
    staged: bool = False  # audit the commit being made (HEAD plus the staged index) instead of a revision
    compare_with: tuple[str, ...] = ()  # candidate bases whose sampled weights are compared (provenance)
    timeout: float | None = None  # hf:// targets: seconds per connect / read (default HF_HUB_DOWNLOAD_TIMEOUT or 10)


def audit(target: str, options: Options = Options()) -> Audit:
    rules = load_rules(options.rule_dirs)
    waivers = []
    if options.waivers is not None:
        try:
            raw = read_capped(options.waivers)
        except UnsafeDocument as exc:
            raise AuditorError(f"cannot read --waivers {options.waivers}: {exc}") from exc
        waivers += parse_waivers(raw, str(options.waivers))
    if options.staged and (options.revision or target.startswith("hf://")):
        raise AuditorError("--staged audits a local working tree's next commit: not with --revision or hf://")
    if target.startswith("hf://"):
        from auditor.sources.hub import HubSource

        source: GitSource | FolderSource | HubSource = HubSource(target, options.revision, options.offline,
                                                                options.timeout)
    else:
        source = open_local(Path(target), options.revision)
        if options.staged:
            if not isinstance(source, GitSource):
                raise AuditorError(f"--staged needs a git working tree; {target} is not one")
            source.close()
            source = GitSource(Path(target), pending_commit(Path(target)))
    try:
        if isinstance(source, FolderSource):
            facts = _folder_facts(source)
        else:
            facts = _git_facts(source, options.progress, _cache_key(rules.digest), options.staged)
        looking = target.startswith("hf://") or options.lookup_bases
        lookup = None
        if looking:
            from auditor.sources.dataset_cards import HubDatasetCards, HubModelCards

            lookup = HubDatasetCards(options.offline)
        facts = _with_datasets(facts, source, lookup)
        if looking:
            _with_base_cards(facts, HubModelCards(options.offline))
        repo_waivers = source.read_root_file(REPO_FILE)
        if isinstance(source, GitSource) and source.problems:
            # Objects git could not hand over (a partial clone, corruption): what they held is unaudited.
            facts = replace(facts, target=replace(facts.target, history_complete=False),
                            notes=(*facts.notes, *source.problems))
        if not isinstance(source, FolderSource) and source.notes:
            facts = replace(facts, notes=(*facts.notes, *source.notes))
    finally:
        source.close()
    if options.compare_with:
        facts = _with_weight_evidence(facts, target, options)
        stamp_verdicts(facts)  # weight evidence can change what binds
    if repo_waivers is not None:
        # The audited repo's own file must not stop an audit of it: a broken one is noted and ignored.
        try:
            waivers += parse_waivers(repo_waivers, REPO_FILE)
        except AuditorError as exc:
            facts = replace(facts, notes=(*facts.notes, f"{exc}; its waivers were not applied"))
    today = options.today or datetime.datetime.now(datetime.timezone.utc).date()
    findings = locate(apply_waivers(run_checks(rules, facts), waivers, today), facts)
    if unused := unused_waivers(findings, waivers):
        facts = replace(facts, notes=(*facts.notes, *unused))
    return Audit(tool_version=__version__, rules_digest=rules.digest, facts=facts, findings=findings,
                 fail_on=options.fail_on, rules=rules.rules, licensedb_version=data_version())


def _with_base_cards(facts: Facts, lookup: CardLookup) -> None:
    """A declared base the catalog cannot resolve, resolved by its own card on the Hub (read once and
    cached like other Hub reads); the card's license becomes the candidate's, with it as evidence."""
    changed = False
    for candidate in facts.lineage:
        if candidate.license or not candidate.upstream or "/" not in candidate.upstream or not declared(candidate):
            continue
        card = lookup(candidate.upstream)
        key = hf_licenses().get((card.license or "").lower()) if card else None
        if card is None or not key:
            continue
        candidate.license_ref = license_ref(key)
        add_evidence(candidate, "hub_card", None, f"the Hub card of {candidate.upstream} declares license: "
                     f"{card.license}")
        changed = True
    if changed:
        stamp_verdicts(facts)


def _with_datasets(facts: Facts, source: GitSource | FolderSource | HubSource, lookup: CardLookup | None) -> Facts:
    """The card's datasets with their terms; the license files are read again only when it names any."""
    if not facts.card.datasets:
        return facts
    texts = {}
    for lf in facts.license_files:
        if lf.path != facts.card_path and not lf.facts.unreadable:
            text = source.read_root_file(lf.path)
            if text is not None:
                texts[lf.path] = text
    datasets = read_datasets(facts.card, facts.card_path, facts.readme_text, texts, lookup)
    notes = facts.notes
    if len(facts.card.datasets) > MAX_DATASETS:
        notes += (f"{facts.card_path}: the card names {len(facts.card.datasets)} datasets; only the first "
                  f"{MAX_DATASETS} were audited",)
    return replace(facts, datasets=datasets, notes=notes)
def _with_weight_evidence(facts: Facts, target: str, options: Options) -> Facts:
    """Lineage evidence of kind `weights` from comparing sampled weights with each candidate base."""
    from auditor.provenance import compare_models
    from auditor.provenance.lineage import apply_comparison

    lineage = list(facts.lineage)
    records = []
    for candidate in options.compare_with:
        comparison = compare_models(target, candidate)
        lineage, record = apply_comparison(lineage, comparison, _identity(candidate, options))
        records.append(record)
    return replace(facts, lineage=tuple(lineage), weight_comparisons=tuple(records))


def _identity(candidate: str, options: Options) -> Candidate | None:
    """Which upstream a candidate base is: a catalogued checkpoint by its Hub id, else the best
    upstream its own audit infers (a base's config and card resolve to its catalog entry)."""
    if candidate.startswith("hf://"):
        from auditor.sources.hub import parse_target

        repo_id, _revision = parse_target(candidate)
        if found := find_checkpoint(repo_id):
            family, checkpoint = found
            return Candidate(repo_id, family.id, "finetune", license_ref(checkpoint.license))
    own = audit(candidate, Options(offline=options.offline, today=options.today, timeout=options.timeout)).facts
    return next((c for c in own.lineage if c.confidence >= MIN_CONFIDENCE and c.relation != "architecture"), None)


def _with_lineage(facts: Facts, source: GitSource | FolderSource | HubSource,
                  license_keys: frozenset[str], weights_in_history: bool = False) -> Facts:
    files = read_model_files(source)
    target = replace(facts.target, repo_kind=judge_repo_kind(facts.card, files, weights_in_history))
    found = structure(files.tensors.names)
    layout = best_layout(found, files.config, files.architectures) if found else None
    if layout is not None:
        layout = replace(layout, sources=files.tensors.sources)
    keys = license_keys | {m.key for lf in facts.license_files for m in lf.facts.licenses if m.form == "text"}
    lineage = infer_lineage(facts.card, facts.card_path, facts.readme_text, files, found, layout, keys)
    paths = files.paths | {lf.path for lf in facts.license_files} | ({facts.card_path} if facts.card_path else set())
    facts = replace(facts, target=target, lineage=tuple(lineage), layout=layout, notes=files.notes,
                    paths=frozenset(paths), architectures=files.architectures, weights=files.weights)
    stamp_verdicts(facts)
    return facts


def _cache_key(rules_digest: str) -> str:
    """What cached history facts depend on: the tool (its version and code) and the rules."""
    code = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for file in sorted(package.rglob("*.py")):
        code.update(file.relative_to(package).as_posix().encode() + b"\0" + file.read_bytes())
    return f"{__version__}:{rules_digest}:{code.hexdigest()[:16]}"


def _cached_history(source: GitSource, progress: Callable[[int], None] | None,
                    store: HistoryCache) -> tuple[History, dict[str, TextFacts], str | None]:
    """The history, reading only the commits after the newest cached one on its first-parent chain."""
    history = source.history(progress, stop_at=store.heads())
    if history.resumed_from is None:
        return history, {}, None
    loaded = store.load(history.resumed_from)
    if loaded is None or not loaded[0].complete:
        return source.history(progress), {}, history.resumed_from  # the bad entry is replaced
    cached, facts = loaded
    return extend(cached, history), facts, history.resumed_from


def _git_facts(source: GitSource | HubSource, progress: Callable[[int], None] | None, cache_key: str,
               pending: bool = False) -> Facts:
    """A source with history: a local git repo or the Hub. `pending`: the head is the commit being
    made (--staged)."""
    store = None
    if isinstance(source, GitSource) and cache_usable():
        # Per repository too: another clone of the same commits may be shallow, grafted or missing objects.
        store = HistoryCache(f"{cache_key}:{Path(source.path).resolve()}")
    if store is not None:
        history, cache, superseded = _cached_history(source, progress, store)
    else:
        history, cache, superseded = source.history(progress), {}, None

    def read_blob(commit: Commit, change: Change) -> Blob:
        return source.read(commit.sha, change.path, change.new_mode, change.new_blob)

    def facts_at(commit: Commit, change: Change, blob: Blob | None) -> TextFacts:
        analyse = header_facts if change.kind == CODE else text_facts
        # A link's target depends on the commit, so only plain blobs are cached by id.
        if change.new_mode == SYMLINK_MODE:
            return analyse(blob or read_blob(commit, change))
        key = f"{change.kind}:{change.new_blob}"
        if key not in cache:
            cache[key] = analyse(blob or read_blob(commit, change))
        return cache[key]

    timeline = build_timeline(history, read_blob, facts_at)
    if store is not None and history.complete:
        if not pending:
            store.save(history, cache, superseded)
        elif (below := without_head(history)) is not None:
            # The next hook run resumes from HEAD; the pending commit itself is never an ancestor.
            store.save(below, cache, superseded)
    target = Target(kind=source.kind, path=source.path, revision=source.revision,
                    commits_scanned=history.total, history_complete=history.complete,
                    history_boundary=history.boundary,
                    revision_date=history.head.date if history.head else None)
    facts = Facts(target=target, card=timeline.card, card_path=timeline.card_path,
                  license_files=timeline.license_files, timeline=timeline.events, gaps=timeline.gaps,
                  readme_text=timeline.card_text, readme_facts=timeline.readme_facts,
                  header_losses=timeline.header_losses, unmarked_changes=timeline.unmarked_changes,
                  code_files=timeline.code_headers, declarations=timeline.declarations)
    return _with_lineage(facts, source, timeline.license_keys_seen, timeline.weights_seen)


def _folder_facts(source: FolderSource) -> Facts:
    license_files = []
    card, card_path, readme_text, readme_facts = Card(), None, "", None
    for path, kind in source.files():
        blob = source.read(path)
        facts = text_facts(blob)
        if kind != CARD and not path_rules().is_license(path, facts):
            continue
        if kind == CARD:
            card, readme_text = card_from_blob(blob)
            card_path, readme_facts = path, facts
            if not facts.has_license_text:
                continue  # the README counts as a license file only where it holds a license text
        license_files.append(LicenseFile(path, facts))
    target = Target(kind="folder", path=source.path, revision=None, commits_scanned=0, history_complete=False)
    facts = Facts(target=target, card=card, card_path=card_path, license_files=tuple(license_files),
                  timeline=(), gaps=(), readme_text=readme_text, readme_facts=readme_facts)
    return _with_lineage(facts, source, frozenset())
