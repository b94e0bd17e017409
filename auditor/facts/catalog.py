"""The family catalog (rules/families/*.yaml): families, their checkpoints, what each upstream ships,
and how a model id or a line of prose names them.

Names are compared as words whatever the separators: `llama_3.2`, `Llama-3.2` and "Llama 3.2" are
one name, and `llama-3` is not found inside `llama-3.1` or `ollama-3`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from auditor.resources import load_rule_file, rules_dir

_SIZE = re.compile(r"^(\d+(\.\d+)?[bmk]|\d+x\d+(\.\d+)?b|a\d+(\.\d+)?[bm]|e\d+b|tiny|base|small|medium|large|xl|xxl|"
                   r"mini|huge|giant|lite|nano|pico|flash)$")


@dataclass(frozen=True)
class Ships:
    """What the upstream's own repos ship, verbatim: copyright lines and NOTICE contents (none: empty)."""

    copyright: tuple[str, ...]
    notice: str | None
    source: str
    # False where the lines come from the publisher's code repo (the head of its LICENSE) and the
    # Hub checkpoints themselves carry the license only through their card: a derivative of those
    # weights may never have received the line, so its absence is for a reviewer, not an error.
    with_weights: bool = True


@dataclass(frozen=True)
class Checkpoint:
    repos: tuple[str, ...]
    license: str
    config: dict[str, Any]
    source: str
    ships: Ships | None = None  # where it differs from its family's
    base: str | None = None  # the catalogued checkpoint this one was made from (fine-tune, distillation)
    relation: str | None = None  # how: finetune | distillation | instruct | merge

    @property
    def name(self) -> str:
        return self.repos[0]


@dataclass(frozen=True)
class Family:
    id: str
    name: str
    kind: str  # llm | diffusion | vision | speech | text-encoder
    holder: str | None  # the licensor as its copyright lines and license name it
    publishers: tuple[str, ...]  # Hub organisations that publish the family's own checkpoints
    ships: Ships
    architectures: tuple[str, ...]
    model_types: tuple[str, ...]
    names: tuple[str, ...]  # normalised (see `normalise`)
    vocab_size: int | None
    markers: tuple[str, ...]
    checkpoints: tuple[Checkpoint, ...]

    def ships_for(self, checkpoint: Checkpoint | None) -> Ships:
        return checkpoint.ships if checkpoint and checkpoint.ships else self.ships


@dataclass(frozen=True)
class Architecture:
    family: str
    code_license: str
    code: str


def normalise(text: str) -> str:
    """Lower case, every run of spaces, underscores and dashes as one dash."""
    return re.sub(r"[\s_\-]+", "-", text.lower())


def _ships(data: dict | None, where: str) -> Ships | None:
    if data is None:
        return None
    return Ships(tuple(data.get("copyright") or ()), data.get("notice"), data.get("source", where),
                 bool(data.get("with_weights", True)))


@lru_cache(maxsize=1)
def catalog() -> tuple[tuple[Family, ...], dict[str, Architecture]]:
    folder = rules_dir() / "families"
    families = []
    for file in sorted(folder.glob("*.yaml")):
        data = load_rule_file(file)
        for entry in data.get("families", ()):
            tokenizer = entry.get("tokenizer") or {}
            families.append(Family(
                id=entry["id"], name=entry["name"], kind=entry.get("kind", "llm"), holder=entry.get("holder"),
                publishers=tuple(p.lower() for p in entry.get("publishers", ())),
                ships=_ships(entry.get("ships"), file.name) or Ships((), None, "not recorded"),
                architectures=tuple(entry["architectures"]),
                model_types=tuple(entry["model_types"]),
                names=tuple(normalise(n).strip("-") for n in entry.get("names", ())),
                vocab_size=tokenizer.get("vocab_size"),
                markers=tuple(tokenizer.get("markers", ())),
                checkpoints=tuple(
                    Checkpoint(tuple(c["repos"]), c["license"], dict(c.get("config") or {}), c["source"],
                               _ships(c.get("ships"), c["source"]), c.get("base"), c.get("relation"))
                    for c in entry["checkpoints"]),
            ))
    archs_data = load_rule_file(folder / "architectures.yaml")["architectures"]
    archs = {name.lower(): Architecture(v["family"], v["code_license"], v["code"]) for name, v in archs_data.items()}
    return tuple(families), archs


