"""The files that tell what a model is, read at the audited revision: config.json, tokenizer files,
adapter_config.json, safetensors headers and index files, and modeling code as text."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from auditor.facts.paths import path_rules
from auditor.facts.tensors import (
    LFS_POINTER_PREFIX,
    MAX_NAME_LENGTH,
    MAX_TENSORS,
    Shape,
    TensorInventory,
    read_index,
    usable_name,
)
from auditor.facts.text import decode
from auditor.safeload import Limits, UnsafeDocument, load_json
from auditor.sources.base import MAX_TEXT_BYTES

_MAX_SHARD_HEADERS = 400  # a 163-shard checkpoint has 163; more is a sign of something else
_JSON_LIMITS = Limits(max_bytes=MAX_TEXT_BYTES)


@dataclass(frozen=True)
class ModelFiles:
    config: dict[str, Any] = field(default_factory=dict)  # with text_config's keys filled in
    architectures: tuple[str, ...] = ()
    model_type: str | None = None
    quantized: bool = False
    auto_map: tuple[str, ...] = ()
    vocab_size: int | None = None
    tokens: frozenset[str] = frozenset()  # special tokens and chat-template text
    adapter_base: str | None = None
    tensors: TensorInventory = TensorInventory({}, ())
    code: tuple[tuple[str, str], ...] = ()  # (path, text) of modeling code, never executed
    weights: tuple[str, ...] = ()  # weight files (or LFS pointers to them) at the revision
    notes: tuple[str, ...] = ()
    paths: frozenset[str] = frozenset()  # every lineage-relevant file at the revision


def _json(text: str | None) -> tuple[Any, str | None]:
    if text is None:
        return None, "unreadable"
    if text.startswith(LFS_POINTER_PREFIX.decode()):
        return None, "Git LFS pointer (the file is not in git)"  # not a malformed file: a reviewer needs LFS
    try:
        return load_json(text, _JSON_LIMITS), None
    except UnsafeDocument as exc:
        return None, str(exc)


def _token_strings(value: Any) -> set[str]:
    """Token strings from the shapes tokenizer files use: strings, {"content": ...}, lists, maps."""
    found: set[str] = set()
    if isinstance(value, str):
        found.add(value)
    elif isinstance(value, dict):
        if isinstance(value.get("content"), str):
            found.add(value["content"])
        else:
            for item in value.values():
                found |= _token_strings(item)
    elif isinstance(value, list):
        for item in value:
            found |= _token_strings(item)
    return found


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) or value is None


def read_model_files(source) -> ModelFiles:
    """`source` gives snapshot_entries(), read_at_revision() and safetensors_header()."""
    entries = source.snapshot_entries()
    notes: list[str] = []

    def text(path: str) -> str | None:
        blob = source.read_at_revision(path, entries[path])
        if blob.data is None:
            notes.append(f"{path}: not read ({blob.unreadable})")
            return None
        decoded = decode(blob.data)
        if decoded is None:
            notes.append(f"{path}: binary content")
        return decoded

    config: dict[str, Any] = {}
    architectures: tuple[str, ...] = ()
    model_type = None
    quantized = False
    auto_map: tuple[str, ...] = ()
    if "config.json" in entries:
        data, error = _json(text("config.json"))
        if error or not isinstance(data, dict):
            notes.append(f"config.json: {error or 'not a JSON object'}")
        else:
            config = dict(data)
            for key, value in data.items():
                if key.endswith("_config") and isinstance(value, dict):  # vision_config/hidden_size and the like
                    config.update({f"{key}/{k}": v for k, v in value.items() if _scalar(v)})
            if isinstance(data.get("text_config"), dict):
                config.update(data["text_config"])  # checkpoints are compared on the text model's sizes
            declared = data.get("architectures") or ()
            declared = [declared] if isinstance(declared, str) else declared
            architectures = tuple(a for a in declared if isinstance(a, str)) if isinstance(declared, list) else ()
            model_type = str(data["model_type"]) if data.get("model_type") else None
            quantized = bool(data.get("quantization_config"))
            if isinstance(data.get("auto_map"), dict):
                auto_map = tuple(sorted(str(v) for v in data["auto_map"].values() if isinstance(v, str)))

    if "model_index.json" in entries:  # a diffusers pipeline: its class and its components' configs
        data, error = _json(text("model_index.json"))
        if error or not isinstance(data, dict):
            notes.append(f"model_index.json: {error or 'not a JSON object'}")
        elif isinstance(data.get("_class_name"), str):
            architectures = (*architectures, data["_class_name"])
            # The component configs rules/paths.yaml lists (unet/, transformer/, text_encoder/, vae/ ...).
            for path in sorted(p for p in entries if p.count("/") == 1 and p.endswith("/config.json")):
                component = path.split("/", 1)[0]
                part, error = _json(text(path))
                if error or not isinstance(part, dict):
                    notes.append(f"{path}: {error or 'not a JSON object'}")
                    continue
                config.update({f"{component}/{k}": v for k, v in part.items() if _scalar(v)})

    tokens: set[str] = set()
    vocab_size = config.get("vocab_size") if isinstance(config.get("vocab_size"), int) else None
    for name in ("tokenizer_config.json", "special_tokens_map.json", "tokenizer.json"):
        if name not in entries:
            continue
        data, error = _json(text(name))
        if error or not isinstance(data, dict):
            notes.append(f"{name}: {error or 'not a JSON object'}")
            continue
        for key in ("added_tokens_decoder", "added_tokens", "additional_special_tokens", "bos_token", "eos_token"):
            tokens |= _token_strings(data.get(key))
        if isinstance(data.get("chat_template"), str):
            tokens.add(data["chat_template"])
        model = data.get("model") if name == "tokenizer.json" else None
        vocab = model.get("vocab") if isinstance(model, dict) else None
        if vocab_size is None and isinstance(vocab, (dict, list)):
            added = data.get("added_tokens")
            vocab_size = len(vocab) + (len(added) if isinstance(added, list) else 0)

    adapter_base = None
    if "adapter_config.json" in entries:
        data, error = _json(text("adapter_config.json"))
        if isinstance(data, dict) and isinstance(data.get("base_model_name_or_path"), str):
            adapter_base = data["base_model_name_or_path"]
        elif error:
            notes.append(f"adapter_config.json: {error}")

    names: dict[str, Shape | None] = {}
    skipped = {"unusable": 0, "over": 0}

    def add(name: str, shape: Shape | None) -> None:
        if name in names:
            if shape is not None:
                names[name] = shape
        elif not usable_name(name):
            skipped["unusable"] += 1
        elif len(names) >= MAX_TENSORS:
            skipped["over"] += 1
        else:
            names[name] = shape

    sources: list[str] = []
    shards = sorted(p for p in entries if p.endswith(".safetensors"))
    for path in shards[:_MAX_SHARD_HEADERS]:
        shapes, why = source.safetensors_header(path, entries[path])
        if shapes is None:
            notes.append(f"{path}: {why}")
            continue
        for name, shape in shapes.items():
            add(name, shape)
        sources.append(path)
    for path in sorted(p for p in entries if p.endswith(".index.json")):
        listed, why = read_index(text(path) or "")
        if listed is None:
            notes.append(f"{path}: {why}")
            continue
        for name in listed:
            add(name, None)
        sources.append(path)
    if skipped["unusable"]:
        notes.append(f"{skipped['unusable']} tensor names longer than {MAX_NAME_LENGTH} characters or with control "
                     "characters were not analysed")
    if skipped["over"]:
        notes.append(f"{skipped['over']} tensor names beyond the first {MAX_TENSORS} were not analysed")

    code = tuple((path, body) for path in sorted(entries) if path.endswith(".py")
                 and (body := text(path)) is not None)
    return ModelFiles(
        config=config, architectures=architectures, model_type=model_type, quantized=quantized,
        auto_map=auto_map, vocab_size=vocab_size, tokens=frozenset(tokens), adapter_base=adapter_base,
        tensors=TensorInventory(names, tuple(sources)), code=code,
        weights=tuple(sorted(p for p in entries if path_rules().weights.search(posixpath.basename(p)))),
        notes=tuple(notes), paths=frozenset(entries),
    )
