"""Identification benchmark: `auditor identify` against askalono and licenseclassifier, same run.

The set: every license text in ../shared/testdata/licenses as distributed, reflowed to 60 columns,
with a title and a new copyright line added, and embedded in NOTICE prose. Each tool runs once over
the whole set in a fresh process (start-up included; the auditor's index cache already built), and
its top answer per file counts as right when it names the expected license.

    pip install pyaskalono licenseclassifier    # the peers; not project dependencies
    python benchmarks/identify.py

Measured 2026-11-22 on the 2-core CI machine, 68 samples: auditor 100.0% in 0.39 s,
askalono (pyaskalono 0.2.0) 35.3% in 11.8 s, licenseclassifier 2026.10.0 35.3% in 0.48 s.
Both peers get MIT, Apache-2.0 and the CC texts and miss every Llama, Gemma, Qwen, DeepSeek and
OpenRAIL text.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

# The same texts, expectations and perturbations the tests use; peers are right when they name the
# expected key's SPDX id.
from helpers import LICENSE_EXPECTATIONS, SHARED, perturbations  # noqa: E402

LICENSES = SHARED / "licenses"

PEERS = {
    "askalono": "import askalono\ndef top(text):\n    r = askalono.identify(text)\n    return r.name if r else None\n",
    "licenseclassifier": (
        "from licenseclassifier import identify_license\n"
        "def top(text):\n    found = identify_license(text)\n    return found[0].id if found else None\n"
    ),
}
_RUNNER = """
import json, sys
from pathlib import Path
{peer}
out = {{}}
for path in sorted(Path(sys.argv[1]).iterdir()):
    try:
        out[path.name] = top(path.read_text(encoding="utf-8", errors="replace"))
    except Exception as exc:  # a peer that fails on a file simply gets it wrong
        out[path.name] = None
print(json.dumps(out))
"""


def build_set(folder: Path) -> dict[str, str]:
    """Writes the samples; returns sample file name -> expected key."""
    truth = {}
    for name, (key, _hf) in LICENSE_EXPECTATIONS.items():
        for form, text in perturbations((LICENSES / name).read_text(encoding="utf-8")).items():
            sample = f"{Path(name).stem}--{form}.txt"
            (folder / sample).write_text(text, encoding="utf-8")
            truth[sample] = key
    return truth


def timed(command: list[str]) -> tuple[float, str]:
    began = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed")
    return time.perf_counter() - began, result.stdout


def main() -> None:
    from auditor.facts.license_ids import spdx_for_key
    from auditor.facts.licensedb import reference_index

    reference_index()  # the cache exists from here on, as it does after a user's first run
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        truth = build_set(folder)
        rows = []
        seconds, out = timed([sys.executable, "-m", "auditor", "identify", str(folder), "--format", "json"])
        answers = {Path(r["path"]).name: (r["matches"][0]["key"] if r["matches"] else None) for r in json.loads(out)}
        right = sum(answers.get(s) == k for s, k in truth.items())
        rows.append(("auditor identify", right, seconds, [s for s, k in truth.items() if answers.get(s) != k]))
        for peer, code in PEERS.items():
            try:
                seconds, out = timed([sys.executable, "-c", _RUNNER.format(peer=code), str(folder)])
            except RuntimeError as exc:
                print(f"{peer}: not run ({exc}); pip install pyaskalono licenseclassifier")
                continue
            answers = json.loads(out)
            wrong = [s for s, k in truth.items()
                     if str(answers.get(s) or "").lower() != spdx_for_key(k).lower()]
            rows.append((peer, len(truth) - len(wrong), seconds, wrong))
    total = len(truth)
    print(f"{total} samples ({len(LICENSE_EXPECTATIONS)} texts x 4 forms)")
    for name, right, seconds, wrong in rows:
        print(f"{name:<18} top-1 {right}/{total} = {100 * right / total:5.1f}%   {seconds:6.2f} s (start-up included)")
        if wrong and name == "auditor identify":
            print("   wrong:", ", ".join(wrong))


if __name__ == "__main__":
    main()
