"""Tiny real models for provenance tests and benchmarks: numpy weights in real safetensors files.

A base, and the ways a model can relate to it: fine-tuned (noise), LoRA merged in (low rank),
renamed, vocabulary extended, layers dropped, or independently initialised."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
from helpers import llama_tensors

Weights = dict[str, np.ndarray]

RENAMES = (("model.layers", "transformer.blocks"), ("self_attn.q_proj", "attn.wq"), ("self_attn.k_proj", "attn.wk"),
           ("self_attn.v_proj", "attn.wv"), ("self_attn.o_proj", "attn.wo"), ("mlp.gate_proj", "ffn.w1"),
           ("mlp.down_proj", "ffn.w2"), ("mlp.up_proj", "ffn.w3"), ("input_layernorm", "norm_a"),
           ("post_attention_layernorm", "norm_b"), ("model.embed_tokens", "tok"), ("lm_head", "out_proj"),
           ("model.norm", "final_norm"))


def encode(array: np.ndarray, dtype: str) -> bytes:
    if dtype == "BF16":
        return (array.astype("<f4").view("<u4") >> 16).astype("<u2").tobytes()
    if dtype == "I8":
        scale = float(np.abs(array).max()) / 127 or 1.0
        return np.clip(np.round(array / scale), -127, 127).astype("i1").tobytes()
    return array.astype({"F16": "<f2", "F32": "<f4"}[dtype]).tobytes()


def safetensors_file(weights: Weights, dtype: str = "F16") -> bytes:
    header, blobs, offset = {}, [], 0
    for name in sorted(weights):
        raw = encode(weights[name], dtype)
        header[name] = {"dtype": dtype, "shape": list(weights[name].shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    encoded = json.dumps(header).encode()
    return struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs)


def write_model(folder: Path, weights: Weights, dtype: str = "F16") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.safetensors").write_bytes(safetensors_file(weights, dtype))
    return folder


def base_model(seed: int, layers: int = 4, hidden: int = 64, inter: int = 172, vocab: int = 256) -> Weights:
    """Random Llama-layout weights: matrices ~N(0, 0.02), norm weights ~1 with a spread."""
    rng = np.random.default_rng(seed)
    return {name: (1 + 0.1 * rng.standard_normal(shape)) if len(shape) == 1 else 0.02 * rng.standard_normal(shape)
            for name, shape in llama_tensors(layers, hidden, inter, vocab, 4, 2).items()}


def fine_tune(base: Weights, noise: float, seed: int = 7) -> Weights:
    """Each tensor moved by `noise` times its own spread, at random."""
    rng = np.random.default_rng(seed)
    return {k: v + noise * v.std() * rng.standard_normal(v.shape) for k, v in base.items()}


def lora_merged(base: Weights, rank: int, strength: float, seed: int = 11) -> Weights:
    """W + B @ A on every matrix, scaled so the update is `strength` times the matrix's spread."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, value in base.items():
        if value.ndim == 2 and "embed" not in name:
            update = rng.standard_normal((value.shape[0], rank)) @ rng.standard_normal((rank, value.shape[1]))
            value = value + strength * value.std() * update / update.std()
        out[name] = value
    return out


def renamed(weights: Weights, renames=RENAMES) -> Weights:
    def rename(name: str) -> str:
        for old, new in renames:
            name = name.replace(old, new)
        return name
    return {rename(k): v for k, v in weights.items()}


def extend_vocab(weights: Weights, extra: int, seed: int = 13) -> Weights:
    rng = np.random.default_rng(seed)
    out = dict(weights)
    for name in ("model.embed_tokens.weight", "lm_head.weight"):
        rows = weights[name]
        out[name] = np.concatenate([rows, 0.02 * rng.standard_normal((extra, rows.shape[1]))])
    return out


def drop_last_layers(weights: Weights, keep: int) -> Weights:
    return {k: v for k, v in weights.items() if not k.startswith("model.layers.") or int(k.split(".")[2]) < keep}


Transform = Callable[[Weights], Weights]
