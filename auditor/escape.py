"""The one place that makes repo strings safe to print: every output format and stream goes through it.

Two things from an audited repo cannot be printed as they are:
- bytes that are not UTF-8 (`LICENSE-\\xff\\xfe`): paths from git and the file system arrive as str
  with lone surrogates (surrogateescape), which no UTF-8 output can encode;
- control characters (ESC, CR, BEL, C1): in a terminal they retitle it, clear the screen, write the
  clipboard (OSC 52) or overwrite what was printed before them, also from a report file that is
  `cat` later.
Both are shown as `\\xNN`, the same in every format (text, JSON, HTML, SARIF, Markdown, stderr).
Tab and newline are kept.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

# Lone surrogates; C0 except tab and newline; DEL; C1 (U+009B is a CSI on 8-bit terminals).
_UNPRINTABLE = re.compile(r"[\ud800-\udfff\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match[0])
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape stands for the byte 0xNN
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: object) -> str:
    """A repo string as every output shows it: valid UTF-8, no control characters."""
    text = "" if value is None else str(value)
    return _UNPRINTABLE.sub(_escaped, text)


def printable_all(value: Any) -> Any:
    """`value` with every string in it made printable: dataclasses (frozen too), dicts, lists,
    tuples and sets are rebuilt; other values are returned as they are."""
    if isinstance(value, str):
        return printable(value) if _UNPRINTABLE.search(value) else value
    if isinstance(value, dict):
        return {printable_all(k): printable_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [printable_all(v) for v in value]
    if type(value) is tuple:
        return tuple(printable_all(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return type(value)(printable_all(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: printable_all(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    return value


def dump_json(value: Any) -> str:
    """JSON as every command prints it: UTF-8 kept readable, repo strings made printable."""
    return json.dumps(printable_all(value), indent=2, ensure_ascii=False)
