"""CycloneDX 1.6 ML-BOM: validated with cyclonedx-python-lib's own JSON validator."""

from __future__ import annotations

import json

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from helpers import APACHE_NOTICE, MIT_TEXT, config_json, run_cli

from auditor.demo import build_demo_repo
from auditor.pipeline import audit
from auditor.reports import render

LLAMA31_8B = dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                  num_key_value_heads=8, vocab_size=128256, max_position_embeddings=131072)


def bom_of(path) -> dict:
    text = render("cyclonedx", audit(str(path)))
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    assert text == render("cyclonedx", audit(str(path)))  # byte-stable
    return json.loads(text)


def licenses(component: dict) -> list[dict]:
    return [entry["license"] for entry in component.get("licenses", [])]


def props(component: dict, name: str) -> list[str]:
    return [p["value"] for p in component.get("properties", []) if p["name"] == name]


def test_seed_case_deepseek_derivative(tmp_path):
    doc = bom_of(build_demo_repo(tmp_path / "demo"))
    assert (doc["bomFormat"], doc["specVersion"]) == ("CycloneDX", "1.6")
    model = doc["metadata"]["component"]
    assert model["type"] == "machine-learning-model" and model["bom-ref"] == "model"
    assert {(lic.get("id"), lic["acknowledgement"]) for lic in licenses(model)} == {("MIT", "declared"),
                                                                                      ("MIT", "concluded")}
    assert model["copyright"] == "Copyright (c) 2023 DeepSeek"
    [occurrence] = model["evidence"]["occurrences"]
    assert occurrence["location"] == "NOTICE" and occurrence["additionalContext"].startswith("MIT lines 7-23")
    [ancestor] = model["pedigree"]["ancestors"]
    assert ancestor["name"] == "deepseek-ai/DeepSeek-V3-0324" and licenses(ancestor) == [{"id": "MIT"}]
    assert props(ancestor, "auditor:relation") == ["declared"] and props(ancestor, "auditor:confidence") == ["1.000"]
    messages = {c["message"] for c in model["pedigree"]["commits"]}
    assert "Clean up repository [deleted LICENSE: MIT -> none]" in messages
    assert model["modelCard"]["modelParameters"]["modelArchitecture"] == "DeepseekV3ForCausalLM"
    assert {"name": "auditor:base-model", "value": "deepseek-ai/DeepSeek-V3-0324"} in model["modelCard"]["properties"]
    assert doc["metadata"]["timestamp"] == "2026-03-03T21:40:00+00:00"  # the audited commit, not the run
    assert any(v.startswith("warning attribution-restored-late") for v in props(model, "auditor:finding"))


def test_llama_fine_tune_with_datasets_and_code_headers(repo):
    repo.commit("Upload", "2026-02-01 10:00:00", {
        "README.md": "---\nlicense: llama3.1\nbase_model: meta-llama/Llama-3.1-8B\ndatasets:\n"
                     "  - tatsu-lab/alpaca\n  - HuggingFaceFW/fineweb\n  - acme/private-data\n---\n# Llama-Tiny\n",
        "config.json": config_json("LlamaForCausalLM", "llama", **LLAMA31_8B),
        "modeling_tiny.py": "# " + APACHE_NOTICE.replace("\n", "\n# ") + "\nclass Tiny: pass\n",
    })
    doc = bom_of(repo.path)
    model = doc["metadata"]["component"]
    [declared] = licenses(model)
    assert declared["name"] == "Llama 3.1 Community License Agreement" and "id" not in declared
    assert props(declared, "auditor:license-ref") == ["LicenseRef-scancode-llama-3.1-license-2024"]
    [ancestor] = model["pedigree"]["ancestors"]
    assert ancestor["name"] == "meta-llama/Llama-3.1-8B"
    assert licenses(ancestor)[0]["name"] == "Llama 3.1 Community License Agreement"
    data = {c["name"]: c for c in doc["components"] if c["type"] == "data"}
    assert licenses(data["tatsu-lab/alpaca"]) == [{"id": "CC-BY-NC-4.0"}]
    assert licenses(data["HuggingFaceFW/fineweb"]) == [{"id": "ODC-By-1.0"}]
    assert "licenses" not in data["acme/private-data"]
    assert any("dataset-unresolved" in v for v in props(data["acme/private-data"], "auditor:finding"))
    assert any("OpenAI" in v for v in props(data["tatsu-lab/alpaca"], "auditor:generated-by"))
    refs = [d["ref"] for d in model["modelCard"]["modelParameters"]["datasets"]]
    assert refs == ["dataset:tatsu-lab/alpaca", "dataset:HuggingFaceFW/fineweb", "dataset:acme/private-data"]
    [code] = [c for c in doc["components"] if c["type"] == "file"]
    assert code["name"] == "modeling_tiny.py" and licenses(code)[0]["id"] == "Apache-2.0"
    assert code["copyright"] == "Copyright 2024 Alibaba Cloud"


def test_repo_without_upstream_and_the_cli(repo, tmp_path):
    repo.commit("Upload", "2026-02-01 10:00:00", {"README.md": "---\nlicense: mit\n---\n# Own model\n",
                                                  "LICENSE": MIT_TEXT})
    doc = bom_of(repo.path)
    model = doc["metadata"]["component"]
    assert "ancestors" not in model.get("pedigree", {}) and "components" not in doc
    assert {lic["id"] for lic in licenses(model)} == {"MIT"}
    out = tmp_path / "bom.cdx.json"
    result = run_cli("scan", str(repo.path), "--output", str(out))
    assert result.returncode == 0 and json.loads(out.read_text())["bomFormat"] == "CycloneDX"
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "LICENSE").write_text(MIT_TEXT)
    assert "timestamp" not in bom_of(folder)["metadata"]  # no commit time, and never the run time
