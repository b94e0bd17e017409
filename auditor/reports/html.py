"""Self-contained HTML audit report for legal teams (templates/report.html.j2).

Everything is inline (CSS, SVG, one small script allowed by its hash in the Content-Security-Policy),
every value from the repo is autoescaped, and only http(s) links from repo data become clickable.
This module lays out the lineage (the timeline: timeline_layout.py); it judges nothing.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from typing import Any

import jinja2
from markupsafe import Markup, escape

from auditor.facts.catalog import family_by_id
from auditor.facts.license_ids import hf_licenses, spdx_for_key
from auditor.facts.licensedb import reference_text
from auditor.facts.licenses import license_name
from auditor.facts.phrases import defined_licenses
from auditor.model import SEVERITIES, Audit
from auditor.reports.summary import needs_review, verdict_sentence
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


def when(value: str | None) -> Markup:
    """An ISO date as "2025-02-01 10:00 UTC" in a <time>: it may wrap between date and time, never
    inside either."""
    if not value:
        return Markup("")
    try:
        stamp = datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(datetime.timezone.utc)
    except ValueError:
        return Markup('<span class="nowrap">{}</span>').format(value)
    html = '<time datetime="{}"><span class="nowrap">{}</span> <span class="nowrap">{} UTC</span></time>'
    return Markup(html).format(
        stamp.strftime("%Y-%m-%dT%H:%M:%SZ"), stamp.strftime("%Y-%m-%d"), stamp.strftime("%H:%M"))


def numbered(excerpt: str, first: int) -> list[tuple[int, str]]:
    """An excerpt's lines with their numbers in the file (split at "\n" only, as git numbers them)."""
    return list(enumerate(excerpt.split("\n"), start=first))


_MARKDOWN = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|\[([^\]]+)\]\(([^)\s]+)\)")


def inline_markdown(text: str | None) -> Markup:
    """The small markdown subset remediation text uses (`code`, **bold**, [links](https://...)),
    rendered after escaping everything; a link that is not http(s) stays text."""
    escaped = str(escape(text or ""))

    def one(match: re.Match) -> str:
        code, bold, label, url = match.groups()
        if code is not None:
            return f"<code>{code}</code>"
        if bold is not None:
            return f"<strong>{bold}</strong>"
        link = safe_link(unescape(url))
        if link is None:
            return f"{label} ({url})"
        return f'<a href="{escape(link)}" rel="noopener noreferrer">{label}</a>'

    return Markup(_MARKDOWN.sub(one, escaped))


MAX_LINEAGE = 20  # a picture a reader can take in; the JSON lists every candidate


@dataclass
class LineageNode:
    """One upstream or dataset in the lineage picture, with why its terms bind this repo or not."""

    anchor: str
    label: str  # as the findings name it (their subject)
    license: str  # the human name first
    ids: str  # then the ids: SPDX, ScanCode key, Hub id
    binds: bool | None  # None: not judged (a dataset's terms are judged by the dataset rules)
    why: str
    detail: str  # relation, confidence, catalogued checkpoint
    clues: list[dict[str, Any]] = field(default_factory=list)
    kind: str = "upstream"  # upstream | dataset


def _license_ids(ref: dict[str, Any] | None) -> str:
    if not ref:
        return ""
    parts = [ref["spdx"]] + ([f"ScanCode {ref['key']}"] if ref["key"].lower() not in ref["spdx"].lower() else [])
    return " · ".join(parts + ([f"Hub {ref['hf']}"] if ref.get("hf") else []))


