"""The versioned `model-audit/1` JSON: key order fixed by the model, so output is byte-stable."""

from __future__ import annotations

from auditor.escape import dump_json
from auditor.model import Audit


def render_json(audit: Audit) -> str:
    return dump_json(audit.to_dict()) + "\n"
