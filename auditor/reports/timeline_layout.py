"""Where the HTML report draws the license history (templates/timeline.html.j2): pure functions from the
audit's timeline events, attribution gaps and their weight uploads to positioned marks, nothing judged.

One layout, two projections of it:
- an SVG for wide screens and paper: a lane per file, time left to right, the audited revision at the
  right edge. Long quiet stretches are cut out of the axis (a break marker that names the elided
  duration) only as far as needed for every exposure window to keep a readable width, so that a day
  out of months of history shows and carries its duration label. Marks that would collide at the
  drawn scale (the same minute, or just too close) stack in their lane instead of overlapping.
- a list for narrow screens (see `rows`): at 390 px any drawing of the whole history scales its text
  below 6 px, and a drawing that keeps its text size needs horizontal scrolling. A list keeps the
  page's own text size, wraps long paths, and cannot overflow; it keeps the same reading: the same
  breaks as "58 days later" rows, and each exposure window as a labelled band around its entries.

Text widths are estimated from DejaVu Sans (Debian's system-ui, the widest common fallback) so that
layout stays a pure function; the browser tests measure what Chromium actually draws.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from auditor.model import Commit, Facts, Gap, TimelineEvent, WeightUpload

WIDTH = 760  # viewBox width: at A4 print width (about 690 px) 12 px text prints at about 8 pt
LANE_LABEL_WIDTH = 184
X0 = LANE_LABEL_WIDTH + 22  # plot area, left edge: the oldest event
X1 = WIDTH - 16  # plot area, right edge: the audited revision
FONT = 12  # every SVG text
ROW = 20  # one stacked row of marks within a lane
LANE_GAP = 8
LABEL_ROW = 18  # one row of window labels above the lanes
MAX_LABEL_ROWS = 3
MARK_RADIUS = 6
LABEL_OFFSET = 10  # from a mark's centre to its label
MIN_GAP = 4  # between two marks' footprints (mark + label) in the same row
MIN_WINDOW = 96  # drawn width every exposure window should get
MIN_BREAK = 44  # drawn width of a break marker (wider when its label needs it)
TICK_SPACING = 10  # between two tick labels

MINUTE, HOUR, DAY = 60, 3600, 86400


# -- text --------------------------------------------------------------------------------------------

def text_width(text: str, size: float = FONT) -> float:
    """Estimated advance width of `text` in DejaVu Sans at `size` px (rounded up per class of glyph)."""
    total = 0.0
    for char in text:
        if char in "Iil.,:;'!|·":
            total += 0.32
        elif char in " fjrt()[]/-":
            total += 0.42
        elif char in "mwMW…":
            total += 1.0
        elif char.isupper():
            total += 0.70
        else:
            total += 0.65
    return total * size


def fit(text: str, width: float, size: float = FONT) -> str:
    """`text` cut with an ellipsis to fit `width`."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def duration_label(seconds: float) -> str:
    """A duration as a reviewer says it: "40 min", "12 h", "11 h 40 min", "1 day 4 h", "58 days"."""
    minutes = round(seconds / MINUTE)
    if minutes < 1:
        return "under 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h" + (f" {rest} min" if rest else "")
    days, hours = divmod(round(seconds / HOUR), 24)
    if days < 7:
        return f"{days} day{'s' if days > 1 else ''}" + (f" {hours} h" if hours else "")
    return f"{round(seconds / DAY)} days"


def _utc(stamp: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc)


def when(stamp: int) -> str:
    return _utc(stamp).strftime("%Y-%m-%d %H:%M")


# -- the time axis -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scale:
    """Drawn positions (0 .. length) of the sorted distinct times; breaks are intervals cut out."""

    times: tuple[int, ...]
    positions: tuple[float, ...]
    breaks: frozenset[int]  # i: the interval times[i] .. times[i + 1] is drawn as a break
    per_second: float  # drawn length of a second on the linear stretches

    def at(self, stamp: int) -> float:
        return self.positions[bisect.bisect_left(self.times, stamp)]

    def cut(self, start: int, end: int) -> bool:
        """Whether a break lies between two of the times."""
        first, last = bisect.bisect_left(self.times, start), bisect.bisect_left(self.times, end)
        return any(first <= i < last for i in self.breaks)


def _break_width(seconds: int) -> float:
    return max(MIN_BREAK, text_width(duration_label(seconds)) + 12)


