"""Model card front matter (README.md) -> Card, through huggingface_hub's card parser."""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache

# repocard_data, not huggingface_hub.repocard: the latter pulls in the Hub client (hf_api, httpx),
# half a second of start-up that a local scan or a pre-commit hook would pay for nothing.
from huggingface_hub.repocard_data import ModelCardData

from auditor.facts.text import decode
from auditor.model import Card, Facts
from auditor.safeload import UnsafeDocument, load_yaml
from auditor.sources.base import Blob

# Where the Hub finds a card's metadata: a block that opens the file with a `---` line and ends at the
# next `---` line (trailing blanks allowed). tests/test_metadata.py checks it against
# huggingface_hub.repocard's own pattern.
FRONT_MATTER = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")


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


def card_from_blob(blob: Blob) -> tuple[Card, str]:
    """The card a README blob holds, and its text ("" when it cannot be read as text)."""
    text = decode(blob.data) if blob.data is not None else None
    if text is None:
        return Card(present=True, error=f"unreadable README ({blob.unreadable or 'binary content'})"), ""
    return parse_card(text), text


def parse_card(text: str) -> Card:
    """Parse a README's text. The front matter is found as the Hub finds it and read into
    huggingface_hub's ModelCardData. Never hand huggingface_hub a path: one that does not exist is
    taken for a Hub repo id and fetched."""
    match = FRONT_MATTER.search(text)
    if not match:
        return Card(present=True)
    return _parse_front_matter(match.group(2))


@lru_cache(maxsize=256)
def _parse_front_matter(block: str) -> Card:
    try:
        raw = load_yaml(block)
    except UnsafeDocument as exc:  # invalid YAML, or over a size, depth or alias-expansion bound
        return Card(present=True, error=f"malformed front matter: {exc}", has_front_matter=True)
    try:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise ValueError("the front matter is not a mapping")
        data = ModelCardData(**{str(k): v for k, v in raw.items()}, ignore_metadata_errors=False).to_dict()
    except Exception as exc:  # a non-mapping block, values the card schema rejects
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Card(present=True, error=f"malformed front matter: {first_line}", has_front_matter=True)
    return Card(
        present=True,
        license=_string(data.get("license")),
        license_name=_string(data.get("license_name")),
        license_link=_string(data.get("license_link")),
        base_model=_strings(data.get("base_model")),
        base_model_relation=_string(data.get("base_model_relation")),
        tags=_strings(data.get("tags")),
        has_front_matter=True,
        model_name=_string(data.get("model_name")),
        datasets=_strings(data.get("datasets")),
    )


def field_line(text: str, name: str) -> int | None:
    """Line of a top-level front matter field, for evidence."""
    pattern = re.compile(rf"^{re.escape(name)}\s*:", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def model_name(facts: Facts) -> str:
    """What the repo calls its model: the card's `model_name`, else the README's first heading after
    its front matter, else the repo's folder name. Naming rules judge this name."""
    if facts.card.model_name:
        return facts.card.model_name
    body = re.sub(r"\A\s*---.*?\n---\s*\n", "", facts.readme_text, flags=re.DOTALL)
    heading = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
    if heading:
        return heading.group(1).strip()
    return posixpath.basename(facts.target.path.rstrip("/")) or facts.target.path
