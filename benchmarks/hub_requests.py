"""Hub request count for a 300-commit repo, first run and with a warm cache, through the local
stand-in for the Hub used by the tests (tests/hubstub.py). Baseline in the same run: the
commits x files requests a per-file approach would make.

    python benchmarks/hub_requests.py [--commits 300]

Measured 2026-11-22: 300 commits, 42 files: first run 310 requests (6 commit pages, 300 tree
listings, 2 HEAD + 2 downloads) in 6.6 s, most of it the stand-in's own git calls; warm cache 6
requests (the commit list only) in 0.2 s; a per-file approach would make 12,600.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hubstub import HubStub  # noqa: E402

from auditor.demo import MIT_TEXT  # noqa: E402
from auditor.pipeline import audit  # noqa: E402


def build(path: Path, commits: int) -> int:
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    stream = []
    files = 40
    for i in range(commits):
        stream.append(f"commit refs/heads/main\ncommitter Bench <b@example.com> {1_700_000_000 + i * 60} +0000\n")
        message = f"commit {i}".encode()
        stream.append(f"data {len(message)}\n{message.decode()}\n")
        touched = range(files) if i == 0 else [i % files]
        changed: dict[str, str | None] = {f"data/file-{j}.txt": f"{i}\n" for j in touched}
        if i == 0:
            changed["README.md"] = "---\nlicense: mit\n---\n# Bench\n"
            changed["LICENSE"] = MIT_TEXT
        if i == commits // 2:
            changed["LICENSE"] = None
        if i == commits // 2 + 10:
            changed["NOTICE"] = MIT_TEXT
        for name, content in changed.items():
            if content is None:
                stream.append(f"D {name}\n")
            else:
                data = content.encode()
                stream.append(f"M 100644 inline {name}\ndata {len(data)}\n{content}\n")
        stream.append("\n")
    subprocess.run(["git", "-C", str(path), "fast-import", "--quiet"], input="".join(stream).encode(), check=True)
    return files + 2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, HubStub() as stub:
        files = build(Path(tmp) / "repo", args.commits)
        stub.add("org/bench", Path(tmp) / "repo")
        os.environ.update(HF_ENDPOINT=stub.endpoint, XDG_CACHE_HOME=f"{tmp}/cache", HF_HOME=f"{tmp}/hf",
                          HF_HUB_DISABLE_TELEMETRY="1")
        began = time.perf_counter()
        doc = audit("hf://org/bench").to_dict()
        first, first_time = dict(stub.counts), time.perf_counter() - began
        stub.counts.clear()
        began = time.perf_counter()
        audit("hf://org/bench")
        second, second_time = dict(stub.counts), time.perf_counter() - began
    print(f"{args.commits} commits, {files} files")
    print(f"first run : {sum(first.values())} requests {first}  {first_time:.1f} s")
    print(f"warm cache: {sum(second.values())} requests {second}  {second_time:.1f} s")
    print(f"per-file baseline (commits x files): {args.commits * files} requests")
    print(f"findings: {[f['rule'] for f in doc['findings']]}")


if __name__ == "__main__":
    main()
