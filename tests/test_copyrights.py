"""Copyright statements kept whole, never invented from prose, and holders that keep their identity.
benchmarks/copyrights_vs_scancode.py compares the same extractor with ScanCode's detector; the cases
here are the defect classes that comparison turned up, and its fixtures too."""

from __future__ import annotations

import pytest
from helpers import MIT_TEXT, card, findings, run_cli, scan, shared_text

from auditor.facts.copyrights import find_copyrights, holder_identity
from auditor.facts.text import text_facts
from auditor.sources.base import Blob

SD35_NOTICE = ("“This Stability AI Model is licensed under the Stability AI Community License, Copyright © "
               "Stability AI Ltd. All Rights Reserved.”")


def statements(text: str) -> list[str]:
    return [c.statement for c in find_copyrights(text)]


@pytest.mark.parametrize("line, statement", [
    # what follows a closing quote is no part of the statement (Tongyi Qianwen's notice clause)
    ('"Tongyi Qianwen is licensed under the Tongyi Qianwen LICENSE AGREEMENT, Copyright (c) Alibaba Cloud. '
     'All Rights Reserved."; and', "Copyright (c) Alibaba Cloud"),
    ('Copyright 2024 Example Labs ("Example")', "Copyright 2024 Example Labs"),
    ('its own repo ships "Copyright (c) Microsoft Corporation." and', "Copyright (c) Microsoft Corporation"),
    # an abbreviation's period belongs to the name
    ("Copyright (c) Meta Platforms, Inc. All Rights Reserved.", "Copyright (c) Meta Platforms, Inc."),
    ("Copyright (c) 2024 Stability AI Ltd. All Rights Reserved.", "Copyright (c) 2024 Stability AI Ltd."),
    ("Copyright 2024 Black Forest Labs, Inc.", "Copyright 2024 Black Forest Labs, Inc."),
    ("Copyright 2024 Example Inc. Licensed under the Apache License, Version 2.0.", "Copyright 2024 Example Inc."),
    ("# Copyright 2022 EleutherAI and the HuggingFace Inc. team. All rights reserved.",
     "Copyright 2022 EleutherAI and the HuggingFace Inc. team"),
    # a holder's closing parenthesis is part of it
    ("Copyright (c) 2023 Example Labs (Research)", "Copyright (c) 2023 Example Labs (Research)"),
    ("Copyright 2023 The Falcon LLM Team (Technology Innovation Institute)",
     "Copyright 2023 The Falcon LLM Team (Technology Innovation Institute)"),
    # "All Rights Reserved" is cut however it is joined on
    ("Copyright © 2024 Example Labs, All Rights Reserved.", "Copyright © 2024 Example Labs"),
    ("Copyright (c) 2021 Example Labs; all rights reserved", "Copyright (c) 2021 Example Labs"),
    # no year, no sign
    ("Copyright Zhengxiao Du", "Copyright Zhengxiao Du"),
    # markup and emphasis around the statement
    ("**Copyright © 2024 Example Labs**", "Copyright © 2024 Example Labs"),
    ("<p>Copyright © 2024 Example Labs</p>", "Copyright © 2024 Example Labs"),
    ("<!--Copyright 2024 The GLM & ZhipuAI team and The HuggingFace Team. All rights reserved.",
     "Copyright 2024 The GLM & ZhipuAI team and The HuggingFace Team"),
    ("| Copyright (c) 2023 Example Labs | MIT |", "Copyright (c) 2023 Example Labs"),
    # a bracketed contact address stays in the statement (it is part of what a notice retains)
    ("Copyright 2023 Mistral AI <contact@mistral.ai>", "Copyright 2023 Mistral AI <contact@mistral.ai>"),
    (" * Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>",
     "Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>"),
    ("Portions Copyright (c) 2020 Example Labs", "Portions Copyright (c) 2020 Example Labs"),
    ("Copyright (c) 2022, the respective contributors, as shown by the AUTHORS file.",
     "Copyright (c) 2022, the respective contributors, as shown by the AUTHORS file"),
    ("Copyright © 2023 北京智谱华章科技有限公司", "Copyright © 2023 北京智谱华章科技有限公司"),
])
def test_statements_are_kept_whole(line, statement):
    assert statements("Header\n" + line + "\n") == [statement]


