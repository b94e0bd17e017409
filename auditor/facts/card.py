"""Model card front matter (README.md) -> Card, through huggingface_hub's card parser."""

from __future__ import annotations

import logging
import re

from huggingface_hub import ModelCard

from auditor.model import Card

# huggingface_hub logs a warning for every README without front matter; that is a finding here.
logging.getLogger("huggingface_hub.repocard").setLevel(logging.ERROR)

_FRONT_MATTER = re.compile(r"\A\s*---\s*\n")


def _strings(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value if v is not None)
    return (str(value),)


def _string(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def parse_card(text: str) -> Card:
    """Parse a README's text. The card parser gets text, never a path: a path that does not exist
    is taken for a Hub repo id and fetched."""
    has_front_matter = bool(_FRONT_MATTER.match(text))
    try:
        data = ModelCard(text, ignore_metadata_errors=False).data.to_dict()
    except Exception as exc:  # yaml errors, a non-mapping block, values the card schema rejects
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Card(present=True, error=f"malformed front matter: {first_line}",
                    has_front_matter=has_front_matter)
    return Card(
        present=True,
        license=_string(data.get("license")),
        license_name=_string(data.get("license_name")),
        license_link=_string(data.get("license_link")),
        base_model=_strings(data.get("base_model")),
        base_model_relation=_string(data.get("base_model_relation")),
        tags=_strings(data.get("tags")),
        has_front_matter=has_front_matter,
    )


def field_line(text: str, name: str) -> int | None:
    """Line of a top-level front matter field, for evidence."""
    pattern = re.compile(rf"^{re.escape(name)}\s*:", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None
