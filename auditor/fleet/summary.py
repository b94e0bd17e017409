"""The fleet summary: one row per target from the store, totals by rule and by upstream license,
rendered as HTML (templates/fleet.html.j2), JSON, CSV or text. Rows are sorted by target, so the
same store gives the same bytes; only the HTML page says when it was generated."""

from __future__ import annotations

import base64
import csv
import datetime
import hashlib
import io
import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import AuditorError
from auditor.escape import dump_json, printable_all
from auditor.fleet.store import Store
from auditor.fleet.task import OK

SCHEMA = "model-audit-fleet/1"
TOP_RULES = 3
NO_UPSTREAM = "no upstream identified"

# Sorts the table by a clicked column and filters it by text and status; without it the table
# shows every target in target order.
SCRIPT = """
(function () {
  var table = document.getElementById('targets');
  var search = document.getElementById('search');
  var status = document.getElementById('status');
  if (!table || !search || !status) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  function apply() {
    var text = search.value.toLowerCase();
    var wanted = status.value;
    var shown = 0;
    rows.forEach(function (row) {
      var ok = (!text || row.textContent.toLowerCase().indexOf(text) >= 0) &&
               (!wanted || row.getAttribute('data-status') === wanted);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    document.getElementById('shown').textContent = shown + ' of ' + rows.length + ' shown';
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell, index) {
    var button = cell.querySelector('button');
    if (!button) { return; }
    button.addEventListener('click', function () {
      var numeric = cell.hasAttribute('data-numeric');
      var descending = cell.getAttribute('aria-sort') === 'ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute('aria-sort'); });
      cell.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
      rows.sort(function (a, b) {
        var x = a.cells[index].getAttribute('data-sort'), y = b.cells[index].getAttribute('data-sort');
        var order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        return descending ? -order : order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  search.addEventListener('input', apply);
  status.addEventListener('change', apply);
  document.getElementById('controls').hidden = false;
  apply();
})();
""".strip()


@dataclass(frozen=True)
class Summary:
    rows: list[dict[str, Any]]
    totals: dict[str, Any]

    def failed(self) -> bool:
        """Some target fails the gate, or could not be audited."""
        return any(row["status"] != "pass" for row in self.rows)


def _row(store: Store, target: str) -> dict[str, Any]:
    row = store.current(target)
    if row is None:  # never finished: a run interrupted before it got there
        return {"target": target, "revision": None, "status": "not audited", "declared_license": None,
                "counts": {"error": 0, "warning": 0, "info": 0, "waived": 0}, "top_rules": [], "rules": {},
                "upstreams": [], "error": "not audited yet: run the fleet again", "report": None}
    rules: Counter = Counter()
    declared = None
    if row.status == OK and row.report:
        doc = json.loads(row.report)
        rules.update(f["rule"] for f in doc["findings"] if not f.get("waiver") or f["waiver"].get("expired"))
        declared = doc["card"].get("license")
    ranked = sorted(rules.items(), key=lambda item: (-item[1], item[0]))
    return {
        "target": target,
        "revision": row.revision,
        "status": row.verdict if row.status == OK else "error",
        "declared_license": declared,
        "counts": row.counts,
        "top_rules": [rule for rule, _n in ranked[:TOP_RULES]],
        "rules": dict(ranked),
        "upstreams": list(row.upstreams),
        "error": row.error,
        "report": None,
    }


def collect(store: Store, targets: list[str]) -> Summary:
    # Targets, errors and card values are repo strings: made printable once, for every format.
    rows = [printable_all(_row(store, target)) for target in sorted(targets)]
    by_rule: dict[str, list[int]] = {}
    by_license: Counter = Counter()
    for row in rows:
        for rule, count in row["rules"].items():
            entry = by_rule.setdefault(rule, [0, 0])
            entry[0] += 1
            entry[1] += count
        if row["status"] in ("pass", "fail"):
            licenses = {u["license"] or "license unknown" for u in row["upstreams"] if u["settled"]}
            if any(not u["settled"] for u in row["upstreams"]):
                licenses.add("unsettled: " + " or ".join(sorted({u["license"] or "unknown" for u in row["upstreams"]
                                                                  if not u["settled"]})))
            by_license.update(licenses or {NO_UPSTREAM})
    statuses = Counter(row["status"] for row in rows)
    totals = {
        "targets": len(rows),
        "pass": statuses["pass"], "fail": statuses["fail"], "error": statuses["error"],
        "not_audited": statuses["not audited"],
        "findings": {s: sum(row["counts"][s] for row in rows) for s in ("error", "warning", "info", "waived")},
        "by_rule": [{"rule": rule, "targets": n, "findings": f}
                    for rule, (n, f) in sorted(by_rule.items(), key=lambda item: (-item[1][0], item[0]))],
        "by_upstream_license": [{"license": name, "targets": n}
                                for name, n in sorted(by_license.items(), key=lambda item: (-item[1], item[0]))],
    }
    return Summary(rows, totals)


