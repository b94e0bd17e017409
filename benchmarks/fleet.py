"""`auditor fleet` over N fixture repos (varied histories, built with git fast-import): the local
engine with 2 workers and Ray on a local 2-CPU instance, against sequential `auditor scan` in the
same run. Prints targets per minute, the driver's peak memory, the store's size per target, and
the Hub requests per target through the local Hub stand-in (tests/hubstub.py).

    python benchmarks/fleet.py [--repos 200] [--hub-repos 20] [--no-ray]

Every record of both engines is checked against the JSON of the sequential scan of the same repo.

Measured 2026-12-01 (2 cores): 200 repos; sequential scan 141.8 s (85 targets/min); local engine
6.1 s (1,969/min, 23x), driver peak 56 MB; Ray 5.3 s + 3.9 s start (2,281/min, 27x), driver peak
97 MB; store 8.0 KB per target; all records equal. Hub stand-in, 20 repos of 25.4 commits: 26.4 API
and 4.6 resolver requests per target; a re-run makes 1 (the listing).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from auditor.demo import MIT_TEXT  # noqa: E402

LLAMA_CONFIG = json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 32,
                           "intermediate_size": 96, "num_attention_heads": 4, "num_key_value_heads": 2,
                           "num_hidden_layers": 2, "vocab_size": 64})


def _safetensors(names: list[str]) -> bytes:
    header, offset = {}, 0
    for name in names:
        header[name] = {"dtype": "F16", "shape": [4, 4], "data_offsets": [offset, offset + 32]}
        offset += 32
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + bytes(offset)


def build_repo(path: Path, number: int) -> None:
    """Five kinds of history, 3 to 45 commits each: a kept license, one removed while weights went
    up, one restored late in NOTICE, a card without license text, a Llama fine-tune with weights."""
    kind, fillers = number % 5, 3 + number * 7 % 43
    card = "---\nlicense: {}\n{}---\n# Model {}\n"
    base = 1_700_000_000 + number * 1000
    commits: list[dict[str, bytes | None]] = [{"README.md": card.format(
        "apache-2.0" if kind == 3 else "mit", "base_model: meta-llama/Llama-2-7b\n" if kind == 4 else "",
        number).encode()}]
    if kind != 3:
        commits[0]["LICENSE"] = MIT_TEXT.encode()
    for i in range(fillers):
        commits.append({f"data/part-{i % 7}.txt": f"{number} {i}\n".encode()})
        if i == fillers // 2 and kind in (1, 2):
            commits[-1]["LICENSE"] = None
            commits[-1]["model.safetensors"] = _safetensors([f"w.{j}" for j in range(4)])
        if i == fillers - 1 and kind == 2:
            commits[-1]["NOTICE"] = MIT_TEXT.encode()
        if i == 1 and kind == 4:
            commits[-1]["config.json"] = LLAMA_CONFIG.encode()
            commits[-1]["model.safetensors"] = _safetensors(["model.embed_tokens.weight", "model.norm.weight"])
    stream = bytearray()
    for i, files in enumerate(commits):
        message = f"commit {i}".encode()
        stream += f"commit refs/heads/main\ncommitter Bench <b@example.com> {base + i * 60} +0000\n".encode()
        stream += f"data {len(message)}\n".encode() + message + b"\n"
        for name, content in files.items():
            if content is None:
                stream += f"D {name}\n".encode()
            else:
                stream += f"M 100644 inline {name}\ndata {len(content)}\n".encode() + content + b"\n"
        stream += b"\n"
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input=bytes(stream), check=True)


def child(engine: str, store: str, listing: str) -> None:
    """One fleet run, as its own process, so that its peak memory is the driver's alone."""
    from auditor.fleet.run import FleetOptions, run_fleet
    from auditor.fleet.targets import expand_targets

    init = 0.0
    if engine == "ray":
        import ray

        began = time.perf_counter()
        ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
        init = time.perf_counter() - began
    targets = expand_targets([], Path(listing))
    began = time.perf_counter()
    tally = run_fleet(targets, FleetOptions(store=Path(store), engine=engine, workers=2))
    seconds = time.perf_counter() - began
    print(json.dumps({"seconds": seconds, "init": init, "done": tally.done, "failed": tally.failed,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_child(engine: str, store: Path, listing: Path) -> dict:
    result = subprocess.run([sys.executable, __file__, "--child", engine, str(store), str(listing)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def reports(store: Path) -> dict[str, str]:
    with closing(sqlite3.connect(store)) as db:
        return dict(db.execute("SELECT target, report FROM audits WHERE status = 'ok'"))


def hub_requests(repos: list[Path], tmp: Path) -> dict:
    """Requests per target through the Hub stand-in: a first sweep, and a re-run of the same sweep."""
    from hubstub import HubStub

    from auditor.fleet.run import FleetOptions, run_fleet
    from auditor.fleet.targets import expand_targets

    with HubStub() as stub:
        os.environ.update(HF_ENDPOINT=stub.endpoint, XDG_CACHE_HOME=str(tmp / "hub-cache"), HF_HOME=str(tmp / "hf"),
                          HF_HUB_DISABLE_TELEMETRY="1")
        for number, path in enumerate(repos):
            stub.add(f"bench/model-{number:03d}", path)
        store = tmp / "hub.sqlite"
        tally = run_fleet(expand_targets(["hf://bench/*"]), FleetOptions(store=store, workers=2))
        first = dict(stub.counts)
        stub.counts.clear()
        again = run_fleet(expand_targets(["hf://bench/*"]), FleetOptions(store=store, workers=2))
        second = dict(stub.counts)
    commits = sum(int(subprocess.run(["git", "-C", str(p), "rev-list", "--count", "HEAD"], capture_output=True,
                                     text=True).stdout) for p in repos)
    return {"targets": len(repos), "done": tally.done, "commits": commits, "first": first, "rerun": second,
            "rerun_skipped": again.skipped}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repos", type=int, default=200)
    parser.add_argument("--hub-repos", type=int, default=20)
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("ENGINE", "STORE", "LIST"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="fleet-bench-") as name:
        tmp = Path(name)
        began = time.perf_counter()
        repos = [tmp / "repos" / f"model-{i:03d}" for i in range(args.repos)]
        for number, path in enumerate(repos):
            build_repo(path, number)
        listing = tmp / "targets.txt"
        listing.write_text("".join(f"{p}\n" for p in repos), encoding="utf-8")
        print(f"{args.repos} repos built in {time.perf_counter() - began:.1f} s")

        began = time.perf_counter()
        sequential = {}
        for path in repos:
            out = subprocess.run([sys.executable, "-m", "auditor", "scan", str(path), "--format", "json"],
                                 capture_output=True, text=True)
            sequential[str(path)] = out.stdout
        seq_seconds = time.perf_counter() - began
        print(f"sequential `auditor scan`: {seq_seconds:.1f} s, {args.repos / seq_seconds * 60:.0f} targets/min")

        runs = {"local": run_child("local", tmp / "local.sqlite", listing)}
        if not args.no_ray:
            runs["ray"] = run_child("ray", tmp / "ray.sqlite", listing)
        for engine, run in runs.items():
            store = tmp / f"{engine}.sqlite"
            same = reports(store) == sequential
            size = store.stat().st_size
            init = f" (+ {run['init']:.1f} s to start Ray)" if engine == "ray" else ""
            rate, ratio = args.repos / run["seconds"] * 60, seq_seconds / run["seconds"]
            speed = f"{rate:.0f} targets/min ({ratio:.1f}x sequential)"
            print(f"fleet --engine {engine} --workers 2: {run['seconds']:.1f} s{init}, {speed}, "
                  f"driver peak {run['peak_mb']:.0f} MB, store {size / args.repos / 1024:.1f} KB per target, "
                  f"{run['done']} done, {run['failed']} failed, records equal the single scans: {same}")

        if args.hub_repos:
            hub = hub_requests(repos[: args.hub_repos], tmp)
            api = sum(hub["first"].get(k, 0) for k in ("models", "model_info", "commits", "tree"))
            resolvers = sum(hub["first"].get(k, 0) for k in ("head", "download", "range"))
            n = hub["targets"]
            print(f"Hub stand-in, {n} targets ({hub['commits']} commits, {hub['commits'] / n:.1f} per repo): "
                  f"{hub['first']}; per target {api / n:.1f} API + {resolvers / n:.1f} resolver requests; "
                  f"re-run: {hub['rerun']} ({hub['rerun_skipped']} skipped)")


if __name__ == "__main__":
    main()
