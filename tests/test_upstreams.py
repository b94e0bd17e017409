"""Upstreams that never slip through: declared bases resolve or are reported, obligations only for what
the upstream ships, the licensor's own repo, disclosure as a word. Each test builds the repo in code."""

from __future__ import annotations

from helpers import MIT_TEXT, card, config_json, findings, run_cli, safetensors_bytes, scan, shared_text

from auditor.facts.licensedb import reference_text

LLAMA31_8B = dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                  num_key_value_heads=8, vocab_size=128256, max_position_embeddings=131072)
MISTRAL_7B = dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                  num_key_value_heads=8, vocab_size=32000)
TINY_WEIGHTS = safetensors_bytes({"w": (2, 2)})


def rules_of(doc: dict) -> set[str]:
    return {f["rule"] for f in doc["findings"]}


def binding(doc: dict) -> list[dict]:
    return [c for c in doc["lineage"] if c["binds"]]


def test_alias_id_resolves_through_the_family_and_size_it_names(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: apache-2.0\nbase_model: meta-llama/Meta-Llama-3.1-70B-Instruct"),
        "model.safetensors": TINY_WEIGHTS})
    doc = scan(repo.path)
    [llama] = binding(doc)
    assert (llama["upstream"], llama["checkpoint"]) == ("meta-llama/Meta-Llama-3.1-70B-Instruct",
                                                        "meta-llama/Llama-3.1-70B")
    assert "names Llama 3.1 and 70b" in llama["evidence"][0]["detail"] and llama["confidence"] == 0.95
    assert {"upstream-license-missing", "upstream-notice-missing", "declared-license-conflict",
            "use-restrictions-missing"} <= rules_of(doc)
    assert not findings(doc, "upstream-unresolved")


def test_hub_url_in_card_and_readme_names_the_id(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: llama3.1\nbase_model: https://huggingface.co/meta-llama/Llama-3.1-8B")
        + "Weights from [the base](https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct).\n"})
    doc = scan(repo.path)
    [llama] = binding(doc)
    assert llama["checkpoint"] == "meta-llama/Llama-3.1-8B" and llama["license"]["key"] == "llama-3.1-license-2024"
    assert {"base_model: https://huggingface.co/meta-llama/Llama-3.1-8B",
            "names meta-llama/Llama-3.1-8B-Instruct"} <= {e["detail"] for e in llama["evidence"]}


def test_extended_vocab_and_longer_context_still_match_the_signature(repo):
    sizes = {**LLAMA31_8B, "vocab_size": 128264, "torch_dtype": "float16"}
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: apache-2.0") + "Our model.\n",
        "config.json": config_json("LlamaForCausalLM", "llama", **sizes), "model.safetensors": TINY_WEIGHTS})
    doc = scan(repo.path)
    best = doc["lineage"][0]
    assert best["checkpoint"] == "meta-llama/Llama-3.1-8B" and best["confidence"] >= 0.8
    assert any("128256 + 8 added tokens" in e["detail"] for e in best["evidence"])
    assert findings(doc, "undisclosed-base-model") and findings(doc, "declared-license-conflict")


