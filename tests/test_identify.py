"""License identification on real texts from ../shared/testdata/licenses (copyrights: test_copyrights.py)."""

from __future__ import annotations

import pytest
from helpers import LICENSE_EXPECTATIONS, perturbations, shared_text

from auditor.facts.copyrights import find_copyrights
from auditor.facts.licenses import identify

BSD_2 = """\
Copyright (c) 2020, Example Org
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES ... EVEN IF ADVISED OF THE
POSSIBILITY OF SUCH DAMAGE.
"""
BSD_3 = BSD_2.replace(
    "THIS SOFTWARE",
    "3. Neither the name of the copyright holder nor the names of its\n   contributors may be used to endorse "
    "or promote products.\n\nTHIS SOFTWARE")


@pytest.mark.parametrize("name", sorted(LICENSE_EXPECTATIONS))
def test_real_texts_in_real_and_perturbed_forms(name):
    key, hf = LICENSE_EXPECTATIONS[name]
    for form, text in perturbations(shared_text("licenses", name)).items():
        matches = identify(text)
        assert matches, (name, form)
        best = matches[0]
        assert (best.key, best.hf) == (key, hf), (name, form, matches)
        assert best.score >= 0.9, (name, form, best)
        # A use policy appended to the license (llama3.txt carries its AUP) is a match of its own.
        assert len([m for m in matches if m.form != "use-policy"]) == 1, (name, form, matches)


def test_llama_3_point_versions_are_told_apart_by_their_version_lines():
    texts = {v: shared_text("licenses", f"llama{v}.txt") for v in ("3.1", "3.2", "3.3")}
    for version, text in texts.items():
        [match] = identify(text)
        assert match.key == f"llama-{version}-license-2024"
        assert match.name == f"Llama {version} Community License Agreement"


def test_bsd_variants_are_told_apart():
    assert [m.spdx for m in identify(BSD_2)] == ["BSD-2-Clause"]
    assert [m.spdx for m in identify(BSD_3)] == ["BSD-3-Clause"]


def test_notice_bundling_two_licenses_gives_two_spans():
    mit = shared_text("licenses", "deepseek-v3-LICENSE-CODE-mit.txt")
    apache = shared_text("licenses", "apache-2.0.txt")
    notice = "This product bundles:\n\n" + mit + "\n-----\n\n" + apache
    matches = sorted(identify(notice), key=lambda m: m.start_line)
    assert [m.spdx for m in matches] == ["MIT", "Apache-2.0"]
    lines = notice.splitlines()
    mit_match, apache_match = matches
    assert lines[mit_match.start_line - 1].startswith("Permission is hereby granted")
    assert mit_match.end_line < apache_match.start_line
    assert "Apache License" in lines[apache_match.start_line - 1]
    assert apache_match.end_line == len(notice.rstrip("\n").splitlines())


def test_model_notice_strings_are_identified():
    notice = ("Llama 3.1 is licensed under the Llama 3.1 Community License, Copyright © Meta Platforms, Inc. "
              "All Rights Reserved.\n\nGemma is provided under and subject to the Gemma Terms of Use found at "
              "ai.google.dev/gemma/terms\n")
    assert [(m.key, m.start_line, m.matcher) for m in identify(notice)] == [
        ("llama-3.1-license-2024", 1, "phrase"), ("gemma-tou-2024-04-01", 3, "phrase")]


def test_binary_empty_and_huge_files():
    from auditor.facts.text import text_facts
    from auditor.sources.base import Blob

    assert identify("") == []
    assert text_facts(Blob(data=b"")).licenses == ()
    assert text_facts(Blob(data=b"\x89PNG\r\n\x00\x00" + bytes(range(256)) * 100)).unreadable == "binary file"
    filler = "Component {0} ships with the documentation and examples listed in its manifest.\n" * 20
    mit = shared_text("licenses", "mit.txt")
    huge = "".join(filler.format(i) + (mit if i % 40 == 0 else "") for i in range(4000))
    assert len(huge) > 5_000_000
    facts = text_facts(Blob(data=huge.encode()))
    assert [m.spdx for m in facts.licenses] == ["MIT"] * 100


