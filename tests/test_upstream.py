"""Upstream obligations: what each license demands of a derivative, checked at HEAD."""

from __future__ import annotations

from helpers import MIT_TEXT, card, config_json, findings, run_cli, scan, shared_text

from auditor.demo import build_demo_repo

LLAMA31_8B = dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                  num_key_value_heads=8, vocab_size=128256, max_position_embeddings=131072)
GEMMA2_9B = dict(hidden_size=3584, intermediate_size=14336, num_hidden_layers=42, num_attention_heads=16,
                 num_key_value_heads=8, vocab_size=256000)


def rules_of(doc: dict) -> set[str]:
    return {f["rule"] for f in doc["findings"]}


def llama_relabelled(repo):
    repo.commit("Release SovereignLM", "2026-03-01 10:00:00", {
        "README.md": "---\nlicense: apache-2.0\n---\n# SovereignLM-8B\n\nOur own national model.\n",
        "LICENSE": shared_text("licenses", "apache-2.0.txt"),
        "config.json": config_json("LlamaForCausalLM", "llama", **LLAMA31_8B),
    })


def test_llama_derivative_relabelled_apache_fails_on_every_llama_term(repo):
    llama_relabelled(repo)
    doc = scan(repo.path)
    fired = rules_of(doc)
    assert {"declared-license-conflict", "upstream-license-missing", "upstream-notice-missing",
            "naming-requirement", "undisclosed-base-model", "use-restrictions-missing"} <= fired
    conflicts = findings(doc, "declared-license-conflict")  # one per source: the card, and LICENSE
    [conflict] = [f for f in conflicts if f["evidence"][0]["path"] == "README.md"]
    [from_file] = [f for f in conflicts if f["evidence"][0]["path"] == "LICENSE"]
    assert from_file["severity"] == "error" and "LICENSE holds the Apache" in from_file["message"]
    assert conflict["severity"] == "error" and "Llama 3.1" in conflict["message"]
    assert conflict["references"][0].startswith("Llama 3.1 §1.b.i")
    naming = " ".join(f["message"] for f in findings(doc, "naming-requirement"))
    assert '"SovereignLM-8B" must begin with "Llama"' in naming and "Built with Llama" in naming
    [notice] = findings(doc, "upstream-notice-missing")
    assert "Llama 3.1 is licensed under the Llama 3.1 Community License" in notice["message"]
    assert run_cli("scan", str(repo.path)).returncode == 1


def test_mit_restored_via_notice_has_no_upstream_license_finding(tmp_path):
    doc = scan(build_demo_repo(tmp_path / "demo"))
    assert not findings(doc, "upstream-license-missing")
    assert not findings(doc, "upstream-copyright-missing")
    assert {"license-removed", "attribution-restored-late"} <= rules_of(doc)


def test_gemma_derivative_without_notice_file(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: gemma\nbase_model: google/gemma-2-9b-it"),
        "LICENSE": shared_text("licenses", "gemma.txt"),
        "config.json": config_json("Gemma2ForCausalLM", "gemma2", **GEMMA2_9B),
    })
    doc = scan(repo.path)
    [notice] = findings(doc, "upstream-notice-missing")
    assert "Gemma is provided under and subject to the Gemma Terms of Use" in notice["message"]
    assert not findings(doc, "upstream-license-missing")
    assert not findings(doc, "declared-license-conflict")
    repo.commit("Add Notice", "2025-01-02 10:00:00", {
        "NOTICE": "Gemma is provided under and subject to the Gemma Terms of Use found at ai.google.dev/gemma/terms\n"})
    assert not findings(scan(repo.path), "upstream-notice-missing")


def test_openrail_derivative_without_use_restrictions(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: creativeml-openrail-m\nbase_model: CompVis/stable-diffusion-v1-4"),
    })
    [sd] = findings(scan(repo.path), "use-restrictions-missing")  # Stable Diffusion 1.x is catalogued
    assert sd["subject"] == "CompVis/stable-diffusion-v1-4" and "CreativeML Open RAIL-M" in sd["message"]
    # The card puts the model under the upstream's own license, whose terms carry the restrictions:
    # referenced through the id only, so a reviewer checks it (the missing text is its own error).
    assert sd["severity"] == "warning" and "declares license: creativeml-openrail-m" in sd["message"]
    repo.commit("Declare an OpenRAIL upstream, and no license", "2025-01-02 10:00:00", {
        "README.md": "---\nbase_model: bigscience/bloom-7b1\n---\n# A model\n",
    })
    doc = scan(repo.path)
    [restrictions] = findings(doc, "use-restrictions-missing")
    assert restrictions["severity"] == "error" and "Attachment A" in restrictions["references"][0]
    repo.commit("Reference the restrictions", "2025-01-03 10:00:00", {
        "NOTICE": "Use of this model is subject to the use restrictions in Attachment A of the BigScience RAIL "
                  "License v1.0.\n"})
    assert not findings(scan(repo.path), "use-restrictions-missing")


