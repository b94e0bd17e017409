"""Rules as data (rules/rules.yaml plus --rules DIR files), bound by name to check functions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from auditor.checks import CHECKS
from auditor.errors import AuditorError
from auditor.model import SEVERITIES, Facts, Finding, RuleInfo, severity_rank
from auditor.resources import rules_dir

_OVERRIDABLE = ("severity", "title", "description", "remediation", "references", "params")


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[RuleInfo, ...]
    digest: str  # identifies the exact rule data an audit ran with

    def get(self, rule_id: str) -> RuleInfo | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise AuditorError(f"cannot read rule file {path}: {str(exc).splitlines()[0]}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise AuditorError(f"rule file {path} has no `rules:` list")
    return data


def _rule(entry: dict, source: Path) -> RuleInfo:
    try:
        rule = RuleInfo(
            id=str(entry["id"]), severity=str(entry["severity"]), title=str(entry["title"]),
            description=str(entry.get("description", "")), remediation=str(entry.get("remediation", "")),
            references=tuple(str(r) for r in entry.get("references") or ()), check=str(entry["check"]),
            params=dict(entry.get("params") or {}),
        )
    except (KeyError, TypeError) as exc:
        raise AuditorError(f"rule in {source} lacks field {exc}") from exc
    _validate(rule, source)
    return rule


def _validate(rule: RuleInfo, source: Path) -> None:
    if rule.severity not in SEVERITIES:
        raise AuditorError(f"rule {rule.id} in {source}: severity must be one of {', '.join(SEVERITIES)}")
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
    for entry in _read_yaml(builtin)["rules"]:
        rule = _rule(entry, builtin)
        rules[rule.id] = rule
    for directory in extra_dirs:
        if not directory.is_dir():
            raise AuditorError(f"--rules {directory}: not a directory")
        for file in sorted(directory.glob("*.y*ml")):
            digest.update(b"user\0" + file.read_bytes() + b"\0")
            for entry in _read_yaml(file)["rules"]:
                if not isinstance(entry, dict) or "id" not in entry:
                    raise AuditorError(f"rule in {file} has no id")
                current = rules.get(str(entry["id"]))
                if current is None:
                    rule = _rule(entry, file)
                else:
                    if "check" in entry and entry["check"] != current.check:
                        raise AuditorError(f"rule {current.id} in {file}: a built-in rule's check cannot change")
                    updates = {k: entry[k] for k in _OVERRIDABLE if k in entry}
                    if "references" in updates:
                        updates["references"] = tuple(str(r) for r in updates["references"] or ())
                    rule = replace(current, **updates)
                    _validate(rule, file)
                rules[rule.id] = rule
    return RuleSet(rules=tuple(rules.values()), digest="sha256:" + digest.hexdigest())


def run_checks(rules: RuleSet, facts: Facts) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    for rule in rules.rules:
        findings.extend(CHECKS[rule.check](facts, rule))
    # Stable: within a severity, rules keep their declared order and checks their own order.
    findings.sort(key=lambda f: severity_rank(f.severity))
    return tuple(findings)
