"""`auditor provenance` output: the comparisons as text for a terminal, or as versioned JSON."""

from __future__ import annotations

from typing import Any

from auditor import __version__
from auditor.escape import dump_json, printable
from auditor.provenance.compare import Comparison

SCHEMA = "model-provenance/1"


def provenance_dict(target: str, comparisons: list[Comparison]) -> dict[str, Any]:
    return {"schema": SCHEMA, "tool": {"name": "model-license-auditor", "version": __version__},
            "target": target, "comparisons": [c.to_dict() for c in comparisons]}


def render_provenance_json(target: str, comparisons: list[Comparison]) -> str:
    return dump_json(provenance_dict(target, comparisons)) + "\n"


def _size(count: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def render_provenance_text(target: str, comparisons: list[Comparison]) -> str:
    lines = [f"Weight provenance of {printable(target)}"]
    for c in comparisons:
        data = c.to_dict()
        lines += ["", f"against {printable(c.candidate)}: {c.verdict.upper()} (confidence {c.confidence:.2f})",
                  f"  {printable(c.reason)}"]
        if c.pairs:
            renamed = len(data["renamed"])
            how = f"by {c.aligned_by}" + (f", {renamed} tensors renamed" if renamed else "")
            if c.layer_offset:
                how += f", layers offset by {c.layer_offset}"
            lines.append(f"  tensors paired {how}")
            lines.append(f"  {'group':<12} {'pairs':>5} {'equal':>5} {'similarity':>10} {'null':>14}")
            for g in c.groups:
                lines.append(f"  {g.group:<12} {g.pairs:>5} {g.equal:>5} {g.score:>10.3f} "
                             f"{g.null_mean:>7.3f} ± {g.null_sd:.3f}")
        for side, cost in c.cost.items():
            share = cost["bytes_read"] / cost["total_bytes"] if cost["total_bytes"] else 0.0
            lines.append(f"  read {_size(cost['bytes_read'])} of {_size(cost['total_bytes'])} ({share:.1%}) "
                         f"of the {side} in {cost['requests']} read{'s' if cost['requests'] != 1 else ''}")
        lines += [f"  note: {printable(n)}" for n in c.notes]
    return "\n".join(lines) + "\n"
