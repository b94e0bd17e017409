"""Checks on source files copied from upstreams: their headers across history."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.facts.catalog import family_by_id
from auditor.facts.upstreams import licensor_own
from auditor.model import Evidence, Facts, Finding, RuleInfo


def code_notice_removed(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    for loss in facts.header_losses:
        commit = loss.commit
        yield rule.finding(
            f"{loss.path} lost its copyright/license header in {commit.sha[:12]} ({commit.date}, \"{commit.title}\"): "
            f"it said {'; '.join(loss.lost)}.",
            subject=loss.path,
            evidence=(Evidence(commit=commit.sha, date=commit.date, path=loss.path, line=loss.line,
                               excerpt=loss.lost[0]),),
            clause="Apache-2.0 §4(c): retain, in the Source form of any Derivative Works, all copyright, patent, "
                   "trademark, and attribution notices",
        )
    # The licensor's own repo edits its own files: those are not modifications of someone else's work.
    own_holders = [(family_by_id(f).holder or "").lower() for f in licensor_own(facts)]
    for change in facts.unmarked_changes:
        if any(holder and holder in change.header.lower() for holder in own_holders):
            continue
        commit = change.commit
        yield rule.finding(
            f"{change.path} keeps an upstream header ({change.header}) but was modified in {commit.sha[:12]} "
            f"({commit.date}) without a notice that it was changed.",
            subject=change.path, severity="info",
            evidence=(Evidence(commit=commit.sha, date=commit.date, path=change.path, line=1, excerpt=change.header),),
            clause="Apache-2.0 §4(b): modified files must carry prominent notices stating that You changed the files",
        )
