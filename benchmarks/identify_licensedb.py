"""Identification on LicenseDB itself: every license key with a text, in four forms (as shipped,
re-wrapped, titled, as one of ScanCode's short notices: see licensedb_set.py), `auditor identify`
against askalono and licenseclassifier in the same run.

Each tool runs once over the whole set in a fresh process (start-up included; the auditor's index
cache already built). Time is given as wall seconds and as the process's CPU seconds (user +
system): on a shared machine the wall time also counts other jobs, the CPU time much less so.
Its top answer per file is right when it names the expected license (its
ScanCode key, a key of the same text, or one of its SPDX ids), wrong when it names another one, and
neither when it names none (for the auditor: no license, or only "unknown license text, closest X").
A wrong license is the error that matters: a reviewer trusts the name and moves on.

    pip install pyaskalono licenseclassifier    # the peers; not project dependencies
    python benchmarks/identify_licensedb.py [--every N]   # N > 1: every N-th key, for a quick run
    python benchmarks/identify_licensedb.py --peers licenseclassifier   # askalono takes minutes
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from identify import _RUNNER, PEERS, timed  # noqa: E402
from licensedb_set import FORMS, build, same_text_keys  # noqa: E402


def _spdx_ids() -> dict[str, set[str]]:
    import license_expression

    out = {}
    for entry in license_expression.get_license_index():
        ids = {entry.get("spdx_license_key") or ""} | set(entry.get("other_spdx_license_keys") or ())
        out[entry["license_key"]] = {i.lower() for i in ids if i}
    return out


def _judge(answer: str | None, key: str, same: dict[str, str], spdx: dict[str, set[str]]) -> str:
    if not answer:
        return "none"
    answer_l = answer.lower()
    if answer == key or (answer in same and same[answer] == same.get(key)) or answer_l in spdx.get(key, ()):
        return "right"
    return "wrong"


def _run(command: list[str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, stdout) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, out = timed(command)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--every", type=int, default=1, help="keep every N-th key (1: all)")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated, of: {', '.join(PEERS)}")
    args = parser.parse_args()
    from auditor.facts.licensedb import reference_index

    reference_index()  # the cache exists from here on, as it does after a user's first run
    same, spdx = same_text_keys(), _spdx_ids()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        samples = build(args.every)
        for s in samples:
            (folder / s.name).write_text(s.text, encoding="utf-8")
        runs = {}
        seconds, cpu, out = _run([sys.executable, "-m", "auditor", "identify", str(folder), "--format", "json"])
        answers = {Path(r["path"]).name: (r["matches"][0]["key"] if r["matches"] else None) for r in json.loads(out)}
        runs["auditor identify"] = (seconds, cpu, answers)
        peers = [] if args.no_peers else [p for p in args.peers.split(",") if p]
        for peer in peers:
            try:
                seconds, cpu, out = _run([sys.executable, "-c", _RUNNER.format(peer=PEERS[peer]), str(folder)])
            except (RuntimeError, KeyError) as exc:
                print(f"{peer}: not run ({exc}); pip install pyaskalono licenseclassifier")
                continue
            runs[peer] = (seconds, cpu, json.loads(out))
    keys = {s.key for s in samples}
    print(f"{len(samples)} samples: {len(keys)} LicenseDB keys with a text, in up to four forms "
          f"({', '.join(f'{f} {sum(s.form == f for s in samples)}' for f in FORMS)})")
    for name, (seconds, cpu, answers) in runs.items():
        verdicts = Counter()
        wrong = []
        for s in samples:
            verdict = _judge(answers.get(s.name), s.key, same, spdx)
            verdicts[(s.form, verdict)] += 1
            verdicts[verdict] += 1
            if verdict == "wrong":
                wrong.append(f"{s.name} -> {answers.get(s.name)}")
        total = len(samples)
        print(f"{name:<18} right {verdicts['right']}/{total} = {100 * verdicts['right'] / total:5.1f}%   "
              f"WRONG {verdicts['wrong']:4}   none {verdicts['none']:4}   {seconds:7.2f} s wall, {cpu:7.2f} s CPU "
              "(start-up included)")
        for form in FORMS:
            print(f"{'':<20}{form:<10} right {verdicts[(form, 'right')]:5}  wrong {verdicts[(form, 'wrong')]:4}  "
                  f"none {verdicts[(form, 'none')]:4}")
        if name == "auditor identify" and wrong:
            print("   wrong:", "; ".join(wrong[:40]))


if __name__ == "__main__":
    main()
