"""The one place where YAML and JSON from input are parsed: card front matter, waiver and rule files,
config and tokenizer files, safetensors headers and index files.

Every document is bounded before anything walks it: its size in bytes, its nesting depth, and for
YAML its size once aliases are expanded (a "billion laughs" of 500 bytes expands to 10^9 nodes, and
anything that copies or prints the result runs out of memory). Anchors and aliases stay allowed
within that bound, so a waiver file that reuses a comment with `*legal` still loads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

# The C loader is as safe as SafeLoader and ~10x faster: a history can hold hundreds of README
# versions with large model-index blocks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_depth: int = 100  # real cards, configs and tokenizers nest fewer than 10 levels
    max_nodes: int = 1_000_000  # YAML only: scalars, sequences and mappings once aliases are expanded


# Front matter and config files are small; the largest real model-index blocks are a few hundred KB.
YAML_LIMITS = Limits(max_bytes=2 * 1024 * 1024, max_nodes=200_000)


class UnsafeDocument(Exception):
    """A document that is malformed or over a bound; the message is one line, without the input."""


def _one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _check_graph(root: Node, limits: Limits) -> None:
    """Depth and expanded size of a composed YAML graph, walked without recursion. Aliases make the
    graph a DAG (or a cycle): each node's expanded size is computed once and reused."""
    expanded: dict[int, int] = {}
    depth_of: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        if done:
            on_path.discard(key)
            expanded[key] = 1 + sum(expanded[id(c)] for c in children)
            depth_of[key] = 1 + max((depth_of[id(c)] for c in children), default=0)
            if expanded[key] > limits.max_nodes:
                raise UnsafeDocument(f"expands to more than {limits.max_nodes} nodes (aliases)")
            if depth_of[key] > limits.max_depth:
                raise UnsafeDocument(f"nested deeper than {limits.max_depth} levels")
            continue
        if key in expanded:
            continue
        if key in on_path:
            raise UnsafeDocument("an alias refers to its own anchor (recursive structure)")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in expanded)
        if len(on_path) > limits.max_depth:
            raise UnsafeDocument(f"nested deeper than {limits.max_depth} levels")


def read_capped(path: Path, limit: int = YAML_LIMITS.max_bytes) -> bytes:
    """A file the user named (rules, waivers), read up to `limit`. Raises UnsafeDocument when it
    cannot be read or is larger. A pipe (`--waivers <(...)`) works; nothing is read past the bound."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise UnsafeDocument(exc.strerror or _one_line(exc)) from exc
    if len(data) > limit:
        raise UnsafeDocument(f"larger than {limit} bytes")
    return data


def load_yaml(text: str | bytes, limits: Limits = YAML_LIMITS) -> Any:
    """One YAML document as plain data (safe types only). Raises UnsafeDocument."""
    if isinstance(text, bytes):
        if len(text) > limits.max_bytes:
            raise UnsafeDocument(f"larger than {limits.max_bytes} bytes")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnsafeDocument(f"not valid UTF-8 (byte {exc.start})") from exc
    if len(text) > limits.max_bytes:
        raise UnsafeDocument(f"larger than {limits.max_bytes} bytes")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:  # lone surrogates: bytes that were never UTF-8
        raise UnsafeDocument(f"not valid UTF-8 (character {exc.start})") from exc
    if size > limits.max_bytes:
        raise UnsafeDocument(f"larger than {limits.max_bytes} bytes")
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_graph(node, limits)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or _one_line(exc)
        raise UnsafeDocument(f"invalid YAML{where}: {problem}") from exc
    except RecursionError as exc:  # the pure-Python composer, where libyaml is missing
        raise UnsafeDocument(f"nested deeper than {limits.max_depth} levels") from exc
    except (ValueError, TypeError, OverflowError) as exc:  # a scalar its type rejects: 2020-13-45, a 5000-digit int
        raise UnsafeDocument(f"invalid YAML value: {_one_line(exc)[:200]}") from exc
    finally:
        loader.dispose()


def _check_depth(value: Any, limit: int) -> None:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise UnsafeDocument(f"nested deeper than {limit} levels")
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def load_json(data: str | bytes, limits: Limits) -> Any:
    """One JSON document, bounded in size and depth. Raises UnsafeDocument."""
    if len(data) > limits.max_bytes:
        raise UnsafeDocument(f"larger than {limits.max_bytes} bytes")
    try:
        value = json.loads(data)
    except json.JSONDecodeError as exc:
        raise UnsafeDocument(f"invalid JSON ({exc.msg} at line {exc.lineno})") from exc
    except UnicodeDecodeError as exc:
        raise UnsafeDocument("not valid UTF-8") from exc
    except RecursionError as exc:
        raise UnsafeDocument(f"nested deeper than {limits.max_depth} levels") from exc
    except ValueError as exc:  # an integer over Python's 4300-digit conversion limit
        raise UnsafeDocument(f"invalid JSON value: {_one_line(exc)[:200]}") from exc
    _check_depth(value, limits.max_depth)
    return value