def _lineage(data: dict[str, Any]) -> list[LineageNode]:
    nodes = []
    for number, candidate in enumerate(data["lineage"][:MAX_LINEAGE], start=1):
        ref = candidate["license"]
        family = family_by_id(candidate["family"])
        name = license_name(ref["key"]) if ref else "license not known"
        # Labelled as the findings' subjects are (auditor.facts.upstreams.Upstream.label).
        label = candidate["upstream"] or (family.name if family else None) or name
        detail = [candidate["relation"], f"confidence {candidate['confidence']:.2f}"]
        if candidate["via"]:
            detail.append(f"the base of {candidate['via']}")
        nodes.append(LineageNode(
            anchor=f"lineage-{number}", label=label, license=name, ids=_license_ids(ref),
            binds=candidate["binds"], why=candidate["why"] or "not judged", detail=" · ".join(detail),
            clues=candidate["evidence"]))
    for number, dataset in enumerate(data["datasets"][:MAX_LINEAGE], start=1):
        generated = "; ".join(f"outputs of {g['generator']} ({g['name']})" for g in dataset["generated_by"])
        terms = {"catalog": "the tool's dataset catalog", "dataset-card": "the dataset's own card"}
        why = f"terms from {terms.get(dataset['terms_from'] or '', 'nowhere: not catalogued')}"
        nodes.append(LineageNode(
            anchor=f"dataset-{number}", label=dataset["name"], license=dataset["title"] or "license",
            ids=dataset["license"] or "terms unknown", binds=None, why=why,
            detail=" · ".join(filter(None, ("training data the card names", generated))), kind="dataset"))
    return nodes


@dataclass
class AppendixText:
    """A license the audit involves, with the text a reader can check the findings against."""

    anchor: str
    name: str
    ids: str
    why: str  # how it is involved: bound upstream, removed, carried, declared
    text: str | None  # the reference text, where the tool has one
    source: str  # where the text comes from, or where to find it
    url: str | None = None  # the publisher's copy


def _appendix(audit: Audit, data: dict[str, Any]) -> list[AppendixText]:
    """The texts of the licenses involved: bound upstreams', removed ones', carried and declared ones.
    Texts come from ScanCode's LicenseDB that the tool ships; a license it has no text for points to
    its publisher's copy and to the repo's own."""
    involved: dict[str, list[str]] = {}
    for candidate in data["lineage"]:
        if candidate["binds"] and candidate["license"]:
            involved.setdefault(candidate["license"]["key"], []).append(
                f"the license of {candidate['upstream'] or candidate['family']}, whose terms bind this repo")
    for gap in audit.facts.gaps:
        if gap.item.kind == "license":
            involved.setdefault(gap.item.value, []).append(
                f"removed from {gap.removed.path} in {gap.removed.commit.sha[:12]}")
    carried: dict[str, list[str]] = {}
    for lf in data["license_files"]:
        for match in lf["licenses"]:
            if match["form"] == "text":
                carried.setdefault(match["key"], []).append(lf["path"])
    for key, paths in carried.items():
        involved.setdefault(key, []).append(f"carried in {', '.join(dict.fromkeys(paths))}")
    declared = hf_licenses().get((data["card"]["license"] or "").lower())
    if declared:
        involved.setdefault(declared, []).append(f"declared by the card (license: {data['card']['license']})")
    version = data["tool"].get("licensedb_version") or "not set"
    texts = []
    for number, (key, why) in enumerate(involved.items(), start=1):
        text = reference_text(key)
        info = defined_licenses().get(key)
        url = safe_link(info.url) if info else None
        if text:
            source = f"the reference text of ScanCode LicenseDB (licensedcode-data {version}), not the repo's copy"
        elif key in carried:
            source = (f"The tool ships no copy of this text; the repo's own copy is in {', '.join(carried[key])}"
                      + ("; the publisher's:" if url else "."))
        else:
            source = "The tool ships no copy of this text" + ("; the publisher's:" if url else ".")
        sentence = "; ".join(why)
        texts.append(AppendixText(anchor=f"text-{number}", name=license_name(key),
                                  ids=f"{spdx_for_key(key)} · ScanCode {key}", why=sentence[:1].upper() + sentence[1:],
                                  text=text, source=source, url=url))
    return texts


def _card_license(card: dict[str, Any]) -> str:
    """The card's declared license, its human name first."""
    declared = card["license"]
    if not declared:
        return "not set"
    key = hf_licenses().get(declared.lower())
    if declared.lower() == "other" or not key:
        return f"{card['license_name'] or 'a license the Hub does not list'} (license: {declared})"
    return f"{license_name(key)} (license: {declared})"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["safe_link"] = safe_link
    env.filters["css_string"] = css_string
    env.filters["short"] = lambda sha: (sha or "")[:12]
    env.filters["when"] = when
    env.filters["numbered"] = numbered
    env.filters["markdown"] = inline_markdown
    return env