def test_readme_named_base_resolves(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: apache-2.0") + "This model is built on Qwen2.5-7B-Instruct with our data.\n"})
    doc = scan(repo.path)
    [qwen] = binding(doc)
    assert qwen["checkpoint"] == "Qwen/Qwen2.5-7B" and qwen["evidence"][0]["source"] == "readme"
    [copyright_missing] = findings(doc, "upstream-copyright-missing")
    assert '"Copyright 2024 Alibaba Cloud"' in copyright_missing["remediation"]


def test_unresolvable_base_is_reported_never_dropped(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: apache-2.0\nbase_model: acme-labs/secret-sauce-v2"), "LICENSE": MIT_TEXT})
    [info] = findings(scan(repo.path), "upstream-unresolved")
    assert info["severity"] == "info" and info["subject"] == "acme-labs/secret-sauce-v2"
    assert "not in the catalog" in info["message"] and "A reviewer must check its license" in info["message"]
    repo.commit("Add weights", "2025-01-02 10:00:00", {"model.safetensors": TINY_WEIGHTS})
    doc = scan(repo.path)
    [warning] = findings(doc, "upstream-unresolved")
    assert warning["severity"] == "warning" and "redistributes weights" in warning["message"]
    [entry] = [c for c in doc["lineage"] if c["upstream"] == "acme-labs/secret-sauce-v2"]
    assert entry["binds"] is False and "upstream-unresolved" in entry["why"]


def test_card_license_resolves_an_uncatalogued_base(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: llama3.1\nbase_model: someone/my-private-finetune"),
        "model.safetensors": TINY_WEIGHTS})
    doc = scan(repo.path)
    [base] = binding(doc)
    assert base["license"]["key"] == "llama-3.1-license-2024" and base["family"] == "llama-3.1"
    assert "the card's license: llama3.1 is the license of Llama 3.1" in base["evidence"][0]["detail"]
    assert not findings(doc, "upstream-unresolved") and findings(doc, "upstream-notice-missing")


def test_upstream_that_ships_no_copyright_line_is_not_asked_for_one(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: apache-2.0\nbase_model: mistralai/Mistral-7B-v0.1") + "# Mistral 7B tuned\n",
        "LICENSE": shared_text("licenses", "apache-2.0.txt"),
        "config.json": config_json("MistralForCausalLM", "mistral", **MISTRAL_7B)})
    doc = scan(repo.path)
    assert not [f for f in doc["findings"] if f["severity"] != "info"]
    result = run_cli("notice", str(repo.path))
    assert "Copyright" not in result.stdout.split("Apache License")[0]  # nothing invented above the text
    assert "DeepSeek" not in result.stdout


def test_copyright_remediation_quotes_the_upstream_line_never_deepseek(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: mit\nbase_model: microsoft/phi-4"), "LICENSE": MIT_TEXT})
    [missing] = findings(scan(repo.path), "upstream-copyright-missing")
    assert '"Copyright (c) Microsoft Corporation."' in missing["message"]
    assert "Copyright (c) Microsoft Corporation." in missing["remediation"] and "DeepSeek" not in missing["remediation"]
    notice = run_cli("notice", str(repo.path)).stdout
    assert "Copyright (c) Microsoft Corporation.\n" in notice and "DeepSeek" not in notice


def test_notice_keeps_section_signs_and_the_upstream_line_verbatim(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: llama3.1\nbase_model: meta-llama/Llama-3.1-8B"),
        "config.json": config_json("LlamaForCausalLM", "llama", **LLAMA31_8B)})
    result = run_cli("notice", str(repo.path))
    assert result.returncode == 0
    # Meta's notice line exactly as Meta ships it, the © included
    assert ("Llama 3.1 is licensed under the Llama 3.1 Community License, Copyright © Meta Platforms, Inc. "
            "All Rights Reserved.\n") in result.stdout
    # clause numbers come through whole: "§2", never "Llama 3.1 2:"
    assert "Llama 3.1 §2: over 700 million monthly active users" in result.stdout + result.stderr
    assert "Llama 3.1 2:" not in result.stdout + result.stderr


def test_notice_with_nothing_to_attribute_is_one_line(repo, tmp_path):
    repo.commit("Upload", "2025-01-01 10:00:00", {"README.md": card(), "LICENSE": MIT_TEXT})
    out = tmp_path / "NOTICE"
    result = run_cli("notice", str(repo.path), "--output", str(out))
    assert result.returncode == 0 and result.stdout == "" and not out.exists()
    assert result.stderr.strip().count("\n") == 0 and "nothing to write" in result.stderr


MODELING = ("# Copyright 2023 DeepSeek-AI and The HuggingFace Inc. team. All rights reserved.\n"
            "# Licensed under the MIT License.\n\nclass DeepseekV3ForCausalLM:\n    pass\n")


def test_the_licensors_own_code_repo_is_not_a_derivative_of_its_models(repo):
    repo.commit("Initial release", "2025-01-01 10:00:00", {
        "README.md": "---\nlicense: mit\n---\n# DeepSeek-V3\n\nWeights: "
                     "https://huggingface.co/deepseek-ai/DeepSeek-V3 and deepseek-ai/DeepSeek-R1. "
                     "Fine-tuned from DeepSeek-V3-Base.\n",
        "LICENSE": "MIT License\n\nCopyright (c) 2023 DeepSeek\n\n" + MIT_TEXT.split("\n", 2)[2],
        "modeling_deepseek.py": MODELING})
    repo.commit("Speed up attention", "2025-02-01 10:00:00", {"modeling_deepseek.py": MODELING + "FAST = True\n"})
    doc = scan(repo.path)
    assert [f["rule"] for f in doc["findings"]] == []
    assert doc["lineage"] and all(c["binds"] is False for c in doc["lineage"])
    assert all("Copyright (c) 2023 DeepSeek" in c["why"] and "licensor" in c["why"] for c in doc["lineage"])


