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
    """Every model the Hub lists for an author (user or organisation), by id.

    The listing goes through the same bounded client as a Hub scan (timeouts, body caps, a stall
    watchdog), and what it answers is checked like any other Hub answer: an id that is not this
    author's repo id is refused, and a head that is not a commit id is dropped, so it costs a
    request later instead of naming anything."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    from auditor.sources.hub import check_reachable, default_timeout
    from auditor.sources.hub_cache import is_git_oid, safe_repr
    from auditor.sources.hub_http import HubAnswerRejected, bounded_call
    from auditor.sources.hub_http import install as install_bounds

    try:
        validate_repo_id(f"{author}/x")
    except HFValidationError:
        raise AuditorError(f"{safe_repr('hf://' + author + '/*')}: not a Hub user or organisation name") from None
    endpoint = os.environ.get("HF_ENDPOINT") or None
    where = endpoint or "https://huggingface.co"
    check_reachable(where, default_timeout())
    install_bounds()
    api = HfApi(endpoint=endpoint)

    def stalled(seconds: float) -> str:
        return (f"the Hub at {where} stopped answering (listing the models of {author}): "
                f"nothing received for {seconds:.0f} s")

    try:
        models = bounded_call(lambda: list(api.list_models(author=author, expand=["sha"])),
                              default_timeout(), stalled)
    except HubAnswerRejected as exc:
        raise AuditorError(f"{exc} (listing the models of {author})") from exc
    except HfHubHTTPError as exc:
        status = getattr(exc.response, "status_code", None)
        raise AuditorError(f"cannot list the models of {author}: the Hub answered {status}") from exc
    except Exception as exc:
        # Transport failures come as OSError or as the HTTP client's own error types.
        if not isinstance(exc, OSError) and not type(exc).__module__.startswith(("httpx", "httpcore")):
            raise
        raise AuditorError(f"cannot reach the Hub at {where}: {type(exc).__name__}") from exc
    if not models:
        raise AuditorError(f"hf://{author}/*: the Hub lists no models by {author}")
    targets: dict[str, Target] = {}
    for model in models:
        repo_id = model.id if isinstance(model.id, str) else ""
        try:
            validate_repo_id(repo_id)
        except HFValidationError:
            repo_id = ""
        if repo_id.partition("/")[0] != author:
            raise AuditorError(f"the Hub's listing of {author} named {safe_repr(model.id)}, "
                               f"which is not a model of {author}")
        sha = model.sha if is_git_oid(model.sha) else None
        targets[repo_id] = Target(f"hf://{repo_id}", sha)
    return [targets[repo_id] for repo_id in sorted(targets)]


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
