"""Weight-level provenance: is a model a copy of, derived from, or independent of a candidate base?

The one part of the tool that reads weights beyond the safetensors header, and only when asked
(`auditor provenance`, `auditor scan --compare-with`). It reads a fixed, seeded sample of rows of a
few tensors per layer: with pread for local files, through HTTP range requests on the Hub.

  weights.py   safetensors headers with dtypes and offsets; local and Hub readers; decoding
  align.py     which target tensor pairs with which candidate tensor (names, else structure)
  compare.py   the sample plan, the signals per tensor group, and the verdict
"""

from __future__ import annotations

from auditor.provenance.compare import Comparison, compare_weights
from auditor.provenance.weights import open_weights


def compare_models(target: str, candidate: str) -> Comparison:
    """Open both models' weights, compare them, and release them."""
    mine = open_weights(target)
    try:
        theirs = open_weights(candidate)
        try:
            return compare_weights(mine, theirs)
        finally:
            theirs.close()
    finally:
        mine.close()
