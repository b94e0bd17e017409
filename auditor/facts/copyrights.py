"""Copyright statements: "Copyright (c) 2023 DeepSeek", "© 2024 Alibaba Cloud. All rights reserved."."""

from __future__ import annotations

import re

from auditor.facts.normalise import git_lines
from auditor.model import Copyright

_MARK = re.compile(r"(?:\bcopyright\b|©|\(c\))", re.IGNORECASE)
_SIGN = re.compile(r"(?:copyright\s*)?(?:©|\(c\))", re.IGNORECASE)
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
_RESERVED = re.compile(r"\s*(?:all|some) rights reserved\b\.?", re.IGNORECASE)
# Where a statement ends inside a line: a quote or markup closing around it, a clause separator.
_STOP = re.compile(r"[\"“”«»`<;|]|\s[-–—]\s")
# A period after these belongs to the name ("Meta Platforms, Inc."), not to the sentence.
_ABBREVIATIONS = frozenset(re.findall(
    r"\S+", "inc ltd co corp llc l.l.c plc gmbh ag s.a sa s.l b.v bv n.v nv pty pte k.k kk jr sr st dr mr ms "
    "et al e.v a.s oy ab spa s.p.a u.s"))
# "Copyright Zhengxiao Du": with neither year nor sign, only a line that opens with "Copyright" and a
# capitalised name of a few words is a statement; these words after it make it a heading or prose.
_NOT_A_NAME = frozenset(re.findall(
    r"\S+", "notice notices license licence licenses law laws act grant policy treaty office holder holders "
    "owner owners statement information protection infringement claims agent disclaimer terms and or of to "
    "the for in is by"))
_MAX_STATEMENT = 300


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
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def _sentence_end(text: str) -> int:
    """Where the statement that `text` opens ends: a sentence's period (not an abbreviation's), a
    closing quote or a clause separator, whichever comes first; "All rights reserved." is cut off."""
    stop = _STOP.search(text)
    limit = min(stop.start() if stop else len(text), _MAX_STATEMENT)
    for period in re.finditer(r"\.(?=\s|$)", text[:limit]):
        word = re.search(r"([\w.]+)$", text[:period.start()])
        rest = text[period.end():limit]
        if word and word.group(1).lower() in _ABBREVIATIONS:
            # "Inc. All rights reserved." ends after "Inc."; "Inc. team" runs on; "Inc. The ..." ends.
            if _RESERVED.match(rest) or re.match(r"\s+[A-Z]", rest) and not re.match(r"\s+[A-Z][\w.]*\.", rest):
                return period.end()
            continue
        return period.start()
    reserved = _RESERVED.search(text[:limit])
    return reserved.start() if reserved else limit


def _balanced(statement: str) -> str:
    """Trailing punctuation off, and a closing bracket only where it closes nothing."""
    statement = statement.rstrip(" ,:'’")
    while statement and statement[-1] in ")]" and statement.count(statement[-1]) > statement.count(
            "(" if statement[-1] == ")" else "["):
        statement = statement[:-1].rstrip(" ,:'’")
    return statement


def _statement_at(line: str, start: int, at_line_start: bool) -> str | None:
    text = line[start:]
    statement = _balanced(text[:_sentence_end(text)])
    if _PLACEHOLDER.search(statement) or _PROSE.search(statement):
        return None
    # Without a year only a copyright sign makes it a statement: "(c)" alone is as often a list item.
    if _YEAR.search(statement) or re.match(r"©|copyright\s*(?:©|\(c\))", statement, re.IGNORECASE):
        return statement
    # No year, no sign: "Copyright Zhengxiao Du" at the start of a line, and nothing longer.
    words = statement.split()[1:]
    if (at_line_start and statement.startswith(("Copyright", "COPYRIGHT")) and 1 <= len(words) <= 8
            and words[0][:1].isupper() and not {w.lower().strip(",.") for w in words} & _NOT_A_NAME):
        return statement
    return None


def find_copyrights(text: str) -> list[Copyright]:
    found = []
    for number, raw in enumerate(git_lines(text), start=1):
        if not _MARK.search(raw):
            continue
        line = _LEAD.sub("", raw).rstrip()
        position = 0
        while (mark := _MARK.search(line, position)) is not None:
            # Mid-line, only a copyright sign or a year right after the word makes it a statement
            # ("the WIPO Copyright Treaty" is prose; "MIT License Copyright (c) 2023 X" is not).
            if mark.start() > 0 and not (_SIGN.match(line, mark.start())
                                         or _YEAR.match(line, mark.end() + 1)):
                position = mark.end()
                continue
            statement = _statement_at(line, mark.start(), mark.start() == 0)
            if statement is None:
                position = mark.end()
                continue
            position = mark.start() + max(len(statement), 1)
            holder = _YEAR.sub(" ", _MARK.sub(" ", statement))
            holder = re.sub(r"^[\s,.:;-]*(?:by\b)?", "", holder)
            holder = " ".join(holder.split()).strip(" ,;:")
            if not holder:
                continue
            # One holder string: splitting on commas would break "Meta Platforms, Inc.".
            found.append(Copyright(statement=statement, holders=(holder,),
                                   years=tuple(y.replace(" ", "") for y in _YEAR.findall(statement)), line=number))
    return found
