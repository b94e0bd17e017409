"""The history walk: removals, late restorations, merges, odd names, shallow clones, revisions."""

from __future__ import annotations

import subprocess

from helpers import APACHE_NOTICE, MIT_TEXT, card, findings, scan

from auditor.demo import build_demo_repo, lfs_pointer


def test_delete_then_restore_via_notice_reports_both_rules_with_commits_and_window(tmp_path):
    path = build_demo_repo(tmp_path / "demo")
    shas = subprocess.run(["git", "-C", str(path), "rev-list", "--reverse", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.split()
    added, deleted, upload1, upload2, restored = shas[1], shas[2], shas[4], shas[5], shas[6]
    doc = scan(path)

    [removed] = findings(doc, "license-removed")
    assert removed["severity"] == "warning"  # the text is back at HEAD
    assert removed["subject"] == "LICENSE"
    assert {e["commit"] for e in removed["evidence"]} == {deleted}
    assert {e["path"] for e in removed["evidence"]} == {"LICENSE"}
    assert "deleted" in removed["message"] and "MIT License text" in removed["message"]

    [late] = findings(doc, "attribution-restored-late")
    commits = [e["commit"] for e in late["evidence"]]
    assert deleted in commits and restored in commits
    assert upload1 in commits and upload2 in commits  # weights published without attribution
    assert added not in commits
    # 2026-03-02 18:00 -> 2026-03-03 21:40, four revisions without the text
    assert "1 d 3 h" in late["message"] and "4 commits" in late["message"]
    assert "NOTICE" in late["message"]
    restored_evidence = [e for e in late["evidence"] if e["commit"] == restored]
    assert {e["path"] for e in restored_evidence} == {"NOTICE"}
    assert any(e["excerpt"] == "Copyright (c) 2023 DeepSeek" for e in restored_evidence)

    assert doc["summary"]["verdict"] == "pass" and doc["summary"]["error"] == 0
    changes = [(e["commit"], e["path"], e["change"]) for e in doc["timeline"]]
    assert (deleted, "LICENSE", "deleted") in changes
    assert (restored, "NOTICE", "added") in changes


def test_mit_text_replaced_by_another_license_is_an_error(repo):
    repo.commit("Add license", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    swap = repo.commit("Relicense", "2025-02-01 10:00:00", {"LICENSE": APACHE_NOTICE})
    doc = scan(repo.path)
    [removed] = findings(doc, "license-removed")
    assert removed["severity"] == "error"
    assert removed["evidence"][0]["commit"] == swap
    assert "changed" in removed["message"] and "still absent" in removed["message"]
    assert "MIT License text" in removed["message"]
    assert not findings(doc, "attribution-restored-late")
    [event] = [e for e in doc["timeline"] if e["commit"] == swap]
    assert event["licenses_before"] == ["MIT"] and event["licenses_after"] == ["Apache-2.0"]
    assert doc["summary"]["verdict"] == "fail"


def test_moving_the_text_to_notice_in_one_commit_is_not_a_removal(repo):
    repo.commit("Add license", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    repo.commit("Move license", "2025-01-02 10:00:00", {"LICENSE": None, "NOTICE": MIT_TEXT})
    doc = scan(repo.path)
    assert not findings(doc, "license-removed")
    assert not findings(doc, "attribution-restored-late")


def test_changed_copyright_holder_is_a_removed_copyright_line(repo):
    repo.commit("Add license", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    repo.commit("Rebrand", "2025-01-02 10:00:00",
                {"LICENSE": MIT_TEXT.replace("2023 DeepSeek", "2026 Sovereign AI Lab")})
    doc = scan(repo.path)
    [removed] = findings(doc, "license-removed")
    assert removed["severity"] == "error"
    assert "Copyright (c) 2023 DeepSeek" in removed["message"]
    assert removed["evidence"][0]["line"] == 3


def test_restoration_without_weights_still_reports_the_window(repo):
    repo.commit("Add license", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    repo.commit("Oops", "2025-01-01 11:00:00", {"LICENSE": None})
    repo.commit("Restore", "2025-01-01 11:30:00", {"LICENSE": MIT_TEXT})
    [late] = findings(scan(repo.path), "attribution-restored-late")
    assert "30 min" in late["message"] and "1 commit;" in late["message"]
    assert "no weights changed" in late["message"]


def test_removal_made_good_later_gives_the_window_the_uploads_inside_and_each_event_where(repo):
    """The seed case: the license deleted, weights and modeling code uploaded, the NOTICE 12 hours later."""
    repo.commit("Add license", "2025-01-01 08:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    gone = repo.commit("Clean up", "2025-01-01 10:00:00", {"LICENSE": None})
    weights = repo.commit("Upload weights", "2025-01-01 12:00:00",
                          {"model.safetensors": lfs_pointer("d" * 64, 100)})
    code = repo.commit("Remote code", "2025-01-01 14:00:00", {"modeling_acme.py": "class AcmeModel:\n    pass\n"})
    back = repo.commit("Add NOTICE", "2025-01-01 22:00:00", {"NOTICE": MIT_TEXT})
    doc = scan(repo.path)
    [late] = findings(doc, "attribution-restored-late")
    assert "12 h" in late["message"] and "3 commits" in late["message"]
    assert "1 of them uploaded weights without it, 1 changed modeling code" in late["message"]
    by_commit = {e["commit"]: e for e in late["evidence"]}
    assert by_commit[weights]["path"] == "model.safetensors" and by_commit[code]["path"] == "modeling_acme.py"
    # The deleted file's line is in the parent commit, and the evidence says so.
    removal = [e for e in late["evidence"] if e["commit"] == gone]
    assert removal and all(e["path"] == "LICENSE" and e["line"] and f"{gone[:12]}^, the parent commit" in e["note"]
                           for e in removal)
    assert by_commit[back]["path"] == "NOTICE"
    for event in doc["timeline"]:
        assert event["commit"] and event["date"] and event["author"] == "Demo Author" and event["path"]
        assert event["line"] is not None, event
    [deleted] = [e for e in doc["timeline"] if e["commit"] == gone]
    assert (deleted["change"], deleted["event"], deleted["path"]) == ("deleted", "removed", "LICENSE")


def test_merge_commits_follow_the_first_parent(repo):
    repo.commit("Add license", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("Side: drop license", "2025-01-02 10:00:00", {"LICENSE": None})
    repo.commit("Side: weights", "2025-01-03 10:00:00", {"model.safetensors": lfs_pointer("a" * 64, 10)})
    repo.git("checkout", "-q", "main")
    repo.commit("Main: docs", "2025-01-02 12:00:00", {"docs.md": "docs\n"})
    repo.git("merge", "-q", "--no-ff", "-m", "Merge side", "side",
             env={"GIT_AUTHOR_DATE": "2025-01-04 10:00:00 +0000", "GIT_COMMITTER_DATE": "2025-01-04 10:00:00 +0000"})
    merge = repo.git("rev-parse", "HEAD").strip()
    doc = scan(repo.path)
    assert doc["target"]["commits_scanned"] == 3  # add, docs, merge: side commits are not first-parent
    [removed] = findings(doc, "license-removed")
    assert removed["evidence"][0]["commit"] == merge
    assert removed["severity"] == "error"


def test_names_with_spaces_newlines_and_non_ascii(repo):
    weird = "licenses/MIT licence\nfür Modelle ü.txt"
    repo.commit("Add licenses", "2025-01-01 10:00:00",
                {weird: MIT_TEXT, "LICENSE-日本語.md": APACHE_NOTICE, "README.md": card()})
    gone = repo.commit("Remove one", "2025-01-02 10:00:00", {weird: None})
    doc = scan(repo.path)
    paths = {e["path"] for e in doc["timeline"]}
    assert weird in paths and "LICENSE-日本語.md" in paths
    [removed] = findings(doc, "license-removed")
    assert removed["subject"] == weird and removed["evidence"][0]["commit"] == gone
    assert [lf["path"] for lf in doc["license_files"]] == ["LICENSE-日本語.md"]


def test_shallow_clone_reports_incomplete_history_from_its_boundary(repo, tmp_path):
    repo.commit("Add license", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    head = repo.commit("Update card", "2025-01-02 10:00:00", {"README.md": card(extra="tags: [x]\n")})
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone)], check=True)
    doc = scan(clone)
    assert doc["target"]["history_complete"] is False
    assert doc["target"]["commits_scanned"] == 1
    [incomplete] = findings(doc, "history-incomplete")
    assert incomplete["evidence"][0]["commit"] == head
    assert head[:12] in incomplete["message"]
    # what is there is still audited
    assert [lf["path"] for lf in doc["license_files"]] == ["LICENSE"]
    assert not findings(scan(repo.path), "history-incomplete")


def test_plain_folder_reports_no_history(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "LICENSE").write_text(MIT_TEXT)
    (folder / "README.md").write_text(card())
    doc = scan(folder)
    assert doc["target"]["kind"] == "folder" and doc["target"]["revision"] is None
    [incomplete] = findings(doc, "history-incomplete")
    assert "plain folder" in incomplete["message"]
    assert doc["license_files"][0]["licenses"][0]["spdx"] == "MIT"
    assert doc["card"]["license"] == "mit"


def test_bare_repo_and_revision(repo, tmp_path):
    first = repo.commit("Add license", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    repo.commit("Drop license", "2025-01-02 10:00:00", {"LICENSE": None})
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True)
    doc = scan(bare)
    assert doc["target"]["kind"] == "bare"
    assert findings(doc, "license-removed")[0]["severity"] == "error"
    old = scan(bare, revision=first)
    assert old["target"]["revision"] == first
    assert not findings(old, "license-removed")
    assert old["license_files"][0]["path"] == "LICENSE"


def test_license_text_in_the_readme_counts_as_attribution(repo):
    readme = card() + "\n## License\n\n" + MIT_TEXT
    repo.commit("Add license", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT, "README.md": card()})
    repo.commit("Fold license into README", "2025-01-02 10:00:00", {"LICENSE": None, "README.md": readme})
    doc = scan(repo.path)
    assert not findings(doc, "license-removed")
    [readme_entry] = doc["license_files"]
    assert readme_entry["path"] == "README.md" and readme_entry["licenses"][0]["spdx"] == "MIT"
    assert readme_entry["licenses"][0]["start_line"] > 5
    repo.commit("Trim README", "2025-01-03 10:00:00", {"README.md": card()})
    [removed] = findings(scan(repo.path), "license-removed")
    assert removed["subject"] == "README.md" and removed["severity"] == "error"


def test_copyright_lines_quoted_elsewhere_in_the_readme_are_not_tracked(repo):
    sample = card() + "\n## Usage\n\n```python\n# Copyright 2024 Example Inc.\nimport model\n```\n"
    repo.commit("Add", "2025-01-01 10:00:00", {"LICENSE": MIT_TEXT, "README.md": sample})
    repo.commit("Shorter usage", "2025-01-02 10:00:00", {"README.md": card()})
    assert not findings(scan(repo.path), "license-removed")


def test_a_removed_copyright_line_cites_its_files_license_in_json_too(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    repo.commit("Edit", "2025-02-01 10:00:00", {"LICENSE": MIT_TEXT.replace("Copyright (c) 2023 DeepSeek", "")})
    [removed] = findings(scan(repo.path), "license-removed")
    assert removed["references"] == ["MIT: 'The above copyright notice ... shall be included in all copies'"]
    assert "MIT License asks that its copyright notices are retained" in removed["remediation"]
    assert "Apache" not in removed["remediation"]
