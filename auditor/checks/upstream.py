"""Checks of what upstream licenses demand of a derivative, judged at the audited revision."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache

from auditor.checks.history import format_duration, parent_note
from auditor.facts.card import field_line, model_name
from auditor.facts.license_ids import hf_licenses, license_statements, scancode_category, spdx_for_key
from auditor.facts.normalise import NormalisedText, phrase
from auditor.facts.paths import own_license_file
from auditor.facts.phrases import defined_licenses, same_terms
from auditor.facts.upstreams import Upstream, resolve
from auditor.model import Declaration, Evidence, Facts, Finding, RuleInfo, TextFacts
from auditor.resources import load_rule_file, rules_dir


def _texts(facts: Facts) -> list[tuple[str, TextFacts]]:
    """Every text at the revision that can carry attribution: license files and the README."""
    texts = [(lf.path, lf.facts) for lf in facts.license_files]
    if facts.card_path and facts.readme_facts and all(path != facts.card_path for path, _f in texts):
        texts.append((facts.card_path, facts.readme_facts))
    return texts


def _has_text(facts: Facts, key: str) -> bool:
    """A text of the license, in any of its dated versions."""
    return any(same_terms(m.key, key) and m.form == "text" for _p, f in _texts(facts) for m in f.licenses)


def _searched(facts: Facts, what: str, paths: list[str] | None = None) -> tuple[Evidence, ...]:
    """What a missing-obligation finding rests on: each file of the revision that was searched for
    `what` without finding it. Why the upstream binds is the lineage's to show, once, not each finding's."""
    revision = facts.target.revision
    paths = [p for p, _f in _texts(facts)] if paths is None else paths
    if not paths:
        return (Evidence(commit=revision, excerpt=f"no license file, NOTICE or README to search for {what}"),)
    return tuple(Evidence(commit=revision, path=path, excerpt=f"searched for {what}: not found") for path in paths)


def _finding(rule: RuleInfo, facts: Facts, upstream: Upstream, message: str, clause: str,
             evidence: tuple[Evidence, ...], severity: str | None = None, remediation: str | None = None) -> Finding:
    return rule.finding(message, subject=upstream.label, evidence=evidence, clause=clause, severity=severity,
                        remediation=remediation)


def _lines(text: str, start: int, end: int) -> str:
    lines = text.split("\n")[max(start, 1) - 1:end]  # git's line numbering: \n only
    return " ".join(line.strip() for line in lines if line.strip())[:200]


def _thinner(rule: RuleInfo) -> str:
    """One step below an error, where the evidence leaves the question to a reviewer; a severity the
    user set below error stays as set."""
    return "warning" if rule.severity == "error" else rule.severity


def _upstreams(facts: Facts, kind: str) -> Iterator[tuple[Upstream, object]]:
    for upstream in resolve(facts).upstreams:
        obligation = upstream.license.obligation(kind)
        if obligation is not None:
            yield upstream, obligation


def upstream_license_missing(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    for upstream, obligation in _upstreams(facts, "include-license"):
        if _has_text(facts, upstream.license.key):
            continue
        where = f" Its publisher hosts it at {upstream.license.url}." if upstream.license.url else ""
        yield _finding(rule, facts, upstream,
                       f"{upstream.label} is under the {upstream.license.name}, which requires a copy of its text "
                       f"with the model; no license file, NOTICE or license folder carries it.{where}",
                       obligation.clause, _searched(facts, f"the {upstream.license.name} text"))
    for alternatives in resolve(facts).open_questions:
        options = "; ".join(f"{c.upstream} ({spdx_for_key(c.license)})" for c in alternatives)
        yield rule.finding(
            f"The weights match checkpoints under different licenses ({options}); nothing in the repo settles "
            "which. Declare base_model, or carry the upstream's license text, so the terms can be checked.",
            subject=alternatives[0].family or alternatives[0].upstream or "?", severity="info")


def _retained(line: str, holder: str | None, statements: list[str], holders: list[str]) -> bool:
    """The repo keeps the upstream's copyright line: the same statement, or a line naming its holder."""
    wanted = phrase(line)
    if any(wanted in phrase(statement) for statement in statements):
        return True
    return bool(holder) and any(holder.lower() in h for h in holders)