def test_a_derivative_carrying_the_upstream_license_is_still_a_derivative(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: mit\nbase_model: deepseek-ai/DeepSeek-R1"),
        "LICENSE": "MIT License\n\nCopyright (c) 2023 DeepSeek\n\n" + MIT_TEXT.split("\n", 2)[2],
        "model.safetensors": TINY_WEIGHTS})
    [r1] = binding(scan(repo.path))
    assert r1["upstream"] == "deepseek-ai/DeepSeek-R1" and r1["why"] == "declared by the repo"


def test_disclosure_is_a_word_whatever_the_separators(repo):
    config = config_json("LlamaForCausalLM", "llama", hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                         num_attention_heads=32, num_key_value_heads=8, vocab_size=128256)
    for number, (body, disclosed) in enumerate((
            ("# Tiny chat\n\nTrained from llama_3.2 1B.\n", True),
            ("# Tiny chat\n\nA Llama-3.2 fine-tune.\n", True),
            ("# Tiny chat\n\nBased on Meta's Llama 3.2.\n", True),
            ("# Tiny chat\n\nServe it with ollama-3.2 or newer.\n", False),  # a substring of another word
            ("# Llama-3.2-1B-Instruct\n\nUploaded for convenience.\n", False),  # a mirror's title only
    )):
        repo.commit(f"Card {number}", f"2025-01-0{number + 1} 10:00:00", {
            "README.md": "---\nlicense: llama3.2\n---\n" + body, "config.json": config})
        assert bool(findings(scan(repo.path), "undisclosed-base-model")) is not disclosed, body


def _mirror_files(family, checkpoint) -> dict[str, str]:
    """What a mirror of the checkpoint holds: its config (diffusers: the pipeline and component
    configs), as the catalog records it, and no license material at all."""
    import json

    flat = {k: v for k, v in checkpoint.config.items() if "/" not in k}
    nested: dict[str, dict] = {}
    for key, value in checkpoint.config.items():
        if "/" in key:
            part, name = key.split("/", 1)
            nested.setdefault(part, {})[name] = value
    if family.kind == "diffusion":
        files = {"model_index.json": json.dumps({"_class_name": family.architectures[0]})}
        files.update({f"{part}/config.json": json.dumps(values) for part, values in nested.items()})
        return files
    config = {"architectures": [family.architectures[0]], "model_type": (family.model_types or ["x"])[0], **flat,
              **nested}
    if family.kind == "text-encoder":  # sizes alone do not bind an encoder: mirrors keep the id
        config["_name_or_path"] = checkpoint.repos[0]
    return {"config.json": json.dumps(config)}


def test_a_mirror_of_every_catalogued_family_without_its_license_fails(tmp_path):
    from auditor.facts.catalog import catalog

    configs = [c.config for f in catalog()[0] for c in f.checkpoints]
    checked = 0
    for family in catalog()[0]:
        # A config another checkpoint shares (DeepSeek-V3 and R1) is an open question, tested apart.
        checkpoint = next((c for c in family.checkpoints if c.config and configs.count(c.config) == 1), None)
        if checkpoint is None:
            continue
        folder = tmp_path / family.id
        folder.mkdir()
        for path, text in {**_mirror_files(family, checkpoint), "README.md": "# mirror\n"}.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_text(text)
        (folder / "model.safetensors").write_bytes(TINY_WEIGHTS)
        doc = scan(folder)
        assert any(c["family"] == family.id for c in doc["lineage"]), family.id
        bound = {c["license"]["key"] for c in binding(doc)}
        assert checkpoint.license in bound, (family.id, bound)
        assert findings(doc, "upstream-license-missing"), family.id
        checked += 1
    assert checked >= 45


QWEN_7B = dict(hidden_size=4096, intermediate_size=22016, num_hidden_layers=32, num_attention_heads=32,
               vocab_size=151936)


