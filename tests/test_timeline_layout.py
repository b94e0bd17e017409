"""The report's license timeline layout (auditor/reports/timeline_layout.py): compressed axis, stacked
marks, duration labels, the audited revision at the right edge. Chromium checks the drawing itself
in test_browser.py."""

from __future__ import annotations

import datetime

from helpers import build_short_window_repo

from auditor.demo import build_demo_repo
from auditor.model import Commit, Gap, Item, Sighting, TimelineEvent, WeightUpload
from auditor.pipeline import audit
from auditor.reports import timeline_layout as tl


def stamp(date: str) -> int:
    return int(datetime.datetime.fromisoformat(date + "+00:00").timestamp())


def commit(date: str, sha: str) -> Commit:
    return Commit(sha * 40, date.replace(" ", "T") + "Z", stamp(date), "A", f"commit {sha}")


def event(date: str, sha: str, kind: str, path: str = "LICENSE") -> TimelineEvent:
    before = () if kind in ("added", "restored") else ("MIT",)
    after = () if kind == "removed" else ("MIT",)
    change = {"removed": "deleted", "restored": "added"}.get(kind, kind)
    return TimelineEvent(commit(date, sha), path, change, before, after, event=kind)


def gap(removed: TimelineEvent, restored: TimelineEvent | None, *uploads: WeightUpload) -> Gap:
    def sighting(e: TimelineEvent) -> Sighting:
        return Sighting(e.commit, 0, e.path, 1, None)

    return Gap(Item("license", "mit", "MIT License text"), sighting(removed), restored and sighting(restored),
               tuple(uploads), 2)


def test_duration_labels_say_what_a_reviewer_would():
    assert tl.duration_label(20) == "under 1 min"
    assert tl.duration_label(40 * 60) == "40 min"
    assert tl.duration_label(12 * 3600) == "12 h"
    assert tl.duration_label(11 * 3600 + 40 * 60) == "11 h 40 min"
    assert tl.duration_label(27 * 3600 + 40 * 60) == "1 day 4 h"
    assert tl.duration_label(3 * 86400) == "3 days"
    assert tl.duration_label(58 * 86400 + 3600) == "58 days"


def test_a_window_that_reads_at_scale_keeps_a_linear_axis():
    times = [0, 10 * 3600, 20 * 3600, 40 * 3600]
    scale = tl.compress(times, [(10 * 3600, 20 * 3600)], length=400)
    assert scale.breaks == frozenset()
    assert scale.positions == (0.0, 100.0, 200.0, 400.0)


def test_long_quiet_stretches_are_cut_until_a_short_window_reads():
    day = 86400
    times = [0, 36 * day, 68 * day, 68 * day + 12 * 3600, 87 * day]  # a 12 h window in 87 days
    window = (68 * day, 68 * day + 12 * 3600)
    linear = tl.compress(times, [], length=550)
    assert linear.at(window[1]) - linear.at(window[0]) < 4  # would be invisible to scale
    scale = tl.compress(times, [window], length=550)
    assert scale.breaks == {0, 1, 3}  # the three long stretches; the window itself stays to scale
    width = scale.at(window[1]) - scale.at(window[0])
    assert tl.MIN_WINDOW <= width <= 2 * tl.MIN_WINDOW + 1
    assert scale.positions[0] == 0 and scale.positions[-1] == 550  # oldest left, newest right
    cut = [scale.positions[i + 1] - scale.positions[i] for i in sorted(scale.breaks)]
    assert cut[0] > cut[1] > cut[2] >= tl.MIN_BREAK  # a longer stretch is still drawn longer


def test_only_as_much_is_cut_as_the_window_needs():
    day = 86400
    times = [0, 2 * day, 60 * day, 61 * day, 90 * day]  # one day out of three months
    scale = tl.compress(times, [(60 * day, 61 * day)], length=550)
    assert 0 not in scale.breaks and 2 not in scale.breaks  # the two days and the window stay to scale
    assert scale.at(61 * day) - scale.at(60 * day) >= tl.MIN_WINDOW


def test_marks_that_would_collide_stack_and_others_share_a_row():
    spans = [tl.footprint(x, "weights")[0] for x in (100, 100.5, 300, 104)]
    assert tl.stack(spans) == [0, 1, 0, 2]
    assert tl.stack([tl.footprint(x, "added")[0] for x in (100, 200)]) == [0, 0]


def test_a_label_at_the_right_edge_turns_left():
    span, side = tl.footprint(tl.X1, "restored")
    assert side == "end" and span.right <= tl.X1 + tl.MARK_RADIUS + 1


