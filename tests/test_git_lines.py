"""Every line number given as evidence is git's: only "\\n" ends a line (str.splitlines() also ends
one at U+2028, U+0085, form feeds and lone carriage returns)."""

from __future__ import annotations

import json
import subprocess

from helpers import MIT_TEXT, findings, run_cli, scan

# Characters git does not break lines at, each above the evidence it would shift.
ODD = "Model files\u2028of this repository\n\x0c\nare released as follows:\x85 see below\x1c\x1d\x1e\rok\n"
LICENSE = ODD + "Copyright (c) 2024 Example Labs\n\n" + MIT_TEXT.split("\n", 4)[4]
NOTICE = ODD + ("Llama 3.1 is licensed under the Llama 3.1 Community License, Copyright © Meta Platforms, Inc. "
                "All Rights Reserved.\n")
README = f"---\ntags: [a\u2028b, c\x85d]\nlicense: apache-2.0\n---\n# Model\n\n{ODD}"


def git_line(repo_path, path: str, text: str) -> int:
    """The line git gives for the first line of `path` that holds `text`."""
    out = subprocess.run(["git", "grep", "-n", "-F", text, "HEAD", "--", path], cwd=repo_path, check=True,
                         capture_output=True, text=True).stdout
    return int(out.split("\n")[0].split(":")[2])


def test_evidence_lines_are_gits_in_every_path(repo, tmp_path):
    repo.commit("Upload", "2025-01-01 10:00:00", {"LICENSE": LICENSE, "NOTICE": NOTICE, "README.md": README})
    assert LICENSE.splitlines().index("Copyright (c) 2024 Example Labs") + 1 > git_line(
        repo.path, "LICENSE", "Copyright (c) 2024 Example Labs")  # the fixture does shift splitlines()
    doc = scan(repo.path)
    files = {lf["path"]: lf for lf in doc["license_files"]}

    # scan's license files: the copyright line and the license's span
    [copyright] = files["LICENSE"]["copyrights"]
    assert copyright["line"] == git_line(repo.path, "LICENSE", "Copyright (c) 2024 Example Labs") == 4
    [mit] = files["LICENSE"]["licenses"]
    assert mit["start_line"] == git_line(repo.path, "LICENSE", "Permission is hereby granted")
    assert mit["end_line"] == len(LICENSE.rstrip("\n").split("\n"))

    # the notice matcher
    [notice] = files["NOTICE"]["licenses"]
    assert (notice["key"], notice["form"]) == ("llama-3.1-license-2024", "notice")
    assert notice["start_line"] == notice["end_line"] == git_line(repo.path, "NOTICE", "Llama 3.1 is licensed") == 4

    # locations: the card's front matter field, and a license file's line
    [mismatch] = findings(doc, "license-file-mismatch")
    assert mismatch["location"] == {"path": "LICENSE", "line": mit["start_line"]}
    repo.commit("Card", "2025-01-02 10:00:00", {"README.md": README.replace("apache-2.0", "apache-two")})
    [invalid] = findings(scan(repo.path), "license-metadata-invalid")
    assert invalid["location"] == {"path": "README.md",
                                   "line": git_line(repo.path, "README.md", "license: apache-two")}
    assert invalid["location"]["line"] == 3

    # identify's JSON
    (tmp_path / "LICENSE").write_text(LICENSE, encoding="utf-8")
    [result] = json.loads(run_cli("identify", str(tmp_path / "LICENSE"), "--format", "json").stdout)
    assert result["copyrights"][0]["line"] == copyright["line"]
    assert (result["matches"][0]["start_line"], result["matches"][0]["end_line"]) == (mit["start_line"],
                                                                                      mit["end_line"])
