"""License history on real-shaped repos: which files are license files, copyright identity, the
timeline's event kinds, model vs code repos, and past conflicts. Each test builds its repo in code
and asserts what a user sees: the event kind and the finding's severity."""

from __future__ import annotations

from helpers import APACHE_NOTICE, MIT_TEXT, card, findings, scan

from auditor.demo import lfs_pointer


def test_real_license_file_names_are_license_files(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {
        "README.md": card(), "MODEL_LICENSE": MIT_TEXT, "Tongyi Qianwen LICENSE AGREEMENT": MIT_TEXT,
        "LICENSES/Apache-2.0.txt": MIT_TEXT, "License.pdf": b"%PDF-1.4\n\0\0binary",
        "USE_POLICY.md": "# Llama 3.1 Acceptable Use Policy\n\nMeta is committed to promoting safe and fair use.\n",
        "docs/licensing-faq.md": "How we think about licensing: ask us.\n"})
    doc = scan(repo.path)
    paths = [lf["path"] for lf in doc["license_files"]]
    assert paths == ["LICENSES/Apache-2.0.txt", "License.pdf", "MODEL_LICENSE",
                     "Tongyi Qianwen LICENSE AGREEMENT", "USE_POLICY.md"]
    gone = repo.commit("Drop the PDF", "2025-01-02 10:00:00", {"License.pdf": None})
    doc = scan(repo.path)
    assert (gone, "License.pdf", "deleted") in [(e["commit"], e["path"], e["change"]) for e in doc["timeline"]]


def test_source_and_data_files_are_never_license_files_by_name(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {
        "README.md": "# A tool\n", "notice.py": "# Copyright 2024 X\nprint('notice')\n",
        "license_utils.py": MIT_TEXT, "copyright.json": "{}", "rules/licenses/mit.yaml": "key: mit\n"})
    repo.commit("Rework", "2025-01-02 10:00:00", {"notice.py": "print('changed')\n", "license_utils.py": None})
    doc = scan(repo.path)
    assert doc["license_files"] == [] and doc["timeline"] == []
    assert not findings(doc, "license-removed")
    [missing] = findings(doc, "license-missing")  # the repo's real problem
    assert missing["severity"] == "error"


def test_only_a_binary_license_document_is_a_warning_to_read_it(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": "# Model\n", "License.pdf": b"%PDF-1.4\n\0binary"})
    [missing] = findings(scan(repo.path), "license-missing")
    assert missing["severity"] == "warning" and "License.pdf" in missing["message"]


CUSTOM = ("ACME MODEL LICENSE\n\n" + "\n".join(
    f"{n}. The licensee may use clause number {n} of the Acme terms only for research on topic {n * 7}, and "
    f"must keep this paragraph {n} with every copy of the weights they distribute." for n in range(1, 13)) + "\n")


def _events(doc: dict, path: str | None = None) -> list[tuple[str, str]]:
    return [(e["path"], e["event"]) for e in doc["timeline"] if path is None or e["path"] == path]


def _gpl_text() -> str:
    from auditor.facts.licensedb import reference_text

    return reference_text("gpl-3.0")


def _apache_text() -> str:
    from auditor.facts.licensedb import reference_text

    return reference_text("apache-2.0")


def test_copyright_holder_is_its_identity_year_sign_suffix_and_file_do_not_matter(repo):
    repo.commit("Add", "2025-01-01 10:00:00",
                {"README.md": card(), "LICENSE": MIT_TEXT.replace("Copyright (c) 2023 DeepSeek",
                                                                  "Copyright (c) 2023 Meta Platforms, Inc.")})
    repo.commit("Year bump", "2025-02-01 10:00:00",
                {"LICENSE": MIT_TEXT.replace("Copyright (c) 2023 DeepSeek",
                                             "© 2024 Meta Platforms, Inc. and affiliates. All Rights Reserved.")})
    repo.commit("Copyright to NOTICE", "2025-03-01 10:00:00", {
        "LICENSE": MIT_TEXT.replace("Copyright (c) 2023 DeepSeek\n", ""),
        "NOTICE": "Copyright 2025 Meta Platforms Inc\n"})
    doc = scan(repo.path)
    assert not findings(doc, "license-removed")
    assert ("LICENSE", "modified") in _events(doc)


def test_fsf_boilerplate_on_a_gpl_text_is_no_attribution(repo):
    gpl = _gpl_text()
    assert "Copyright (C) 2007 Free Software Foundation" in gpl[:1000]
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card("license: gpl-3.0"), "COPYING": gpl})
    repo.commit("Relicense to MIT", "2025-02-01 10:00:00", {"COPYING": None, "LICENSE": MIT_TEXT})
    doc = scan(repo.path)
    assert all(not lf["copyrights"] or "Free Software" not in lf["copyrights"][0]["statement"]
               for lf in doc["license_files"])
    removed = findings(doc, "license-removed")
    assert removed and all("Free Software" not in f["message"] for f in removed)
    assert {f["severity"] for f in removed} == {"info"}  # the GPL text was replaced: no error


