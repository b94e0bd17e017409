"""The versioned `model-audit/1` JSON: key order fixed by the model, so output is byte-stable."""

from __future__ import annotations

import json

from auditor.model import Audit


def render_json(audit: Audit) -> str:
    return json.dumps(audit.to_dict(), indent=2, ensure_ascii=False) + "\n"
