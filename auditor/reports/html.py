"""Self-contained HTML audit report for legal teams (templates/report.html.j2).

Everything is inline (CSS, SVG, one small script allowed by its hash in the Content-Security-Policy),
every value from the repo is autoescaped, and only http(s) links from repo data become clickable.
This module lays out the two diagrams; it judges nothing.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from auditor.model import SEVERITIES, Audit
from auditor.reports.summary import verdict_sentence
from auditor.resources import templates_dir

WIDTH = 960
LABEL_WIDTH = 250
LANE_HEIGHT = 34

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
class Mark:
    x: float
    y: float
    kind: str  # added | modified | deleted | restored | weights | card
    title: str


@dataclass
class Window:
    x: float
    width: float
    open: bool  # still absent at the audited revision
    title: str


@dataclass
class TimelineView:
    height: int
    lanes: list[tuple[str, float]] = field(default_factory=list)  # label, y
    marks: list[Mark] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    start: str = ""
    end: str = ""


def _timeline(audit: Audit) -> TimelineView | None:
    facts = audit.facts
    events = list(facts.timeline)
    if not events:
        return None
    stamps = [e.commit.timestamp for e in events]
    # Gaps that share a window share its uploads: one mark per commit.
    uploads = list({u.commit.sha: u for gap in facts.gaps for u in gap.weight_uploads}.values())
    stamps += [u.commit.timestamp for u in uploads]
    lo, hi = min(stamps), max(stamps)
    span = max(hi - lo, 1)
    plot = WIDTH - LABEL_WIDTH - 30

    def x(stamp: int) -> float:
        return round(LABEL_WIDTH + 10 + (stamp - lo) / span * plot, 1) if hi > lo else LABEL_WIDTH + 10 + plot / 2

    lanes: dict[str, float] = {}
    for event in events:
        label = f"{event.path} (card license)" if event.change == "card-license-changed" else event.path
        lanes.setdefault(label, 20 + len(lanes) * LANE_HEIGHT)
    if uploads:
        lanes.setdefault("weight uploads", 20 + len(lanes) * LANE_HEIGHT)
    restored = {(g.restored.commit.sha, g.restored.path) for g in facts.gaps if g.restored}
    view = TimelineView(height=40 + len(lanes) * LANE_HEIGHT, lanes=list(lanes.items()),
                        start=datetime.datetime.fromtimestamp(lo, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
                        end=datetime.datetime.fromtimestamp(hi, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"))
    for event in events:
        card = event.change == "card-license-changed"
        label = f"{event.path} (card license)" if card else event.path
        kind = "card" if card else event.change
        if (event.commit.sha, event.path) in restored:
            kind = "restored"
        before = ", ".join(event.licenses_before) or "none"
        after = ", ".join(event.licenses_after) or "none"
        view.marks.append(Mark(x(event.commit.timestamp), lanes[label], kind,
                               f"{event.commit.date} {event.commit.sha[:12]} {kind}: {before} -> {after}. "
                               f"{event.commit.title}"))
    for upload in uploads:
        view.marks.append(Mark(x(upload.commit.timestamp), lanes["weight uploads"], "weights",
                               f"{upload.commit.date} {upload.commit.sha[:12]} weights: {', '.join(upload.paths)}"))
    seen = set()
    for gap in facts.gaps:
        key = (gap.removed.commit.sha, gap.restored.commit.sha if gap.restored else None)
        if key in seen:
            continue
        seen.add(key)
        start = x(gap.removed.commit.timestamp)
        end = x(gap.restored.commit.timestamp) if gap.restored else LABEL_WIDTH + 10 + plot
        what = f"{gap.item.label} absent from {gap.removed.commit.date}"
        what += f" to {gap.restored.commit.date}" if gap.restored else " to the audited revision"
        view.windows.append(Window(start, max(end - start, 3), gap.restored is None, what))
    return view


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
        groups=groups, timeline=_timeline(audit), lineage_boxes=lineage_boxes, lineage_height=lineage_height,
        width=WIDTH, label_width=LABEL_WIDTH, script=SCRIPT, script_hash=digest,
    )
