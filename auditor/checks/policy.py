"""Generic checks that user rule files can use with their own parameters."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.facts.license_ids import hf_licenses
from auditor.model import Evidence, Facts, Finding, RuleInfo


def denied_licenses(facts: Facts, rule: RuleInfo) -> Iterator[Finding]:
    """params.licenses: SPDX ids, ScanCode keys or Hub ids that the user's policy forbids."""
    listed = rule.params.get("licenses") or ()
    denied = {str(x).lower() for x in (listed if isinstance(listed, (list, tuple)) else [listed])}
    for lf in facts.license_files:
        for match in lf.facts.licenses:
            if match.spdx.lower() in denied or match.key.lower() in denied:
                yield rule.finding(
                    f"{lf.path} carries {match.name} ({match.spdx}), which the policy denies.", lf.path,
                    (Evidence(commit=facts.target.revision, path=lf.path, line=match.start_line),))
    declared = facts.card.license
    if declared:
        key = hf_licenses().get(declared.lower())
        if declared.lower() in denied or (key and key.lower() in denied):
            yield rule.finding(f"The model card declares {declared}, which the policy denies.",
                               facts.card_path or "README.md",
                               (Evidence(commit=facts.target.revision, path=facts.card_path),))
