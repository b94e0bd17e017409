"""License and copyright identification on real texts from ../shared/testdata/licenses."""

from __future__ import annotations

import textwrap

import pytest
from helpers import SHARED

from auditor.facts.copyrights import find_copyrights
from auditor.facts.licenses import identify

LICENSES = SHARED / "licenses"

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


@pytest.mark.parametrize("name, spdx", [
    ("mit.txt", "MIT"), ("deepseek-v3-LICENSE-CODE-mit.txt", "MIT"), ("apache-2.0.txt", "Apache-2.0"),
])
def test_real_texts_as_distributed_and_reflowed(name, spdx):
    text = (LICENSES / name).read_text()
    [match] = identify(text)
    assert match.spdx == spdx and match.score == 1.0
    reflowed = "\n".join(textwrap.wrap(" ".join(text.split()), 60))
    assert [m.spdx for m in identify("My Model\n\n" + reflowed)] == [spdx]


def test_bsd_variants_are_told_apart():
    assert [m.spdx for m in identify(BSD_2)] == ["BSD-2-Clause"]
    assert [m.spdx for m in identify(BSD_3)] == ["BSD-3-Clause"]


def test_notice_bundling_two_licenses_gives_two_spans():
    mit = (LICENSES / "deepseek-v3-LICENSE-CODE-mit.txt").read_text()
    apache = (LICENSES / "apache-2.0.txt").read_text()
    notice = "This product bundles:\n\n" + mit + "\n-----\n\n" + apache
    matches = sorted(identify(notice), key=lambda m: m.start_line)
    assert [m.spdx for m in matches] == ["MIT", "Apache-2.0"]
    lines = notice.splitlines()
    mit_match, apache_match = matches
    assert lines[mit_match.start_line - 1].startswith("Permission is hereby granted")
    assert mit_match.end_line < apache_match.start_line
    assert "Apache License" in lines[apache_match.start_line - 1]
    assert apache_match.end_line == len(notice.rstrip("\n").splitlines())


def test_model_licenses_are_not_mistaken_for_mit_or_apache():
    for name in ("llama3.1.txt", "gemma.txt", "deepseek-license-agreement-v1.0.txt", "cc-by-4.0.txt"):
        assert identify((LICENSES / name).read_text()) == [], name


def test_binary_and_empty_text():
    assert identify("") == []
    assert identify("\x00\x01\x02") == []


def test_copyright_statements():
    text = ("# Copyright (c) 2022 The HuggingFace Inc. team.\n"
            "Copyright 2024 Alibaba Cloud. All rights reserved.\n"
            "Llama 3.1 is licensed under the Llama 3.1 Community License, Copyright © Meta Platforms, Inc. "
            "All Rights Reserved.\n"
            "The above copyright notice and this permission notice shall be included\n"
            "(c) You must retain, in the Source form\n"
            "Copyright [yyyy] [name of copyright owner]\n")
    found = find_copyrights(text)
    assert [(c.line, c.holders, c.years) for c in found] == [
        (1, ("The HuggingFace Inc. team",), ("2022",)),
        (2, ("Alibaba Cloud",), ("2024",)),
        (3, ("Meta Platforms, Inc",), ()),
    ]
    assert find_copyrights((LICENSES / "apache-2.0.txt").read_text()) == []