def test_agpl_license_file_on_a_qwen_derivative_conflicts_though_the_card_declares_nothing(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": "---\ntags: [chat]\n---\n# Tongyi Qianwen chat tuned\n\n"
                     "[![License](https://img.shields.io/badge/License-AGPL--3.0-blue.svg)](LICENSE)\n",
        "LICENSE": reference_text("agpl-3.0"),
        "config.json": config_json("QWenLMHeadModel", "qwen", **QWEN_7B), "model.safetensors": TINY_WEIGHTS})
    doc = scan(repo.path)
    [qwen] = binding(doc)
    assert qwen["license"]["key"] == "tongyi-qianwen-2023"
    conflicts = findings(doc, "declared-license-conflict")
    by_path = {(f["evidence"][0]["path"], f["severity"]) for f in conflicts}
    assert ("README.md", "warning") in by_path  # the badge: thinner evidence
    [license_file] = [f for f in conflicts if f["evidence"][0]["path"] == "LICENSE"]
    assert license_file["severity"] == "error" and "AGPL-3.0" in license_file["message"]
    assert all("Tongyi Qianwen" in f["message"] for f in conflicts)


def _renamed_llama(name: str) -> str:
    import re

    name = re.sub(r"^model\.layers\.", "transformer.blocks.", name)
    for old, new in (("self_attn.q_proj", "attn.wq"), ("self_attn.k_proj", "attn.wk"), ("self_attn.v_proj", "attn.wv"),
                     ("self_attn.o_proj", "attn.wo"), ("mlp.gate_proj", "ffn.w1"), ("mlp.up_proj", "ffn.w3"),
                     ("mlp.down_proj", "ffn.w2"), ("post_attention_layernorm", "norm_b"), ("input_layernorm", "norm_a"),
                     ("model.embed_tokens", "transformer.tok"), ("model.norm", "transformer.norm_f"),
                     ("lm_head", "transformer.out")):
        name = name.replace(old, new)
    return name


def test_renamed_tiny_llama_is_found_from_its_tensor_graph(repo):
    from helpers import llama_tensors

    shapes = llama_tensors(2, 32, 96, 64, 4, 2, rename=_renamed_llama)
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card(), "LICENSE": MIT_TEXT, "model.safetensors": safetensors_bytes(shapes)})
    doc = scan(repo.path)
    [renamed] = findings(doc, "renamed-tensors")
    mapping = {e["excerpt"] for e in renamed["evidence"]}
    for pair in ("transformer.blocks.* -> model.layers.*", "attn.wq.weight -> model.layers.*.self_attn.q_proj.weight",
                 "ffn.w1.weight -> model.layers.*.mlp.gate_proj.weight",
                 "ffn.w2.weight -> model.layers.*.mlp.down_proj.weight",
                 "norm_a.weight -> model.layers.*.input_layernorm.weight",
                 "norm_b.weight -> model.layers.*.post_attention_layernorm.weight"):
        assert any(m.endswith(pair) for m in mapping), pair
    [llama] = doc["lineage"]
    assert (llama["family"], llama["relation"], llama["confidence"]) == ("llama", "architecture", 0.6)
    detail = llama["evidence"][0]["detail"]
    assert "grouped-query attention (q [32, 32], k/v [16, 32])" in detail and "gated three-matrix MLP" in detail
    assert "2 norms per block" in detail and "embedding [64, 32]" in detail


def _blocks(prefix: str, layers: int, per_layer: dict, top: dict) -> dict:
    shapes = dict(top)
    for i in range(layers):
        shapes.update({f"{prefix}.{i}.{name}": shape for name, shape in per_layer.items()})
    return shapes


