"""The fleet store: one SQLite file, one row per target and audited revision, written by the driver
as each target finishes (one commit per row, WAL journal), so a crash, a kill or Ctrl-C loses
nothing that finished, and a re-run knows what it can skip.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import AuditorError
from auditor.fleet.task import FAILED, OK, Result

SCHEMA = "fleet-store/1"

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audits (
    target    TEXT NOT NULL,
    revision  TEXT NOT NULL,           -- '' when the audit failed before a revision was known
    settings  TEXT NOT NULL,           -- digest of tool version, rules, --fail-on and waivers
    status    TEXT NOT NULL,           -- ok | failed
    verdict   TEXT,                    -- pass | fail (ok rows)
    errors    INTEGER, warnings INTEGER, infos INTEGER, waived INTEGER,
    report    TEXT,                    -- the model-audit/1 JSON of `auditor scan`
    html      BLOB,                    -- the target's HTML report, zlib-compressed
    upstreams TEXT,                    -- JSON list: binding upstreams and unsettled alternatives
    error     TEXT,                    -- one line, failed rows
    seconds   REAL,
    PRIMARY KEY (target, revision)
);
"""


@dataclass(frozen=True)
class Row:
    target: str
    revision: str | None
    status: str
    verdict: str | None
    counts: dict[str, int]
    report: str | None  # the JSON text, as `auditor scan --format json` printed it
    upstreams: tuple[dict[str, Any], ...]
    error: str | None
    seconds: float


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_TABLES)
            found = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if found is None:
                self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA,))
            elif found[0] != SCHEMA:
                raise AuditorError(f"{path} is a store of another version ({found[0]}); use a new --store")
        except sqlite3.DatabaseError as exc:
            raise AuditorError(f"cannot use {path} as a fleet store: {exc}") from exc
        except OSError as exc:
            raise AuditorError(f"cannot create the fleet store {path}: {exc.strerror}") from exc

    def close(self) -> None:
        self._db.close()

    def stored_revision(self, target: str, settings: str) -> str | None:
        """The revision a finished audit of `target` with these settings holds, if any."""
        found = self._db.execute(
            "SELECT revision FROM audits WHERE target = ? AND settings = ? AND status = ? ORDER BY rowid DESC LIMIT 1",
            (target, settings, OK)).fetchone()
        return found[0] if found else None

    def put(self, result: Result, settings: str) -> None:
        """One row, committed at once. A success supersedes the target's failures."""
        counts: dict[str, Any] = {}
        verdict = None
        if result.status == OK:
            summary = json.loads(result.report or "{}")["summary"]
            counts, verdict = summary, summary["verdict"]
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            if result.status == OK:
                self._db.execute("DELETE FROM audits WHERE target = ? AND status = ?", (result.target, FAILED))
            self._db.execute(
                "INSERT OR REPLACE INTO audits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (result.target, result.revision or "", settings, result.status, verdict, counts.get("error"),
                 counts.get("warning"), counts.get("info"), counts.get("waived"), result.report, result.html,
                 json.dumps(list(result.upstreams)), result.error, round(result.seconds, 3)))

    def confirm(self, target: str) -> None:
        """The stored audit is still current: earlier failures of the target no longer stand."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM audits WHERE target = ? AND status = ?", (target, FAILED))

    def current(self, target: str) -> Row | None:
        """The latest row of a target: what a summary reports for it."""
        found = self._db.execute(
            "SELECT target, revision, status, verdict, errors, warnings, infos, waived, report, upstreams, error, "
            "seconds FROM audits WHERE target = ? ORDER BY rowid DESC LIMIT 1", (target,)).fetchone()
        if found is None:
            return None
        target, revision, status, verdict, errors, warnings, infos, waived, report, upstreams, error, seconds = found
        counts = {"error": errors or 0, "warning": warnings or 0, "info": infos or 0, "waived": waived or 0}
        return Row(target=target, revision=revision or None, status=status, verdict=verdict, counts=counts,
                   report=report, upstreams=tuple(json.loads(upstreams or "[]")),
                   error=error, seconds=seconds or 0.0)

    def html(self, target: str, revision: str | None) -> str | None:
        """The target's own HTML report, as its audit rendered it."""
        found = self._db.execute("SELECT html FROM audits WHERE target = ? AND revision = ?",
                                 (target, revision or "")).fetchone()
        return zlib.decompress(found[0]).decode("utf-8") if found and found[0] is not None else None