@lru_cache(maxsize=1)
def _by_repo() -> dict[str, tuple[Family, Checkpoint]]:
    found: dict[str, tuple[Family, Checkpoint]] = {}
    for family in catalog()[0]:
        for checkpoint in family.checkpoints:
            for repo in checkpoint.repos:
                found.setdefault(repo.lower(), (family, checkpoint))
    return found


@lru_cache(maxsize=1)
def _by_basename() -> dict[str, tuple[Family, Checkpoint] | None]:
    """Checkpoints by the name after the organisation; None where two organisations share a name."""
    found: dict[str, tuple[Family, Checkpoint] | None] = {}
    for repo, hit in _by_repo().items():
        name = repo.rsplit("/", 1)[-1]
        found[name] = hit if found.get(name, hit) == hit else None
    return found


def find_checkpoint(repo_id: str) -> tuple[Family, Checkpoint] | None:
    """The catalogued checkpoint of a repo id, or of a bare checkpoint name (`DeepSeek-V3-0324`)."""
    wanted = repo_id.strip().strip("/").lower()
    return _by_repo().get(wanted) or (_by_basename().get(wanted) if "/" not in wanted else None)


def family_by_id(family_id: str | None) -> Family | None:
    return next((f for f in catalog()[0] if f.id == family_id), None) if family_id else None


def names_pattern(name: str) -> re.Pattern[str]:
    """A normalised name as a word: not inside another word, and not the start of a longer version
    (`qwen2` is not found in `qwen2.5`)."""
    return re.compile(rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9]|\.\d)")


@lru_cache(maxsize=4096)
def _pattern(name: str) -> re.Pattern[str]:
    return names_pattern(name)


def mentions(text: str, family: Family) -> str | None:
    """The family name as `text` mentions it (as a word), or None."""
    lowered = normalise(text)
    for name in family.names:
        match = _pattern(name).search(lowered)
        if match:
            return match.group(0)
    return None


def families_named(text: str) -> list[Family]:
    """Families whose name appears in `text`, the most specific (longest name) first."""
    lowered = normalise(text)
    scored = []
    for position, family in enumerate(catalog()[0]):
        lengths = [len(name) for name in family.names if _pattern(name).search(lowered)]
        if lengths:
            scored.append((-max(lengths), position, family))
    return [family for _l, _p, family in sorted(scored, key=lambda s: s[:2])]


def _sizes(repo_id: str) -> set[str]:
    basename = normalise(repo_id.rsplit("/", 1)[-1])
    return {token for token in basename.split("-") if _SIZE.match(token)}


@dataclass(frozen=True)
class IdMatch:
    """What a model id that is not catalogued as such names: a family, and a checkpoint where its sizes
    say which. `checkpoint` None with `alternatives`: the family's checkpoints differ in license."""

    family: Family
    checkpoint: Checkpoint | None
    confidence: float
    detail: str
    alternatives: tuple[Checkpoint, ...] = ()


def resolve_id(repo_id: str) -> IdMatch | None:
    """The catalogued checkpoint, or the family and version named inside the id
    (`meta-llama/Meta-Llama-3.1-70B-Instruct` is Llama 3.1 70B)."""
    exact = find_checkpoint(repo_id)
    if exact:
        return IdMatch(exact[0], exact[1], 1.0, f"{repo_id} is catalogued")
    named = families_named(repo_id)
    if not named:
        return None
    family = named[0]
    sizes = _sizes(repo_id)
    sized = [c for c in family.checkpoints if sizes and sizes & set().union(*(_sizes(r) for r in c.repos))]
    pool = sized or list(family.checkpoints)
    licenses = sorted({c.license for c in pool})
    if len(licenses) == 1:
        chosen = pool[0]
        if sized:
            return IdMatch(family, chosen, 0.95,
                           f"the id names {family.name} and {', '.join(sorted(sizes))}, as {chosen.name}")
        return IdMatch(family, chosen, 0.85,
                       f"the id names {family.name}; every catalogued {family.name} checkpoint is under {licenses[0]}")
    return IdMatch(family, None, 0.85,
                   f"the id names {family.name}, whose checkpoints are under different licenses "
                   f"({', '.join(licenses)}); its size does not say which", tuple(pool))