def _slug(target: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", target.removeprefix("hf://").strip("/"))[-80:].strip("-.")
    return f"{name or 'target'}-{hashlib.sha256(target.encode()).hexdigest()[:8]}.html"


def write_reports(summary: Summary, store: Store, directory: Path) -> dict[str, Path]:
    """Each audited target's own HTML report, as its audit rendered it, in `directory`."""
    written = {}
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for row in summary.rows:
            html = store.html(row["target"], row["revision"]) if row["status"] in ("pass", "fail") else None
            if html is not None:
                path = directory / _slug(row["target"])
                path.write_text(html, encoding="utf-8")
                written[row["target"]] = path
    except OSError as exc:
        raise AuditorError(f"cannot write the target reports in {directory}: {exc.strerror}") from exc
    return written


def with_links(summary: Summary, reports: dict[str, Path], base: Path) -> Summary:
    """Report links relative to the directory of the summary that shows them."""
    rows = [{**row, "report": Path(os.path.relpath(reports[row["target"]], base)).as_posix()
             if row["target"] in reports else None} for row in summary.rows]
    return Summary(rows, summary.totals)


def _upstream_text(row: dict[str, Any]) -> tuple[str, str]:
    families = dict.fromkeys(u["family"] or u["upstream"] or "?" for u in row["upstreams"])
    licenses = dict.fromkeys((u["license"] or "unknown") + ("" if u["settled"] else " (unsettled)")
                             for u in row["upstreams"])
    return "; ".join(families), "; ".join(licenses)


def render_json(summary: Summary) -> str:
    rows = [{key: value for key, value in row.items() if key != "rules"} | {"rules": row["rules"]}
            for row in summary.rows]
    return dump_json({"schema": SCHEMA, "totals": summary.totals, "targets": rows}) + "\n"


CSV_COLUMNS = ("target", "revision", "status", "errors", "warnings", "infos", "waived", "declared_license",
               "top_rules", "upstream_families", "upstream_licenses", "report", "error")


def _cell(value: object) -> object:
    """A spreadsheet runs a cell that starts with = + - or @ as a formula: quote repo strings that do."""
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def render_csv(summary: Summary) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in summary.rows:
        families, licenses = _upstream_text(row)
        counts = row["counts"]
        writer.writerow(map(_cell, [
            row["target"], row["revision"] or "", row["status"], counts["error"], counts["warning"], counts["info"],
            counts["waived"], row["declared_license"] or "", " ".join(row["top_rules"]), families, licenses,
            row["report"] or "", row["error"] or ""]))
    return out.getvalue()


def render_text(summary: Summary) -> str:
    width = max([len(row["target"]) for row in summary.rows] + [6])
    lines = [f"{'target':<{width}}  {'status':<11} errors warnings  info  top rules"]
    for row in summary.rows:
        counts = row["counts"]
        tail = " ".join(row["top_rules"]) if row["status"] in ("pass", "fail") else row["error"]
        lines.append(f"{row['target']:<{width}}  {row['status']:<11} {counts['error']:>6} {counts['warning']:>8} "
                     f"{counts['info']:>5}  {tail}")
    t = summary.totals
    lines.append(f"\n{t['targets']} targets: {t['pass']} pass, {t['fail']} fail, {t['error']} could not be audited"
                 + (f", {t['not_audited']} not audited yet" if t["not_audited"] else ""))
    return "\n".join(lines) + "\n"


def render_html(summary: Summary, generated_at: datetime.datetime | None = None) -> str:
    from auditor.reports.html import _environment as environment

    generated = (generated_at or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    rows = [{**row, "families": _upstream_text(row)[0], "licenses": _upstream_text(row)[1]} for row in summary.rows]
    return environment().get_template("fleet.html.j2").render(
        rows=rows, totals=summary.totals, generated=generated, script=SCRIPT, script_hash=digest)


RENDERERS = {".json": render_json, ".csv": render_csv, ".html": render_html, ".htm": render_html}


def check_outputs(outputs: tuple[Path, ...]) -> None:
    for output in outputs:
        if output.suffix.lower() not in RENDERERS:
            raise AuditorError(f"--output {output}: the summary is written as .html, .json or .csv")


def write_summaries(store: Store, targets: list[str], outputs: tuple[Path, ...]) -> Summary:
    """Write each output; an HTML summary gets the targets' own reports in `<name>-reports/` beside it,
    and JSON or CSV written in the same run link to the first of those."""
    summary = collect(store, targets)
    written = {output: write_reports(summary, store, output.parent / f"{output.stem}-reports")
               for output in outputs if RENDERERS[output.suffix.lower()] is render_html}
    first = next(iter(written.values()), {})
    for output in outputs:
        text = RENDERERS[output.suffix.lower()](with_links(summary, written.get(output, first), output.parent))
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise AuditorError(f"cannot write {output}: {exc.strerror}") from exc
    return summary
