"""The fleet driver: decides what to audit, hands it to an engine, and writes each result to the
store the moment it arrives."""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import AuditorError
from auditor.fleet.engines import run_local, run_ray
from auditor.fleet.store import Store
from auditor.fleet.targets import Target
from auditor.fleet.task import FAILED, UNCHANGED, Job, Result, Settings


@dataclass(frozen=True)
class FleetOptions:
    settings: Settings = Settings()
    store: Path = Path("fleet.sqlite")
    engine: str = "local"  # local | ray
    workers: int | None = None  # local default: 2; ray default: the cluster's CPUs
    timeout: float | None = 900.0  # seconds per target; None: no limit
    force: bool = False
    ray_address: str | None = None


@dataclass
class Tally:
    total: int
    done: int = 0
    failed: int = 0
    skipped: int = 0
    began: float = field(default_factory=time.monotonic)

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.skipped

    def per_minute(self) -> float:
        """Targets audited per minute (skips cost nothing and would flatter the rate)."""
        elapsed = time.monotonic() - self.began
        return (self.done + self.failed) / elapsed * 60 if elapsed > 0 else 0.0

    def line(self) -> str:
        rate = self.per_minute()
        left = self.total - self.finished
        eta = f"{left / rate:.0f} min" if rate and left else "-"
        return (f"fleet: {self.finished}/{self.total}: {self.done} done, {self.failed} failed, "
                f"{self.skipped} skipped; {rate:.1f} targets/min; ETA {eta}")


def settings_digest(settings: Settings) -> str:
    """What makes a stored audit reusable: the same tool, rules, gate and waivers."""
    from auditor import __version__
    from auditor.engine import load_rules

    waivers = ""
    if settings.waivers:
        try:
            waivers = hashlib.sha256(Path(settings.waivers).read_bytes()).hexdigest()
        except OSError as exc:
            raise AuditorError(f"cannot read --waivers {settings.waivers}: {exc.strerror}") from exc
    key = {"tool": __version__, "rules": load_rules(tuple(Path(d) for d in settings.rule_dirs)).digest,
           "fail_on": settings.fail_on, "waivers": waivers}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def run_fleet(targets: list[Target], options: FleetOptions,
              progress: Callable[[Tally], None] | None = None) -> Tally:
    """Audit what is not stored yet (or everything, with force); every result is committed as it comes."""
    digest = settings_digest(options.settings)
    store = Store(options.store)
    tally = Tally(total=len(targets))
    try:
        jobs = []
        for target in targets:
            stored = None if options.force else store.stored_revision(target.name, digest)
            if stored is not None and target.listed_revision is not None:
                if target.listed_revision == stored:  # the listing already said it is unchanged
                    store.confirm(target.name)
                    tally.skipped += 1
                    continue
                stored = None
            jobs.append(Job(target.name, stored))
        if progress:
            progress(tally)

        def done(result: Result) -> None:
            if result.status == UNCHANGED:
                store.confirm(result.target)
                tally.skipped += 1
            else:
                store.put(result, digest)
                if result.status == FAILED:
                    tally.failed += 1
                else:
                    tally.done += 1
            if progress:
                progress(tally)

        try:
            if options.engine == "ray":
                run_ray(jobs, options.settings, options.workers, options.timeout, options.ray_address, done)
            else:
                run_local(jobs, options.settings, options.workers or 2, options.timeout, done)
        except KeyboardInterrupt:
            print(f"\nauditor: interrupted; {tally.done + tally.failed} targets of this run are stored in "
                  f"{options.store}: run the same command again to finish", file=sys.stderr)
            raise
    finally:
        store.close()
    return tally
