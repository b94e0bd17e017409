"""Reporters render an Audit; they compute nothing. Imported lazily: `auditor identify` and
`--version` should not pay for jinja2."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from auditor.escape import printable_all
from auditor.model import Audit

# format name -> (module, function)
_RENDERERS = {
    "json": ("auditor.reports.json", "render_json"),
    "text": ("auditor.reports.text", "render_text"),
    "html": ("auditor.reports.html", "render_html"),
    "sarif": ("auditor.reports.sarif", "render_sarif"),
    "markdown": ("auditor.reports.markdown", "render_markdown"),
    "junit": ("auditor.reports.junit", "render_junit"),
    "codequality": ("auditor.reports.codequality", "render_codequality"),
    "cyclonedx": ("auditor.reports.cyclonedx", "render_cyclonedx"),
    "summary": ("auditor.reports.ci", "log_summary"),
}
FORMATS = tuple(sorted(_RENDERERS))
# --output PATH picks its format by suffix.
SUFFIXES = {".json": "json", ".txt": "text", ".html": "html", ".htm": "html", ".sarif": "sarif", ".md": "markdown",
            ".xml": "junit"}


def format_for(path: Path, default: str) -> str:
    """The format an --output path's suffix asks for; `.cdx.json` is a CycloneDX BOM."""
    if path.name.lower().endswith(".cdx.json"):
        return "cyclonedx"
    return SUFFIXES.get(path.suffix.lower(), default)


def render(fmt: str, audit: Audit) -> str:
    module, function = _RENDERERS[fmt]
    # Undecodable bytes in repo strings are escaped once, here, the same way for every format.
    return getattr(import_module(module), function)(printable_all(audit))
