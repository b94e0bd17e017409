"""Model licenses real repos ship and nobody had catalogued: the ChatGLM-6B and CodeGeeX model
licenses, the Stability AI Community License in its real form, and the Llama 2 Notice file. Each is
found by its phrase rules (rules/licenses/), in the versions that differ."""

from __future__ import annotations

import pytest
from helpers import card, findings, scan

from auditor.facts.licenses import identify

# Abridged from THUDM/ChatGLM-6B MODEL_LICENSE (first version, March 2023): the Chinese text is cut
# to its first clauses, the English kept.
CHATGLM_6B_RESEARCH = """\
The ChatGLM-6B License

一、定义

“许可方”是指分发其软件的 ChatGLM-6B 模型团队。

“软件”是指根据本许可提供的 ChatGLM-6B 模型参数。

1. Definitions

“Licensor” means the ChatGLM-6B Model Team that distributes its Software.

“Software” means the ChatGLM-6B model parameters made available under this license.

2. License Grant

Subject to the terms and conditions of this License, the Licensor hereby grants to you a non-exclusive, \
worldwide, non-transferable, non-sublicensable, revocable, royalty-free copyright license to use the Software \
solely for your non-commercial research purposes.

The above copyright notice and this permission notice shall be included in all copies or substantial portions \
of the Software.

3. Restriction

You will not use, copy, modify, merge, publish, distribute, reproduce, or create derivative works of the \
Software, in whole or in part, for any commercial, military, or illegal purposes.

4. Disclaimer

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.

5. Limitation of Liability

EXCEPT TO THE EXTENT PROHIBITED BY APPLICABLE LAW, IN NO EVENT AND UNDER NO LEGAL THEORY WILL ANY LICENSOR BE \
LIABLE TO YOU FOR ANY DIRECT, INDIRECT, SPECIAL, INCIDENTAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES.

6. Dispute Resolution

This license shall be governed and construed in accordance with the laws of People’s Republic of China. Any \
dispute arising from or in connection with this License shall be submitted to Haidian District People's Court \
in Beijing.

Note that the license is subject to update to a more comprehensive version.  For any questions related to the \
license and copyright, please contact us at glm-130b@googlegroups.com.
"""

# The revision published with ChatGLM2-6B: no research-only limit, ChatGLM2-6B excluded.
CHATGLM_6B_REVISED = (CHATGLM_6B_RESEARCH
                      .replace("made available under this license.",
                               "made available under this license (does not include the second-generation model "
                               "ChatGLM2-6B and subsequent models).")
                      .replace("to use the Software solely for your non-commercial research purposes.",
                               "to use the Software.")
                      .replace("for any commercial, military, or illegal", "for any military, or illegal")
                      .replace("glm-130b@googlegroups.com", "license@zhipuai.cn"))

# Abridged from THUDM/CodeGeeX MODEL_LICENSE.
CODEGEEX = (CHATGLM_6B_RESEARCH.split("1. Definitions", 1)[1]
            .replace("ChatGLM-6B", "CodeGeeX").replace("glm-130b@googlegroups.com", "report@aminer.cn"))
CODEGEEX = "The CodeGeeX License\n\n1. Definitions" + CODEGEEX

# Abridged from the Stability AI Community License Agreement as stabilityai/stable-diffusion-3.5-large
# ships it (LICENSE.md: Roman section numbers, straight quotes), the middle cut.
STABILITY = """\
STABILITY AI COMMUNITY LICENSE AGREEMENT

Last Updated: July 5, 2024

I. INTRODUCTION

This Agreement applies to any individual person or entity ("You", "Your" or "Licensee") that uses or distributes \
any portion or element of the Stability AI Materials or Derivative Works thereof for any Research & Non-Commercial \
or Commercial purpose. Capitalized terms not otherwise defined herein are defined in Section V below.

IV. GENERAL TERMS

a. Distribution & Attribution. If You distribute or make available the Stability AI Materials or a Derivative \
Work to a third party, or a product or service that uses any portion of them, You shall: (i) provide a copy of \
this Agreement to that third party, (ii) retain the following attribution notice within a "Notice" text file \
distributed as a part of such copies: "This Stability AI Model is licensed under the Stability AI Community \
License, Copyright © Stability AI Ltd. All Rights Reserved", and (iii) prominently display "Powered by Stability \
AI" on a related website, user interface, blogpost, about page, or product documentation.

V. DEFINITIONS

"AUP" means the Stability AI Acceptable Use Policy available at https://stability.ai/use-policy, as may be \
updated from time to time.

"Trade Control Laws" means any applicable U.S. and non-U.S. export control and trade sanctions laws and \
regulations.
"""
# The same text as the Hub's page and other copies give it: Arabic section numbers, curly quotes.
STABILITY_HUB = (STABILITY.replace("I. INTRODUCTION", "1. INTRODUCTION").replace("IV. GENERAL", "4. GENERAL")
                 .replace("V. DEFINITIONS", "5. DEFINITIONS").replace('"AUP"', "“AUP”")
                 .replace('"Trade Control Laws"', "“Trade Control Laws”"))

