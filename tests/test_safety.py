"""Hostile and broken input: links out of the repo, bad YAML, binary files, bad targets."""

from __future__ import annotations

import os

import pytest
from helpers import MIT_TEXT, card, dumps, findings, run_cli, scan


def _secret(tmp_path):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("TOP-SECRET-CONTENT root:x:0:0\n" + MIT_TEXT)
    return secret


def test_git_license_symlink_out_of_repo_is_not_read(repo, tmp_path):
    repo.commit("Card", "2025-01-01 10:00:00", {"README.md": card()},
                links={"LICENSE": "/etc/passwd", "NOTICE": "../../outside/secret.txt"})
    _secret(tmp_path)
    doc = scan(repo.path)
    text = run_cli("scan", str(repo.path)).stdout
    for output in (dumps(doc), text):
        assert "/etc/passwd" not in output and "root:" not in output
        assert "secret" not in output and "TOP-SECRET" not in output
    files = {lf["path"]: lf for lf in doc["license_files"]}
    assert files["LICENSE"]["unreadable"].startswith("symbolic link to outside")
    assert files["NOTICE"]["licenses"] == []
    # nothing readable and the card declares mit: metadata is fine, but no text is there
    assert not findings(doc, "license-missing")


def test_folder_license_symlink_out_of_repo_is_not_read(tmp_path):
    secret = _secret(tmp_path)
    folder = tmp_path / "folder"
    folder.mkdir()
    os.symlink(secret, folder / "LICENSE")
    os.symlink("/etc/passwd", folder / "NOTICE")
    doc = scan(folder)
    out = dumps(doc)
    assert "TOP-SECRET" not in out and "root:" not in out and "secret.txt" not in out
    assert findings(doc, "license-missing")
    assert all(lf["licenses"] == [] for lf in doc["license_files"])


def test_symlink_inside_the_repo_is_followed(repo):
    repo.commit("License via link", "2025-01-01 10:00:00",
                {"docs/terms.txt": MIT_TEXT, "README.md": card()}, links={"LICENSE": "docs/terms.txt"})
    doc = scan(repo.path)
    [lf] = doc["license_files"]
    assert lf["path"] == "LICENSE" and lf["licenses"][0]["spdx"] == "MIT"


def test_malformed_yaml_is_a_finding(repo):
    repo.commit("Bad card", "2025-01-01 10:00:00",
                {"README.md": "---\nlicense: [mit\ntags: x\n---\n# Model\n", "LICENSE": MIT_TEXT})
    doc = scan(repo.path)
    [invalid] = findings(doc, "license-metadata-invalid")
    assert "malformed front matter" in invalid["message"]
    assert doc["card"]["error"]


def test_front_matter_that_is_not_a_mapping_is_a_finding(repo):
    repo.commit("Bad card", "2025-01-01 10:00:00", {"README.md": "---\n- a\n- b\n---\n# Model\n"})
    doc = scan(repo.path)
    assert "malformed front matter" in findings(doc, "license-metadata-invalid")[0]["message"]
    assert findings(doc, "license-missing")


def test_binary_license_and_truncated_config_do_not_crash(repo):
    repo.commit("Odd files", "2025-01-01 10:00:00", {
        "LICENSE": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "config.json": '{"architectures": ["LlamaForCausalLM"], "hidden_si',
        "README.md": card("license: llama3.1"),
    })
    doc = scan(repo.path)
    [lf] = doc["license_files"]
    assert lf["unreadable"] == "binary file" and lf["licenses"] == []
    assert doc["card"]["license"] == "llama3.1"


def test_empty_repo_and_empty_license(repo, tmp_path):
    doc = scan(repo.path)  # no commits at all
    assert doc["target"]["revision"] is None and doc["target"]["commits_scanned"] == 0
    assert findings(doc, "license-missing")
    repo.commit("Empty license", "2025-01-01 10:00:00", {"LICENSE": ""})
    doc = scan(repo.path)
    assert findings(doc, "license-missing")


@pytest.mark.parametrize("args, message", [
    (["scan", "/nonexistent/model"], "target does not exist"),
    (["scan", "--format", "yaml", "."], "Invalid value for '--format'"),
    (["scan", "--fail-on", "critical", "."], "Invalid value for '--fail-on'"),
    (["bogus"], "No such command"),
])
def test_bad_input_gives_one_line_and_exit_2(args, message):
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_revision_file_target_and_unwritable_output(repo, tmp_path):
    repo.commit("Card", "2025-01-01 10:00:00", {"README.md": card()})
    cases = [
        (["scan", str(repo.path), "--revision", "no-such-branch"], "revision not found"),
        (["scan", str(repo.path), "--revision", "--output=x"], "invalid revision"),
        (["scan", str(repo.path / "README.md")], "not a directory"),
        (["scan", str(repo.path), "--output", str(tmp_path / "missing" / "r.json")], "cannot write"),
        (["scan", str(repo.path), "--rules", str(tmp_path / "nope")], "not a directory"),
    ]
    for args, message in cases:
        result = run_cli(*args)
        assert result.returncode == 2, args
        assert result.stderr.count("\n") == 1 and message in result.stderr, (args, result.stderr)
