"""Human-readable summary for a terminal (templates/report.txt.j2)."""

from __future__ import annotations

import re
from functools import lru_cache

import jinja2

from auditor.model import Audit
from auditor.resources import templates_dir

# Repo strings (commit titles, author names, paths) must not drive the reader's terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(value: object) -> str:
    return _CONTROL.sub("?", "" if value is None else str(value))


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())), autoescape=False,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
        finalize=_clean,
    )
    env.filters["short"] = lambda sha: (sha or "")[:12]
    env.filters["oneline"] = lambda s: " ".join(_clean(s).split())
    return env


def render_text(audit: Audit) -> str:
    return _environment().get_template("report.txt.j2").render(audit=audit, data=audit.to_dict())