def test_owner_relicensing_is_a_replacement_not_an_error(repo):
    first = repo.commit("MIT", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    swap = repo.commit("Relicense under Apache-2.0", "2025-02-01 10:00:00",
                       {"README.md": card("license: apache-2.0"),
                        "LICENSE": "Copyright (c) 2023 DeepSeek\n\n" + _apache_text()})
    doc = scan(repo.path)
    [event] = [e for e in doc["timeline"] if e["path"] == "LICENSE" and e["commit"] == swap]
    assert event["event"] == "replaced" and event["previous_commit"] == first
    assert event["licenses_before"] == ["MIT"] and event["licenses_after"] == ["Apache-2.0"]
    [card_event] = [e for e in doc["timeline"] if e["change"] == "card-license-changed" and e["commit"] == swap]
    assert card_event["event"] == "replaced" and card_event["licenses_after"] == ["apache-2.0"]
    [replaced] = findings(doc, "license-removed")
    assert replaced["severity"] == "info" and "replaced by the Apache License 2.0 text" in replaced["message"]
    assert {e["commit"] for e in replaced["evidence"]} == {first, swap}
    assert doc["summary"]["verdict"] == "pass"


def test_edited_unidentified_text_is_modified_and_moving_it_is_a_move(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card("license: other"), "LICENSE": CUSTOM})
    repo.commit("Edit", "2025-02-01 10:00:00", {"LICENSE": CUSTOM.replace("research on topic 14", "any purpose")})
    moved = repo.commit("Rename", "2025-03-01 10:00:00",
                        {"LICENSE": None, "LICENSE.md": "# " + CUSTOM.replace("topic 21", "topic 22")})
    doc = scan(repo.path)
    assert _events(doc, "LICENSE") == [("LICENSE", "added"), ("LICENSE", "modified")]
    [move] = [e for e in doc["timeline"] if e["commit"] == moved]
    assert (move["event"], move["path"], move["from_path"]) == ("moved", "LICENSE.md", "LICENSE")
    assert not findings(doc, "license-removed") and not findings(doc, "attribution-restored-late")


def test_git_rename_of_an_identified_text_is_a_move(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    repo.git("mv", "LICENSE", "LICENSE.md")
    moved = repo.commit("Rename", "2025-02-01 10:00:00")
    doc = scan(repo.path)
    assert [(e["path"], e["event"], e["from_path"]) for e in doc["timeline"] if e["commit"] == moved] == [
        ("LICENSE.md", "moved", "LICENSE")]
    assert not findings(doc, "license-removed")


def test_full_text_cut_to_its_notice_is_a_removal(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card("license: apache-2.0"),
                                               "LICENSE": "Copyright 2024 Alibaba Cloud\n\n" + _apache_text()})
    cut = repo.commit("Shorter license", "2025-02-01 10:00:00", {"LICENSE": APACHE_NOTICE})
    doc = scan(repo.path)
    [event] = [e for e in doc["timeline"] if e["commit"] == cut]
    assert event["event"] == "removed" and event["change"] == "modified"
    [removed] = findings(doc, "license-removed")
    assert removed["severity"] == "error" and "Apache License 2.0 text" in removed["message"]