LLAMA2_NOTICE = ("Llama 2 is licensed under the LLAMA 2 Community License, Copyright (c) Meta Platforms, Inc. "
                 "All Rights Reserved.\n")


def _only(text: str):
    [match] = identify(text)
    return match


@pytest.mark.parametrize("text, label", [
    (CHATGLM_6B_RESEARCH, "The ChatGLM-6B License (non-commercial research)"),
    (CHATGLM_6B_REVISED, "The ChatGLM-6B License (without ChatGLM2-6B)"),
], ids=["research", "revised"])
def test_chatglm_6b_license_in_both_versions(text, label):
    match = _only(text)
    assert (match.key, match.name, match.form, match.matcher) == ("chatglm-6b-2023", label, "text", "phrase")
    assert match.start_line == 1 and match.end_line == len(text.rstrip("\n").split("\n"))
    assert match.score == 1.0


def test_chatglm_6b_english_part_alone_is_still_the_license():
    english = "The ChatGLM-6B License\n\n" + CHATGLM_6B_RESEARCH.split("1. Definitions", 1)[1].replace(
        "solely for your non-commercial research purposes", "")
    match = _only(english)
    assert (match.key, match.name) == ("chatglm-6b-2023", "The ChatGLM-6B License")
    assert match.score < 1.0  # no version's deciding sentence: the version is not claimed


def test_codegeex_license_is_not_chatglm():
    match = _only(CODEGEEX)
    assert (match.key, match.name, match.form) == ("codegeex-2022", "The CodeGeeX License", "text")


@pytest.mark.parametrize("text", [STABILITY, STABILITY_HUB], ids=["license-md", "hub-page"])
def test_stability_ai_community_license_in_its_real_forms(text):
    match = _only(text)  # the notice sentence inside clause IV.a is part of the text, not a Notice file
    assert (match.key, match.form, match.matcher) == ("stability-ai-community-2024", "text", "phrase")
    assert match.start_line == 1 and match.end_line == len(text.rstrip("\n").split("\n"))


@pytest.mark.parametrize("sign", ["(c)", "©"])
def test_llama_2_notice_file(sign):
    match = _only(LLAMA2_NOTICE.replace("(c)", sign))
    assert (match.key, match.form) == ("llama-2-license-2023", "notice")


def test_a_repo_under_the_chatglm_6b_license_has_it_as_its_license_file(repo):
    repo.commit("Add", "2025-01-01 10:00:00", {
        "README.md": card("license: other\nlicense_name: chatglm-6b\nlicense_link: MODEL_LICENSE"),
        "MODEL_LICENSE": CHATGLM_6B_REVISED, "LICENSE": "Apache License\nVersion 2.0, January 2004\n"})
    doc = scan(repo.path)
    [model_license] = [lf for lf in doc["license_files"] if lf["path"] == "MODEL_LICENSE"]
    assert [m["key"] for m in model_license["licenses"]] == ["chatglm-6b-2023"]
    assert "unrecognised_license" not in model_license
    repo.commit("Drop it", "2025-02-01 10:00:00", {"MODEL_LICENSE": None})
    [removed] = findings(scan(repo.path), "license-removed")
    assert removed["severity"] == "error" and "The ChatGLM-6B License" in removed["message"]