def _place(times: Sequence[int], length: float, cut: float, per_second: float | None = None) -> Scale:
    """Intervals longer than `cut` seconds become breaks; the others share what is left linearly,
    at `per_second` if given: then what the linear stretches leave goes to the breaks, by duration."""
    if len(times) == 1:  # one moment: the audited revision, at the right edge
        return Scale(tuple(times), (length,), frozenset(), 0.0)
    gaps = [b - a for a, b in pairwise(times)]
    breaks = frozenset(i for i, d in enumerate(gaps) if d > cut)
    widths = {i: _break_width(gaps[i]) for i in breaks}
    linear = sum(d for i, d in enumerate(gaps) if i not in breaks)
    room = length - sum(widths.values())
    if per_second is not None and breaks and per_second * linear < room:
        spare, cut_time = room - per_second * linear, sum(gaps[i] for i in breaks)
        widths = {i: w + spare * gaps[i] / cut_time for i, w in widths.items()}
    else:
        per_second = room / linear
    positions, at = [0.0], 0.0
    for i, d in enumerate(gaps):
        at += widths[i] if i in breaks else d * per_second
        positions.append(round(at, 1))
    return Scale(tuple(times), tuple(positions), breaks, per_second)


MAX_CUTS = 200  # distinct cut lengths tried: a long history samples them, still deterministic


