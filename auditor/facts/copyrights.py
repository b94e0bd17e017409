"""Copyright statements: "Copyright (c) 2023 DeepSeek", "© 2024 Alibaba Cloud. All rights reserved."."""

from __future__ import annotations

import re
from bisect import bisect_left

from auditor.facts.normalise import git_lines, phrase
from auditor.model import Copyright

_MARK = re.compile(r"(?:\bcopyright\b|©|\(c\))", re.IGNORECASE)
_SIGN = re.compile(r"(?:copyright\s*)?(?:©|\(c\))", re.IGNORECASE)
_LEADING_SIGN = re.compile(r"©|copyright\s*(?:©|\(c\))", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d\d(?:\s*[-–]\s*(?:(?:19|20)\d\d|present))?\b", re.IGNORECASE)
_LEAD = re.compile(r"^[\s#*/;!>\-–|]*")
_PLACEHOLDER = re.compile(r"\[yyyy\]|\[year\]|<year>|\{year\}|\[name of copyright owner\]|\[fullname\]",
                          re.IGNORECASE)
# License prose that mentions copyright without being a statement of it.
_PROSE = re.compile(
    r"copyright (?:notice|holders?|owners?|license|law|and license|statement|protection|"
    r"infringement|interest|or other)|by copyright|under copyright|of copyright",
    re.IGNORECASE,
)
_RESERVED = re.compile(r"\b(?:all|some) rights reserved\b", re.IGNORECASE)
# Where a statement ends inside a line: a quote or markup closing around it, a clause separator. A
# "<" opens markup ("</p>"), unless it brackets the holder's e-mail or web address, which stays.
_CONTACT = r"<(?:[^\s<>@]+@[^\s<>]+|https?://[^\s<>]+)>"
_STOP = re.compile(rf"[\"“”«»`;|]|<(?!{_CONTACT[1:]})|\s[-–—]\s")
_PERIOD = re.compile(r"\.(?=\s|$|[\"“”«»`’'])")  # a period before a closing quote ends it too
_WORD_BEFORE = re.compile(r"[\w.]+$")
_CAPITAL_NEXT = re.compile(r"\s+[A-Z]")
_ABBREVIATED_NEXT = re.compile(r"\s+[A-Z][\w.]*\.")
# A period after these belongs to the name ("Meta Platforms, Inc."), not to the sentence.
_ABBREVIATIONS = frozenset(re.findall(
    r"\S+", "inc ltd co corp llc l.l.c plc gmbh ag s.a sa s.l b.v bv n.v nv pty pte k.k kk jr sr st dr mr ms "
    "et al e.v a.s oy ab spa s.p.a u.s"))
_LONGEST_ABBREVIATION = max(map(len, _ABBREVIATIONS))
# "Copyright Zhengxiao Du": with neither year nor sign, only a line that opens with "Copyright" and a
# capitalised name of a few words is a statement; these words after it make it a heading or prose
# ("Copyright Notice", "Copyright Licensing Agency").
_NOT_A_NAME = frozenset(re.findall(
    r"\S+", "notice notices license licence licenses licensing law laws act grant policy treaty office holder "
    "holders owner owners ownership statement information info protection protected infringement claims "
    "agent agency board royalty royalties clearance center centre society directive regulation regulations "
    "rules reform exception exceptions registration status symbol page year years date text line header "
    "complaint complaints takedown issues concerns matters violation violations reserved free material "
    "materials work works compliance requirements notification dispute disputes attribution rights "
    "permission permissions credits details section clause trademark trademarks note notes terms term "
    "duration restrictions questions faq disclaimer and or of to the for in is by"))
_MAX_STATEMENT = 300
# How far past its last mark a line is read (a statement is at most _MAX_STATEMENT long), and how much
# of a next line is read for the end of a statement left open.
_WINDOW = _MAX_STATEMENT + 100
# "Portions Copyright (c) 2020 X": the word before the mark belongs to the statement.
_PORTIONS = re.compile(r"\b(?:portions|parts)\s+$", re.IGNORECASE)
# A statement that ends in one of these at the end of its line goes on on the next one:
# "Copyright 2022 EleutherAI and" / "the HuggingFace Inc. team".
_DANGLING = re.compile(r"(?:\s(?:and|&|by)|,)$", re.IGNORECASE)
_MAX_CONTINUATION_WORDS = 10
# A statement with no holder yet ("Copyright (c) 2015-2019"), or one that ends in a comma, takes the
# next line only if it reads as a name: every word capitalised or one of these ("The Foo Authors",
# not "Permission is granted"), or after a comma an "and ..." ("Example Labs," / "and contributors").
_NAME_CONNECTORS = frozenset(("and", "&", "of", "the", "de", "van", "von", "der", "du", "la", "da"))
# What in a statement is not its holder: e-mail and web addresses, and a clause on where the holders
# are listed ("the respective contributors, as shown by the AUTHORS file").
_CONTACT_IN_HOLDER = re.compile(rf"{_CONTACT}|\((?:[^\s()@]+@[^\s()]+|https?://[^\s()]+)\)|\S+@\S+\.\w+|"
                                r"https?://\S+")
_HOLDER_CLAUSE = re.compile(r",\s+(?:as (?:shown|listed|found|named)|see|which|who)\b.*$", re.IGNORECASE)


# Words that do not change who the holder is: "Inc." vs "Inc. and its affiliates", "Ltd".
_HOLDER_NOISE = re.compile(
    r"\b(?:and(?:/or)?\s+(?:its\s+|their\s+)?affiliates?|&\s*affiliates?|all rights reserved|"
    r"inc|incorporated|ltd|limited|llc|l\.l\.c|co|corp|corporation|gmbh|ag|s\.?a|plc|pte|b\.?v)\b\.?",
    re.IGNORECASE)


def holder_identity(copyright: Copyright) -> str:
    """Who a copyright line attributes, as a comparable key: a year bump, (c) vs ©, "All Rights
    Reserved" or "Inc." vs "Inc. and affiliates" leave the same holder."""
    text = re.sub(r"<[^>]*>?|https?://\S+|\S+@\S+", " ", " ".join(copyright.holders))
    text = _MARK.sub(" ", text)
    text = _YEAR.sub(" ", text)
    text = _HOLDER_NOISE.sub(" ", text)
    return phrase(text)


def _abbreviation_before(text: str, end: int) -> bool:
    """Whether the word ending at `end` is one of _ABBREVIATIONS (looked at over a few characters only)."""
    start = max(0, end - _LONGEST_ABBREVIATION - 1)
    word = _WORD_BEFORE.search(text, start, end)
    if word is None or (word.start() == start and start > 0):
        return False  # no word, or one longer than any abbreviation
    return word.group().lower() in _ABBREVIATIONS


class _Spans:
    """The non-overlapping matches of one pattern in a line, found in one pass: "is there one inside
    [start, end)" is then a bisection, not a regex run per copyright mark."""

    def __init__(self, pattern: re.Pattern[str], line: str, start: int, end: int) -> None:
        matches = [(m.start(), m.end()) for m in pattern.finditer(line, start, end)]
        self.starts = [a for a, _b in matches]
        self.ends = [b for _a, b in matches]

    def first_start(self, start: int) -> int | None:
        i = bisect_left(self.starts, start)
        return self.starts[i] if i < len(self.starts) else None

    def inside(self, start: int, end: int) -> bool:
        i = bisect_left(self.starts, start)
        return i < len(self.starts) and self.ends[i] <= end


class _Line:
    """One line, every pattern a statement depends on matched once over the part where statements
    can be (from its first copyright mark to _WINDOW past its last). Each mark then costs a few
    bisections, so a line of any length (a one-line NOTICE.json, a hostile file) is read in linear
    time."""

    def __init__(self, text: str, whole: bool = False) -> None:
        self.text = text
        self.marks = [(m.start(), m.end()) for m in _MARK.finditer(text)]
        if whole:  # a line read for what carries on a statement: it has no mark of its own
            lo, hi = 0, len(text)
        else:
            lo, hi = (self.marks[0][0], self.marks[-1][0] + _WINDOW) if self.marks else (0, 0)
        self.stops = _Spans(_STOP, text, lo, hi)
        self.reserved = _Spans(_RESERVED, text, lo, hi)
        self.years = _Spans(_YEAR, text, lo, hi)
        self.prose = _Spans(_PROSE, text, lo, hi)
        self.placeholders = _Spans(_PLACEHOLDER, text, lo, hi)
        # Where a sentence ends at a period: before a sentence's period, after an abbreviation's
        # when a new sentence follows ("Inc. The ..."; "Inc. team" runs on, "Inc. S.A." too).
        ends = []
        for period in _PERIOD.finditer(text, lo, hi):
            if not _abbreviation_before(text, period.start()):
                ends.append(period.start())
            elif _CAPITAL_NEXT.match(text, period.end()) and not _ABBREVIATED_NEXT.match(text, period.end()):
                ends.append(period.end())
        self.sentence_ends = ends

    def end_of(self, start: int) -> int:
        """Where the statement opening at `start` ends: a sentence end, a closing quote or clause
        separator, or "All rights reserved", whichever comes first."""
        limit = min(len(self.text), start + _MAX_STATEMENT)
        for candidate in (self.stops.first_start(start), self.reserved.first_start(start)):
            if candidate is not None:
                limit = min(limit, candidate)
        i = bisect_left(self.sentence_ends, start)
        if i < len(self.sentence_ends):
            limit = min(limit, self.sentence_ends[i])
        return limit

    def statement_at(self, start: int) -> tuple[str, bool]:
        """The statement opening at `start`, and whether it runs to the end of the line."""
        end = self.end_of(start)
        return _balanced(self.text[start:end]), end >= len(self.text)

    def accepted(self, start: int, statement: str) -> bool:
        end = start + len(statement)
        if self.placeholders.inside(start, end) or self.prose.inside(start, end):
            return False
        # Without a year only a copyright sign makes it a statement: "(c)" alone is as often a list item.
        if self.years.inside(start, end) or _LEADING_SIGN.match(statement):
            return True
        # No year, no sign: "Copyright Zhengxiao Du" at the start of a line, and nothing longer.
        words = statement.split()[1:]
        return (start == 0 and statement.startswith(("Copyright", "COPYRIGHT")) and 1 <= len(words) <= 8
                and words[0][:1].isupper() and not {w.lower().strip(",.") for w in words} & _NOT_A_NAME)


_TRAILING = frozenset(" ,:'’*([{")
_CLOSERS = {")": "(", "]": "["}


def _balanced(statement: str) -> str:
    """Trailing punctuation and emphasis off, an opening bracket that opens nothing, and a closing
    bracket only where it closes nothing. One pass from the end: bounded by what it strips."""
    surplus = {c: statement.count(c) - statement.count(o) for c, o in _CLOSERS.items()}
    end = len(statement)
    while end:
        char = statement[end - 1]
        if char in _TRAILING:
            for closer, opener in _CLOSERS.items():
                surplus[closer] += char == opener
        elif surplus.get(char, 0) > 0:
            surplus[char] -= 1
        else:
            break
        end -= 1
    return statement[:end]


def _holder(statement: str) -> str:
    holder = _CONTACT_IN_HOLDER.sub(" ", statement)
    holder = _YEAR.sub(" ", _MARK.sub(" ", holder))
    holder = re.sub(r"^[\s,.:;-]*(?:(?:portions|parts)\b)?[\s,.:;-]*(?:by\b)?", "", holder, flags=re.IGNORECASE)
    holder = _HOLDER_CLAUSE.sub("", " ".join(holder.split()))
    return _balanced(holder.strip(" ,;:"))


def _continuation(lines: list[str], index: int, name_only: bool, after_comma: bool) -> str | None:
    """The part of line `index` that carries on a statement left open on the line before it."""
    if index >= len(lines):
        return None
    text = _LEAD.sub("", lines[index][:_WINDOW]).rstrip()
    if not text or _MARK.search(text):
        return None
    part, _to_line_end = _Line(text, whole=True).statement_at(0)
    words = part.split()
    if not 1 <= len(words) <= _MAX_CONTINUATION_WORDS:
        return None
    if name_only and not all(w[:1].isupper() or not w[:1].isalpha() or w.lower() in _NAME_CONNECTORS
                             for w in words) and not (after_comma and words[0].lower() in ("and", "&")):
        return None
    return part


def find_copyrights(text: str) -> list[Copyright]:
    found = []
    lines = git_lines(text)
    for number, raw in enumerate(lines, start=1):
        if not _MARK.search(raw):
            continue
        line = _Line(_LEAD.sub("", raw).rstrip())
        position = 0
        for start, mark_end in line.marks:
            if start < position:
                continue  # inside the statement found before it
            # Mid-line, only a copyright sign or a year right after the word makes it a statement
            # ("the WIPO Copyright Treaty" is prose; "MIT License Copyright (c) 2023 X" is not).
            if start > 0 and not (_SIGN.match(line.text, start) or _YEAR.match(line.text, mark_end + 1)):
                continue
            statement, to_line_end = line.statement_at(start)
            if not line.accepted(start, statement):
                continue
            position = start + max(len(statement), 1)
            holder = _holder(statement)
            tail = line.text[-6:]
            if to_line_end and (_DANGLING.search(tail) or not holder):
                after_comma = tail.endswith(",")
                following = _continuation(lines, number, name_only=not holder or after_comma,
                                          after_comma=after_comma)
                if following is not None:
                    statement = f"{statement}{',' if after_comma else ''} {following}"
                    holder = _holder(statement)
            statement = _DANGLING.sub("", statement).rstrip()
            holder = _DANGLING.sub("", holder).rstrip()
            if not holder:
                continue
            portions = _PORTIONS.search(line.text, max(0, start - 12), start)
            if portions:
                statement = line.text[portions.start():start] + statement
            # One holder string: splitting on commas would break "Meta Platforms, Inc.".
            found.append(Copyright(statement=statement, holders=(holder,),
                                   years=tuple(y.replace(" ", "") for y in _YEAR.findall(statement)), line=number))
    return found
