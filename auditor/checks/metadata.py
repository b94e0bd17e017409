"""Checks on what the repo declares at the audited revision: license files and card metadata."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.facts.card import field_line
from auditor.facts.license_ids import hf_id_for_key, hf_licenses, spdx_for_key
from auditor.facts.paths import own_license_file
from auditor.model import Evidence, Facts, Finding, RuleInfo


def _card_evidence(facts: Facts, field: str = "license") -> tuple[Evidence, ...]:
    if not facts.card_path:
        return ()
    line = field_line(facts.readme_text, field)
    excerpt = facts.readme_text.split("\n")[line - 1].strip() if line else None
    return (Evidence(commit=facts.target.revision, path=facts.card_path, line=line, excerpt=excerpt),)


def _own_license_text(facts: Facts) -> tuple[str, str] | None:
    """(path, key) of the first top-level LICENSE/COPYING file that holds an identified license text."""
    for lf in facts.license_files:
        if not own_license_file(lf.path):
            continue
        texts = [m.key for m in lf.facts.licenses if m.form == "text"]
        if texts:
            return lf.path, texts[0]
    return None


def license_missing(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    # A use policy restricts use but grants nothing: a repo that ships only one has no license.
    readable = [lf for lf in facts.license_files
                if (lf.facts.licenses or lf.facts.digest) and not lf.facts.only_use_policy]
    if readable or facts.card.license:
        return
    policies = [lf for lf in facts.license_files if lf.facts.only_use_policy]
    if policies:
        named = "; ".join(f"{lf.path}: {lf.facts.licenses[0].name}" for lf in policies)
        yield rule.finding(
            f"No license file and no `license:` in the model card; only a use policy ({named}), which "
            "restricts how the model may be used but grants no license to it.", subject=".",
            evidence=tuple(Evidence(commit=facts.target.revision, path=lf.path, line=lf.facts.licenses[0].start_line,
                                    excerpt=lf.facts.licenses[0].name) for lf in policies))
        return
    unreadable = [lf for lf in facts.license_files if lf.facts.unreadable]
    evidence = tuple(Evidence(commit=facts.target.revision, path=lf.path) for lf in unreadable)
    if unreadable:
        # A License.pdf may well be the license: the tool cannot tell, so a reviewer must read it.
        detail = "; ".join(f"{lf.path}: {lf.facts.unreadable}" for lf in unreadable)
        yield rule.finding(
            f"No license file with readable text and no `license:` in the model card; only license files "
            f"the tool cannot read ({detail}). Check that they hold the license and add it as text.",
            subject=".", evidence=evidence, severity="warning")
        return
    yield rule.finding("No license file with readable text and no `license:` in the model card.", subject=".")


def license_metadata_invalid(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    card = facts.card
    subject = facts.card_path or "README.md"
    if not card.present:
        yield rule.finding("There is no model card (README.md), so no license is declared.", subject)
        return
    evidence = (Evidence(commit=facts.target.revision, path=subject),)
    if card.error:
        yield rule.finding(f"The model card cannot be parsed: {card.error}.", subject, evidence)
        return
    if not card.license:
        own = _own_license_text(facts)
        if own is not None and not card.has_front_matter:
            # A README without any front matter may well not be a Hub card (a GitHub copy of a model):
            # the repo states its terms in its LICENSE, and only the Hub's metadata is in question.
            path, key = own
            hf_id = hf_id_for_key(key) or "other"
            yield rule.finding(
                f"The README has no front matter, so the Hugging Face Hub would show no license; {path} holds "
                f"{spdx_for_key(key)}. If the repo is published on the Hub, add `license: {hf_id}` to the card.",
                subject, evidence, severity="info" if rule.severity != "info" else rule.severity,
                remediation=f"Start README.md with a front matter block: `---`, `license: {hf_id}`, `---`.")
            return
        where = "its front matter" if card.has_front_matter else "it has no front matter"
        yield rule.finding(f"The model card has no `license:` field ({where}).", subject, evidence)
        return
    evidence = _card_evidence(facts)
    known = hf_licenses()
    ids = [part.strip() for part in card.license.split(",") if part.strip()]
    unknown = [i for i in ids if i.lower() not in known]
    if unknown:
        yield rule.finding(
            f"The model card's license id {', '.join(repr(u) for u in unknown)} is not a Hugging Face "
            "license id.", subject, evidence)
    if "other" in (i.lower() for i in ids):
        missing = [name for name in ("license_name", "license_link") if not getattr(card, name)]
        if missing:
            yield rule.finding(
                f"The model card says `license: other` without {' and '.join(missing)}, so the terms "
                "cannot be found.", subject, evidence)
