"""One normalisation for every matcher (rules/normalisation.yaml): equivalent forms are the same text."""

from __future__ import annotations

import pytest
from helpers import card, config_json, findings, scan

from auditor.facts.copyrights import find_copyrights, holder_identity
from auditor.facts.licenses import identify
from auditor.facts.normalise import NormalisedText, phrase

LLAMA2_7B = dict(hidden_size=4096, intermediate_size=11008, num_hidden_layers=32, num_attention_heads=32,
                 num_key_value_heads=32, vocab_size=32000, max_position_embeddings=4096)
LLAMA31_8B = dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                  num_key_value_heads=8, vocab_size=128256, max_position_embeddings=131072)
LLAMA2_NOTICE = ("Llama 2 is licensed under the LLAMA 2 Community License, Copyright {sign} Meta Platforms, Inc. "
                 "All Rights Reserved.\n")
# rules/licenses writes this one with ©, and ScanCode's rules do not know it: only the table folds it.
LLAMA31_NOTICE = ("Llama 3.1 is licensed under the Llama 3.1 Community License, Copyright {sign} Meta Platforms, "
                  "Inc. All Rights Reserved.\n")
UPSTREAMS = {
    "llama-2": ("llama2", "meta-llama/Llama-2-7b-hf", LLAMA2_7B, LLAMA2_NOTICE, "llama-2-license-2023"),
    "llama-3.1": ("llama3.1", "meta-llama/Llama-3.1-8B", LLAMA31_8B, LLAMA31_NOTICE, "llama-3.1-license-2024"),
}


@pytest.mark.parametrize("upstream", sorted(UPSTREAMS))
@pytest.mark.parametrize("sign", ["(c)", "©", "(C)"])
def test_notice_file_passes_whichever_copyright_sign_it_uses(repo, upstream, sign):
    hf_id, base, sizes, notice, key = UPSTREAMS[upstream]
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card(f"license: {hf_id}\nbase_model: {base}"),
        "config.json": config_json("LlamaForCausalLM", "llama", **sizes),
    })
    [missing] = findings(scan(repo.path), "upstream-notice-missing")
    assert notice.split(",")[0] in missing["message"]
    repo.commit("Add Notice", "2025-01-02 10:00:00", {"Notice": notice.format(sign=sign)})
    doc = scan(repo.path)
    assert not findings(doc, "upstream-notice-missing")
    [notice_file] = [lf for lf in doc["license_files"] if lf["path"] == "Notice"]
    assert [(m["key"], m["form"]) for m in notice_file["licenses"]] == [(key, "notice")]


@pytest.mark.parametrize("variant", [
    "Copyright © Meta Platforms, Inc.",
    "Copyright (C) Meta Platforms,Inc .",
    "COPYRIGHT (c) META PLATFORMS INC",
    "“Copyright (c) Meta Platforms, Inc.”",
    "* Copyright (c) Meta Plat\u00adforms, Inc.",
])
def test_equivalent_spellings_normalise_alike(variant):
    assert phrase(variant) == phrase("Copyright (c) Meta Platforms, Inc.")


@pytest.mark.parametrize("variant, same_as", [
    ("non-commercial use", "NonCommercial use"),
    ("non – commercial use", "noncommercial use"),
    ("may sub-license", "may sublicense"),
    ("the Licence", "the license"),
    ("see https://example.org", "see http://example.org"),
    ("ﬁle and ﬂag", "file and flag"),
    ("zero\u200bwidth", "zerowidth"),
    ("'quoted' — dashed • bulleted", "\"quoted\" - dashed * bulleted"),
])
def test_table_folds_word_pairs_spellings_and_marks(variant, same_as):
    assert phrase(variant) == phrase(same_as)


def test_pairs_fold_whole_words_also_across_a_line_break():
    assert phrase("canon commercial") == "canon commercial"
    text = NormalisedText("a non-\ncommercial\nuse")
    assert text.words == ["a", "noncommercial", "use"] and text.lines == [1, 1, 3]


def test_copyright_holders_use_the_same_table():
    [a] = find_copyrights("Copyright © 2023 Meta Platforms, Inc.")
    [b] = find_copyrights("Copyright (C) 2024 Meta Platforms Inc")
    assert holder_identity(a) == holder_identity(b)


def test_a_notice_with_the_sign_is_identified_as_the_notice():
    for sign in ("(c)", "©"):
        [match] = identify(LLAMA2_NOTICE.format(sign=sign))
        assert (match.key, match.form, match.start_line) == ("llama-2-license-2023", "notice", 1)
