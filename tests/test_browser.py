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
    assert page.locator("#timeline svg rect[stroke-dasharray]").count() == 1  # the exposure window
    assert page.locator("#timeline svg path[fill='#6941c6']").count() == 2  # weight uploads inside it
    # the severity filter works, and hides nothing by default
    page.locator("#filters input").nth(1).uncheck()
    assert page.locator("article.finding.warning").first.is_hidden()
    pdf = ARTIFACTS / "demo-report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.stat().st_size > 10_000 and pdf.read_bytes().startswith(b"%PDF")
    page.close()


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
