"""Reporters render an Audit; they compute nothing. Imported lazily: `auditor identify` and
`--version` should not pay for jinja2."""

from __future__ import annotations

from importlib import import_module

from auditor.model import Audit

# format name -> (module, function)
_RENDERERS = {
    "json": ("auditor.reports.json", "render_json"),
    "text": ("auditor.reports.text", "render_text"),
}
FORMATS = tuple(sorted(_RENDERERS))


def render(fmt: str, audit: Audit) -> str:
    module, function = _RENDERERS[fmt]
    return getattr(import_module(module), function)(audit)
