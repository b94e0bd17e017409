"""Self-contained HTML audit report for legal teams (templates/report.html.j2).

Everything is inline (CSS, SVG, one small script allowed by its hash in the Content-Security-Policy),
every value from the repo is autoescaped, and only http(s) links from repo data become clickable.
This module lays out the lineage diagram (the timeline: timeline_layout.py); it judges nothing.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from auditor.model import SEVERITIES, Audit
from auditor.reports.summary import verdict_sentence
from auditor.reports.timeline_layout import timeline_layout
from auditor.resources import templates_dir

WIDTH = 960

# Runs only to add severity filters; without it every finding shows, and printing hides the controls.
SCRIPT = """
(function () {
  var bar = document.getElementById('filters');
  if (!bar) { return; }
  ['error', 'warning', 'info'].forEach(function (level) {
    var label = document.createElement('label');
    var box = document.createElement('input');
    box.type = 'checkbox'; box.checked = true;
    box.addEventListener('change', function () {
      document.querySelectorAll('[data-severity="' + level + '"]').forEach(function (node) {
        node.hidden = !box.checked;
      });
    });
    label.appendChild(box);
    label.appendChild(document.createTextNode(' ' + level));
    bar.appendChild(label);
  });
  bar.hidden = false;
})();
""".strip()


def safe_link(url: str | None) -> str | None:
    """Only http(s) links from repo data may become clickable."""
    if url and url.strip().lower().startswith(("https://", "http://")):
        return url.strip()
    return None


def css_string(value: object) -> Markup:
    """A quoted CSS string for the print margin boxes: anything but plain characters is a CSS escape,
    so a repo string can neither end the string nor the style element."""
    plain = " .,_-/:@+()·"
    body = "".join(c if c.isalnum() and c.isascii() or c in plain else f"\\{ord(c):x} " for c in str(value or ""))
    return Markup(f'"{body}"')


def _short(text: str, limit: int = 64) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class LineageBox:
    y: int
    title: str
    license: str
    detail: str
    kind: str = "upstream"  # upstream | dataset


def _lineage(audit: Audit) -> tuple[int, list[LineageBox]]:
    boxes = []
    for number, candidate in enumerate(audit.facts.lineage[:6]):
        sources = " + ".join(dict.fromkeys(e.source for e, _w in candidate.evidence))
        license_text = "license unknown"
        if candidate.license:
            data = candidate.to_dict()["license"]
            license_text = data["spdx"] + (f" (hf: {data['hf']})" if data["hf"] else "")
        boxes.append(LineageBox(
            y=16 + number * 74, title=_short(candidate.upstream or f"{candidate.family} architecture", 60),
            license=_short(license_text, 70),
            detail=_short(f"{candidate.relation} · confidence {candidate.confidence:.2f} · {sources}", 80)))
    # The training data the card names, beside the upstream models.
    for dataset in audit.facts.datasets[:6]:
        generated = "; ".join(f"outputs of {g.generator}" for g in dataset.generated_by)
        boxes.append(LineageBox(
            y=16 + len(boxes) * 74, title=_short(f"dataset {dataset.name}", 60),
            license=_short(dataset.license or "terms unknown", 70),
            detail=_short(" · ".join(filter(None, (dataset.terms_from or "not catalogued", generated))), 80),
            kind="dataset"))
    return max(96, 16 + len(boxes) * 74), boxes


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["safe_link"] = safe_link
    env.filters["css_string"] = css_string
    env.filters["short"] = lambda sha: (sha or "")[:12]
    return env


def render_html(audit: Audit, generated_at: datetime.datetime | None = None) -> str:
    generated = (generated_at or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    lineage_height, lineage_boxes = _lineage(audit)
    data: dict[str, Any] = audit.to_dict()
    groups = [(s, [f for f in data["findings"] if f["severity"] == s]) for s in SEVERITIES]
    target, tool = data["target"], data["tool"]
    revision = (target["revision"] or "no revision")[:12]
    # Non-breaking hyphens: a date in the page header must not break mid-token.
    running_header = (f"License audit · {target.get('path') or target.get('repo_id')} @ {revision} · "
                      f"{generated.replace('-', chr(0x2011))}")
    running_footer = (f"{tool['name']} {tool['version']} · LicenseDB {tool.get('licensedb_version') or 'not set'} "
                      f"· rules {tool['rules_digest'][:19]}")
    return _environment().get_template("report.html.j2").render(
        running_header=running_header, running_footer=running_footer,
        data=data, audit=audit, verdict=verdict_sentence(audit), failed=audit.failed(), generated=generated,
        groups=groups, timeline=timeline_layout(audit.facts), lineage_boxes=lineage_boxes,
        lineage_height=lineage_height, width=WIDTH, script=SCRIPT, script_hash=digest,
    )
