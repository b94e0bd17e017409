"""Real model repos from ../shared/testdata/repos (git bundles with LFS pointers)."""

from __future__ import annotations

import subprocess

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
