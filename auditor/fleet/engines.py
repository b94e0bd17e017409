"""Where run_target runs: a local process pool, or a Ray cluster. Both hand every result back to
the driver (`done`), in completion order, and turn a target that hangs past `timeout` or whose
worker dies into a failed result, so the fleet goes on.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait

from auditor.errors import AuditorError
from auditor.fleet.task import FAILED, Job, Result, Settings, one_line, run_target, warm

Done = Callable[[Result], None]


def _timed_out(job: Job, timeout: float) -> Result:
    return Result(job.target, FAILED, error=f"timed out after {timeout:g} s", seconds=timeout)


def _deadline(timeout: float | None) -> float | None:
    return time.monotonic() + timeout if timeout else None


def _wait_time(deadlines: list[float | None]) -> float | None:
    pending = [d for d in deadlines if d is not None]
    return max(0.0, min(pending) - time.monotonic()) if pending else None


def _child(conn: Connection, job: Job, settings: Settings) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    try:
        conn.send(run_target(job, settings))
    finally:
        conn.close()


def run_local(jobs: Sequence[Job], settings: Settings, workers: int, timeout: float | None, done: Done) -> None:
    """One forked process per target, `workers` at a time: a hang is ended by killing its process,
    and a crash (out of memory, a signal) costs that target only. The driver loads rules, license
    index and templates once before forking, so each process starts warm."""
    if not jobs:
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    if context.get_start_method() == "fork":
        warm()
    pending = deque(jobs)
    running: dict[Connection, tuple[Job, multiprocessing.process.BaseProcess, float | None]] = {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                job = pending.popleft()
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(writer, job, settings), daemon=True)
                process.start()
                writer.close()
                running[reader] = (job, process, _deadline(timeout))
            for reader in wait(list(running), timeout=_wait_time([d for _j, _p, d in running.values()])):
                job, process, _ = running.pop(reader)  # type: ignore[call-overload]
                try:
                    result = reader.recv()
                except (EOFError, OSError):
                    process.join()
                    code = process.exitcode
                    why = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
                    result = Result(job.target, FAILED, error=f"the worker died ({why})")
                reader.close()
                process.join()
                done(result)
            now = time.monotonic()
            for reader, (job, process, deadline) in list(running.items()):
                if deadline is not None and now >= deadline:
                    process.kill()
                    process.join()
                    reader.close()
                    del running[reader]
                    done(_timed_out(job, timeout or 0))
    finally:
        for reader, (_job, process, _deadline_at) in running.items():
            process.kill()
            process.join()
            reader.close()


def run_ray(jobs: Sequence[Job], settings: Settings, workers: int | None, timeout: float | None,
            address: str | None, done: Done) -> None:
    """The same task function as Ray tasks. Workers return results; only the driver writes the store.
    A hang is ended with a forced cancel, which kills that worker process."""
    try:
        import ray
    except ImportError as exc:
        raise AuditorError("--engine ray needs Ray: pip install 'model-license-auditor[ray]'") from exc
    started = not ray.is_initialized()
    if started:
        try:
            # address None: RAY_ADDRESS if set, else a local instance on this machine.
            ray.init(address=address, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise AuditorError(f"cannot start or reach Ray at {address or 'RAY_ADDRESS/local'}: "
                               f"{one_line(exc)}") from exc
    try:
        task = ray.remote(num_cpus=1, max_retries=0)(run_target)
        slots = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        # Start and warm one worker per slot first, so a target's timeout does not pay for a worker's
        # start-up, and a cluster without the auditor installed fails here, once.
        try:
            ray.get([ray.remote(num_cpus=1, max_retries=0)(warm).remote() for _ in range(min(slots, len(jobs)))])
        except Exception as exc:
            raise AuditorError(f"the Ray workers cannot run the auditor: {one_line(exc)}") from exc
        pending = deque(jobs)
        running: dict = {}  # object ref -> (job, deadline)
        try:
            while pending or running:
                while pending and len(running) < slots:
                    job = pending.popleft()
                    running[task.remote(job, settings)] = (job, _deadline(timeout))
                ready, _ = ray.wait(list(running), num_returns=1,
                                    timeout=_wait_time([d for _j, d in running.values()]))
                for ref in ready:
                    job, _ = running.pop(ref)
                    try:
                        result = ray.get(ref)
                    except Exception as exc:  # a worker that died, or Ray's own failure: this target only
                        result = Result(job.target, FAILED, error=f"ray: {one_line(exc)}")
                    done(result)
                now = time.monotonic()
                for ref, (job, deadline) in list(running.items()):
                    if deadline is not None and now >= deadline:
                        ray.cancel(ref, force=True)
                        del running[ref]
                        done(_timed_out(job, timeout or 0))
        finally:
            for ref in running:
                ray.cancel(ref, force=True)
    finally:
        if started:
            ray.shutdown()
