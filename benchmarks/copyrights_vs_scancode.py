"""Copyright statements: the auditor's extractor against ScanCode's copyright detector, same run.

The texts: every file in ../shared/testdata/licenses; the license files, cards and code headers
(first HEADER_LINES lines) at HEAD of the repo bundles in ../shared/testdata/repos; and every
string in the test suite (tests/*.py) that carries a copyright mark. The auditor's side is what a
scan inventories (`TextFacts.copyrights`: license boilerplate left out); ScanCode's is
`cluecode.copyrights.detect_copyrights` (authors off, "All rights reserved" off), called as a
library in its own interpreter, since scancode-toolkit is no dependency of this project.

Statements compare on their line and their text with `©`, `(C)` and `(c)` folded and spaces
collapsed (ScanCode writes every sign as "(c)"; the auditor quotes the line as it stands, because
notices must be retained verbatim). Holders compare the same way. Every difference is either in
EXPECTED below, with the reason the auditor differs on purpose, or printed as UNEXPECTED.

    python3 -m venv ../sc-venv && ../sc-venv/bin/pip install scancode-toolkit 'pluggy<1.6'
    python benchmarks/copyrights_vs_scancode.py [--scancode-python ../sc-venv/bin/python]

(pluggy 1.6 and later reject scancode-toolkit 32.5's plugin specs: "did not find any
'plugincode.location_provider' hooks". The pin lives only in that separate venv.)

Measured 2026-12-02 on the shared 2-core machine, 173 texts, scancode-toolkit 32.5.0: statements
104 agree, 8 auditor-only, 8 ScanCode-only, 0 unexpected (before this script's fixes: 94 agree,
20 unexpected); 0.016 s against 10.2 s (+ 0.3 s import). One 20 KB line with the SD 3.5 notice:
0.002 s against 11.8 s.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "testdata"
DEFAULT_PYTHON = ROOT.parent / "sc-venv" / "bin" / "python"
HOW_TO = ("ScanCode is not installed. To compare against it (not a project dependency):\n"
          "    python3 -m venv ../sc-venv && ../sc-venv/bin/pip install scancode-toolkit 'pluggy<1.6'\n"
          "    python benchmarks/copyrights_vs_scancode.py --scancode-python ../sc-venv/bin/python")

# Where the auditor differs from ScanCode on purpose: (text name pattern, side, folded statement or
# holder pattern, reason). `side` is "ours" (only the auditor reports it) or "scancode".
_WHOLE = ("the statement is the sentence as written, what a notice must retain; only the holder drops "
          "the clause on where the holders are listed")
EXPECTED: list[tuple[str, str, str, str]] = [
    (r"NOTICE\.md|test_copyrights", "ours", r"Copyright \(c\) 2022, the respective contributors, as shown by the "
     r"AUTHORS file", _WHOLE),
    (r"NOTICE\.md|test_copyrights", "scancode", r"Copyright \(c\) 2022, the respective contributors", _WHOLE),
    (r"test_copyrights", "ours", r"(?:Copyright \(c\) 2023 )?Example Labs \(Research\)",
     "a parenthesis that closes inside the name is part of it; ScanCode keeps it before 'All rights "
     "reserved' and drops it at the line's end"),
    (r"test_copyrights", "scancode", r"(?:Copyright \(c\) 2023 )?Example Labs",
     "a parenthesis that closes inside the name is part of it (see above)"),
    (r"test_copyrights", "ours", r"(?:Copyright )?Zhengxiao Du",
     "a line that is only 'Copyright' and a capitalised name is a statement (real model licenses "
     "write it so); ScanCode wants a year or a sign"),
    (r"test_copyrights", "ours", r"(?:Copyright 2024 )?The GLM & ZhipuAI team and The HuggingFace Team",
     "the line names both holders: ScanCode finds nothing after '<!--' and stops at 'and The' otherwise"),
    (r"test_copyrights", "scancode", r"(?:Copyright 2024 )?The GLM & ZhipuAI team",
     "the line names both holders (see above)"),
    (r"test_copyrights", "ours", r"(?:Copyright \(c\) 2023 )?北京智谱华章科技有限公司",
     "the holder as written; ScanCode transliterates it to 'Bei Jing Zhi Pu Hua Zhang Ke'"),
    (r"test_copyrights", "scancode", r"(?:Copyright \(c\) 2023 )?Bei Jing Zhi Pu Hua Zhang Ke",
     "the holder as written (see above)"),
    (r".", "scancode", r"Copyright 2024",
     "a statement without a holder attributes nothing: the inventory tracks copyrights by holder"),
    (r"test_copyrights", "scancode", r"(?:Copyright \(c\) 2007 )?Free Software Foundation, Inc\.(?: https://fsf\.org)?",
     "the FSF's line atop the GPL is the license's own boilerplate (rules/boilerplate.yaml), no attribution"),
]

_RUNNER = r"""
import json, sys, time
began = time.perf_counter()
from cluecode.copyrights import detect_copyrights
startup = time.perf_counter() - began
paths = json.load(sys.stdin)
out = {}
began = time.perf_counter()
for name, path in paths.items():
    copyrights, holders = [], []
    for d in detect_copyrights(path, include_authors=False):
        if hasattr(d, "copyright"):
            copyrights.append([d.start_line, d.copyright])
        elif hasattr(d, "holder"):
            holders.append([d.start_line, d.holder])
    out[name] = {"copyrights": copyrights, "holders": holders}
