"""The one function a fleet worker runs per target, on either engine: the audit of `auditor scan`.

It returns plain data (picklable, for a process pipe or Ray's object store) and never raises: a
target that cannot be audited comes back as failed with a one-line reason, so the fleet goes on.
Workers never touch the store; the driver writes what they return.
"""

from __future__ import annotations

import os
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.errors import AuditorError

OK, FAILED, UNCHANGED = "ok", "failed", "unchanged"


@dataclass(frozen=True)
class Settings:
    """What every target of a fleet is audited with, as `auditor scan` options."""

    rule_dirs: tuple[str, ...] = ()
    fail_on: str = "error"
    waivers: str | None = None
    offline: bool = False


@dataclass(frozen=True)
class Job:
    target: str
    stored_revision: str | None = None  # stored with the same settings: no audit if still current


@dataclass(frozen=True)
class Result:
    target: str
    status: str  # ok | failed | unchanged
    revision: str | None = None
    report: str | None = None  # the model-audit/1 JSON, byte for byte what `auditor scan --format json` prints
    html: bytes | None = None  # the target's own HTML report, zlib-compressed
    upstreams: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    error: str | None = None
    seconds: float = 0.0


def one_line(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, AuditorError) else f"internal error: {type(exc).__name__}: {exc}"
    return (text.strip().splitlines() or [type(exc).__name__])[0][:500]


def current_revision(target: str) -> str | None:
    """The commit the target names now, cheaply (one `rev-parse`, or one Hub request); None if unknown."""
    if target.startswith("hf://"):
        from huggingface_hub import HfApi

        from auditor.sources.hub import parse_target

        repo_id, revision = parse_target(target)
        return HfApi(endpoint=os.environ.get("HF_ENDPOINT") or None).model_info(repo_id, revision=revision).sha
    from auditor.sources.local import open_local

    source = open_local(Path(target), None)
    try:
        return source.revision
    finally:
        source.close()


def _upstreams(audit) -> tuple[dict[str, Any], ...]:
    """The upstreams whose terms bind, and unsettled alternatives, for the summary."""
    from auditor.facts.upstreams import resolve

    resolution = resolve(audit.facts)
    rows = [(u.candidate, True) for u in resolution.upstreams]
    rows += [(c, False) for alternatives in resolution.open_questions for c in alternatives]
    return tuple({"upstream": c.upstream, "family": c.family,
                  "license": c.license_ref.to_dict()["spdx"] if c.license_ref else None, "settled": settled}
                 for c, settled in rows)


def run_target(job: Job, settings: Settings) -> Result:
    from auditor.pipeline import Options, audit
    from auditor.reports.html import render_html
    from auditor.reports.json import render_json

    began = time.perf_counter()
    try:
        if job.stored_revision is not None:
            try:
                now = current_revision(job.target)
            except Exception:  # cannot tell: audit it again
                now = None
            if now == job.stored_revision:
                return Result(job.target, UNCHANGED, revision=now, seconds=time.perf_counter() - began)
        result = audit(job.target, Options(rule_dirs=tuple(Path(d) for d in settings.rule_dirs),
                                           fail_on=settings.fail_on, offline=settings.offline,
                                           waivers=Path(settings.waivers) if settings.waivers else None))
        return Result(job.target, OK, revision=result.facts.target.revision, report=render_json(result),
                      html=zlib.compress(render_html(result).encode("utf-8"), 6), upstreams=_upstreams(result),
                      seconds=time.perf_counter() - began)
    except Exception as exc:  # one target's failure is recorded, never the fleet's end
        return Result(job.target, FAILED, error=one_line(exc), seconds=time.perf_counter() - began)


def warm() -> None:
    """Load what every audit needs (rules, license index, catalogs, templates) once, in the process
    that forks the workers, by auditing a small folder: each forked worker then starts warm."""
    from auditor.demo import DEMO_CARD, DEMO_CONFIG, MIT_TEXT

    with tempfile.TemporaryDirectory(prefix="auditor-warm-") as tmp:
        root = Path(tmp)
        (root / "LICENSE").write_text(MIT_TEXT, encoding="utf-8")
        (root / "README.md").write_text(DEMO_CARD, encoding="utf-8")
        (root / "config.json").write_text(DEMO_CONFIG, encoding="utf-8")
        run_target(Job(str(root)), Settings())