@pytest.mark.parametrize("text, statement", [
    ("# Copyright 2022 EleutherAI and\n# the HuggingFace Inc. team. All rights reserved.\n#\n# Licensed under",
     "Copyright 2022 EleutherAI and the HuggingFace Inc. team"),
    ("Copyright (c) 2023 Example Labs,\nJohn Doe and Jane Roe\n\nPermission is hereby granted",
     "Copyright (c) 2023 Example Labs, John Doe and Jane Roe"),
    ("Copyright (c) 2015-2019\nThe Foo Authors\n\nLicensed under the Apache License",
     "Copyright (c) 2015-2019 The Foo Authors"),
    ("Copyright (c) Meta Platforms, Inc. and\nits affiliates.\n",
     "Copyright (c) Meta Platforms, Inc. and its affiliates"),
    ("Copyright (c) 2023 Example Labs,\nand contributors\n", "Copyright (c) 2023 Example Labs, and contributors"),
    # after a comma the next line must read as a name: a license sentence is not one
    ("Copyright (c) 2023 Example Labs,\nLicensed under the MIT License.\n", "Copyright (c) 2023 Example Labs"),
    ("Copyright (c) 2023 Example Labs,\nAll rights reserved.\n", "Copyright (c) 2023 Example Labs"),
    # nothing to carry on with: the dangling "and" goes, the next sentence is not a holder
    ("Copyright (c) 2023 Example Labs and\n\nPermission is hereby granted", "Copyright (c) 2023 Example Labs"),
    ("Copyright (c) 2023 Example Labs and contributors.\nPermission is hereby granted",
     "Copyright (c) 2023 Example Labs and contributors"),
])
def test_a_statement_left_open_at_the_line_end_goes_on_on_the_next_line(text, statement):
    [found] = find_copyrights(text)
    assert (found.statement, found.line) == (statement, 1)


def test_a_statement_with_no_holder_takes_no_sentence_from_the_next_line():
    assert find_copyrights("Copyright 2024\nPermission is granted.\n") == []


@pytest.mark.parametrize("length", [401, 5_000, 1_000_000])
def test_long_lines_are_read(length):
    # The SD 3.5 license gives its notice inside one long paragraph line.
    line = ("x " * length)[:length - len(SD35_NOTICE) - 10] + SD35_NOTICE + " and more"
    assert len(line) >= length - 10
    assert statements("Header\n" + line + "\n") == ["Copyright © Stability AI Ltd."]


def test_one_line_with_many_statements_gives_each():
    line = "; ".join(f"Copyright (c) {2000 + i % 25} Holder H{i}" for i in range(2_000))
    found = find_copyrights(line)
    assert [c.holders for c in found] == [(f"Holder H{i}",) for i in range(2_000)]


@pytest.mark.parametrize("line", [
    "Copyright Notice", "Copyright and Similar Rights", "COPYRIGHT", "Copyright Licensing Agency",
    "the WIPO Copyright Treaty adopted on December 20, 1996",
    "(c) You must retain, in the Source form", "Section 2(c) of this Agreement",
    "copyright law", "subject to copyright law", "the copyright owner", "The copyright owner grants you",
    "All copyright notices must be retained.", "Copyright and related rights are waived.",
    "Copyright protection does not extend to the facts.",
    "You must retain the copyright notice of the Work.",
    'THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"',
    "Copyright (c) <year> <copyright holders>", "Copyright [yyyy] [name of copyright owner]",
    "Copyright (c) [year] [fullname]", "Copyright 2024", "Copyright (c)",
])
def test_prose_headings_and_placeholders_are_not_statements(line):
    assert find_copyrights(line) == []