print(json.dumps({"startup": startup, "seconds": time.perf_counter() - began, "results": out}))
"""


@dataclass(frozen=True)
class Text:
    name: str
    text: str
    header: bool = False  # a source file: only its header is read, as a scan does


def _fold(value: str) -> str:
    """ScanCode writes every sign as "(c)" and a bracketed address bare ("<https://fsf.org/>" as
    "https://fsf.org"); neither changes what the statement says."""
    value = re.sub(r"©|\([cC]\)", "(c)", value)
    value = re.sub(r"<([^<>\s]+?)/?>", r"\1", value)
    return " ".join(value.split())


def license_texts() -> list[Text]:
    folder = SHARED / "licenses"
    return [Text(f"licenses/{p.name}", p.read_text(encoding="utf-8", errors="replace"))
            for p in sorted(folder.iterdir()) if p.is_file()]


def repo_texts() -> list[Text]:
    """License files, cards and code files at HEAD of every bundle, as a scan of it would read them."""
    from auditor.facts.paths import CARD, CODE, LICENSE, path_rules
    from auditor.facts.text import HEADER_LINES

    rules = path_rules()
    texts = []
    with tempfile.TemporaryDirectory() as tmp:
        for bundle in sorted((SHARED / "repos").glob("*.bundle")):
            clone = Path(tmp) / bundle.stem
            subprocess.run(["git", "clone", "-q", str(bundle), str(clone)], check=True, capture_output=True)
            listed = subprocess.run(["git", "-C", str(clone), "ls-files", "-z"], check=True,
                                    capture_output=True).stdout.decode().split("\0")
            for path in sorted(p for p in listed if p):
                kind = rules.kind(path)
                if kind not in (LICENSE, CARD, CODE):
                    continue
                data = (clone / path).read_bytes()
                if b"\0" in data[:8192] or data.startswith(b"version https://git-lfs"):
                    continue
                text = data.decode("utf-8", "replace")
                if kind == CODE:
                    text = "\n".join(text.split("\n")[:HEADER_LINES])
                texts.append(Text(f"repos/{bundle.stem}/{path}", text, header=kind == CODE))
    return texts


_MARKED = re.compile(r"copyright|©|\(c\)", re.IGNORECASE)


def fixture_texts() -> list[Text]:
    """Every string constant in tests/*.py that carries a copyright mark (the texts the tests build),
    each distinct text once."""
    texts, seen = [], set()
    for path in sorted((ROOT / "tests").glob("*.py")):
        constants = [node for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                     if isinstance(node, ast.Constant) and isinstance(node.value, str)]
        for node in sorted(constants, key=lambda n: (n.lineno, n.col_offset)):
            if _MARKED.search(node.value) and node.value not in seen:
                seen.add(node.value)
                texts.append(Text(f"tests/{path.name}:{node.lineno}", node.value))
    return texts


def ours(texts: list[Text]) -> tuple[dict[str, dict[str, list]], float]:
    """The inventory a scan keeps, and the time of the extractor itself (find_copyrights)."""
    from auditor.facts.copyrights import find_copyrights
    from auditor.facts.text import header_facts, text_facts
    from auditor.sources.base import Blob

    began = time.perf_counter()
    for t in texts:
        find_copyrights(t.text)
    seconds = time.perf_counter() - began
    out = {}
    for t in texts:
        facts = (header_facts if t.header else text_facts)(Blob(data=t.text.encode()))
        out[t.name] = {"copyrights": [[c.line, c.statement] for c in facts.copyrights],
                       "holders": [[c.line, h] for c in facts.copyrights for h in c.holders]}
    return out, seconds


def scancode(python: str, texts: list[Text]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for i, t in enumerate(texts):
            path = Path(tmp) / f"{i:04d}.txt"
            path.write_text(t.text, encoding="utf-8")
            paths[t.name] = str(path)
        began = time.perf_counter()
        result = subprocess.run([python, "-c", _RUNNER], input=json.dumps(paths), capture_output=True, text=True)
        wall = time.perf_counter() - began
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed")
    answer = json.loads(result.stdout)
    answer["wall"] = wall
    return answer


SD35_NOTICE = ("“This Stability AI Model is licensed under the Stability AI Community License, Copyright © "
               "Stability AI Ltd. All Rights Reserved.”")
# Long lines: the SD 3.5 license's notice at the end of one long paragraph line (ScanCode too, up to
# the sizes it finishes in seconds: its time grows with the square of the line), and a line dense with
# copyright signs, each of which the extractor must look at.
LONG_LINES = [(f"SD 3.5 notice line, {n // 1000} KB", ("x " * n)[:n - len(SD35_NOTICE)] + SD35_NOTICE + "\n",
               n <= 20_000) for n in (10_000, 20_000, 100_000, 1_000_000)]
LONG_LINES.append(("300 KB of '(c)'", "(c)" * 100_000 + "\n", False))


def long_lines(python: str) -> None:
    from auditor.facts.copyrights import find_copyrights

    print("\nlong lines (one line each):")
    for label, text, peer in LONG_LINES:
        began = time.perf_counter()
        found = [c.statement for c in find_copyrights(text)]
        ours_seconds = time.perf_counter() - began
        theirs = "not run"
        if peer:
            sc = scancode(python, [Text(label, text)])
            theirs = f"{sc['seconds']:7.2f} s {[c for _l, c in sc['results'][label]['copyrights']]}"
        print(f"  {label:<26} auditor {ours_seconds:6.3f} s {found}   ScanCode {theirs}")


def _expected(name: str, side: str, value: str) -> str | None:
    for pattern, expected_side, what, reason in EXPECTED:
        if expected_side == side and re.search(pattern, name) and re.fullmatch(what, value):
            return reason
    return None


def compare(mine: list[str], theirs: list[str]) -> tuple[int, list[str], list[str]]:
    """Agreements, and what only one side reports, each folded for comparison."""
    rest = [_fold(v) for v in theirs]
    agree, only_mine = 0, []
    for item in map(_fold, mine):
        if item in rest:
            rest.remove(item)
            agree += 1
        else:
            only_mine.append(item)
    return agree, only_mine, rest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scancode-python", default=os.environ.get("SCANCODE_PYTHON", str(DEFAULT_PYTHON)),
                        help="an interpreter with scancode-toolkit installed")
    args = parser.parse_args()
    probe = subprocess.run([args.scancode_python, "-c", "import cluecode.copyrights"], capture_output=True)  \
        if Path(args.scancode_python).exists() else None
    if probe is None or probe.returncode != 0:
        print(HOW_TO)
        return 0
    if not SHARED.exists():
        print(f"needs {SHARED} (the shared test data)")
        return 0

    texts = license_texts() + repo_texts() + fixture_texts()
    mine, our_seconds = ours(texts)
    sc = scancode(args.scancode_python, texts)
    theirs = sc["results"]

    totals = {k: [0, 0, 0, 0] for k in ("copyrights", "holders")}  # agree, ours-only, scancode-only, unexpected
    rows = []
    for t in texts:
        cells = []
        for kind in ("copyrights", "holders"):
            keyed = (lambda items: [f"{line}: {v}" for line, v in items]) if kind == "copyrights" else (
                lambda items: [v for _line, v in items])
            agree, only_ours, only_sc = compare(keyed(mine[t.name][kind]), keyed(theirs[t.name][kind]))
            total = totals[kind]
            total[0] += agree
            total[1] += len(only_ours)
            total[2] += len(only_sc)
            for side, items in (("ours", only_ours), ("scancode", only_sc)):
                for value in items:
                    reason = _expected(t.name, side, value.split(": ", 1)[-1] if kind == "copyrights" else value)
                    total[3] += reason is None
                    rows.append((t.name, kind, side, value, reason))
            cells.append(f"{agree}/{len(only_ours)}/{len(only_sc)}")
        if any(c != "0/0/0" for c in cells):
            print(f"{t.name:<72} statements {cells[0]:<7} holders {cells[1]}")
    print("(agree/ours-only/scancode-only per file; files where both found nothing are not listed)\n")
    for name, kind, side, value, reason in rows:
        tag = f"expected: {reason}" if reason else "UNEXPECTED"
        print(f"  {side:<8} {kind[:-1]:<9} {name}  {value!r}\n           {tag}")
    print()
    print(f"{len(texts)} texts ({len(license_texts())} license texts, "
          f"{sum(t.name.startswith('repos/') for t in texts)} repo files, "
          f"{sum(t.name.startswith('tests/') for t in texts)} test fixtures)")
    for kind, (agree, only_ours, only_sc, unexpected) in totals.items():
        print(f"{kind:<11} agree {agree:4d}   ours-only {only_ours:3d}   scancode-only {only_sc:3d}   "
              f"unexpected {unexpected}")
    print(f"time: auditor find_copyrights {our_seconds:.3f} s; ScanCode detect_copyrights {sc['seconds']:.2f} s "
          f"+ {sc['startup']:.2f} s import ({sc['wall']:.2f} s wall with interpreter start)")
    long_lines(args.scancode_python)
    return 0


if __name__ == "__main__":
    sys.exit(main())