def test_cc_by_nc_upstream_relabelled_mit(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: mit\nbase_model: CohereForAI/c4ai-command-r-v01"),
        "LICENSE": MIT_TEXT,
    })
    doc = scan(repo.path)
    conflict, from_file = findings(doc, "declared-license-conflict")  # the card, and the MIT LICENSE
    assert from_file["evidence"][0]["path"] == "LICENSE"
    assert "CC-BY-NC" in conflict["message"] or "NonCommercial" in conflict["message"]
    assert "upstream-license-missing" in rules_of(doc)
    assert "upstream-copyright-missing" not in rules_of(doc)  # Cohere's repo ships no copyright line


def test_compatibility_table():
    from auditor.checks.upstream import compatible

    assert not compatible("cc-by-nc-4.0", "Source-available", "mit")
    assert compatible("mit", "Permissive", "apache-2.0")
    assert compatible("apache-2.0", "Permissive", "apache-2.0")
    assert not compatible("llama-3.1-license-2024", "Proprietary Free", "apache-2.0")
    assert compatible("llama-3.1-license-2024", "Proprietary Free", "llama-3.1-license-2024")


def test_correctly_attributed_qwen25_finetune_is_clean(repo):
    repo.commit("Upload", "2025-03-01 10:00:00", {
        "README.md": card("license: apache-2.0\nbase_model: Qwen/Qwen2.5-7B-Instruct") + "# Qwen2.5-7B-JA\n",
        "LICENSE": "Copyright 2024 Alibaba Cloud\n\n" + shared_text("licenses", "apache-2.0.txt"),
        "config.json": config_json("Qwen2ForCausalLM", "qwen2", hidden_size=3584, intermediate_size=18944,
                                   num_hidden_layers=28, num_attention_heads=28, num_key_value_heads=4,
                                   vocab_size=152064),
    })
    doc = scan(repo.path)
    assert [f["rule"] for f in doc["findings"] if f["severity"] != "info"] == []


