"""The HTML report as a lawyer reads it: each test parses the report and asserts what a reader sees
in a section or a finding's card, not substrings of markup."""

from __future__ import annotations

from bs4 import BeautifulSoup
from helpers import MIT_TEXT, card

from auditor.facts.licensedb import reference_text
from auditor.pipeline import audit
from auditor.reports import render

# Enough of the Llama 3.1 agreement for the tool to name it: title, version line, closing clause.
LLAMA_31 = """\
LLAMA 3.1 COMMUNITY LICENSE AGREEMENT
Llama 3.1 Version Release Date: July 23, 2024

1. License Rights and Redistribution. If you distribute the Llama Materials, you shall provide a copy
of this Agreement with any such Llama Materials.

7. The courts of California shall have exclusive jurisdiction of any dispute arising out of this Agreement.
"""


def report(path) -> BeautifulSoup:
    return BeautifulSoup(render("html", audit(str(path))), "html.parser")


def cards(page: BeautifulSoup, rule: str) -> list:
    return [a for a in page.select("article.finding") if a.select_one(".rule").get_text(strip=True) == rule]


def labelled(card_node, label: str) -> str:
    """The text of a card's paragraph that starts with `label` ("Clause:", "Remediation:")."""
    [para] = [p for p in card_node.find_all("p") if p.get_text(" ", strip=True).startswith(label)]
    return para.get_text(" ", strip=True)


def _removed(repo, text: str) -> BeautifulSoup:
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card("license: other"), "LICENSE": text})
    repo.commit("Drop the license", "2025-02-01 10:00:00", {"LICENSE": None})
    return report(repo.path)


def test_a_removed_llama_text_cites_llama_clauses_and_remedies_llama(repo):
    [removed] = cards(_removed(repo, LLAMA_31), "license-removed")
    clause, fix = labelled(removed, "Clause"), labelled(removed, "Remediation")
    assert "Llama 3.1 §1.b.i" in clause
    assert "Llama 3.1 Community License Agreement" in fix and "1.b.i" in fix
    for other in ("MIT", "Apache"):
        assert other not in clause and other not in fix


def test_a_removed_apache_text_cites_apache_clauses(repo):
    [removed] = cards(_removed(repo, reference_text("apache-2.0")), "license-removed")
    clause, fix = labelled(removed, "Clause"), labelled(removed, "Remediation")
    assert "Apache-2.0 §4(a)" in clause and "Apache License 2.0" in fix
    assert "MIT" not in clause and "MIT" not in fix


def test_a_late_restoration_cites_the_restored_license(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    repo.commit("Drop the license", "2025-02-01 10:00:00", {"LICENSE": None})
    repo.commit("Restore it", "2025-02-03 10:00:00", {"LICENSE": MIT_TEXT})
    [late] = cards(report(repo.path), "attribution-restored-late")
    assert "MIT" in labelled(late, "Clause") and "Apache" not in labelled(late, "Clause")
    assert "MIT License" in labelled(late, "Remediation")
