"""Run the CLI the way a user would, under a wall-clock and memory bound: the hostile-input tests'
harness. A case passes only if the audit ends in time, within memory, with a report or one line."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# Exit codes a hostile input may produce: a report (0 or 1) or bad input (2). Never 3 (a bug).
ACCEPTED = (0, 1, 2)


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", "replace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", "replace")


def run_limited(*args: str | Path, timeout: float = 60, memory_mb: int = 1024, env: dict[str, str] | None = None,
                cwd: Path | None = None) -> Run:
    """`python -m auditor ARGS` with an address-space cap; a timeout fails the test, it does not hang it."""
    limit = memory_mb * 1024 * 1024

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    command = (sys.executable, "-m", "auditor", *map(str, args))
    try:
        proc = subprocess.run(command, capture_output=True, timeout=timeout, preexec_fn=cap,
                              env={**os.environ, **(env or {})}, cwd=cwd)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"auditor {' '.join(command[3:])} did not finish within {timeout} s") from exc
    return Run(command[3:], proc.returncode, proc.stdout, proc.stderr)


def assert_contained(run: Run) -> None:
    """A report or a one-line error, never an internal error or a traceback."""
    assert run.returncode in ACCEPTED, f"exit {run.returncode}: {run.err[-2000:]}"
    assert "Traceback" not in run.err, run.err[-2000:]
    assert "internal error" not in run.err, run.err[-2000:]
    if run.returncode == 2:
        lines = [line for line in run.err.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one line on stderr, got: {run.err[-2000:]}"
