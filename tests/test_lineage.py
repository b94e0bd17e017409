"""Lineage from config, tensors, tokenizer, adapter and code; undisclosed-base-model and renamed-tensors."""

from __future__ import annotations

import json
import re
import struct

from helpers import (
    MIT_TEXT,
    card,
    config_json,
    findings,
    index_json,
    llama_tensors,
    safetensors_bytes,
    scan,
    shared_text,
)

from auditor.demo import lfs_pointer

DEEPSEEK_V3 = dict(hidden_size=7168, intermediate_size=18432, moe_intermediate_size=2048, num_hidden_layers=61,
                   num_attention_heads=128, n_routed_experts=256, vocab_size=129280)
QWEN25_7B = dict(hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
                 num_key_value_heads=4, vocab_size=152064)


def test_deepseek_v3_config_without_base_model_is_undisclosed(repo):
    repo.commit("Upload", "2026-03-03 09:00:00", {
        "README.md": card("license: apache-2.0") + "Our sovereign national model.\n",
        "config.json": config_json("DeepseekV3ForCausalLM", "deepseek_v3", **DEEPSEEK_V3,
                                   auto_map={"AutoModelForCausalLM": "modeling_deepseek.DeepseekV3ForCausalLM"}),
        "modeling_deepseek.py": "class DeepseekV3ForCausalLM(DeepseekV3PreTrainedModel):\n    pass\n",
        "tokenizer_config.json": json.dumps({"bos_token": "<｜begin▁of▁sentence｜>"}),
        "model-00001-of-00163.safetensors": lfs_pointer("3" * 64, 5_000_000_000),
    })
    doc = scan(repo.path)
    best = doc["lineage"][0]
    assert best["family"] == "deepseek-v3" and best["confidence"] >= 0.8
    assert best["relation"] == "finetune"
    assert {e["source"] for e in best["evidence"]} >= {"config", "hyperparameters", "tokenizer", "code"}
    [finding] = findings(doc, "undisclosed-base-model")
    assert finding["severity"] == "warning"
    assert "DeepSeek-V3" in finding["message"] and "MIT" in finding["message"]
    assert "LicenseRef-scancode-deepseek-la-1.0" in finding["message"]  # the alternative the config allows
    # the LFS pointer is recognised, not parsed as a header
    assert doc["target"]["commits_scanned"] == 1


def test_the_license_text_the_repo_carried_settles_which_deepseek_checkpoint(repo):
    repo.commit("Upload", "2026-03-03 09:00:00", {
        "README.md": card("license: mit"), "LICENSE": MIT_TEXT,
        "config.json": config_json("DeepseekV3ForCausalLM", "deepseek_v3", **DEEPSEEK_V3)})
    lineage = scan(repo.path)["lineage"]
    best = lineage[0]
    assert best["license"]["spdx"] == "MIT"
    assert any(e["source"] == "license" for e in best["evidence"])
    la = next(c for c in lineage if c["license"]["key"] == "deepseek-la-1.0")
    assert la["confidence"] < best["confidence"]


def test_yi_like_index_with_ln1_ln2_is_renamed_llama_architecture(repo):
    def yi_names(name):
        return name.replace("input_layernorm", "ln1").replace("post_attention_layernorm", "ln2")

    names = llama_tensors(4, 64, 128, 320, 4, 2, rename=yi_names)
    repo.commit("Upload", "2023-11-02 10:00:00", {
        "README.md": card("license: other\nlicense_name: yi-license\nlicense_link: LICENSE"),
        "config.json": config_json("LlamaForCausalLM", "llama", hidden_size=7168, intermediate_size=20480,
                                   num_hidden_layers=60, num_attention_heads=56, num_key_value_heads=8,
                                   vocab_size=96000),  # not Yi-34B's vocab, even extended
        "model.safetensors.index.json": index_json(names),
    })
    doc = scan(repo.path)
    [renamed] = findings(doc, "renamed-tensors")
    excerpts = {e["excerpt"] for e in renamed["evidence"]}
    assert "model.layers.*.ln1.weight -> model.layers.*.input_layernorm.weight" in excerpts
    assert "model.layers.*.ln2.weight -> model.layers.*.post_attention_layernorm.weight" in excerpts
    assert len(excerpts) == 2
    assert renamed["evidence"][0]["path"] == "model.safetensors.index.json"
    arch = doc["lineage"][0]
    assert (arch["family"], arch["relation"], arch["upstream"]) == ("llama", "architecture", None)
    assert arch["license"]["spdx"] == "Apache-2.0"  # transformers' modeling code
    assert not findings(doc, "undisclosed-base-model")


