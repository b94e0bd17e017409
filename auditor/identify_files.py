"""`auditor identify`: the scan's matcher applied to files given on the command line."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from auditor.escape import printable
from auditor.facts.phrases import defined_licenses
from auditor.facts.text import text_facts
from auditor.model import USE_POLICY, LicenseFile, TextFacts
from auditor.sources.base import read_regular


def _files(paths: tuple[Path, ...]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if d != ".git")
                yield from (Path(dirpath) / name for name in sorted(filenames))
        else:
            yield path


def identify_paths(paths: tuple[Path, ...]) -> list[LicenseFile]:
    return [LicenseFile(str(path), text_facts(read_regular(path))) for path in _files(paths)]


def _unidentified(facts: TextFacts) -> str:
    if facts.closest:
        c = facts.closest
        return (f"unknown license text, closest {c.spdx} ({c.name}) score {c.score:.2f} "
                f"at lines {c.start_line}-{c.end_line}")
    if facts.unrecognised_license:
        return "unrecognised license (reads as a license or agreement, matches no known one)"
    return "no license identified"


def _license_name(key: str) -> str:
    info = defined_licenses().get(key)
    return info.name if info else key


def render_identified(results: list[LicenseFile]) -> str:
    lines = []
    for result in results:
        facts = result.facts
        if facts.unreadable:
            lines.append(f"{result.path}: not read ({facts.unreadable})")
            continue
        if not facts.licenses:
            lines.append(f"{result.path}: {_unidentified(facts)}")
        for m in facts.licenses:
            hf = f", hf: {m.hf}" if m.hf else ""
            if m.form == USE_POLICY:
                # A policy is not the license: say whose family it belongs to.
                what = f"use policy ({m.name}) of the {_license_name(m.key)} ({m.spdx}{hf})"
            else:
                form = "" if m.form == "text" else f"{m.form} "
                what = f"{form}{m.spdx} ({m.name}{hf})"
            lines.append(f"{result.path}:{m.start_line}-{m.end_line}: {what} score {m.score:.2f} by {m.matcher}")
        for c in facts.copyrights:
            lines.append(f"{result.path}:{c.line}: {c.statement}")
    # File names and copyright lines come from the files: no control character reaches the terminal.
    return "".join(printable(line) + "\n" for line in lines)
