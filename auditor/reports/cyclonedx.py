"""CycloneDX 1.6 ML-BOM, built with cyclonedx-python-lib.

The audited repo is the metadata component (type machine-learning-model) with its licenses, copyright,
evidence (each license's file and line range) and pedigree: the upstream models as ancestors and the
license events of the timeline as commits. Datasets from the card are `data` components, source files
with their own license header `file` components. Findings are properties (`auditor:finding`) of the
component they concern: properties are what every CycloneDX consumer keeps, while vulnerabilities
would put license findings into security dashboards.

cyclonedx-python-lib 11 has no model for `modelCard` (its issue #912), so the one object the library
cannot build is added to its output, and the result is what the library's validator checks in the tests.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
import warnings
from typing import Any

from cyclonedx.model import AttachedText, IdentifiableAction, Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Commit, Component, ComponentType, Pedigree
from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.license import DisjunctiveLicense, LicenseAcknowledgement
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from cyclonedx.spdx import is_supported_id
from license_expression import get_spdx_licensing

from auditor.facts.license_ids import hf_licenses, spdx_for_key
from auditor.facts.licensedb import reference_text
from auditor.facts.phrases import defined_licenses
from auditor.model import Audit, Candidate, Dataset, LicenseFile
from auditor.reports.json import render_json

SCHEMA = SchemaVersion.V1_6
MODEL_REF = "model"
# A fixed namespace: the serial number is a UUID derived from the audit's content, so the same
# repo at the same revision gives the same BOM.
_NAMESPACE = uuid.UUID("5b0d1f3e-8d7c-4f6a-9a43-7e1c2b9d6a10")


def _valid_spdx(spdx: str) -> bool:
    """An SPDX license id both license-expression and the CycloneDX schema know."""
    if spdx.startswith("LicenseRef-") or not is_supported_id(spdx):
        return False
    try:
        parsed = get_spdx_licensing().parse(spdx, validate=True, strict=True)
    except Exception:  # license-expression raises its own error types for unknown or malformed ids
        return False
    return parsed is not None and str(parsed) == spdx


def _license(spdx: str | None, key: str | None, name: str | None,
             acknowledgement: LicenseAcknowledgement | None = None) -> DisjunctiveLicense | None:
    """An SPDX id where there is one; otherwise a named license with the LicenseRef and its text."""
    if not spdx and not name:
        return None
    if spdx and _valid_spdx(spdx):
        return DisjunctiveLicense(id=spdx, acknowledgement=acknowledgement)
    info = defined_licenses().get(key or "")
    text = reference_text(key) if key else None
    properties = [Property(name="auditor:license-ref", value=spdx)] if spdx else []
    return DisjunctiveLicense(
        name=(info.name if info else None) or name or spdx, acknowledgement=acknowledgement,
        text=AttachedText(content=text) if text else None,
        url=XsUri(info.url) if info and info.url else None, properties=properties)


def _unique(licenses: list[DisjunctiveLicense | None]) -> list[DisjunctiveLicense]:
    seen, out = set(), []
    for lic in licenses:
        if lic is None:
            continue
        ident = (lic.id, lic.name, lic.acknowledgement)
        if ident not in seen:
            seen.add(ident)
            out.append(lic)
    return out


def _file_licenses(files: tuple[LicenseFile, ...]) -> list[DisjunctiveLicense | None]:
    return [_license(m.spdx, m.key, m.name, LicenseAcknowledgement.CONCLUDED)
            for lf in files for m in lf.facts.licenses if m.form == "text"]


def _declared(audit: Audit) -> DisjunctiveLicense | None:
    card = audit.facts.card
    if not card.license:
        return None
    key = hf_licenses().get(card.license.lower())
    if key:
        return _license(spdx_for_key(key), key, None, LicenseAcknowledgement.DECLARED)
    return _license(None, None, card.license_name or card.license, LicenseAcknowledgement.DECLARED)


def _findings_by_component(audit: Audit, ancestors: list[Candidate]) -> dict[str | None, list[Property]]:
    """Each finding as a property of the component it concerns: a dataset, an upstream, else the model."""
    datasets = {d.name for d in audit.facts.datasets}
    upstreams = {_ancestor_name(c) for c in ancestors}
    grouped: dict[str | None, list[Property]] = {}
    for f in audit.findings:
        ref = (f"dataset:{f.subject}" if f.subject in datasets
               else f"upstream:{f.subject}" if f.subject in upstreams else None)
        value = f"{f.severity} {f.rule}: {f.message}"
        grouped.setdefault(ref, []).append(Property(name="auditor:finding", value=value))
    return grouped


def _ancestors(audit: Audit) -> list[Candidate]:
    """The upstreams whose terms bind, the declared bases, and the alternatives nothing settles."""
    return [c for c in audit.facts.lineage if c.binds or c.relation == "declared" or c.unsettled]


def _ancestor_name(candidate: Candidate) -> str:
    return candidate.upstream or candidate.family or "unknown"


def _ancestor(candidate: Candidate, findings: dict[str | None, list[Property]]) -> Component:
    name = _ancestor_name(candidate)
    info = candidate.to_dict()["license"]
    licenses = _unique([_license(info["spdx"], info["key"], None)] if info else [])
    properties = [Property(name="auditor:relation", value=candidate.relation),
                  Property(name="auditor:confidence", value=f"{candidate.confidence:.3f}")]
    if candidate.family:
        properties.append(Property(name="auditor:family", value=candidate.family))
    if candidate.why:
        properties.append(Property(name="auditor:why", value=candidate.why))
    if candidate.unsettled:
        properties.append(Property(name="auditor:unsettled",
                                   value="one of several checkpoints with different licenses; nothing settles which"))
    properties += [Property(name="auditor:evidence", value=f"{e.source}: {e.detail}") for e, _w in candidate.evidence]
    return Component(type=ComponentType.MACHINE_LEARNING_MODEL, name=name, bom_ref=f"upstream:{name}",
                     licenses=licenses, properties=properties + findings.get(f"upstream:{name}", []))


def _dataset(dataset: Dataset, findings: dict[str | None, list[Property]]) -> Component:
    lic = _license(dataset.license, None, None) if dataset.license else None
    properties = [Property(name=f"auditor:{k}", value=v) for k, v in (
        ("terms-from", dataset.terms_from), ("terms-source", dataset.source), ("basis", dataset.basis),
        ("catalog-id", dataset.catalog_id), ("note", dataset.note)) if v]
    properties += [Property(name="auditor:generated-by", value=f"{g.generator} ({g.name}: {g.restriction})")
                   for g in dataset.generated_by]
    properties += [Property(name="auditor:credited-in", value=path) for path in dataset.credited_in]
    ref = f"dataset:{dataset.name}"
    return Component(type=ComponentType.DATA, name=dataset.name, bom_ref=ref, description=dataset.title,
                     licenses=[lic] if lic else [], properties=properties + findings.get(ref, []))


def _code_file(lf: LicenseFile) -> Component:
    # A source header is a license notice ("Licensed under the Apache License..."), not the text.
    return Component(type=ComponentType.FILE, name=lf.path, bom_ref=f"file:{lf.path}",
                     licenses=_unique([_license(m.spdx, m.key, m.name) for m in lf.facts.licenses]),
                     copyright="\n".join(c.statement for c in lf.facts.copyrights) or None)


def _evidence(audit: Audit, licenses: list[DisjunctiveLicense]) -> ComponentEvidence | None:
    files = audit.facts.license_files
    occurrences = [Occurrence(location=lf.path, line=m.start_line,
                              additional_context=f"{m.spdx} lines {m.start_line}-{m.end_line} ({m.matcher}, "
                                                 f"score {m.score:g})")
                   for lf in files for m in lf.facts.licenses]
    if not occurrences:
        return None
    concluded = [lic for lic in licenses if lic.acknowledgement is LicenseAcknowledgement.CONCLUDED]
    return ComponentEvidence(licenses=concluded, occurrences=occurrences)


def _commits(audit: Audit) -> list[Commit]:
    commits = []
    for event in audit.facts.timeline:
        stamp = datetime.datetime.fromtimestamp(event.commit.timestamp, datetime.timezone.utc)
        before = ", ".join(event.licenses_before) or "none"
        after = ", ".join(event.licenses_after) or "none"
        author = IdentifiableAction(timestamp=stamp, name=event.commit.author)
        commits.append(Commit(uid=event.commit.sha, author=author,
                              message=f"{event.commit.title} [{event.change} {event.path}: {before} -> {after}]"))
    return commits


def _model_card(audit: Audit, ancestors: list[Candidate]) -> dict[str, Any]:
    """The modelCard object (schema 1.6 `modelCard`): architecture, datasets, base model."""
    facts = audit.facts
    parameters: dict[str, Any] = {}
    family = next((c.family for c in ancestors if c.family), None)
    if family:
        parameters["architectureFamily"] = family
    if facts.architectures:
        parameters["modelArchitecture"] = ", ".join(facts.architectures)
    if facts.datasets:
        parameters["datasets"] = [{"ref": f"dataset:{d.name}"} for d in facts.datasets]
    properties = [{"name": "auditor:base-model", "value": base} for base in facts.card.base_model]
    if facts.card.base_model_relation:
        properties.append({"name": "auditor:base-model-relation", "value": facts.card.base_model_relation})
    card: dict[str, Any] = {}
    if parameters:
        card["modelParameters"] = parameters
    if properties:
        card["properties"] = properties
    return card


def build_bom(audit: Audit, ancestors: list[Candidate]) -> Bom:
    facts = audit.facts
    findings = _findings_by_component(audit, ancestors)
    target = facts.target
    licenses = _unique([_declared(audit), *_file_licenses(facts.license_files)])
    copyright_lines = sorted({c.statement for lf in facts.license_files for c in lf.facts.copyrights})
    ancestor_parts = [_ancestor(c, findings) for c in ancestors]
    model = Component(
        type=ComponentType.MACHINE_LEARNING_MODEL, bom_ref=MODEL_REF,
        name=facts.card.model_name or target.path.rstrip("/").rsplit("/", 1)[-1] or target.path,
        group=target.path.split("/", 1)[0] if target.kind == "hub" else None,
        version=target.revision, licenses=licenses, copyright="\n".join(copyright_lines) or None,
        evidence=_evidence(audit, licenses),
        pedigree=(Pedigree(ancestors=ancestor_parts, commits=_commits(audit))
                  if ancestor_parts or facts.timeline else None),
        properties=[Property(name="auditor:verdict", value="fail" if audit.failed() else "pass"),
                    Property(name="auditor:rules-digest", value=audit.rules_digest), *findings.get(None, [])])
    tool = Component(type=ComponentType.APPLICATION, name="model-license-auditor", version=audit.tool_version,
                     supplier=OrganizationalEntity(name="model-license-auditor"))
    serial = uuid.uuid5(_NAMESPACE, hashlib.sha256(render_json(audit).encode()).hexdigest())
    bom = Bom(serial_number=serial)
    bom.metadata.component = model
    bom.metadata.tools = ToolRepository(components=[tool])
    # Commit time of the audited revision: the BOM says when the audited state was made, not when it ran.
    bom.metadata.timestamp = (datetime.datetime.fromisoformat(target.revision_date.replace("Z", "+00:00"))
                              if target.revision_date else datetime.datetime.fromtimestamp(0, datetime.timezone.utc))
    parts = [_dataset(d, findings) for d in facts.datasets] + [_code_file(lf) for lf in facts.code_files]
    for part in parts:
        bom.components.add(part)
    bom.register_dependency(model, parts)
    return bom


def render_cyclonedx(audit: Audit) -> str:
    ancestors = _ancestors(audit)
    bom = build_bom(audit, ancestors)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the library warns about optional fields it fills itself
        text = make_outputter(bom, OutputFormat.JSON, SCHEMA).output_as_string()
    doc = json.loads(text)
    card = _model_card(audit, ancestors)
    if card:
        doc["metadata"]["component"]["modelCard"] = card
    if not audit.facts.target.revision_date:
        del doc["metadata"]["timestamp"]  # a plain folder has no commit time; a run time would break determinism
    first = ("$schema", "bomFormat", "specVersion", "serialNumber", "version", "metadata")
    ordered = {key: doc[key] for key in first if key in doc} | {k: v for k, v in doc.items() if k not in first}
    return json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"