def test_same_minute_uploads_stack_and_the_revision_is_the_right_edge():
    added = event("2026-01-05 10:00:00", "a", "added")
    removed = event("2026-03-14 09:00:00", "b", "removed")
    restored = event("2026-03-14 21:00:00", "e", "restored")
    uploads = (WeightUpload(commit("2026-03-14 15:00:10", "c"), ("model-1.safetensors",)),
               WeightUpload(commit("2026-03-14 15:00:40", "d"), ("model-2.safetensors",)))
    head = commit("2026-04-02 16:00:00", "f")
    view = tl.layout([added, removed, restored], [gap(removed, restored, *uploads)], head)
    assert view.revision_x == tl.X1 and view.revision_label == f"audited revision {'f' * 12} · 2026-04-02 16:00"
    assert all(m.x < tl.X1 for m in view.marks)  # the newest event is older than the revision
    weights = [m for m in view.marks if m.kind == "weights"]
    assert len(weights) == 2 and abs(weights[0].x - weights[1].x) < 1 and weights[0].y != weights[1].y
    [window] = view.windows
    assert window.label == "exposed 12 h" and not window.open and window.width >= tl.MIN_WINDOW
    assert window.x == next(m.x for m in view.marks if m.kind == "removed")
    assert [b.label for b in view.breaks] == ["68 days", "19 days"]
    # ticks have dates, sit on the drawn stretches, never inside a break, and their labels stay in the picture
    assert view.ticks and all(t.label.split()[1] in ("Jan", "Mar") for t in view.ticks)
    for tick in view.ticks:
        assert not any(b.x0 < tick.x < b.x1 for b in view.breaks), tick
        half = tl.text_width(tick.label) / 2
        assert tick.label_x - half >= 0 and tick.label_x + half <= tl.WIDTH
    # the narrow-screen list: the window heading, its entries marked, the breaks as rows
    assert [(r.kind, r.in_window) for r in view.rows] == [
        ("added", False), ("break", False), ("window", True), ("removed", True), ("weights", True),
        ("weights", True), ("restored", True), ("break", False), ("revision", False)]
    assert view.rows[2].head == "exposed 12 h" and "until 2026-03-14 21:00" in view.rows[2].text
    assert view.rows[1].text == "68 days later"


def test_a_window_still_open_runs_to_the_revision():
    added = event("2026-01-05 10:00:00", "a", "added")
    removed = event("2026-01-08 10:00:00", "b", "removed")
    view = tl.layout([added, removed], [gap(removed, None)], commit("2026-01-08 13:00:00", "c"))
    [window] = view.windows
    assert window.open and window.label == "exposed 3 h, still open"
    assert round(window.x + window.width, 1) == view.revision_x == tl.X1
    assert "still absent at the audited revision" in next(r.text for r in view.rows if r.kind == "window")


def test_one_moment_and_backdated_commits_still_lay_out():
    only = tl.layout([event("2026-01-05 10:00:00", "a", "added")], [], commit("2026-01-05 10:00:00", "a"))
    assert [m.x for m in only.marks] == [tl.X1] and only.marks[0].anchor == "end" and only.ticks
    # a restore whose commit date is older than the removal's (a rebase, a wrong clock)
    removed = event("2026-02-01 10:00:00", "b", "removed")
    restored = event("2026-01-31 10:00:00", "c", "restored")
    view = tl.layout([event("2026-01-05 10:00:00", "a", "added"), removed, restored], [gap(removed, restored)])
    assert view.windows[0].width > 0 and view.windows[0].label == "exposed 1 day"
    assert tl.layout([], []) is None


def test_the_seed_case_and_a_short_window_from_real_repos(tmp_path):
    demo = tl.timeline_layout(audit(str(build_demo_repo(tmp_path / "demo"))).facts)
    assert [w.label for w in demo.windows] == ["exposed 1 day 4 h"] and demo.breaks == []  # two days: to scale
    assert sorted(m.kind for m in demo.marks) == ["added", "added", "removed", "restored", "weights", "weights"]
    assert demo.revision_x == tl.X1 == max(m.x for m in demo.marks)  # the restore is the audited revision
    repo = build_short_window_repo(tmp_path / "short")
    head = repo.git("rev-parse", "HEAD").strip()
    first = tl.timeline_layout(audit(str(repo.path)).facts)
    assert [w.label for w in first.windows] == ["exposed 12 h"] and first.windows[0].width >= tl.MIN_WINDOW
    assert first.breaks and first.revision_label.startswith(f"audited revision {head[:12]}")
    assert first == tl.timeline_layout(audit(str(repo.path)).facts)  # deterministic


def test_many_windows_close_together_keep_the_labels_near_them():
    events, gaps = [event("2026-01-01 00:00:00", "0", "added")], []
    for hour in range(10):  # ten short removals in one day
        removed = event(f"2026-01-02 {hour * 2:02d}:00:00", f"{hour}a", "removed")
        restored = event(f"2026-01-02 {hour * 2:02d}:30:00", f"{hour}b", "restored")
        events += [removed, restored]
        gaps.append(gap(removed, restored))
    view = tl.layout(events, gaps)
    assert len(view.windows) == 10 and view.plot_top <= 6 + tl.MAX_LABEL_ROWS * tl.LABEL_ROW
    labelled = [w for w in view.windows if w.label]
    assert labelled and view.unlabelled == 10 - len(labelled)
    assert all(w.title.startswith("exposed 30 min") for w in view.windows)  # the tooltip keeps it
