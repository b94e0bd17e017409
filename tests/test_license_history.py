"""License history on real-shaped repos: which files are license files, copyright identity, the
timeline's event kinds, model vs code repos, and past conflicts. Each test builds its repo in code
and asserts what a user sees: the event kind and the finding's severity."""

from __future__ import annotations

from helpers import MIT_TEXT, card, findings, scan


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
