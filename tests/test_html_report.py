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


def test_evidence_quotes_the_removed_text_with_its_line_numbers(repo):
    page = _removed(repo, MIT_TEXT)
    [removed] = cards(page, "license-removed")
    quoted = {}
    for excerpt in removed.select("pre.excerpt"):
        for line in excerpt.select(".l"):
            quoted[int(line.select_one(".ln").get_text())] = line.get_text()[len(line.select_one(".ln").get_text()):]
    lines = MIT_TEXT.split("\n")
    assert quoted[3] == lines[2].rstrip() + "\n"  # the copyright line, at its line in the file
    assert quoted[5].startswith("Permission is hereby granted") and quoted[6] == lines[5] + "\n"
    text = removed.get_text(" ", strip=True)
    assert "(lines" not in text and "parent commit" in text
    # The date reads as one token per part and is machine-readable.
    [date] = {t["datetime"] for t in removed.select("time")}
    assert date == "2025-02-01T10:00:00Z"
    assert [s.get_text() for s in removed.select("time")[0].select(".nowrap")] == ["2025-02-01", "10:00 UTC"]


def test_a_text_with_other_line_separators_is_numbered_as_git_does(repo):
    # U+2028 and a form feed are no line ends for git; numbering at them would shift every line after.
    text = "Model terms\u2028(draft)\f\n\n" + MIT_TEXT
    page = _removed(repo, text)
    [removed] = cards(page, "license-removed")
    numbers = [int(n.get_text()) for n in removed.select("pre.excerpt .ln")]
    assert numbers[0] == 5 and "Copyright (c) 2023 DeepSeek" in removed.select("pre.excerpt")[0].get_text()


