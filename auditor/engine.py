"""Rules as data (rules/rules.yaml plus --rules DIR files), bound by name to check functions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from auditor.checks import CHECKS
from auditor.errors import AuditorError
from auditor.model import SEVERITIES, Facts, Finding, RuleInfo, severity_rank
from auditor.resources import rules_dir
from auditor.safeload import UnsafeDocument, load_yaml, read_capped

_OVERRIDABLE = ("severity", "title", "description", "remediation", "references", "params", "applies_to")


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[RuleInfo, ...]
    digest: str  # identifies the exact rule data an audit ran with

    def get(self, rule_id: str) -> RuleInfo | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def _read_yaml(path: Path) -> tuple[bytes, dict]:
    """A rule file's bytes (for the digest) and its data."""
    try:
        raw = read_capped(path)
        data = load_yaml(raw)
    except UnsafeDocument as exc:
        raise AuditorError(f"cannot read rule file {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise AuditorError(f"rule file {path} has no `rules:` list")
    return raw, data


def _fields(entry: dict, source: Path) -> dict:
    """The rule fields an entry gives, in the types RuleInfo holds; a wrong type is an input error."""
    rule_id = entry.get("id")
    fields = {k: str(entry[k]) for k in ("id", "severity", "title", "description", "remediation", "check",
                                         "applies_to")
              if k in entry and entry[k] is not None}
    references = entry.get("references")
    if references is not None:
        if not isinstance(references, (list, str)):
            raise AuditorError(f"rule {rule_id} in {source}: references must be a list")
        fields["references"] = (references,) if isinstance(references, str) else tuple(str(r) for r in references)
    params = entry.get("params")
    if params is not None:
        if not isinstance(params, dict):
            raise AuditorError(f"rule {rule_id} in {source}: params must be a mapping")
        fields["params"] = dict(params)
    return fields


def _rule(entry: dict, source: Path) -> RuleInfo:
    fields = _fields(entry, source)
    missing = [k for k in ("id", "severity", "title", "check") if k not in fields]
    if missing:
        raise AuditorError(f"rule in {source} lacks field {missing[0]!r}")
    rule = RuleInfo(**{"description": "", "remediation": "", "references": (), "params": {}, **fields})
    _validate(rule, source)
    return rule


def _validate(rule: RuleInfo, source: Path) -> None:
    if rule.severity not in SEVERITIES:
        raise AuditorError(f"rule {rule.id} in {source}: severity must be one of {', '.join(SEVERITIES)}")
    if rule.applies_to not in ("any", "model"):
        raise AuditorError(f"rule {rule.id} in {source}: applies_to must be any or model")
    if rule.check not in CHECKS:
        raise AuditorError(f"rule {rule.id} in {source}: unknown check {rule.check!r}")


def load_rules(extra_dirs: tuple[Path, ...] = ()) -> RuleSet:
    """Built-in rules, then each --rules DIR in order: same id overrides fields, new ids add rules."""
    digest = hashlib.sha256()
    builtin_dir = rules_dir()
    for file in sorted(p for p in builtin_dir.rglob("*") if p.is_file()):
        digest.update(file.relative_to(builtin_dir).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    rules: dict[str, RuleInfo] = {}
    builtin = builtin_dir / "rules.yaml"
    for entry in _read_yaml(builtin)[1]["rules"]:
        rule = _rule(entry, builtin)
        rules[rule.id] = rule
    for directory in extra_dirs:
        if not directory.is_dir():
            raise AuditorError(f"--rules {directory}: not a directory")
        for file in sorted(directory.glob("*.y*ml")):
            raw, data = _read_yaml(file)
            digest.update(b"user\0" + raw + b"\0")
            for entry in data["rules"]:
                if not isinstance(entry, dict) or "id" not in entry:
                    raise AuditorError(f"rule in {file} has no id")
                current = rules.get(str(entry["id"]))
                if current is None:
                    rule = _rule(entry, file)
                else:
                    if "check" in entry and entry["check"] != current.check:
                        raise AuditorError(f"rule {current.id} in {file}: a built-in rule's check cannot change")
                    fields = _fields(entry, file)
                    rule = replace(current, **{k: v for k, v in fields.items() if k in _OVERRIDABLE})
                    _validate(rule, file)
                rules[rule.id] = rule
    return RuleSet(rules=tuple(rules.values()), digest="sha256:" + digest.hexdigest())


def run_checks(rules: RuleSet, facts: Facts) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    code_repo = facts.target.repo_kind is not None and facts.target.repo_kind.kind == "code"
    for rule in rules.rules:
        if rule.applies_to == "model" and code_repo:
            continue  # a project repo about a model has no model card to judge
        findings.extend(CHECKS[rule.check](facts, rule))
    # Stable: within a severity, rules keep their declared order and checks their own order.
    findings.sort(key=lambda f: severity_rank(f.severity))
    return tuple(findings)
