"""A dataset's own card on the Hub (hf://datasets/org/name), for the license of a dataset the catalog
does not know. One `dataset_info` request per dataset (the Hub returns the card's metadata with it, so
nothing is downloaded), kept on disk under the Hub cache: `--offline` answers from it, and when the Hub
cannot be reached the cached answer stands.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from auditor.facts.datasets import DatasetCard
from auditor.sources.hub import _cache_root


def _text(value: object) -> str | None:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or None
    return str(value) if value is not None else None


class HubDatasetCards:
    def __init__(self, offline: bool = False) -> None:
        self.offline = offline
        self._cache = _cache_root() / "datasets"
        self._api = None

    def _file(self, repo_id: str) -> Path:
        return self._cache / f"{repo_id.replace('/', '--')}.json"

    def _cached(self, repo_id: str) -> DatasetCard | None:
        file = self._file(repo_id)
        if not file.is_file():
            return None
        data = json.loads(file.read_text(encoding="utf-8"))
        return DatasetCard(repo_id, data["license"], data.get("license_name")) if data.get("found") else None

    def __call__(self, repo_id: str) -> DatasetCard | None:
        if self.offline:
            return self._cached(repo_id)
        from huggingface_hub import HfApi
        from huggingface_hub.errors import HfHubHTTPError

        if self._api is None:
            # Read at call time, not at import: huggingface_hub fixes its default endpoint when imported.
            self._api = HfApi(endpoint=os.environ.get("HF_ENDPOINT") or None)
        try:
            info = self._api.dataset_info(repo_id)
        except HfHubHTTPError as exc:
            status = getattr(exc.response, "status_code", None)
            if status not in (401, 403, 404):
                return self._cached(repo_id)  # rate limited or failing: the last answer stands
            record = {"found": False}
        except Exception as exc:
            # Transport failures come as OSError or as the HTTP client's own error types.
            if not isinstance(exc, OSError) and not type(exc).__module__.startswith(("httpx", "httpcore")):
                raise
            return self._cached(repo_id)
        else:
            card = info.card_data
            record = {"found": True, "sha": info.sha,
                      "license": _text(getattr(card, "license", None)) if card else None,
                      "license_name": _text(getattr(card, "license_name", None)) if card else None}
        self._cache.mkdir(parents=True, exist_ok=True)
        tmp = self._file(repo_id).with_suffix(".tmp")
        tmp.write_text(json.dumps(record), encoding="utf-8")
        tmp.replace(self._file(repo_id))
        return self._cached(repo_id)
