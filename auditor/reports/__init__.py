"""Reporters render an Audit; they compute nothing."""

from __future__ import annotations

from collections.abc import Callable

from auditor.model import Audit
from auditor.reports.json import render_json
from auditor.reports.text import render_text

RENDERERS: dict[str, Callable[[Audit], str]] = {
    "text": render_text,
    "json": render_json,
}