NEGATIVES = {
    "gpt2": _blocks("h", 2, {"ln_1.weight": (32,), "ln_1.bias": (32,), "attn.c_attn.weight": (32, 96),
                             "attn.c_attn.bias": (96,), "attn.c_proj.weight": (32, 32), "attn.c_proj.bias": (32,),
                             "ln_2.weight": (32,), "ln_2.bias": (32,), "mlp.c_fc.weight": (32, 128),
                             "mlp.c_fc.bias": (128,), "mlp.c_proj.weight": (128, 32), "mlp.c_proj.bias": (32,)},
                    {"wte.weight": (64, 32), "wpe.weight": (16, 32), "ln_f.weight": (32,), "ln_f.bias": (32,)}),
    "bert": _blocks("encoder.layer", 2, {
        "attention.self.query.weight": (32, 32), "attention.self.query.bias": (32,),
        "attention.self.key.weight": (32, 32), "attention.self.key.bias": (32,),
        "attention.self.value.weight": (32, 32), "attention.self.value.bias": (32,),
        "attention.output.dense.weight": (32, 32), "attention.output.dense.bias": (32,),
        "attention.output.LayerNorm.weight": (32,), "attention.output.LayerNorm.bias": (32,),
        "intermediate.dense.weight": (128, 32), "intermediate.dense.bias": (128,),
        "output.dense.weight": (32, 128), "output.dense.bias": (32,),
        "output.LayerNorm.weight": (32,), "output.LayerNorm.bias": (32,)},
        {"embeddings.word_embeddings.weight": (64, 32), "embeddings.position_embeddings.weight": (16, 32)}),
    "bloom": _blocks("h", 2, {"input_layernorm.weight": (32,), "input_layernorm.bias": (32,),
                              "self_attention.query_key_value.weight": (96, 32),
                              "self_attention.query_key_value.bias": (96,),
                              "self_attention.dense.weight": (32, 32), "self_attention.dense.bias": (32,),
                              "post_attention_layernorm.weight": (32,), "post_attention_layernorm.bias": (32,),
                              "mlp.dense_h_to_4h.weight": (128, 32), "mlp.dense_h_to_4h.bias": (128,),
                              "mlp.dense_4h_to_h.weight": (32, 128), "mlp.dense_4h_to_h.bias": (32,)},
                     {"word_embeddings.weight": (64, 32), "word_embeddings_layernorm.weight": (32,),
                      "word_embeddings_layernorm.bias": (32,), "ln_f.weight": (32,), "ln_f.bias": (32,)}),
    "moe": _blocks("blocks", 2, {"norm1.weight": (32,), "attn.wq.weight": (32, 32), "attn.wk.weight": (16, 32),
                                 "attn.wv.weight": (16, 32), "attn.wo.weight": (32, 32), "norm2.weight": (32,),
                                 "moe.router.weight": (4, 32), **{f"moe.experts.{e}.{w}.weight": s for e in range(4)
                                 for w, s in (("w1", (96, 32)), ("w3", (96, 32)), ("w2", (32, 96)))}},
                   {"tok.weight": (64, 32), "norm.weight": (32,), "out.weight": (64, 32)}),
}


def test_unrelated_architectures_do_not_match_the_llama_graph(repo):
    for number, (name, shapes) in enumerate(NEGATIVES.items()):
        repo.commit(f"Upload {name}", f"2025-01-0{number + 1} 10:00:00", {
            "README.md": card(), "model.safetensors": safetensors_bytes(shapes)})
        doc = scan(repo.path)
        assert not any(c["family"] in ("llama", "mistral") for c in doc["lineage"]), (name, doc["lineage"])
        renamed = findings(doc, "renamed-tensors")
        assert not renamed or renamed[0]["subject"] != "llama", name


def test_lookup_bases_reads_the_declared_base_card_through_the_hub(repo, tmp_path, monkeypatch):
    from hubstub import HubStub

    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: apache-2.0\nbase_model: acme-labs/secret-sauce-v2"),
        "model.safetensors": TINY_WEIGHTS})
    assert findings(scan(repo.path), "upstream-unresolved")  # no look-up unless asked
    with HubStub() as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
        monkeypatch.delenv("HF_TOKEN", raising=False)
        hub.add_model_card("acme-labs/secret-sauce-v2", {"license": "llama3.1"})
        doc = scan(repo.path, lookup_bases=True)
        assert hub.counts["model_info"] == 1
    [base] = binding(doc)
    assert base["license"]["key"] == "llama-3.1-license-2024"
    assert "the Hub card of acme-labs/secret-sauce-v2 declares license: llama3.1" in {
        e["detail"] for e in base["evidence"]}
    assert not findings(doc, "upstream-unresolved") and findings(doc, "declared-license-conflict")
    offline = scan(repo.path, lookup_bases=True, offline=True)  # from the cache alone
    assert binding(offline)[0]["license"]["key"] == "llama-3.1-license-2024"
