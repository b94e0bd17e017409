"""Where each finding is shown in code-scanning tools, CI annotations and logs.

A location is a file that exists at the audited revision, with a line: where the fix goes (the card's
front matter for a card field, the LICENSE or NOTICE file for a missing text), or else the file and
line that carry the problem. History evidence about files that are gone stays in the evidence.
"""

from __future__ import annotations

import re
from dataclasses import replace

from auditor.facts.card import field_line
from auditor.model import Facts, Finding, Location

# rule id -> where its fix goes, in order of preference. "card:FIELD" is the card's front matter
# line for FIELD (or the card's first line); "notice"/"license" an existing NOTICE or license file.
FIX_AT: dict[str, tuple[str, ...]] = {
    "license-missing": ("license", "card:license"),
    "license-metadata-invalid": ("card:license",),
    "license-removed": ("license", "card:license"),
    "undisclosed-base-model": ("card:base_model",),
    "upstream-license-missing": ("license", "card:license"),
    "upstream-copyright-missing": ("notice", "license", "card:license"),
    "upstream-notice-missing": ("notice", "license", "card:license"),
    "declared-license-conflict": ("card:license",),
    "past-license-conflict": ("card:license", "license"),
    "naming-requirement": ("card:model_name",),
    "use-restrictions-missing": ("card:license",),
}
_NOTICE = re.compile(r"(^|/)notice", re.IGNORECASE)


def _license_file(facts: Facts, notice: bool) -> str | None:
    """The top-most license file at the revision (a NOTICE one when `notice`); never one that holds only
    a use policy, which is no place for a license text or a copyright line."""
    paths = sorted((lf.path for lf in facts.license_files
                    if (not notice or _NOTICE.search(lf.path)) and not lf.facts.only_use_policy),
                   key=lambda p: (p.count("/"), p))
    return paths[0] if paths else None


def _anchor(facts: Facts, anchor: str) -> Location | None:
    if anchor.startswith("card:"):
        if not facts.card_path:
            return None
        line = field_line(facts.readme_text, anchor[5:])
        if line is None and anchor == "card:model_name":  # a card names its model in its first heading
            line = next((n for n, text in enumerate(facts.readme_text.split("\n"), 1) if text.startswith("# ")), None)
        return Location(facts.card_path, line or 1)
    path = _license_file(facts, notice=anchor == "notice")
    return Location(path, 1) if path else None


def _current_evidence(facts: Facts, finding: Finding) -> Location | None:
    """The first evidence about a file as it is at the revision."""
    for evidence in finding.evidence:
        if evidence.path in facts.paths and evidence.commit in (None, facts.target.revision):
            return Location(evidence.path, evidence.line or 1)
    return None


def location(finding: Finding, facts: Facts) -> Location | None:
    for anchor in FIX_AT.get(finding.rule, ()):
        if found := _anchor(facts, anchor):
            return found
    found = _current_evidence(facts, finding) or _anchor(facts, "card:license") or _anchor(facts, "license")
    if found is None and facts.paths:
        # Nothing that names the problem exists at the revision: the top-most file there does.
        found = Location(min(facts.paths, key=lambda p: (p.count("/"), p)), 1)
    return found


def locate(findings: tuple[Finding, ...], facts: Facts) -> tuple[Finding, ...]:
    return tuple(replace(f, location=location(f, facts)) for f in findings)
