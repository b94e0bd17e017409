"""Phrase matching: the licenses of rules/licenses/*.yaml, found by their titles, version and date
lines, distinctive clauses and required notice strings.

A form matches where its start phrase is followed, in order, by every required phrase; its end
phrase closes the span. A text or use-policy form without an end found runs to the next match or the
end of the text. A use-policy form is the acceptable (or prohibited) use policy of the license's
family: recognised as that, never as the license itself.

A dated version of a license (a text revised in place: the Gemma terms, the RAIL++-M) is a form with
its own `key`: it is that license, with the same obligations, under an id of its own (`base` names
the license file's key, which every version shares).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from auditor.facts.normalise import NormalisedText, phrase
from auditor.resources import load_rule_file, rules_dir


@dataclass(frozen=True)
class Obligation:
    kind: str  # see rules/obligations.yaml
    clause: str
    url: str | None = None  # where the publisher hosts the referenced text (a use policy)
    markers: tuple[str, ...] = ()  # normalised phrases that show the obligation is met
    prefix: str | None = None  # naming: what the model name must begin with
    policy: str | None = None  # use-restrictions: what the restrictions are called
    in_text: bool = False  # the license text itself carries what the obligation asks for


@dataclass(frozen=True)
class LicenseInfo:
    """A license the rules define: identity, and what it asks of a derivative."""

    key: str
    name: str
    publisher: str | None
    released: str | None
    url: str | None
    notice: str | None  # the notice string the license requires derivatives to carry
    attribution: str | None  # "Built with ..." display requirement
    category: str | None = None
    obligations: tuple[Obligation, ...] = ()
    base: str = ""  # the key every dated version of this license shares (its file's key)

    def obligation(self, kind: str) -> Obligation | None:
        return next((o for o in self.obligations if o.kind == kind), None)


@dataclass(frozen=True)
class Form:
    license: LicenseInfo
    name: str  # text | notice | use-policy (the family's acceptable/prohibited use policy)
    label: str  # license name, with the version date where forms differ by it; a policy's own name
    start: str
    require: tuple[str, ...]
    end: str
    max_words: int | None
    tail: str
    tail_within: int
    score: float  # the confidence of a complete match of this form


@dataclass(frozen=True)
class PhraseMatch:
    form: Form
    first: int  # word indexes
    last: int
    phrases: int  # phrases found: the more, the more specific the form
    open_end: bool  # no end phrase found: the span may run on


@lru_cache(maxsize=1)
def _defined() -> tuple[tuple[LicenseInfo, ...], tuple[Form, ...]]:
    licenses, forms = [], []
    for file in sorted((rules_dir() / "licenses").glob("*.yaml")):
        data = load_rule_file(file)
        obligations = tuple(
            Obligation(kind=o["kind"], clause=o["clause"], url=o.get("url"),
                       markers=tuple(phrase(m) for m in o.get("markers", ())), prefix=o.get("prefix"),
                       policy=o.get("policy"),
                       in_text=bool(o.get("in_text")))
            for o in data.get("obligations", ()))
        info = LicenseInfo(key=data["key"], name=data["name"], publisher=data.get("publisher"),
                           released=str(data["released"]) if data.get("released") else None,
                           url=data.get("url"), notice=data.get("notice"), attribution=data.get("attribution"),
                           category=data.get("category"), obligations=obligations, base=data["key"])
        licenses.append(info)
        entries = list(data.get("forms", ()))
        if info.notice:
            entries.append({"name": "notice", "start": info.notice})
        for entry in entries:
            version = entry.get("version")
            owner = info
            if entry.get("key"):
                owner = replace(info, key=entry["key"], name=f"{info.name} ({version})",
                                released=str(entry.get("released") or version))
                if all(other.key != owner.key for other in licenses):
                    licenses.append(owner)
            forms.append(Form(
                license=owner, name=entry["name"],
                label=entry.get("label") or (f"{info.name} ({version})" if version else info.name),
                start=phrase(entry["start"]), require=tuple(phrase(p) for p in entry.get("require", ())),
                end=phrase(entry.get("end", "")), max_words=entry.get("max_words"),
                tail=phrase(entry.get("tail", "")), tail_within=entry.get("tail_within", 0),
                score=float(entry.get("score", 1.0)),
            ))
    return tuple(licenses), tuple(forms)


def defined_licenses() -> dict[str, LicenseInfo]:
    return {info.key: info for info in _defined()[0]}


def same_terms(a: str, b: str) -> bool:
    """Whether two keys are the same license: equal, or dated versions of one (their `base`)."""
    if a == b:
        return True
    licenses = defined_licenses()
    return a in licenses and b in licenses and licenses[a].base == licenses[b].base


@lru_cache(maxsize=1)
def markers() -> frozenset[str]:
    """Every phrase whose presence shows an obligation met: use-policy references, "Built with"."""
    found = set()
    for info in _defined()[0]:
        if info.attribution:
            found.add(phrase(info.attribution))
        for obligation in info.obligations:
            found.update(obligation.markers)
    return frozenset(found)


def markers_in(text: NormalisedText) -> frozenset[str]:
    return frozenset(m for m in markers() if text.find(m) is not None)


_DOCUMENTS = ("text", "use-policy")  # forms that are whole documents: without an end found, they run on


def _match_form(text: NormalisedText, form: Form) -> list[PhraseMatch]:
    found = []
    position = 0
    while (start := text.find(form.start, position)) is not None:
        limit = start + form.max_words if form.max_words else None
        cursor = start + len(form.start.split())
        complete = True
        for required in form.require:
            at = text.find(required, cursor, limit)
            if at is None:
                complete = False
                break
            cursor = at + len(required.split())
        if complete:
            last = cursor - 1
            end = text.find(form.end, cursor, limit) if form.end else None
            if end is not None:
                last = end + len(form.end.split()) - 1
                tail = text.find(form.tail, last + 1, last + 1 + form.tail_within) if form.tail else None
                if tail is not None:
                    last = tail + len(form.tail.split()) - 1
            found.append(PhraseMatch(form, start, last, 1 + len(form.require) + (end is not None),
                                     open_end=form.name in _DOCUMENTS and end is None))
        position = start + 1
    return found


def match_phrases(text: NormalisedText) -> list[PhraseMatch]:
    """Non-overlapping phrase matches in text order; of overlapping ones the most specific wins."""
    candidates = [m for form in _defined()[1] for m in _match_form(text, form)]
    candidates.sort(key=lambda m: (-m.phrases, -m.form.score, m.first, m.form.license.key))
    taken: list[PhraseMatch] = []
    for match in candidates:
        if not any(match.first <= t.last and t.first <= match.last for t in taken):
            taken.append(match)
    taken.sort(key=lambda m: m.first)
    # A text form whose end was not found runs until the next match or the end of the text.
    for i, match in enumerate(taken):
        if match.open_end:
            stop = taken[i + 1].first - 1 if i + 1 < len(taken) else len(text.words) - 1
            taken[i] = PhraseMatch(match.form, match.first, max(match.last, stop), match.phrases, False)
    return taken