@pytest.mark.parametrize("line, holder", [
    ("Copyright (c) 2020 John Doe (john@example.com)", "John Doe"),
    ("Copyright 2023 Mistral AI <contact@mistral.ai>", "Mistral AI"),
    ("Copyright (c) 2023 Example Labs (https://example.com)", "Example Labs"),
    ("Copyright (c) 2022, the respective contributors, as shown by the AUTHORS file.", "the respective contributors"),
    ("Portions Copyright (c) 2020 Example Labs", "Example Labs"),
    ("Copyright 2024 by Example Labs", "Example Labs"),
    ("Copyright (c) Meta Platforms, Inc. and affiliates.", "Meta Platforms, Inc. and affiliates"),
])
def test_holders_carry_no_contact_or_where_to_look(line, holder):
    [found] = find_copyrights(line)
    assert found.holders == (holder,)


def test_year_sign_and_company_suffix_leave_the_holder_the_same():
    [first, *rest] = [c for line in ("Copyright (c) 2023 Meta Platforms, Inc.",
                                     "© 2024 Meta Platforms, Inc. and affiliates. All Rights Reserved.",
                                     "Copyright 2025 Meta Platforms Inc",
                                     "COPYRIGHT (C) 2022-2025 META PLATFORMS, INC.")
                      for c in find_copyrights(line)]
    assert len(rest) == 3 and all(holder_identity(c) == holder_identity(first) for c in rest)
    [other] = find_copyrights("Copyright (c) 2023 Meta Research Labs")
    assert holder_identity(other) != holder_identity(first)


# What ScanCode's detector also finds in the shared real texts (the benchmark's first set).
REAL_STATEMENTS = {
    "apache-2.0.txt": [], "mit.txt": [], "cc-by-4.0.txt": [], "gemma.txt": [],
    "creativeml-openrail-m.txt": ["Copyright (c) 2022 Robin Rombach and Patrick Esser and contributors"],
    "deepseek-v3-LICENSE-CODE-mit.txt": ["Copyright (c) 2023 DeepSeek"],
    "llama2.txt": ["Copyright (c) Meta Platforms, Inc."],
    "llama3.1.txt": ["Copyright © Meta Platforms, Inc."],
    "tongyi-qianwen.txt": ["Copyright (c) Alibaba Cloud"],
}


@pytest.mark.parametrize("name", sorted(REAL_STATEMENTS))
def test_real_license_texts(name):
    assert statements(shared_text("licenses", name)) == REAL_STATEMENTS[name]


def test_license_boilerplate_stays_out_of_the_inventory():
    gpl_head = ("GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n\n"
                "Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>\n"
                "Everyone is permitted to copy and distribute verbatim copies\n")
    assert statements(gpl_head) and text_facts(Blob(data=gpl_head.encode())).copyrights == ()
    apache = shared_text("licenses", "apache-2.0.txt")
    assert text_facts(Blob(data=apache.encode())).copyrights == ()
    ours = "Copyright 2024 Alibaba Cloud\n\n" + apache
    assert [c.statement for c in text_facts(Blob(data=ours.encode())).copyrights] == ["Copyright 2024 Alibaba Cloud"]


def test_a_notice_from_auditor_notice_keeps_the_upstream_line_and_satisfies_the_scan(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: mit\nbase_model: microsoft/phi-4"), "LICENSE": MIT_TEXT})
    assert findings(scan(repo.path), "upstream-copyright-missing")
    notice = run_cli("notice", str(repo.path)).stdout
    assert "Copyright (c) Microsoft Corporation.\n" in notice  # verbatim, period included
    repo.commit("Add NOTICE", "2025-01-02 10:00:00", {"NOTICE": notice})
    doc = scan(repo.path)
    assert not findings(doc, "upstream-copyright-missing")
    [notice_file] = [lf for lf in doc["license_files"] if lf["path"] == "NOTICE"]
    assert "Copyright (c) Microsoft Corporation" in [c["statement"] for c in notice_file["copyrights"]]


def test_sd35_shaped_notice_file_is_inventoried(repo):
    paragraph = ("Notice. " + "You shall retain the following attribution notice within a Notice text file "
                 "distributed as a part of such copies: " * 8 + SD35_NOTICE)
    assert len(paragraph) > 400
    repo.commit("Upload", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE.md": paragraph + "\n"})
    [license_file] = [lf for lf in scan(repo.path)["license_files"] if lf["path"] == "LICENSE.md"]
    assert [c["statement"] for c in license_file["copyrights"]] == ["Copyright © Stability AI Ltd."]