def test_wholesale_renamed_tiny_safetensors_is_detected(repo):
    def wholesale(name):
        name = re.sub(r"^model\.layers\.", "transformer.blocks.", name)
        for old, new in (("self_attn.q_proj", "attn.wq"), ("self_attn.k_proj", "attn.wk"),
                         ("self_attn.v_proj", "attn.wv"), ("self_attn.o_proj", "attn.wo"),
                         ("mlp.gate_proj", "ffn.w1"), ("mlp.up_proj", "ffn.w3"), ("mlp.down_proj", "ffn.w2"),
                         ("input_layernorm", "norm1"), ("post_attention_layernorm", "norm2"),
                         ("model.embed_tokens", "transformer.wte"), ("model.norm", "transformer.ln_f"),
                         ("lm_head", "transformer.unembed")):
            name = name.replace(old, new)
        return name

    shapes = llama_tensors(2, 32, 96, 64, 4, 2, rename=wholesale)
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card(), "LICENSE": MIT_TEXT, "model.safetensors": safetensors_bytes(shapes),
    })
    doc = scan(repo.path)
    [renamed] = findings(doc, "renamed-tensors")
    mapping = {e["excerpt"] for e in renamed["evidence"]}
    assert "transformer.blocks.* -> model.layers.*" in mapping
    for pair in ("attn.wq.weight -> model.layers.*.self_attn.q_proj.weight",
                 "ffn.w1.weight -> model.layers.*.mlp.gate_proj.weight",
                 "ffn.w3.weight -> model.layers.*.mlp.up_proj.weight",
                 "norm1.weight -> model.layers.*.input_layernorm.weight"):
        assert any(m.endswith(pair) for m in mapping), pair
    assert "transformer.wte.weight -> model.embed_tokens.weight" in mapping
    assert "shapes" in renamed["message"]


def test_canonical_names_of_other_families_do_not_fire(repo):
    gemma = {k: v for k, v in llama_tensors(2, 32, 96, 64, 4, 4).items() if k != "lm_head.weight"}
    neox = {"gpt_neox.embed_in.weight": (64, 32), "gpt_neox.final_layer_norm.weight": (32,),
            "gpt_neox.final_layer_norm.bias": (32,), "embed_out.weight": (64, 32)}
    for i in range(2):
        p = f"gpt_neox.layers.{i}."
        for name, shape in (("input_layernorm.weight", (32,)), ("input_layernorm.bias", (32,)),
                            ("post_attention_layernorm.weight", (32,)), ("post_attention_layernorm.bias", (32,)),
                            ("attention.query_key_value.weight", (96, 32)), ("attention.query_key_value.bias", (96,)),
                            ("attention.dense.weight", (32, 32)), ("attention.dense.bias", (32,)),
                            ("mlp.dense_h_to_4h.weight", (128, 32)), ("mlp.dense_h_to_4h.bias", (128,)),
                            ("mlp.dense_4h_to_h.weight", (32, 128)), ("mlp.dense_4h_to_h.bias", (32,))):
            neox[p + name] = shape
    phi = {"model.embed_tokens.weight": (64, 32), "model.norm.weight": (32,), "lm_head.weight": (64, 32)}
    for i in range(2):
        p = f"model.layers.{i}."
        phi.update({p + "input_layernorm.weight": (32,), p + "post_attention_layernorm.weight": (32,),
                    p + "self_attn.qkv_proj.weight": (96, 32), p + "self_attn.o_proj.weight": (32, 32),
                    p + "mlp.gate_up_proj.weight": (192, 32), p + "mlp.down_proj.weight": (32, 96)})
    for name, shapes, arch, mtype in (("gemma", gemma, "GemmaForCausalLM", "gemma"),
                                      ("neox", neox, "GPTNeoXForCausalLM", "gpt_neox"),
                                      ("phi", phi, "Phi3ForCausalLM", "phi3")):
        repo.commit(f"Upload {name}", "2025-01-01 10:00:00", {
            "README.md": card(), "model.safetensors": safetensors_bytes(shapes),
            "config.json": config_json(arch, mtype, hidden_size=32, num_attention_heads=4, intermediate_size=96),
        })
        assert not findings(scan(repo.path), "renamed-tensors"), name


