"""Human-readable summary for a terminal (templates/report.txt.j2)."""

from __future__ import annotations

from functools import lru_cache

import jinja2

from auditor.escape import printable
from auditor.model import Audit
from auditor.resources import templates_dir


def oneline(value: object) -> str:
    """A repo string on one line, with nothing that drives a terminal."""
    return " ".join(printable(value).split())


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())), autoescape=False,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
        finalize=printable,  # repo strings must not drive the reader's terminal
    )
    env.filters["short"] = lambda sha: (sha or "")[:12]
    env.filters["oneline"] = oneline
    return env


def render_text(audit: Audit) -> str:
    return _environment().get_template("report.txt.j2").render(audit=audit, data=audit.to_dict())
