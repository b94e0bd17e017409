"""Real model repos from ../shared/testdata/repos (git bundles with LFS pointers)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import findings, scan, shared_path


def _clone(tmp_path, name):
    target = tmp_path / name
    subprocess.run(["git", "clone", "-q", str(shared_path("repos", f"{name}.bundle")), str(target)], check=True)
    return target


def test_bloom_card_license_history_and_merges(tmp_path):
    doc = scan(_clone(tmp_path, "amansingh61+bloom"))
    assert doc["target"]["history_complete"] is True
    changes = [(e["licenses_before"], e["licenses_after"], e["date"][:10])
               for e in doc["timeline"] if e["change"] == "card-license-changed"]
    assert changes[-1] == (["other"], ["bigscience-bloom-rail-1.0"], "2022-05-25")
    assert doc["card"]["license"] == "bigscience-bloom-rail-1.0"
    assert doc["license_files"] == []  # no LICENSE at HEAD
    assert not findings(doc, "license-missing")  # the card declares a known license
    assert not findings(doc, "license-metadata-invalid")
    # first-parent walk over a history with merges
    all_commits = subprocess.run(["git", "-C", str(tmp_path / "amansingh61+bloom"), "rev-list", "--count", "HEAD"],
                                 capture_output=True, text=True, check=True).stdout
    assert doc["target"]["commits_scanned"] < int(all_commits)
    # lineage from config.json, the tokenizer and the pytorch_model.bin index: BLOOM itself
    best = doc["lineage"][0]
    assert (best["upstream"], best["family"]) == ("bigscience/bloom", "bloom")
    assert {e["source"] for e in best["evidence"]} >= {"config", "hyperparameters", "tensors"}
    assert not findings(doc, "renamed-tensors")  # BLOOM's h.N.self_attention names are its own
    assert not findings(doc, "undisclosed-base-model")  # the README names BLOOM


@pytest.mark.parametrize("revision", [None, "HEAD~3"])
def test_granite_apache_card(tmp_path, revision):
    doc = scan(_clone(tmp_path, "jeremieconte+granite-3.1-1b-a400m-instruct"), revision=revision)
    assert doc["card"]["license"] == "apache-2.0"
    assert doc["card"]["base_model"] == ["ibm-granite/granite-3.1-1b-a400m-base"]
    # Granite is catalogued: its Apache-2.0 text must travel with the weights; IBM ships no copyright
    # line, so none is asked for.
    [missing] = findings(doc, "upstream-license-missing")
    assert missing["subject"] == "ibm-granite/granite-3.1-1b-a400m-base" and "Apache" in missing["message"]
    assert [f["rule"] for f in doc["findings"] if f["severity"] == "error"] == ["upstream-license-missing"]
    assert not findings(doc, "upstream-unresolved") and not findings(doc, "upstream-copyright-missing")


def test_bloom_is_not_asked_for_a_copyright_line_it_never_shipped(tmp_path):
    doc = scan(_clone(tmp_path, "amansingh61+bloom"))
    assert not findings(doc, "upstream-copyright-missing")
    assert [f["rule"] for f in doc["findings"] if f["severity"] == "error"] == ["upstream-license-missing"]


def test_diffusers_pipeline_is_read_as_stable_diffusion_1(tmp_path):
    doc = scan(_clone(tmp_path, "smbands+realistic-vision-v51"))
    best = doc["lineage"][0]
    assert (best["family"], best["license"]["key"], best["binds"]) == (
        "stable-diffusion-1", "stable-diffusion-2022-08-22", True)
    assert any("unet/cross_attention_dim=768" in e["detail"] for e in best["evidence"])
    assert {"upstream-license-missing", "use-restrictions-missing"} <= {f["rule"] for f in doc["findings"]}
    [copyright_missing] = findings(doc, "upstream-copyright-missing")
    assert "Robin Rombach and Patrick Esser" in copyright_missing["remediation"]


def test_unknown_architecture_with_mistral_sizes_is_a_mistral_derivative(tmp_path):
    doc = scan(_clone(tmp_path, "txmu+PIV2-Mistral-Instruct"))
    [mistral] = [c for c in doc["lineage"] if c["binds"]]
    assert mistral["checkpoint"] == "mistralai/Mistral-7B-v0.1"
    assert any("BambooForCausalLM is not catalogued" in e["detail"] for e in mistral["evidence"])
    assert findings(doc, "upstream-license-missing") and not findings(doc, "undisclosed-base-model")


def test_gguf_reupload_named_after_its_checkpoint_keeps_the_upstream_copyright(tmp_path):
    doc = scan(_clone(tmp_path, "harisnae+Phi-4-mini-instruct-GGUF-Q3_K_M"))
    [missing] = findings(doc, "upstream-copyright-missing")
    assert missing["subject"] == "microsoft/Phi-4-mini-instruct"
    assert '"Copyright (c) Microsoft Corporation."' in missing["message"]
    assert not findings(doc, "upstream-license-missing")  # its LICENSE is MIT, the upstream's terms


# What a user sees for each repo, read by hand against its files, history and the upstream terms
# (rule, severity, subject), plus how many datasets are named for review (dataset-unresolved, info).
EXPECTED = {
    # GitHub copy of Phi-3-mini-128k: MIT text with Microsoft's line kept; only the Hub metadata is open
    "ChuDinhKlopp+phi-3-mini-keyformer": ({("license-metadata-invalid", "info", "README.md")}, 0),
    # all-MiniLM-L6-v2 re-upload: its base is not catalogued, so a reviewer must check its terms
    "DeathGamer111+MiniLM-L6-v2": ({("upstream-unresolved", "warning", "nreimers/MiniLM-L6-H384-uncased")}, 21),
    # Dolphin on Mixtral 8x7B: Apache-2.0 text missing; named by its Hub id, not the README's prose
    "OSFAV7+dolping": ({("upstream-license-missing", "error", "mistralai/Mixtral-8x7B-v0.1")}, 8),
    # merged Gemma fine-tune with no license anywhere: every Gemma obligation fails
    "SkkJodhpur+Gemma-Code-Instruct-Finetune-by-skk": ({
        ("license-missing", "error", "."), ("license-metadata-invalid", "warning", "README.md"),
        ("upstream-license-missing", "error", "google/gemma-2b"),
        ("upstream-notice-missing", "error", "google/gemma-2b"),
        ("use-restrictions-missing", "error", "google/gemma-2b")}, 1),
    # BLOOM mirror: the card links the RAIL license and its Attachment A, the text is not shipped
    "amansingh61+bloom": ({("upstream-license-missing", "error", "bigscience/bloom")}, 0),
    # Gemma adapter with GEMMA_LICENSE and NOTICE at HEAD; the card said apache-2.0 for eight months before
    "baiondatainc+text2cypher-gemma-2-9b-it-finetuned-2024v1": ({("past-license-conflict", "warning", "README.md")}, 1),
    # Llama 2 fine-tune without LICENSE or USE_POLICY: fails; the Notice sentence sits in the README only
    "bjornerikkorum+RUTERGPT13B": ({
        ("upstream-license-missing", "error", "meta-llama/Llama-2-13b-chat-hf"),
        ("upstream-notice-missing", "warning", "meta-llama/Llama-2-13b-chat-hf"),
        ("use-restrictions-missing", "warning", "meta-llama/Llama-2-13b-chat-hf")}, 2),
    # GGUF re-upload named in prose and file name: its MIT LICENSE replaced Microsoft's copyright line
    "harisnae+Phi-4-mini-instruct-GGUF-Q3_K_M": ({
        ("upstream-copyright-missing", "error", "microsoft/Phi-4-mini-instruct"),
        ("license-metadata-invalid", "info", "README.md")}, 0),
    "huuquyet+PhoWhisper-tiny": ({
        ("license-missing", "error", "."), ("license-metadata-invalid", "warning", "README.md"),
        ("upstream-license-missing", "error", "openai/whisper-tiny"),
        ("upstream-unresolved", "warning", "vinai/PhoWhisper-tiny")}, 0),
    # LICENSE.txt, Notice and USE_POLICY.md: every Llama 2 obligation met on the default branch
    "itdevwu+Genz-70b-GPTQ": (set(), 0),
    "jeremieconte+granite-3.1-1b-a400m-instruct": ({
        ("upstream-license-missing", "error", "ibm-granite/granite-3.1-1b-a400m-base")}, 0),
    "koxy-ai+gte-small": ({("upstream-license-missing", "error", "thenlper/gte-small")}, 0),
    # SD 1.x fine-tune declared creativeml-openrail-m: the text is missing (error); the copyright line
    # and the restrictions come with that text, which the Hub checkpoints carry only through the card
    "smbands+realistic-vision-v51": ({
        ("upstream-license-missing", "error", "runwayml/stable-diffusion-v1-5"),
        ("upstream-copyright-missing", "warning", "runwayml/stable-diffusion-v1-5"),
        ("use-restrictions-missing", "warning", "runwayml/stable-diffusion-v1-5"),
        ("undisclosed-base-model", "warning", "runwayml/stable-diffusion-v1-5")}, 0),
    "txmu+PIV2-Mistral-Instruct": ({("upstream-license-missing", "error", "mistralai/Mistral-7B-v0.1")}, 0),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_findings_a_user_sees(tmp_path, name):
    doc = scan(_clone(tmp_path, name))
    wanted, datasets = EXPECTED[name]
    seen = {(f["rule"], f["severity"], f["subject"]) for f in doc["findings"] if f["rule"] != "dataset-unresolved"}
    assert seen == wanted
    assert len(findings(doc, "dataset-unresolved")) == datasets
    # no finding's evidence says the repo carries a license text that it lacks
    for finding in findings(doc, "upstream-license-missing"):
        assert not any("carries or carried" in (e["excerpt"] or "") for e in finding["evidence"]), finding


def test_llama2_notice_in_the_readme_only_is_named_for_review(tmp_path):
    doc = scan(_clone(tmp_path, "bjornerikkorum+RUTERGPT13B"))
    [notice] = findings(doc, "upstream-notice-missing")
    assert "only the README (README.md) carries it" in notice["message"]
    where = notice["evidence"][0]  # the card's own "## License" section, where a reviewer checks it
    assert (where["path"], where["line"]) == ("README.md", 67) and "Llama 2 is licensed under" in where["excerpt"]
    assert doc["summary"]["verdict"] == "fail"  # no LICENSE: a Llama 2 derivative must fail
    [policy] = findings(doc, "use-restrictions-missing")  # the fix names Llama's policy, not an OpenRAIL one
    assert "Acceptable Use Policy (https://ai.meta.com/llama/use-policy)" in policy["remediation"]
    assert "Attachment A" not in policy["remediation"]


def test_phi3_copy_is_named_by_the_checkpoint_its_config_names(tmp_path):
    doc = scan(_clone(tmp_path, "ChuDinhKlopp+phi-3-mini-keyformer"))
    [phi] = [c for c in doc["lineage"] if c["binds"]]
    assert phi["upstream"] == "microsoft/Phi-3-mini-128k-instruct"  # _name_or_path, not the 4k sibling


def test_gguf_file_name_counts_for_the_longest_checkpoint_it_names(tmp_path):
    doc = scan(_clone(tmp_path, "harisnae+Phi-4-mini-instruct-GGUF-Q3_K_M"))
    assert [c["upstream"] for c in doc["lineage"]] == ["microsoft/Phi-4-mini-instruct"]  # not microsoft/phi-4


def test_lfs_pointers_in_place_of_json_files_are_noted_as_such(tmp_path):
    doc = scan(_clone(tmp_path, "SkkJodhpur+Gemma-Code-Instruct-Finetune-by-skk"))
    assert "tokenizer.json: Git LFS pointer (the file is not in git)" in doc["notes"]


def test_the_project_itself_names_no_source_file_as_a_license_file():
    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        pytest.skip("needs the project's own git checkout")
    doc = scan(root)
    assert doc["target"]["repo_kind"]["kind"] == "code"
    for lf in doc["license_files"]:
        assert not lf["path"].endswith((".py", ".yaml", ".json", ".j2")), lf["path"]


def test_gemma_adapter_apache_window_before_gemma_is_a_past_conflict(tmp_path):
    """Card license absent, apache-2.0 (2024-10-02), removed (fe196ae), then gemma (302f031)."""
    doc = scan(_clone(tmp_path, "baiondatainc+text2cypher-gemma-2-9b-it-finetuned-2024v1"))
    assert doc["card"]["license"] == "gemma" and not findings(doc, "declared-license-conflict")
    [past] = findings(doc, "past-license-conflict")
    assert past["severity"] == "warning" and "license: apache-2.0" in past["message"]
    assert "google/gemma-2-9b-it" in past["message"] and "the card now declares gemma" in past["message"]
    start, end = past["evidence"][:2]
    assert start["date"].startswith("2024-10-02") and end["commit"].startswith("fe196ae")
    # The adapter went up on 2024-09-10, before the window: no upload inside it, and the message says so.
    assert "No weights were uploaded inside it" in past["message"]