def test_remediation_markdown_renders_and_repo_strings_stay_text(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    repo.commit("Drop", "2025-02-01 10:00:00", {"LICENSE": None})
    [removed] = cards(report(repo.path), "license-removed")
    [fix] = [p for p in removed.find_all("p") if p.get_text().startswith("Remediation")]
    assert fix.code is not None and fix.code.get_text().startswith("git show ")
    assert "`" not in fix.get_text()


def test_inline_markdown_subset_is_safe():
    from auditor.reports.html import inline_markdown

    assert inline_markdown("run `a<b` **now**, see [the docs](https://example.com/?a=1&b=2)") == (
        'run <code>a&lt;b</code> <strong>now</strong>, see '
        '<a href="https://example.com/?a=1&amp;b=2" rel="noopener noreferrer">the docs</a>')
    assert "<a" not in inline_markdown("[x](javascript:alert(1))")
    assert inline_markdown("<script>") == "&lt;script&gt;"


def _llama_relabelled(repo) -> BeautifulSoup:
    from helpers import config_json
    from test_upstream import LLAMA31_8B

    repo.commit("Release SovereignLM", "2026-03-01 10:00:00", {
        "README.md": "---\nlicense: apache-2.0\n---\n# SovereignLM-8B\n\nOur own national model.\n",
        "LICENSE": reference_text("apache-2.0"),
        "config.json": config_json("LlamaForCausalLM", "llama", **LLAMA31_8B)})
    return report(repo.path)


def test_upstream_findings_link_to_one_lineage_section_and_show_what_was_searched(repo):
    page = _llama_relabelled(repo)
    [node] = page.select("#lineage li.node.upstream")
    assert node["id"] and "config.json" in node.get_text()  # the lineage facts, once, here
    [missing] = cards(page, "upstream-license-missing")
    [link] = missing.select("p.see a")
    assert link["href"] == f"#{node['id']}"
    evidence = missing.select_one("table.evidence").get_text(" ", strip=True)
    assert "config.json" not in evidence and "hidden_size" not in evidence
    assert "LICENSE" in evidence and "README.md" in evidence
    assert "searched for the Llama 3.1 Community License Agreement text: not found" in evidence
    for rule in ("upstream-notice-missing", "use-restrictions-missing", "naming-requirement",
                 "declared-license-conflict"):
        for finding in cards(page, rule):
            assert "hidden_size" not in finding.select_one("table.evidence").get_text(), rule
            assert finding.select("p.see a"), rule


def test_the_lineage_picture_says_why_each_upstream_binds_with_names_before_ids(repo):
    page = _llama_relabelled(repo)
    lineage = page.select_one("#lineage")
    this = lineage.select_one(".node.self").get_text(" ", strip=True)
    assert this.startswith("this repo") and "Apache License 2.0 (license: apache-2.0)" in this
    [node] = lineage.select("li.node.upstream")
    text = node.get_text(" ", strip=True)
    assert "Binds this repo:" in text and "confidence 0.93" in text
    name, ids = text.index("Llama 3.1 Community License Agreement"), text.index("LicenseRef-scancode-llama-3.1")
    assert name < ids
    # No empty cell anywhere in the report: an unset value says so.
    for cell in page.select("td"):
        assert cell.get_text(strip=True) or cell.find_parent("table", class_="signoff"), cell


def test_hub_commits_link_to_the_hubs_commit_pages_and_the_method_says_how_history_was_read(tmp_path, monkeypatch):
    from hubstub import HubStub

    from auditor.demo import build_demo_repo

    path = build_demo_repo(tmp_path / "repo")
    with HubStub() as stub:
        monkeypatch.setenv("HF_ENDPOINT", stub.endpoint)
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
        monkeypatch.delenv("HF_TOKEN", raising=False)
        stub.add("org/model", path)
        page = report("hf://org/model")
        base = f"{stub.endpoint}/org/model/commit/"
    links = [a["href"] for a in page.select("#findings table.evidence a")]
    assert links and all(href.startswith(base) and len(href) == len(base) + 40 for href in links)
    revision = page.select_one("#audited a")["href"]
    assert revision.startswith(base)
    method = page.select_one("#method").get_text(" ", strip=True)
    assert "Hugging Face Hub's commit listing for org/model" in method and "history_complete: true" in method
    local = report(path)
    assert not local.select("#findings table.evidence a")
    assert "local git walk" in local.select_one("#method").get_text(" ", strip=True)


def test_a_shallow_clone_is_named_in_the_method(tmp_path):
    import subprocess

    from auditor.demo import build_demo_repo

    source = build_demo_repo(tmp_path / "repo")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", source.as_uri(), str(shallow)], check=True)
    page = report(shallow)
    method = page.select_one("#method").get_text(" ", strip=True)
    assert "The clone is shallow" in method and "history_complete: false" in method
    assert "shallow clone" in page.select_one("#audited").get_text()


def test_the_same_input_gives_the_same_bytes_dated_by_the_commit_or_source_date_epoch(repo, monkeypatch):
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = render("html", audit(str(repo.path)))
    assert render("html", audit(str(repo.path))) == first
    dated = BeautifulSoup(first, "html.parser").select_one("#audited").get_text(" ", strip=True)
    assert "Report date 2025-01-01 10:00 UTC (the audited commit's date)" in dated
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01 00:00 UTC
    pinned = render("html", audit(str(repo.path)))
    assert "2026-01-01" in BeautifulSoup(pinned, "html.parser").select_one("#audited").get_text()
    assert pinned == render("html", audit(str(repo.path)))


def test_the_appendix_carries_the_texts_involved_or_says_where_they_are(repo):
    page = _llama_relabelled(repo)
    texts = {a.h3.get_text(" ", strip=True).split(" (")[0]: a for a in page.select("#appendix article.license-text")}
    assert list(texts) == ["Llama 3.1 Community License Agreement", "Apache License 2.0"]
    llama, apache = texts.values()
    assert "bind this repo" in llama.get_text() and llama.pre is None  # the tool has no copy of it
    assert llama.a["href"] == "https://www.llama.com/llama3_1/license/"
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in apache.pre.get_text()
    assert "Carried in LICENSE" in apache.get_text() and "LicenseDB" in apache.get_text()


def test_the_appendix_quotes_a_removed_license(repo):
    page = _removed(repo, MIT_TEXT)
    [mit] = page.select("#appendix article.license-text")
    assert "Removed from LICENSE" in mit.get_text() and "Permission is hereby granted" in mit.pre.get_text()
    assert page.select_one('nav.toc a[href="#appendix"]')


def test_a_pass_with_warnings_reads_as_a_pass_to_review_not_a_clean_pass(repo, tmp_path):
    from auditor.demo import build_demo_repo

    verdict = report(build_demo_repo(tmp_path / "demo")).select_one("#verdict")
    assert "review" in verdict["class"] and "pass" not in verdict["class"]
    assert verdict.select_one(".big").get_text(strip=True) == "PASS, WITH WARNINGS TO REVIEW"
    # the verdict names the claims still to judge: the seed case's removal and its exposure window
    text = verdict.get_text(" ", strip=True)
    assert "license-removed (LICENSE)" in text and "attribution-restored-late (LICENSE)" in text
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    clean = report(repo.path).select_one("#verdict")
    assert "pass" in clean["class"] and clean.select_one(".big").get_text(strip=True) == "PASS"
