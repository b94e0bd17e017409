"""The HTML report in a real browser: headless Debian Chromium driven by Playwright.

Chromium comes from the system (`apt-get install chromium`; .ci/run does it): Playwright's own
browser download cannot work here. Screenshots and a printed PDF land in test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from helpers import HOSTILE_TITLE, build_hostile_repo, run_cli

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

pytestmark = pytest.mark.skipif(CHROMIUM is None and not IN_CI,
                                reason="no system Chromium (apt-get install chromium); CI always has it")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "Chromium is required: apt-get install chromium"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield instance
        instance.close()


def _open(browser, report: Path, name: str):
    """Load a report, recording dialogs and every request that is not the file itself."""
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    dialogs, requests, errors = [], [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: requests.append(request.url) if request.url != report.as_uri() else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    return page, dialogs, requests, errors


def test_demo_report_reads_and_prints_cleanly(browser, tmp_path):
    result = run_cli("demo", "--output-dir", str(tmp_path / "demo"))
    report = tmp_path / "demo" / "report.html"
    assert str(report.resolve()) in result.stdout
    page, dialogs, requests, errors = _open(browser, report, "demo-report")
    assert dialogs == [] and requests == [] and errors == []
    for section in ("#verdict", "#audited", "#lineage", "#timeline", "#findings", "#inventory", "#method"):
        assert page.locator(section).is_visible(), section
    assert page.locator("#verdict").inner_text().startswith("PASS")
    assert page.locator("article.finding").count() == 2
    assert page.locator("#timeline svg rect.tl-window").count() == 1  # the exposure window
    assert page.locator("#timeline svg g.tl-mark.k-weights").count() == 2  # weight uploads inside it
    # the severity filter works, and hides nothing by default
    page.locator("#filters input").nth(1).uncheck()
    assert page.locator("article.finding.warning").first.is_hidden()
    pdf = ARTIFACTS / "demo-report.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    assert pdf.stat().st_size > 10_000 and pdf.read_bytes().startswith(b"%PDF")
    page.close()
    _pdf_pages_as_png(pdf)


def _overflow(page) -> int:
    """How far the page is wider than its viewport (0: no horizontal scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_demo_report_fits_desktop_phone_and_paper(browser, tmp_path):
    run_cli("demo", "--output-dir", str(tmp_path / "demo"))
    report = tmp_path / "demo" / "report.html"
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(report.as_uri())
        page.screenshot(path=str(ARTIFACTS / f"demo-report-{width}px.png"), full_page=True)
        assert _overflow(page) <= 0, width
        _assert_window_shows(page, "exposed 1 day 4 h", width)
        # Evidence tables and their quoted lines wrap inside their cards.
        spill = page.evaluate("""[...document.querySelectorAll('table.evidence')].map(table => {
            const card = table.closest('article').getBoundingClientRect();
            return table.getBoundingClientRect().right - card.right; })""")
        assert spill and max(spill) <= 0, (width, spill)
        page.close()
    page = browser.new_page(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
    page.goto(report.as_uri())
    page.emulate_media(media="print")
    assert _overflow(page) <= 0
    pdf = ARTIFACTS / "demo-report-print.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    page.close()
    text = _pdf_pages_as_png(pdf)
    # running header and footer on every page: repo and revision, tool and LicenseDB, page n of m
    pages = len(text)
    for number, page_text in enumerate(text, start=1):
        assert f"Page {number} of {pages}" in page_text, number
        assert "LicenseDB" in page_text and "demo-model @" in page_text, number
    assert "Reviewer sign-off" in "".join(text) and "Contents" in text[0]


def _pdf_pages_as_png(pdf: Path) -> list[str]:
    """Render each PDF page to a PNG beside it (for review) and return each page's text."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    texts = []
    for number, page in enumerate(document, start=1):
        page.render(scale=1).to_pil().save(pdf.with_name(f"{pdf.stem}-page{number}.png"))
        texts.append(page.get_textpage().get_text_range())
    document.close()
    return texts


def test_hostile_report_runs_nothing_and_loads_nothing(browser, repo, tmp_path):
    build_hostile_repo(repo)
    report = tmp_path / "hostile.html"
    run_cli("scan", str(repo.path), "--output", str(report))
    page, dialogs, requests, errors = _open(browser, report, "hostile-report")
    assert dialogs == [] and requests == []
    assert page.locator("img").count() == 0 and page.locator("a[href^='javascript']").count() == 0
    assert HOSTILE_TITLE in page.locator("#findings").inner_text()  # shown as text
    assert page.locator("#verdict").inner_text().startswith("FAIL")
    page.close()


def test_fleet_summary_sorts_filters_and_fits_a_phone(browser, tmp_path):
    from test_fleet import small_repo

    from auditor.demo import build_demo_repo

    long_name = tmp_path / ("an-organisation-with-a-long-name--and-a-model-repository-named-at-length-" * 2)
    targets = [build_demo_repo(tmp_path / "demo"), small_repo(tmp_path / "removed", 1), small_repo(long_name, 2),
               tmp_path / "missing"]
    summary = tmp_path / "fleet" / "summary.html"
    result = run_cli("fleet", *map(str, targets), "--store", str(tmp_path / "s.sqlite"), "--output", str(summary))
    assert result.returncode == 1, result.stderr
    page, dialogs, requests, errors = _open(browser, summary, "fleet-summary")
    assert dialogs == [] and requests == [] and errors == []
    rows = page.locator("#targets tbody tr")
    assert rows.count() == 4 and page.locator("#shown").inner_text() == "4 of 4 shown"
    page.locator("#targets thead button", has_text="Errors").click()
    page.locator("#targets thead button", has_text="Errors").click()  # descending
    assert str(tmp_path / "removed") in rows.first.inner_text() and "FAIL" in rows.first.inner_text().upper()
    page.locator("#search").fill("missing")
    assert page.locator("#shown").inner_text() == "1 of 4 shown"
    page.locator("#search").fill("")
    page.locator("#status").select_option("pass")
    assert page.locator("#targets tbody tr:visible").count() == 2
    assert page.locator("#by-rule").inner_text().count("license-removed") == 1
    link = page.locator("#targets tbody tr:visible a").first.get_attribute("href")
    assert (summary.parent / link).is_file()
    page.close()
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.goto(summary.as_uri())
    phone.screenshot(path=str(ARTIFACTS / "fleet-summary-390.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()


def _boxes(page, selector: str) -> list[dict]:
    """Bounding boxes (CSS px) of the visible elements matching `selector`, with their shown text
    (not their tooltips)."""
    return page.evaluate("""selector => [...document.querySelectorAll(selector)]
        .map(node => ({box: node.getBoundingClientRect(),
                       text: [...node.querySelectorAll('*'), node].filter(n => n.tagName !== 'title')
                             .flatMap(n => [...n.childNodes]).filter(n => n.nodeType === 3)
                             .map(n => n.textContent.trim()).join(' ').trim()}))
        .filter(item => item.box.width > 0 || item.box.height > 0)
        .map(item => ({x: item.box.x, y: item.box.y, right: item.box.right, bottom: item.box.bottom,
                       text: item.text}))""", selector)


def _overlaps(boxes: list[dict]) -> list[tuple[str, str]]:
    """Pairs of boxes that share more than half a pixel each way."""
    return [(a["text"], b["text"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if min(a["right"], b["right"]) - max(a["x"], b["x"]) > 0.5
            and min(a["bottom"], b["bottom"]) - max(a["y"], b["y"]) > 0.5]


def _assert_window_shows(page, label: str, width: int) -> None:
    """The exposure window is visible, wide enough to see, and labelled with its duration: drawn
    (wide screens, paper) or as the list's heading (narrow screens); no two marks or texts overlap."""
    if page.locator("#timeline svg.tl-svg").is_visible():
        [window] = _boxes(page, "#timeline rect.tl-window")
        [text] = [t for t in _boxes(page, "#timeline text.tl-window-label") if t["text"] == label]
        assert window["right"] - window["x"] >= 60, (width, window)
        assert window["x"] <= (text["x"] + text["right"]) / 2 <= window["right"], (width, text, window)
        assert text["bottom"] <= window["y"] + 1  # the label sits on its window
        assert _overlaps(_boxes(page, "#timeline g.tl-mark")) == [], width
        assert _overlaps(_boxes(page, "#timeline svg text")) == [], width
        revision = _boxes(page, "#timeline line.tl-revision")[0]
        # the audited revision is the right edge: no mark is newer
        assert all((m["x"] + m["right"]) / 2 <= revision["right"] for m in _boxes(page, "#timeline g.tl-mark path"))
    else:
        heading = page.locator("#timeline .tl-list li.tl-window").first
        assert heading.is_visible() and label in heading.inner_text(), width
        rows = _boxes(page, "#timeline .tl-list li")
        assert _overlaps(rows) == [] and all(row["right"] <= width for row in rows), width
        assert len(_boxes(page, "#timeline .tl-list li.in-window")) >= 4  # removal, uploads, restore


def test_short_exposure_in_a_long_history_shows_on_screen_phone_and_paper(browser, tmp_path):
    from helpers import build_short_window_repo

    repo = build_short_window_repo(tmp_path / "short")
    report = tmp_path / "short.html"
    run_cli("scan", str(repo.path), "--output", str(report))
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1280, 390):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(report.as_uri())
        page.locator("#timeline").screenshot(path=str(ARTIFACTS / f"timeline-short-{width}px.png"))
        assert _overflow(page) <= 0, width
        assert page.locator("#timeline svg.tl-svg").is_visible() == (width > 640)
        _assert_window_shows(page, "exposed 12 h", width)
        if width > 640:  # the long quiet stretches are cut, and say how long they were
            assert [b["text"] for b in _boxes(page, "#timeline g.tl-cutout text")] == ["36 days", "32 days", "19 days"]
            assert page.locator("#timeline g.tl-mark.k-weights").count() == 2  # same minute: stacked
        else:
            assert "36 days later" in page.locator("#timeline .tl-list").inner_text()
        page.close()
    # paper: A4 less the report's 14 mm side margins is 688 CSS px; the drawing, not the list, prints
    page = browser.new_page(viewport={"width": 688, "height": 1000})
    page.goto(report.as_uri())
    page.emulate_media(media="print")
    assert _overflow(page) <= 0
    _assert_window_shows(page, "exposed 12 h", 688)
    svg = _boxes(page, "#timeline svg.tl-svg")[0]
    assert 12 * (svg["right"] - svg["x"]) / 760 >= 10.5  # 12 px text prints at 8 pt or more
    pdf = ARTIFACTS / "timeline-short-print.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    page.close()
    text = "".join(_pdf_pages_as_png(pdf))
    assert "exposed 12 h" in text and "audited revision" in text and "36 days" in text
