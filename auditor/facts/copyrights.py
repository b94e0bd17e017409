"""Copyright statements: "Copyright (c) 2023 DeepSeek", "© 2024 Alibaba Cloud. All rights reserved."."""

from __future__ import annotations

import re

from auditor.model import Copyright

_MARK = re.compile(r"(?:\bcopyright\b|©|\(c\))", re.IGNORECASE)
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
_TAIL = re.compile(r"[\s.,;]*(?:all rights reserved\.?|some rights reserved\.?)\s*$", re.IGNORECASE)


def normalise_statement(statement: str) -> str:
    """Comparable form: case, spacing and the (c)/© spelling do not matter."""
    text = _MARK.sub("copyright", statement.lower())
    text = re.sub(r"\bcopyright(?:\s+copyright)+\b", "copyright", text)
    return " ".join(re.findall(r"[a-z0-9]+", text))


def find_copyrights(text: str) -> list[Copyright]:
    found = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if len(raw) > 400 or not _MARK.search(raw):
            continue
        line = _LEAD.sub("", raw).strip()
        mark = _MARK.search(line)
        if mark is None:
            continue
        # "MIT License Copyright (c) 2023 X" and notice strings carry the statement mid-line; mid-line,
        # only a copyright sign makes it one ("the WIPO Copyright Treaty" is prose).
        if mark.start() > 0 and not re.match(r"(?:copyright\s*)?(?:©|\(c\))", line[mark.start():], re.IGNORECASE):
            continue
        line = line[mark.start():]
        if _PLACEHOLDER.search(line) or _PROSE.search(line):
            continue
        years = tuple(y.replace(" ", "") for y in _YEAR.findall(line))
        # Without a year only a copyright sign makes it a statement: "(c)" alone is as often a
        # list item, and "copyright," alone is license prose.
        if not years and not re.search(r"©|copyright\s*\(c\)", line, re.IGNORECASE):
            continue
        statement = _TAIL.sub("", line.rstrip(" \"'”’)]")).strip()
        holder_text = _MARK.sub(" ", statement)
        holder_text = _YEAR.sub(" ", holder_text)
        holder_text = re.sub(r"^[\s,.:;-]*(?:by\b)?", "", holder_text).strip(" ,.;:")
        holder = holder_text.strip(" .")
        if not holder:
            continue
        # One holder string: splitting on commas would break "Meta Platforms, Inc.".
        found.append(Copyright(statement=statement, holders=(holder,), years=years, line=number))
    return found