def test_license_file_mismatch(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: apache-2.0"), "LICENSE": MIT_TEXT})
    [mismatch] = findings(scan(repo.path), "license-file-mismatch")
    assert mismatch["subject"] == "LICENSE" and "MIT" in mismatch["message"]


MODELING_HEADER = '''# coding=utf-8
# Copyright 2022 EleutherAI and the HuggingFace Inc. team. All rights reserved.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
'''
MODELING_BODY = "import torch\n\n\nclass MyLlamaForCausalLM(torch.nn.Module):\n    pass\n"


def test_modeling_file_whose_apache_header_is_stripped(repo):
    repo.commit("Add model code", "2025-01-01 10:00:00", {
        "README.md": card(), "LICENSE": MIT_TEXT, "modeling_my.py": MODELING_HEADER + MODELING_BODY})
    stripped = repo.commit("Clean up code", "2025-01-05 10:00:00", {"modeling_my.py": MODELING_BODY + "# tidy\n"})
    doc = scan(repo.path)
    [removed] = [f for f in findings(doc, "code-notice-removed") if f["severity"] == "warning"]
    assert removed["subject"] == "modeling_my.py"
    assert removed["evidence"][0]["commit"] == stripped and removed["evidence"][0]["line"] == 2
    assert "EleutherAI" in removed["message"] and "Apache" in removed["message"]
    assert removed["references"][0].startswith("Apache-2.0 §4(c)")


def test_modified_upstream_file_without_change_notice_is_info(repo):
    repo.commit("Add model code", "2025-01-01 10:00:00", {
        "README.md": card(), "LICENSE": MIT_TEXT, "modeling_my.py": MODELING_HEADER + MODELING_BODY})
    repo.commit("Tweak", "2025-01-05 10:00:00", {"modeling_my.py": MODELING_HEADER + MODELING_BODY + "X = 1\n"})
    [info] = findings(scan(repo.path), "code-notice-removed")
    assert info["severity"] == "info" and "without a notice" in info["message"]
    repo.commit("Mark it", "2025-01-06 10:00:00", {
        "modeling_my.py": MODELING_HEADER + "# Modified by Example Labs, 2025: added X.\n" + MODELING_BODY + "X = 1\n"})
    assert not findings(scan(repo.path), "code-notice-removed")


DEEPSEEK_V3 = dict(hidden_size=7168, intermediate_size=18432, moe_intermediate_size=2048, num_hidden_layers=61,
                   num_attention_heads=128, n_routed_experts=256, vocab_size=129280)
NOTICE_RULES = {"upstream-notice-missing", "upstream-copyright-missing", "use-restrictions-missing"}

ROUND_TRIPS = {
    # case: (files, upstream license text in the tool's reference data?)
    "llama relabelled": ({"README.md": "---\nlicense: apache-2.0\n---\n# SovereignLM-8B\n",
                          "config.json": config_json("LlamaForCausalLM", "llama", **LLAMA31_8B)}, False),
    "gemma without notice": ({"README.md": card("license: gemma\nbase_model: google/gemma-2-9b-it")}, False),
    "openrail without restrictions": ({"README.md": card(
        "license: bigscience-bloom-rail-1.0\nbase_model: bigscience/bloom-7b1")}, True),
    "cc-by-nc relabelled mit": ({"README.md": card("license: mit\nbase_model: CohereForAI/c4ai-command-r-v01")},
                                True),
    "mit upstream without text": ({"README.md": card("license: mit\nbase_model: deepseek-ai/DeepSeek-V3-0324"),
                                   "config.json": config_json("DeepseekV3ForCausalLM", "deepseek_v3", **DEEPSEEK_V3)},
                                  True),
}


def test_notice_round_trips_clear_the_attribution_findings(tmp_path):
    from auditor.demo import RepoBuilder

    for number, (case, (files, text_available)) in enumerate(ROUND_TRIPS.items()):
        repo = RepoBuilder(tmp_path / f"case{number}")
        repo.commit("Upload", "2025-01-01 10:00:00", files)
        before = rules_of(scan(repo.path))
        assert before & (NOTICE_RULES | {"upstream-license-missing"}), case
        notice_file = tmp_path / f"NOTICE-{number}"
        result = run_cli("notice", str(repo.path), "--output", str(notice_file))
        assert result.returncode == 0, result.stderr
        repo.commit("Add NOTICE", "2025-01-02 10:00:00", {"NOTICE": notice_file.read_text()})
        after = rules_of(scan(repo.path))
        assert not after & NOTICE_RULES, (case, after)
        if text_available:
            assert "upstream-license-missing" not in after, case
        else:
            assert "upstream-license-missing" in after, case
            assert "Add the full text of the" in result.stderr and "https://" in result.stderr, case


LLAMA2_NOTICE = ("Llama 2 is licensed under the LLAMA 2 Community License, Copyright (c) Meta Platforms, Inc. "
                 "All Rights Reserved.")
LLAMA2_CARD = card("license: llama2\nbase_model: meta-llama/Llama-2-7b-hf")


def test_llama2_notice_sentence_in_the_card_only_is_a_warning(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": LLAMA2_CARD,
        "LICENSE": shared_text("licenses", "llama2.txt"),
    })
    [missing] = findings(scan(repo.path), "upstream-notice-missing")
    assert missing["severity"] == "error"  # nowhere: the license text's own copy does not count
    repo.commit("Notice in the card", "2025-01-02 10:00:00", {
        "README.md": LLAMA2_CARD + f"\n## License\n{LLAMA2_NOTICE}\n"})
    [in_card] = findings(scan(repo.path), "upstream-notice-missing")
    assert in_card["severity"] == "warning" and "only the README (README.md) carries it" in in_card["message"]
    repo.commit("Notice file", "2025-01-03 10:00:00", {"Notice": LLAMA2_NOTICE + "\n"})
    assert not findings(scan(repo.path), "upstream-notice-missing")


def test_sd1_copyright_line_the_hub_checkpoints_do_not_ship_is_a_warning(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: creativeml-openrail-m\nbase_model: CompVis/stable-diffusion-v1-4")})
    doc = scan(repo.path)
    [line] = findings(doc, "upstream-copyright-missing")
    assert line["severity"] == "warning" and "Check whether the weights" in line["message"]
    assert "Robin Rombach and Patrick Esser" in line["remediation"]
    [text] = findings(doc, "upstream-license-missing")
    assert text["severity"] == "error"  # the text itself is still required
    # with the license text as CompVis ships it, both are met
    repo.commit("License", "2025-01-02 10:00:00", {"LICENSE": shared_text("licenses", "creativeml-openrail-m.txt")})
    doc = scan(repo.path)
    assert not findings(doc, "upstream-copyright-missing") and not findings(doc, "upstream-license-missing")