def test_declared_qwen25_finetune_names_its_base_and_license(repo):
    repo.commit("Upload", "2025-03-01 10:00:00", {
        "README.md": card("license: apache-2.0\nbase_model: Qwen/Qwen2.5-7B-Instruct\n"
                          "base_model_relation: finetune") + "Built on Qwen2.5-7B-Instruct.\n",
        "LICENSE": "Copyright 2024 Alibaba Cloud\n\n" + shared_text("licenses", "apache-2.0.txt"),
        "config.json": config_json("Qwen2ForCausalLM", "qwen2", **QWEN25_7B),
        "tokenizer_config.json": json.dumps({"eos_token": "<|im_end|>", "chat_template": "<|im_start|>..."}),
    })
    doc = scan(repo.path)
    best = doc["lineage"][0]
    assert best["upstream"] == "Qwen/Qwen2.5-7B-Instruct" and best["family"] == "qwen2.5"
    assert best["relation"] == "finetune" and best["license"]["spdx"] == "Apache-2.0"
    assert best["confidence"] == 1.0
    assert {e["source"] for e in best["evidence"]} >= {"card", "config", "hyperparameters", "tokenizer"}
    assert [f for f in doc["findings"] if f["severity"] in ("error", "warning")] == []


def test_peft_adapter_resolves_its_base(repo):
    repo.commit("Upload adapter", "2025-03-01 10:00:00", {
        "README.md": card("license: llama3.1"),
        "adapter_config.json": json.dumps({"base_model_name_or_path": "meta-llama/Llama-3.1-8B-Instruct",
                                           "peft_type": "LORA", "r": 16}),
        "adapter_model.safetensors": safetensors_bytes({
            "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight": (16, 32)}),
    })
    doc = scan(repo.path)
    best = doc["lineage"][0]
    assert best["upstream"] == "meta-llama/Llama-3.1-8B-Instruct" and best["relation"] == "adapter"
    assert best["family"] == "llama-3.1" and best["license"]["hf"] == "llama3.1"
    assert not findings(doc, "undisclosed-base-model")


def test_hostile_and_broken_weight_files_are_read_safely(repo):
    huge_claim = struct.pack("<Q", 1 << 62) + b"{}"
    truncated = safetensors_bytes({"model.embed_tokens.weight": (4, 4)})[:20]
    repo.commit("Odd weights", "2025-01-01 10:00:00", {
        "README.md": card(), "LICENSE": MIT_TEXT,
        "a.safetensors": huge_claim, "b.safetensors": truncated,
        "c.safetensors": lfs_pointer("c" * 64, 10), "d.safetensors": b"",
        "model.safetensors.index.json": "{not json", "config.json": '{"architectures": ["LlamaFor',
    })
    doc = scan(repo.path)
    assert doc["lineage"] == []
    assert doc["summary"]["error"] == 0
    notes = "\n".join(doc["notes"])
    assert "a.safetensors: header claims 4611686018427387904 bytes" in notes
    assert "b.safetensors: truncated" in notes and "c.safetensors: Git LFS pointer" in notes
    assert "config.json: invalid JSON" in notes and "model.safetensors.index.json: invalid JSON" in notes


MISTRAL_7B = dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                  num_key_value_heads=8, vocab_size=32000)


def test_a_license_tag_in_the_readme_is_not_a_carried_license_text(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: apache-2.0") + "\n## License\nApache-2.0\n",
        "config.json": config_json("MistralForCausalLM", "mistral", **MISTRAL_7B),
    })
    [mistral] = [c for c in scan(repo.path)["lineage"] if c["binds"]]
    assert "license" not in {e["source"] for e in mistral["evidence"]}
    repo.commit("License", "2025-01-02 10:00:00", {"LICENSE": shared_text("licenses", "apache-2.0.txt")})
    [mistral] = [c for c in scan(repo.path)["lineage"] if c["binds"]]
    assert any(e["source"] == "license" and "carries or carried the apache-2.0" in e["detail"]
               for e in mistral["evidence"])


def test_a_local_checkpoint_path_names_the_catalogued_repo_it_matches(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: mit"),
        "config.json": json.dumps({"_name_or_path": "/models/Phi-3-mini-128k-instruct",
                                   "architectures": ["Phi3ForCausalLM"], "model_type": "phi3"}),
    })
    upstreams = [c["upstream"] for c in scan(repo.path)["lineage"]]
    assert upstreams[0] == "microsoft/Phi-3-mini-128k-instruct" and "microsoft/Phi-3-mini-4k-instruct" not in upstreams


def test_a_weight_file_is_named_after_the_longest_checkpoint_name_in_it(repo):
    repo.commit("Upload", "2025-01-01 10:00:00", {
        "README.md": card("license: mit"),
        "Phi-4-mini-instruct-Q4_K_M.gguf": lfs_pointer("4" * 64, 2_000_000_000),
    })
    upstreams = [c["upstream"] for c in scan(repo.path)["lineage"]]
    assert upstreams == ["microsoft/Phi-4-mini-instruct"]  # not microsoft/phi-4 as well