def test_deleted_file_evidence_points_at_the_parent_commit(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    gone = repo.commit("Drop", "2025-02-01 10:00:00", {"LICENSE": None})
    doc = scan(repo.path)
    [removed] = findings(doc, "license-removed")
    assert removed["severity"] == "error"
    assert all(e["commit"] == gone and f"{gone[:12]}^, the parent commit" in e["note"] for e in removed["evidence"])
    # The excerpt is the removed text itself, as the parent commit had it.
    assert [e["excerpt"].split("\n")[0] for e in removed["evidence"]] == [
        "Copyright (c) 2023 DeepSeek", "Permission is hereby granted, free of charge, to any person obtaining a copy"]
    [event] = [e for e in doc["timeline"] if e["commit"] == gone]
    assert (event["event"], event["change"], event["author"]) == ("removed", "deleted", "Demo Author")


def test_vendored_license_deleted_below_the_top_level_is_a_warning(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT.replace("DeepSeek", "Us"),
                                               "third_party/lib/LICENSE": _apache_text()})
    repo.commit("Drop vendored lib", "2025-02-01 10:00:00", {"third_party/lib/LICENSE": None})
    [removed] = findings(scan(repo.path), "license-removed")
    assert removed["severity"] == "warning" and "component" in removed["message"]