def test_line_numbers_are_counted_as_git_counts_them():
    # U+2028, U+0085 and form feeds are not line breaks to git (str.splitlines() says they are).
    text = ("Model files\u2028of this repository\n\x0c\nare released as follows:\x85 see below\n"
            "Copyright (c) 2024 Example Labs\n" + shared_text("licenses", "mit.txt").split("\n", 4)[4])
    [copyright] = find_copyrights(text)
    assert copyright.line == 4 == text.split("\n").index("Copyright (c) 2024 Example Labs") + 1
    [match] = identify(text)
    lines = text.split("\n")
    assert match.spdx == "MIT" and lines[match.start_line - 1].startswith("Permission is hereby")
    assert match.end_line == len(text.rstrip("\n").split("\n"))
    assert match.start_line == 6  # str.splitlines() would say 9


def test_hugging_face_ids_round_trip_through_keys():
    from auditor.facts.license_ids import hf_id_for_key, hf_licenses, spdx_for_key

    table = hf_licenses()
    assert len(table) >= 80 and {"other", "unknown", "llama3.1", "gemma", "bigscience-openrail-m"} <= set(table)
    for hf_id, key in table.items():
        if key:
            assert hf_id_for_key(key) == hf_id
            assert spdx_for_key(key)
    # keys of our own get our namespace, never a made-up ScanCode id
    assert spdx_for_key("qwen-2024") == "LicenseRef-model-license-auditor-qwen-2024"
    assert spdx_for_key("bsd-new") == "BSD-3-Clause"


def test_identify_command_json(tmp_path):
    from helpers import run_cli

    notice = tmp_path / "NOTICE"
    notice.write_text(shared_text("licenses", "deepseek-v3-LICENSE-CODE-mit.txt") + "\n\n"
                      + shared_text("licenses", "llama3.2.txt"))
    (tmp_path / "weights.bin").write_bytes(bytes(range(256)))
    result = run_cli("identify", str(notice), str(tmp_path / "weights.bin"), "--format", "json")
    assert result.returncode == 0
    import json

    [first, second] = json.loads(result.stdout)
    assert list(first) == ["path", "matches", "copyrights"]
    assert [(m["spdx"], m["hf"]) for m in first["matches"]] == [
        ("MIT", "mit"), ("LicenseRef-scancode-llama-3.2-license-2024", "llama3.2")]
    assert list(first["matches"][0]) == ["spdx", "key", "hf", "name", "score", "start_line", "end_line", "matcher",
                                         "form"]
    assert first["copyrights"][0]["statement"] == "Copyright (c) 2023 DeepSeek"
    assert second["matches"] == [] and second["unreadable"] == "binary file"
    assert run_cli("identify", str(tmp_path / "missing")).returncode == 2


# Licenses the shared test data has no verbatim copy of: their title and version lines must be enough.
@pytest.mark.parametrize("heading, key", [
    ("Qwen LICENSE AGREEMENT\n\nQwen LICENSE AGREEMENT Release Date: September 19, 2024", "qwen-2024"),
    ("Qwen RESEARCH LICENSE AGREEMENT\n\nQwen RESEARCH LICENSE AGREEMENT Release Date: September 19, 2024",
     "qwen-research-2024"),
    ("Mistral AI Non-Production License\n\n1. Scope ... a Non-Production Environment ...",
     "mistral-ai-non-production-0.1"),
    ("Mistral AI Research License\n\nYou may use the Model for Research Purposes only.", "mistral-ai-research-0.1"),
    ("NVIDIA Open Model License Agreement\n\n... NVIDIA's Trustworthy AI terms ...", "nvidia-open-model-2025-04-28"),
    ("Falcon 180B TII License Version 1.0\n\n... the Acceptable Use Policy ...", "falcon-180b-tii-license-1.0"),
    ("CreativeML Open RAIL++-M License\ndated November 24, 2022\n...\nAttachment A\nUse Restrictions",
     "openrail-plus-plus"),
    ("BigCode Open RAIL-M v1 License Agreement\n...\nAttachment A\nUse Restrictions", "bigcode-open-rail-m-v1"),
])
def test_model_license_headings(heading, key):
    assert [m.key for m in identify(heading)] == [key]
