"""A dataset's own card on the Hub (hf://datasets/org/name), for the license of a dataset the catalog
does not know. One `dataset_info` request per dataset (the Hub returns the card's metadata with it, so
nothing is downloaded), kept on disk under the Hub cache: `--offline` answers from it, and when the Hub
cannot be reached the cached answer stands.
"""

from __future__ import annotations

import os

from auditor.facts.datasets import DatasetCard
from auditor.sources.hub import _cache_root, default_timeout
from auditor.sources.hub_cache import HubCache
from auditor.sources.hub_http import HubAnswerRejected, HubStalled, bounded_call
from auditor.sources.hub_http import install as install_bounds


def _text(value: object) -> str | None:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or None
    return str(value) if value is not None else None


class HubDatasetCards:
    folder = "datasets"  # under the Hub cache

    def __init__(self, offline: bool = False) -> None:
        self.offline = offline
        self._cache = HubCache(_cache_root() / self.folder)
        self._api = None

    def _info(self, api, repo_id: str):
        return api.dataset_info(repo_id)

    @staticmethod
    def _name(repo_id: str) -> str:
        return f"{repo_id.replace('/', '--')}.json"

    def _cached(self, repo_id: str) -> DatasetCard | None:
        data = self._cache.read_json(self._name(repo_id))
        if not isinstance(data, dict) or not data.get("found"):
            return None  # unknown, or a damaged entry, which is a missing one
        return DatasetCard(repo_id, data.get("license"), data.get("license_name"))

    def __call__(self, repo_id: str) -> DatasetCard | None:
        from huggingface_hub.utils import HFValidationError, validate_repo_id

        try:
            # The id comes from the audited card: only a real Hub id may name a request or a cache file.
            validate_repo_id(repo_id)
        except HFValidationError:
            return None
        if self.offline:
            return self._cached(repo_id)
        from huggingface_hub import HfApi
        from huggingface_hub.errors import HfHubHTTPError

        install_bounds()

        if self._api is None:
            # Read at call time, not at import: huggingface_hub fixes its default endpoint when imported.
            self._api = HfApi(endpoint=os.environ.get("HF_ENDPOINT") or None)
        try:
            api = self._api
            info = bounded_call(lambda: self._info(api, repo_id), default_timeout(), lambda _s: "stalled")
        except (HubStalled, HubAnswerRejected):
            return self._cached(repo_id)
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
        self._cache.write_json(record, self._name(repo_id))
        return self._cached(repo_id)


class HubModelCards(HubDatasetCards):
    """A declared base model's own card on the Hub (`--lookup-bases`, hf:// mode): its `license:`."""

    folder = "models"

    def _info(self, api, repo_id: str):
        return api.model_info(repo_id)