HUB = "https://huggingface.co"


def hub_endpoint() -> str:
    """Where the Hub's web pages are: HF_ENDPOINT, as the Hub source reads it, else huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or HUB).rstrip("/")


def _commit_url(target: dict[str, Any]):
    """sha -> the Hub's commit page for hf:// targets; local commits have no page to link."""
    if target["kind"] != "hub":
        return lambda sha: None
    base = f"{hub_endpoint()}/{target['repo_id']}/commit/"
    return lambda sha: safe_link(base + sha) if sha else None


def report_date(audit: Audit) -> tuple[str | None, str]:
    """The date the report carries, and where it comes from. The same input gives the same bytes:
    SOURCE_DATE_EPOCH when set (the reproducible-builds convention), else the audited commit's date,
    as the CycloneDX BOM's timestamp; never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        stamp = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ"), "SOURCE_DATE_EPOCH"
    if audit.facts.target.revision_date:
        return audit.facts.target.revision_date, "the audited commit's date"
    return None, "no date: a folder without history, and SOURCE_DATE_EPOCH is not set"


def _history_method(audit: Audit) -> str:
    """How the history was read, in a sentence a reviewer can check."""
    target = audit.facts.target
    count = f"{target.commits_scanned} commit{'s' if target.commits_scanned != 1 else ''}"
    if target.kind == "folder":
        return ("A plain folder without git history: only its current files were read "
                "(history_complete: false).")
    if target.kind == "hub":
        how = (f"The history was read from the Hugging Face Hub's commit listing for {target.path} at "
               f"{hub_endpoint()} ({count}), one file tree per commit, files fetched through the Hub API.")
    else:
        how = (f"The first-parent history of the revision was read with a local git walk ({count}; "
               "git log --first-parent --raw, blobs through git cat-file), without checking anything out "
               "or running anything from the repository.")
    if target.history_complete:
        return how + " History complete: yes (history_complete: true)."
    if target.history_boundary is not None:
        boundary = target.history_boundary
        return how + (f" The clone is shallow: history stops at {boundary.sha[:12]} ({boundary.date}); earlier "
                      "commits were not seen (history_complete: false). Fetch the whole history "
                      "(git fetch --unshallow, or fetch-depth: 0 in GitHub Actions) and audit again.")
    return how + (" Objects of the history could not be read (a partial clone or a corrupt repository), so "
                  "what they held was not audited (history_complete: false).")


def render_html(audit: Audit) -> str:
    dated, dated_from = report_date(audit)
    # Non-breaking hyphens: a date in the page header must not break mid-token.
    header_date = (dated or "")[:16].replace("T", " ").replace("-", chr(0x2011)) + " UTC"
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    data: dict[str, Any] = audit.to_dict()
    lineage = _lineage(data)
    groups = [(s, [f for f in data["findings"] if f["severity"] == s]) for s in SEVERITIES]
    target, tool = data["target"], data["tool"]
    revision = (target["revision"] or "no revision")[:12]
    running_header = (f"License audit · {target.get('path') or target.get('repo_id')} @ {revision}"
                      + (f" · {header_date}" if dated else ""))
    running_footer = (f"{tool['name']} {tool['version']} · LicenseDB {tool.get('licensedb_version') or 'not set'} "
                      f"· rules {tool['rules_digest'][:19]}")
    return _environment().get_template("report.html.j2").render(
        running_header=running_header, running_footer=running_footer,
        data=data, audit=audit, verdict=verdict_sentence(audit), failed=audit.failed(), review=needs_review(audit),
        dated=dated,
        dated_from=dated_from, history_method=_history_method(audit), commit_url=_commit_url(target),
        groups=groups, timeline=timeline_layout(audit.facts), lineage=lineage,
        lineage_anchors={n.label: n.anchor for n in lineage if n.kind == "upstream"},
        lineage_more=max(len(data["lineage"]) - MAX_LINEAGE, 0),
        card_license=_card_license(data["card"]), appendix=_appendix(audit, data),
        width=WIDTH, script=SCRIPT, script_hash=digest,
    )