def test_card_license_removed_and_restored_is_an_event_with_both_commits(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    dropped = repo.commit("Card rewrite", "2025-02-01 10:00:00", {"README.md": card("tags: [x]")})
    back = repo.commit("Card license back", "2025-02-03 10:00:00", {"README.md": card()})
    doc = scan(repo.path)
    card_events = [(e["commit"], e["event"], e["previous_commit"]) for e in doc["timeline"]
                   if e["change"] == "card-license-changed"]
    assert card_events[1:] == [(dropped, "removed", None), (back, "restored", dropped)]
    assert not findings(doc, "license-metadata-invalid")


def test_code_repo_gets_no_card_rules_and_says_why(repo):
    repo.commit("Project", "2025-01-01 10:00:00", {
        "README.md": "# llama-tools\n\nScripts to fine-tune Llama models.\n", "LICENSE": MIT_TEXT,
        "src/train.py": "print('train')\n"})
    doc = scan(repo.path)
    assert doc["target"]["repo_kind"]["kind"] == "code"
    assert "no config.json" in doc["target"]["repo_kind"]["reasons"][0]
    assert not findings(doc, "license-metadata-invalid") and not findings(doc, "naming-requirement")
    repo.commit("Drop license", "2025-02-01 10:00:00", {"LICENSE": None})
    doc = scan(repo.path)
    assert findings(doc, "license-removed")[0]["severity"] == "error"  # history rules still apply
    assert findings(doc, "license-missing")[0]["severity"] == "error"


def test_model_repo_kind_comes_from_weights_config_or_front_matter(repo):
    repo.commit("Weights", "2025-01-01 10:00:00", {
        "README.md": "# A model\n", "LICENSE": MIT_TEXT, "pytorch_model.bin": lfs_pointer("b" * 64, 10)})
    doc = scan(repo.path)
    assert doc["target"]["repo_kind"] == {"kind": "model", "reasons": ["weight files in the history"]}
    [invalid] = findings(doc, "license-metadata-invalid")  # judged as a model repo: the card rules run
    assert invalid["severity"] == "info"  # a README without front matter beside its LICENSE: Hub metadata only


NOTICE_GEMMA = "Gemma is provided under and subject to the Gemma Terms of Use found at ai.google.dev/gemma/terms\n"
ADAPTER = '{"base_model_name_or_path": "google/gemma-2-9b-it", "peft_type": "LORA", "r": 64}'


def _gemma_adapter(repo, license_line: str = "", extra: dict | None = None) -> str:
    return repo.commit("Upload folder using huggingface_hub", "2024-09-10 17:16:00", {
        "README.md": card(license_line, "base_model: google/gemma-2-9b-it\nlibrary_name: peft\n"),
        "adapter_config.json": ADAPTER, "adapter_model.safetensors": lfs_pointer("a" * 64, 1000),
        **(extra or {})})


def test_apache_on_a_gemma_adapter_for_months_is_a_past_conflict_with_its_window(repo):
    """The Gemma adapter case: card license absent, apache-2.0 for eight months, removed, then gemma."""
    _gemma_adapter(repo)
    start = repo.commit("Update README.md", "2024-10-02 13:01:00", {
        "README.md": card("license: apache-2.0", "base_model: google/gemma-2-9b-it\nlibrary_name: peft\n")})
    upload = repo.commit("Retrained adapter", "2025-01-15 09:00:00",
                         {"adapter_model.safetensors": lfs_pointer("b" * 64, 1000)})
    dropped = repo.commit("Update README.md", "2025-06-25 08:41:56", {
        "README.md": card("", "base_model: google/gemma-2-9b-it\nlibrary_name: peft\n")})
    repo.commit("Gemma terms", "2025-06-25 08:52:05", {
        "README.md": card("license: gemma", "base_model: google/gemma-2-9b-it\nlibrary_name: peft\n"),
        "NOTICE": NOTICE_GEMMA})
    repo.commit("Later upload", "2025-07-01 10:00:00", {"adapter_model.safetensors": lfs_pointer("c" * 64, 1000)})
    doc = scan(repo.path)
    assert not findings(doc, "declared-license-conflict")  # HEAD is right
    [past] = findings(doc, "past-license-conflict")
    assert past["severity"] == "warning" and past["subject"] == "README.md"
    assert "license: apache-2.0" in past["message"] and "google/gemma-2-9b-it" in past["message"]
    assert f"From {start[:12]} (2024-10-02T13:01:00Z) to {dropped[:12]} (2025-06-25T08:41:56Z" in past["message"]
    assert "265 d" in past["message"] and "the card now declares gemma" in past["message"]
    assert f"1 weight upload fell inside it ({upload[:12]})" in past["message"]
    start_ev, end_ev, upload_ev = past["evidence"][:3]
    assert (start_ev["commit"], start_ev["path"], start_ev["line"]) == (start, "README.md", 2)
    assert end_ev["commit"] == dropped and "no longer declared" in end_ev["note"]
    assert (upload_ev["commit"], upload_ev["path"]) == (upload, "adapter_model.safetensors")
    # The removal of the card field is an event with the line it had.
    [removal] = [e for e in doc["timeline"] if e["commit"] == dropped]
    assert (removal["event"], removal["line"], removal["author"]) == ("removed", 2, "Demo Author")


def test_a_past_license_file_the_upstream_does_not_allow_points_at_the_parent_when_deleted(repo):
    from auditor.facts.licensedb import reference_text

    first = _gemma_adapter(repo, "license: gemma", {"LICENSE": reference_text("apache-2.0"), "NOTICE": NOTICE_GEMMA})
    gone = repo.commit("Drop the wrong license", "2024-12-01 10:00:00", {"LICENSE": None})
    doc = scan(repo.path)
    [past] = findings(doc, "past-license-conflict")
    assert past["severity"] == "warning" and past["subject"] == "LICENSE"
    assert "LICENSE held the Apache License 2.0" in past["message"]
    assert f"1 weight upload fell inside it ({first[:12]})" in past["message"]  # uploaded with the wrong text
    end = past["evidence"][1]
    assert end["commit"] == gone and end["path"] == "LICENSE" and "parent commit" in end["note"]
    assert "Apache License" in end["excerpt"] and "no longer declared" in end["note"]


def test_a_permissive_upstream_allows_any_past_terms(repo):
    repo.commit("MIT base", "2025-01-01 10:00:00", {
        "README.md": card("license: apache-2.0", "base_model: microsoft/phi-2\n"), "LICENSE": MIT_TEXT})
    repo.commit("Relicense", "2025-02-01 10:00:00",
                {"README.md": card("license: mit", "base_model: microsoft/phi-2\n")})
    assert not findings(scan(repo.path), "past-license-conflict")
