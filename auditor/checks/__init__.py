"""Check functions by the name rules use in their `check:` field.

A check is a pure function (Facts, RuleInfo) -> iterable of Finding: it reads facts, does no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from auditor.checks import code, datasets, history, lineage, metadata, policy, upstream
from auditor.model import Facts, Finding, RuleInfo

Check = Callable[[Facts, RuleInfo], Iterable[Finding]]

CHECKS: dict[str, Check] = {
    "license-missing": metadata.license_missing,
    "license-metadata-invalid": metadata.license_metadata_invalid,
    "history-incomplete": history.history_incomplete,
    "license-removed": history.license_removed,
    "attribution-restored-late": history.attribution_restored_late,
    "undisclosed-base-model": lineage.undisclosed_base_model,
    "renamed-tensors": lineage.renamed_tensors,
    "base-model-not-confirmed": lineage.base_model_not_confirmed,
    "upstream-unresolved": lineage.upstream_unresolved,
    "upstream-license-missing": upstream.upstream_license_missing,
    "upstream-copyright-missing": upstream.upstream_copyright_missing,
    "upstream-notice-missing": upstream.upstream_notice_missing,
    "declared-license-conflict": upstream.declared_license_conflict,
    "past-license-conflict": upstream.past_license_conflict,
    "naming-requirement": upstream.naming_requirement,
    "use-restrictions-missing": upstream.use_restrictions_missing,
    "license-file-mismatch": upstream.license_file_mismatch,
    "code-notice-removed": code.code_notice_removed,
    "dataset-license-conflict": datasets.dataset_license_conflict,
    "dataset-terms-restriction": datasets.dataset_terms_restriction,
    "dataset-attribution-missing": datasets.dataset_attribution_missing,
    "dataset-unresolved": datasets.dataset_unresolved,
    "denied-licenses": policy.denied_licenses,
}