def compress(times: Iterable[int], windows: Iterable[tuple[int, int]], length: float = X1 - X0,
             min_window: float = MIN_WINDOW) -> Scale:
    """The time axis: linear if every window gets `min_window`; otherwise the longest intervals are
    cut to break markers, longest first, until every window does (or as close as it gets). Intervals
    no longer than the shortest window are never cut, so the window itself stays to scale."""
    times = sorted(set(times))
    spans = [(min(a, b), max(a, b)) for a, b in windows]
    spans = [(a, b) for a, b in spans if b > a]  # a window of no time is drawn at its minimum width
    linear = _place(times, length, float("inf"))
    if not spans:
        return linear
    shortest = min(b - a for a, b in spans)

    def narrowest(scale: Scale) -> float:
        return min(scale.at(b) - scale.at(a) for a, b in spans)

    cuts = sorted({b - a for a, b in pairwise(times) if b - a > shortest}, reverse=True)[1:] + [shortest]
    if len(cuts) > MAX_CUTS:
        cuts = [cuts[i * (len(cuts) - 1) // (MAX_CUTS - 1)] for i in range(MAX_CUTS)]
    best, best_cut = linear, float("inf")
    for cut in cuts:
        if narrowest(best) >= min_window:
            break
        scale = _place(times, length, cut)
        if scale.per_second <= 0:
            break  # the breaks alone would fill the axis
        if narrowest(scale) > narrowest(best):
            best, best_cut = scale, cut
    if best.breaks and narrowest(best) > 2 * min_window:
        # room to spare: the linear stretches keep twice what the window needs, the breaks get the rest
        best = _place(times, length, best_cut, best.per_second * 2 * min_window / narrowest(best))
    return best


# -- ticks -------------------------------------------------------------------------------------------

# (seconds, calendar months): steps a tick may take, finest first
_STEPS = ((HOUR, 0), (3 * HOUR, 0), (6 * HOUR, 0), (12 * HOUR, 0), (DAY, 0), (2 * DAY, 0), (7 * DAY, 0),
          (0, 1), (0, 3), (0, 6), (0, 12))


def _tick_label(stamp: int, step: int, months: int) -> str:
    moment = _utc(stamp)
    if months:
        return moment.strftime("%b %Y")
    if step >= DAY or (moment.hour, moment.minute) == (0, 0):
        return f"{moment.day} {moment:%b %Y}"
    return f"{moment.day} {moment:%b %H:%M}"


def _aligned(start: int, end: int, step: int, months: int) -> list[int]:
    """The round times from `start` to `end`: midnights, whole hours, Mondays, first of the month."""
    if months:
        moment = _utc(start).replace(day=1, hour=0, minute=0, second=0)
        found = []
        while (stamp := int(moment.timestamp())) <= end:
            if stamp >= start and (moment.month - 1) % months == 0:
                found.append(stamp)
            moment = moment.replace(year=moment.year + moment.month // 12, month=moment.month % 12 + 1)
        return found
    offset = 4 * DAY if step == 7 * DAY else 0  # weeks start on a Monday (1970-01-05)
    first = -(-(start - offset) // step) * step + offset
    return list(range(first, end + 1, step))


@dataclass(frozen=True)
class Tick:
    x: float
    label: str

    @property
    def label_x(self) -> float:
        """The label's centre: under the tick, moved in as far as the picture's edges need."""
        half = text_width(self.label) / 2
        return round(min(max(self.x, half + 2), WIDTH - half - 2), 1)


def ticks(scale: Scale, x0: float = X0) -> list[Tick]:
    """Date ticks on each linear stretch, at the finest round step whose labels do not collide;
    a stretch too short for any round time (a moment between two breaks) gets one tick at its start
    with the day and year. Never inside a break."""
    stretches, start = [], 0
    for i in range(len(scale.times)):
        if i in scale.breaks or i == len(scale.times) - 1:
            stretches.append((start, i))
            start = i + 1
    label_room = text_width("30 Sep 12:00") + TICK_SPACING  # the widest label a step gives
    step, months = next(((s, m) for s, m in _STEPS if (s or m * 30 * DAY) * scale.per_second >= label_room),
                        (0, 0))
    anchors, rounds = [], []
    if stretches[-1][0] == stretches[-1][1] and len(stretches) > 1:
        stretches.pop()  # the audited revision alone after a break: its own label gives the date
    for first, last in stretches:
        a, b = scale.times[first], scale.times[last]
        found = _aligned(a, b, step, months) if (step or months) and b > a else []
        base = x0 + scale.positions[first]
        placed = [Tick(round(base + (t - a) * scale.per_second, 1), _tick_label(t, step, months)) for t in found]
        if placed:
            rounds.extend(placed)
        else:  # the day, with its year: the exact time is in the marks' titles and the list
            anchors.append(Tick(x0 + scale.positions[first], _tick_label(a, DAY, 0)))
    kept: list[Tick] = []
    for tick in anchors + rounds:  # anchors first: every stretch keeps its date if it fits at all
        half = text_width(tick.label) / 2 + TICK_SPACING / 2
        if all(abs(tick.x - other.x) >= half + text_width(other.label) / 2 + TICK_SPACING / 2 for other in kept):
            kept.append(tick)
    return sorted(kept, key=lambda t: t.x)


# -- marks -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Point:
    """One thing that happened to one lane at one time."""

    stamp: int
    lane: str
    kind: str  # a TimelineEvent's event (EVENT_KINDS), or weights
    what: str  # the list's wording: path and licenses
    title: str  # tooltip: date, commit, what changed


@dataclass(frozen=True)
class Footprint:
    left: float
    right: float


def footprint(x: float, label: str, limit: float = X1) -> tuple[Footprint, str]:
    """The extent of a mark and its label, and the label's side: right of the mark unless it would
    cross the right edge (the audited revision)."""
    width = text_width(label)
    if x + LABEL_OFFSET + width <= limit - 2:
        return Footprint(x - MARK_RADIUS - 1, x + LABEL_OFFSET + width), "start"
    return Footprint(x - LABEL_OFFSET - width, x + MARK_RADIUS + 1), "end"


def stack(spans: Sequence[Footprint], gap: float = MIN_GAP) -> list[int]:
    """Row (0 = the lane's line) for each span, in the given order (left to right): the first row
    whose last span ends `gap` before this one starts. Same-minute marks therefore stack."""
    rows: list[float] = []
    chosen = []
    for span in spans:
        row = next((r for r, end in enumerate(rows) if end + gap <= span.left), len(rows))
        if row == len(rows):
            rows.append(span.right)
        rows[row] = span.right
        chosen.append(row)
    return chosen


# -- what the template draws -------------------------------------------------------------------------

@dataclass(frozen=True)
class Lane:
    y: float
    name: str  # fitted to the label column
    full: str


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    lane_y: float  # a stacked mark hangs from its lane's line
    kind: str  # also its label
    anchor: str  # start | end: the label's side
    label_x: float
    shape: str  # SVG path data
    title: str


@dataclass(frozen=True)
class Window:
    x: float
    y: float
    width: float
    height: float
    open: bool  # still absent at the audited revision
    label: str  # empty where it did not fit (Layout.unlabelled); the title has it
    label_x: float
    label_y: float
    title: str


@dataclass(frozen=True)
class Break:
    x0: float
    x1: float
    label: str


@dataclass(frozen=True)
class Row:
    """One line of the narrow-screen list."""

    kind: str  # a mark kind, or window | break | revision
    date: str
    head: str  # the line's first words, in bold: the kind, the window's duration
    text: str
    in_window: bool = False
    open: bool = False


@dataclass
class Layout:
    width: int
    height: float
    lanes: list[Lane] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    breaks: list[Break] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    plot_top: float = 0
    axis_y: float = 0
    lanes_x: float = X0 - 10  # where lane lines and the axis start
    unlabelled: int = 0  # windows whose label did not fit above them
    revision_x: float = X1
    revision_label: str = ""
    rows: list[Row] = field(default_factory=list)


def shape(kind: str, x: float, y: float) -> str:
    """SVG path data of a mark, centred on x, y: a shape per kind, so that it reads in grey print too."""
    r = MARK_RADIUS
    if kind in ("added", "restored"):
        return f"M {x - r} {y} a {r} {r} 0 1 0 {2 * r} 0 a {r} {r} 0 1 0 {-2 * r} 0 z"
    if kind == "removed":
        return f"M {x - r} {y - r} L {x + r} {y + r} M {x + r} {y - r} L {x - r} {y + r}"
    if kind == "replaced":
        return f"M {x} {y - r - 1} L {x + r + 1} {y} L {x} {y + r + 1} L {x - r - 1} {y} z"
    if kind == "moved":
        return f"M {x - r} {y - r} L {x + r} {y} L {x - r} {y + r} z"
    if kind == "weights":
        return f"M {x} {y - r - 1} L {x + r + 1} {y + r} L {x - r - 1} {y + r} z"
    return f"M {x - r + 1} {y - r + 1} h {2 * r - 2} v {2 * r - 2} h {2 - 2 * r} z"  # modified


def _parse(date: str | None) -> int | None:
    if not date:
        return None
    return int(datetime.datetime.fromisoformat(date.replace("Z", "+00:00")).timestamp())


def points(events: Iterable[TimelineEvent], uploads: Iterable[WeightUpload]) -> list[Point]:
    found = []
    for event in events:
        card = event.change == "card-license-changed"
        lane = f"{event.path} (card license)" if card else event.path
        before = ", ".join(event.licenses_before) or "none"
        after = ", ".join(event.licenses_after) or "none"
        moved = f" (from {event.from_path})" if event.from_path else ""
        found.append(Point(event.commit.timestamp, lane, event.event, f"{lane}{moved}: {before} → {after}",
                           f"{when(event.commit.timestamp)} {event.commit.sha[:12]} {event.event}: "
                           f"{before} → {after}. {event.commit.title}"))
    for upload in uploads:
        found.append(Point(upload.commit.timestamp, "weight uploads", "weights", ", ".join(upload.paths),
                           f"{when(upload.commit.timestamp)} {upload.commit.sha[:12]} weights uploaded: "
                           f"{', '.join(upload.paths)}. {upload.commit.title}"))
    return found


@dataclass(frozen=True)
class Exposure:
    start: int
    end: int  # the restore, or the audited revision
    open: bool
    what: str  # the items absent, as a person names them
    label: str  # "exposed 1 day 4 h"


def exposures(gaps: Iterable[Gap], revision: int) -> list[Exposure]:
    """One window per (removal, restore): items that left and came back together share it."""
    spans: dict[tuple[str, str | None], list[Gap]] = {}
    for gap in gaps:
        spans.setdefault((gap.removed.commit.sha, gap.restored.commit.sha if gap.restored else None), []).append(gap)
    found = []
    for group in spans.values():
        first = group[0]
        start = first.removed.commit.timestamp
        end = first.restored.commit.timestamp if first.restored else revision
        start, end = min(start, end), max(start, end)
        label = f"exposed {duration_label(end - start)}" + (", still open" if first.restored is None else "")
        what = "; ".join(dict.fromkeys(g.item.label for g in sorted(group, key=lambda g: g.item.kind != "license")))
        found.append(Exposure(start, end, first.restored is None, what, label))
    return found


def layout(events: Sequence[TimelineEvent], gaps: Sequence[Gap], revision: Commit | None = None) -> Layout | None:
    """The timeline's drawing and list. `revision`: the audited commit (its sha and time), drawn at the
    right edge; without it the newest event stands for it."""
    uploads = list({u.commit.sha: u for gap in gaps for u in gap.weight_uploads}.values())
    marks = points(events, uploads)
    if not marks:
        return None
    end = max([p.stamp for p in marks] + ([revision.timestamp] if revision else []))
    found = exposures(gaps, end)
    scale = compress([p.stamp for p in marks] + [w.start for w in found] + [end], [(w.start, w.end) for w in found])
    x = {stamp: round(X0 + position, 1) for stamp, position in zip(scale.times, scale.positions, strict=True)}
    view = Layout(width=WIDTH, height=0)

    # window labels in rows above the lanes (row 0 nearest), centred on their window, stacked like marks
    centres = []
    for window in found:
        half = text_width(window.label) / 2
        centres.append(min(max((x[window.start] + x[window.end]) / 2, half + 2), WIDTH - half - 2))
    order = sorted(range(len(found)), key=lambda i: (centres[i], i))
    spans = [Footprint(centres[i] - text_width(found[i].label) / 2, centres[i] + text_width(found[i].label) / 2)
             for i in order]
    label_row = dict(zip(order, stack(spans, gap=8), strict=True))
    # Many windows close together would stack their labels into a tall block far from them: past a few
    # rows a window keeps its duration in its tooltip and the list, and the caption says so.
    unlabelled = {i for i, row in label_row.items() if row >= MAX_LABEL_ROWS}
    view.unlabelled = len(unlabelled)
    top = view.plot_top = 6 + LABEL_ROW * (min(max(label_row.values(), default=-1), MAX_LABEL_ROWS - 1) + 1)

    # a lane per file in order of first appearance; marks left to right, stacked where they collide
    lanes: dict[str, list[Point]] = {}
    for point in marks:
        lanes.setdefault(point.lane, []).append(point)
    y = top + 14
    for name, members in lanes.items():
        members.sort(key=lambda p: p.stamp)
        placed = [footprint(x[p.stamp], p.kind) for p in members]
        stacked = stack([span for span, _side in placed])
        view.lanes.append(Lane(y, fit(name, LANE_LABEL_WIDTH - 8), name))
        for point, (_span, side), row in zip(members, placed, stacked, strict=True):
            mx, my = x[point.stamp], y + row * ROW
            view.marks.append(Mark(mx, my, y, point.kind, side,
                                   mx + LABEL_OFFSET if side == "start" else mx - LABEL_OFFSET,
                                   shape(point.kind, mx, my), point.title))
        y += max(stacked) * ROW + ROW + LANE_GAP
    last_row = y - ROW - LANE_GAP
    view.axis_y = last_row + (28 if scale.breaks else 14)  # break labels sit above the axis

    for number, window in enumerate(found):
        view.windows.append(Window(
            x[window.start], top, max(x[window.end] - x[window.start], 3), view.axis_y - top, window.open,
            "" if number in unlabelled else window.label, round(centres[number], 1),
            top - 5 - LABEL_ROW * label_row[number],
            f"{window.label}: {window.what} absent from {when(window.start)} to "
            + ("the audited revision" if window.open else when(window.end))))
    for i in sorted(scale.breaks):
        a, b = scale.times[i], scale.times[i + 1]
        view.breaks.append(Break(x[a], x[b], duration_label(b - a)))
    view.ticks = ticks(scale)
    view.revision_x = x[end]
    sha = revision.sha[:12] if revision else "newest event"
    view.revision_label = f"audited revision {sha} · {when(end)}"
    view.height = view.axis_y + 44
    view.rows = rows(marks, found, scale, end, sha)
    return view


def rows(marks: Sequence[Point], windows: Sequence[Exposure], scale: Scale, end: int, sha: str) -> list[Row]:
    """The narrow-screen list: oldest first, each window's heading before its first entry, entries
    inside a window marked, and the drawing's breaks as "N days later" rows."""
    found: list[Row] = []
    opened: set[int] = set()
    previous = None
    for point in sorted(marks, key=lambda p: p.stamp):
        if previous is not None and scale.cut(previous, point.stamp):
            found.append(Row("break", "", "", f"{duration_label(point.stamp - previous)} later"))
        for number, window in enumerate(windows):
            if number not in opened and window.start <= point.stamp:
                opened.add(number)
                until = "still absent at the audited revision" if window.open else f"until {when(window.end)}"
                found.append(Row("window", when(window.start), window.label, f"{window.what} absent, {until}",
                                 in_window=True, open=window.open))
        inside = [w for w in windows if w.start <= point.stamp <= w.end]
        found.append(Row(point.kind, when(point.stamp), point.kind, point.what, in_window=bool(inside),
                         open=any(w.open for w in inside)))
        previous = point.stamp
    if previous is not None and scale.cut(previous, end):
        found.append(Row("break", "", "", f"{duration_label(end - previous)} later"))
    found.append(Row("revision", when(end), "audited revision", sha))
    return found


def timeline_layout(facts: Facts) -> Layout | None:
    head = facts.target
    stamp = _parse(head.revision_date)
    revision = Commit(head.revision, head.revision_date or "", stamp, "", "") if head.revision and stamp else None
    return layout(facts.timeline, facts.gaps, revision)