def upstream_copyright_missing(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    """Only the copyright lines the upstream really ships are asked for, each quoted verbatim."""
    copyrights = [c for _p, f in _texts(facts) for c in f.copyrights]
    statements = [c.statement for c in copyrights]
    holders = [h.lower() for c in copyrights for h in c.holders]
    for upstream, obligation in _upstreams(facts, "retain-copyright"):
        ships = upstream.ships
        holder = upstream.family.holder if upstream.family else None
        for line in ships.copyright if ships else ():
            if _retained(line, holder, statements, holders):
                continue
            if ships.with_weights:
                message, severity = (f"{upstream.label} ({upstream.license.name}) requires its copyright notices to "
                                     f"be retained; its own repo ships \"{line}\", and no license file or README "
                                     "line here carries it."), None
            else:
                message, severity = (f"{upstream.label} ({upstream.license.name}) requires its copyright notices to "
                                     f"be retained; its publisher's license file opens with \"{line}\", which no "
                                     "license file or README line here carries, though the Hub checkpoints carry "
                                     "the license only through their card. Check whether the weights this repo was "
                                     "made from came with the line."), _thinner(rule)
            yield rule.finding(
                message, severity=severity,
                subject=upstream.label, clause=obligation.clause,
                evidence=_searched(facts, f"the copyright line \"{line}\""
                                          + (f" or one naming {holder}" if holder else "")),
                remediation=f"Keep the upstream's copyright line verbatim in LICENSE or NOTICE: \"{line}\" "
                            f"(as {ships.source}). `auditor notice` writes it.")


def upstream_notice_missing(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    notices = {(m.key, path == facts.card_path): m for path, f in _texts(facts) for m in f.licenses
               if m.form == "notice"}
    for upstream, obligation in _upstreams(facts, "notice-string"):
        # A notice of any dated version of the license is its notice.
        found = {in_card: m for (key, in_card), m in notices.items() if same_terms(key, upstream.license.key)}
        if False in found or not upstream.license.notice:
            continue
        if True in found:
            # The sentence is passed on, but in the card: the license asks for a "Notice" text file, and a
            # card is rewritten more freely than a file shipped with the weights. Thinner than a miss.
            in_card = found[True]
            yield rule.finding(
                f"{upstream.label} ({upstream.license.name}) requires its notice sentence in a \"Notice\" text file; "
                f"only the README ({facts.card_path}) carries it. Check that a card line meets the license, or copy "
                "it into a Notice file.", subject=upstream.label, severity=_thinner(rule), clause=obligation.clause,
                evidence=(Evidence(commit=facts.target.revision, path=facts.card_path, line=in_card.start_line,
                                   excerpt=in_card.excerpt or _lines(facts.readme_text, in_card.start_line,
                                                                     in_card.end_line)),))
            continue
        yield _finding(rule, facts, upstream,
                       f"{upstream.label} ({upstream.license.name}) requires a Notice file with: "
                       f"\"{upstream.license.notice}\"; no file carries it.", obligation.clause,
                       _searched(facts, f"the notice \"{upstream.license.notice}\""))


@lru_cache(maxsize=1)
def _compatibility() -> dict:
    return load_rule_file(rules_dir() / "compatibility.yaml")


def compatible(upstream_key: str, category: str | None, declared_key: str) -> bool:
    data = _compatibility()
    if same_terms(declared_key, upstream_key) or declared_key in data.get("allowed", {}).get(upstream_key, ()):
        return True
    return data["by_category"].get(category or "", "same") == "any"


def _category(upstream: Upstream) -> str | None:
    return upstream.license.category or scancode_category(upstream.license.key)


def _allows(upstream: Upstream, declared_key: str) -> bool:
    """Whether a derivative of `upstream` may declare `declared_key`: the one judgement, now and in the past."""
    return compatible(upstream.license.key, _category(upstream), declared_key)


def _card_line(facts: Facts, name: str) -> Evidence | None:
    """A front matter field's line of the card, quoted."""
    line = field_line(facts.readme_text, name)
    if not line:
        return None
    return Evidence(commit=facts.target.revision, path=facts.card_path, line=line,
                    excerpt=facts.readme_text.split("\n")[line - 1].rstrip())


def _declared_licenses(facts: Facts) -> Iterator[tuple[str, str, Evidence, str]]:
    """(key, where, evidence, severity) for every license the repo says it is under: the card's id, each
    top-level LICENSE/COPYING file's identified license, and the README's badges and statements."""
    revision = facts.target.revision
    card_key = hf_licenses().get((facts.card.license or "").lower())
    if card_key:
        yield (card_key, f"The card declares {facts.card.license} ({spdx_for_key(card_key)})",
               _card_line(facts, "license") or Evidence(commit=revision, path=facts.card_path,
                                                        excerpt=f"license: {facts.card.license}"), "error")
    for lf in facts.license_files:
        if not own_license_file(lf.path):
            continue
        for match in {m.key: m for m in lf.facts.licenses if m.form == "text"}.values():
            yield (match.key, f"{lf.path} holds the {match.name} ({spdx_for_key(match.key)})",
                   Evidence(commit=revision, path=lf.path, line=match.start_line,
                            excerpt=match.excerpt or match.name), "error")
    # A README statement is thinner evidence (it may speak of code, or of someone else's model).
    for key, line, excerpt in license_statements(facts.readme_text):
        yield (key, f"The README says \"{excerpt}\" ({spdx_for_key(key)})",
               Evidence(commit=revision, path=facts.card_path, line=line, excerpt=excerpt), "warning")


def declared_license_conflict(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    """One finding per license source that contradicts an upstream's terms, each with its evidence."""
    declared = list(_declared_licenses(facts))
    for upstream in resolve(facts).upstreams:
        for declared_key, where, evidence, severity in declared:
            if _allows(upstream, declared_key):
                continue
            yield rule.finding(
                f"{where}, but the model derives from {upstream.label}, which is under the {upstream.license.name} "
                f"({_category(upstream)}): a derivative must stay under its terms.",
                subject=upstream.label, evidence=(evidence,),
                severity=severity if rule.severity == "error" else rule.severity, clause=_clause(upstream))


def _clause(upstream: Upstream) -> str:
    return upstream.license.obligations[0].clause if upstream.license.obligations else upstream.license.name


def _declared_where(declaration: Declaration) -> str:
    if declaration.source == "card":
        return f"the card declared license: {declaration.declared} ({spdx_for_key(declaration.key)})"
    return f"{declaration.start.path} held the {declaration.declared} ({spdx_for_key(declaration.key)})"


def past_license_conflict(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    """Windows of history, closed before the audited revision, in which the card or a top-level LICENSE
    declared terms an upstream does not allow (declared-license-conflict judges what is declared now)."""
    past = [d for d in facts.declarations if d.end is not None]
    deleted = {(e.commit.sha, e.path) for e in facts.timeline if e.change == "deleted"}
    for upstream in resolve(facts).upstreams:
        for declaration in past:
            if _allows(upstream, declaration.key):
                continue
            start, end = declaration.start, declaration.end
            assert end is not None
            window = format_duration(end.commit.timestamp - start.commit.timestamp)
            now = [d for d in facts.declarations if d.source == declaration.source and d.end is None]
            where_now = "the card" if declaration.source == "card" else "a top-level LICENSE or COPYING file"
            then = (f"; {where_now} now declares {', '.join(d.declared for d in now)}" if now else
                    f"; {where_now} declares none at the audited revision")
            uploads = declaration.weight_uploads
            published = (f" {len(uploads)} weight upload{'s' if len(uploads) != 1 else ''} fell inside it "
                         f"({', '.join(_short(u.commit.sha) for u in uploads)})."
                         if uploads else " No weights were uploaded inside it, but every revision in it was "
                                         "published under those terms.")
            end_evidence = Evidence(commit=end.commit.sha, date=end.commit.date, path=end.path, line=end.line,
                                    excerpt=end.excerpt, note="no longer declared from here")
            if (end.commit.sha, end.path) in deleted:
                end_evidence = replace(end_evidence, note=f"no longer declared from here: "
                                                          f"{parent_note(end.commit.sha)}")
            evidence = [
                Evidence(commit=start.commit.sha, date=start.commit.date, path=start.path, line=start.line,
                         excerpt=start.excerpt, note="declared from here"),
                end_evidence,
                *(Evidence(commit=u.commit.sha, date=u.commit.date, path=u.paths[0],
                           excerpt=f"weights uploaded inside the window: {', '.join(u.paths)}") for u in uploads),
            ]
            yield rule.finding(
                f"From {_short(start.commit.sha)} ({start.commit.date}) to {_short(end.commit.sha)} "
                f"({end.commit.date}, \"{end.commit.title}\"), {window} across {declaration.commits} "
                f"commit{'s' if declaration.commits != 1 else ''}, {_declared_where(declaration)}, which "
                f"{upstream.label}'s {upstream.license.name} ({_category(upstream)}) does not allow for a "
                f"derivative{then}.{published}",
                subject=declaration.start.path, evidence=tuple(evidence), clause=_clause(upstream))


def _short(sha: str) -> str:
    return sha[:12]


def _named(facts: Facts, name: str) -> Evidence:
    """Where the model's name was read: the card's model_name, the README heading, or the repo's name."""
    revision = facts.target.revision
    if facts.card.model_name:
        return _card_line(facts, "model_name") or Evidence(commit=revision, path=facts.card_path,
                                                           excerpt=f"model_name: {name}")
    heading = re.compile(r"^#\s+" + re.escape(name) + r"\s*$")
    for number, line in enumerate(facts.readme_text.split("\n"), start=1):  # git's line numbering
        if heading.match(line):
            return Evidence(commit=revision, path=facts.card_path, line=number, excerpt=line.rstrip())
    return Evidence(commit=revision, excerpt=f"no model_name and no README heading: the repository's name, {name}")


def naming_requirement(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    name = model_name(facts)
    readme_markers = facts.readme_facts.markers if facts.readme_facts else frozenset()
    for upstream, obligation in _upstreams(facts, "naming"):
        if obligation.prefix and not name.lower().startswith(obligation.prefix.lower()):
            yield _finding(rule, facts, upstream,
                           f"The model name \"{name}\" must begin with \"{obligation.prefix}\" ({upstream.label}, "
                           f"{upstream.license.name}).", obligation.clause, (_named(facts, name),))
    for upstream, obligation in _upstreams(facts, "attribution"):
        attribution = upstream.license.attribution
        if attribution and phrase(attribution) not in readme_markers:
            yield _finding(rule, facts, upstream,
                           f"The README does not display \"{attribution}\", which the {upstream.license.name} "
                           f"requires of derivatives of {upstream.label}.", obligation.clause,
                           _searched(facts, f"\"{attribution}\"", [facts.card_path] if facts.card_path else []))


def use_restrictions_missing(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    texts = _texts(facts)
    policies = [(path, m) for path, f in texts for m in f.use_policies]
    # A file holding only another family's use policy does not reference this upstream's policy,
    # though it names an "acceptable use policy".
    found = {marker for _p, f in texts if not f.only_use_policy for marker in f.markers}
    card_text = NormalisedText(" ".join(filter(None, (facts.card.license_name, facts.card.license_link))))
    names = defined_licenses()
    for upstream, obligation in _upstreams(facts, "use-restrictions"):
        key = upstream.license.key
        if any(m.key == key for _p, m in policies):
            continue  # the upstream's own policy ships with the model
        if found & set(obligation.markers) or any(card_text.find(m) is not None for m in obligation.markers):
            continue
        if obligation.in_text and _has_text(facts, key):
            continue
        where = f" ({obligation.url})" if obligation.url else ""
        policy = obligation.policy or "use restrictions"
        if obligation.in_text:
            fix = (f"Include the {upstream.license.name} text, which carries its {policy}, or reference them by name "
                   "and URL in a license file or NOTICE; `auditor notice` writes the reference.")
        else:
            fix = (f"Add the {policy}{where} to the repo, or reference it by name and URL in a license file or "
                   "NOTICE; `auditor notice` writes the reference.")
        kin = [(path, m) for path, m in policies
               if m.key in names and names[m.key].publisher == upstream.license.publisher]
        if kin:
            # Versions of one publisher's policy differ in detail: the reviewer compares them.
            path, other = kin[0]
            yield rule.finding(
                f"{upstream.label} ({upstream.license.name}) requires its own {obligation.policy or 'use policy'}"
                f"{where}; {path} holds the {other.name} instead, another version's policy.",
                subject=upstream.label, severity=_thinner(rule),
                clause=obligation.clause,
                evidence=(Evidence(commit=facts.target.revision, path=path, line=other.start_line,
                                   excerpt=other.excerpt or other.name),),
                remediation=fix)
            continue
        searched = _searched(facts, f"a reference to the {policy}{where}")
        if hf_licenses().get((facts.card.license or "").lower()) == upstream.license.key:
            # The card puts the model under the upstream's own terms, which carry (or incorporate by
            # reference) the restrictions: they are referenced, if only through the license id.
            yield _finding(rule, facts, upstream,
                           f"{upstream.label} ({upstream.license.name}) restricts how the model may be used; the card "
                           f"declares license: {facts.card.license}, whose terms carry the restrictions{where}, but no "
                           "file here includes or names them. Check that the license id passes them on, or add "
                           "them (with the license text) to the repo.", obligation.clause, searched, _thinner(rule),
                           fix)
            continue
        yield _finding(rule, facts, upstream,
                       f"{upstream.label} ({upstream.license.name}) restricts how the model may be used; the "
                       f"restrictions{where} are neither included nor referenced in the license files or the card.",
                       obligation.clause, searched, remediation=fix)


def license_file_mismatch(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    declared_key = hf_licenses().get((facts.card.license or "").lower())
    if not declared_key:
        return
    names = defined_licenses()
    for lf in facts.license_files:
        if not own_license_file(lf.path):
            continue
        keys = {m.key for m in lf.facts.licenses if m.form == "text"}
        if not keys or any(same_terms(declared_key, k) for k in keys):
            continue
        found = ", ".join(sorted(spdx_for_key(k) for k in keys))
        declared_name = names[declared_key].name if declared_key in names else spdx_for_key(declared_key)
        first = lf.facts.licenses[0]
        yield rule.finding(
            f"{lf.path} holds {found}, but the card declares {facts.card.license} ({declared_name}).",
            subject=lf.path,
            evidence=(Evidence(commit=facts.target.revision, path=lf.path, line=first.start_line,
                               excerpt=first.excerpt or first.name),),
        )
