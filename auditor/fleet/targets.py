"""Fleet targets from the command line and --from files: local paths, hf://org/name[@rev], and
hf://org/* (every model of an author, listed through HfApi.list_models)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import AuditorError


@dataclass(frozen=True)
class Target:
    name: str  # the store key: an absolute path, or hf://org/name[@rev]
    listed_revision: str | None = None  # the commit a Hub listing gave: lets a re-run skip without a request


def read_target_file(path: Path) -> list[str]:
    """One target per line; blank lines and lines starting with # are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AuditorError(f"cannot read --from {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise AuditorError(f"--from {path} is not UTF-8 text") from exc
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def list_author(author: str) -> list[Target]:
    """Every model the Hub lists for an author (user or organisation), by id."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    endpoint = os.environ.get("HF_ENDPOINT") or None
    try:
        models = list(HfApi(endpoint=endpoint).list_models(author=author, expand=["sha"]))
    except HfHubHTTPError as exc:
        status = getattr(exc.response, "status_code", None)
        raise AuditorError(f"cannot list the models of {author}: the Hub answered {status}") from exc
    except Exception as exc:
        # Transport failures come as OSError or as the HTTP client's own error types.
        if not isinstance(exc, OSError) and not type(exc).__module__.startswith(("httpx", "httpcore")):
            raise
        raise AuditorError(f"cannot reach the Hub at {endpoint or 'https://huggingface.co'}: "
                           f"{type(exc).__name__}") from exc
    if not models:
        raise AuditorError(f"hf://{author}/*: the Hub lists no models by {author}")
    return [Target(f"hf://{m.id}", m.sha) for m in sorted(models, key=lambda m: m.id)]


def _expand_one(text: str) -> list[Target]:
    if text.startswith("hf://"):
        from auditor.sources.hub import parse_target

        rest = text.removeprefix("hf://").strip("/")
        author, _sep, name = rest.partition("/")
        if name == "*" and author:
            return list_author(author)
        repo_id, revision = parse_target(text)
        return [Target(f"hf://{repo_id}" + (f"@{revision}" if revision else ""))]
    # Local targets are named by absolute path, so a run from another directory finds them stored.
    return [Target(str(Path(text).expanduser().resolve()))]


def expand_targets(arguments: Iterable[str], from_file: Path | None = None) -> list[Target]:
    """The targets in the order given, each once."""
    texts = [*arguments, *(read_target_file(from_file) if from_file else [])]
    seen: dict[str, Target] = {}
    for text in texts:
        for target in _expand_one(text):
            seen.setdefault(target.name, target)
    if not seen:
        raise AuditorError("no targets: name paths or hf:// repos, or give --from FILE")
    return list(seen.values())
