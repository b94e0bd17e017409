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
    assert doc["summary"]["error"] == 0
