"""The HTML report in headless Chromium: it renders without a console error and loads nothing,
the grid and the findings are in the DOM, its filters work, markup in findings never runs, it
stays usable with 1,000 findings, and the example's report renders as the README shows it.

Without Chromium or Playwright these tests skip with the install line (they fail under CI)."""

import json
import os
import subprocess
import sys

import pytest

from tests.paths import ROOT
from tests.report.html_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    chromium,
    full_project,
    many_findings_project,
    markup_project,
    pytest_html_data,
)

EXAMPLE = ROOT / "examples" / "reporting_service"
README_SHOT = ROOT / "docs" / "img" / "report.png"


@pytest.fixture(scope="module")
def browser():
    sync_playwright = chromium()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Opened:
    """A page opened from a file, with everything it logged and requested."""

    def __init__(self, browser, path, width=1280):
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.console, self.requests = [], []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.url = path.as_uri()
        self.page.goto(self.url, wait_until="load")

    def visible_rows(self):
        return self.page.locator("tr.finding:visible").count()

    def filter(self, text):
        self.page.fill("#filter", text)
        self.page.wait_for_function("t => document.getElementById('shown').textContent.startsWith(t)",
                                    arg=f"{self.count_for(text)} of")

    def count_for(self, text):
        return self.page.evaluate("""q => Array.from(document.querySelectorAll('tr.finding'))
            .filter(r => r.textContent.toLowerCase().includes(q.toLowerCase())).length""", text)


def run_report(pytester, *args):
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "--secure-html=r.html", "--secure-json=r.json",
                                *args)
    return pytester.path / "r.html", json.loads((pytester.path / "r.json").read_text()), result


def test_renders_without_console_errors_and_loads_nothing(pytester, browser):
    full_project(pytester)
    page_path, report, _ = run_report(pytester)
    opened = Opened(browser, page_path)
    page = opened.page
    assert opened.console == [] and opened.requests == [opened.url]
    assert page.inner_text("#verdict h1") == "Security verdict: FAILED"
    # the findings and the grid are in the DOM, as many as the JSON report has
    assert page.locator("tr.finding").count() == len(report["findings"]) == 11
    assert opened.visible_rows() == 11  # few findings: every rule group starts open
    grid = report["authz_grid"]
    assert page.locator("#authz-grid tbody tr").count() == len(grid["rows"])
    assert page.locator("#authz-grid .cell-FAIL").count() == grid["violations"] == 4
    colour = page.eval_on_selector("#authz-grid .cell-FAIL", "e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(198, 40, 40)"  # a violation is red, whatever the text says
    assert page.inner_text("#grade-letter") == "F"
    # the screenshot decodes as the image it is
    page.click("tr.finding:has-text('rendered inside a frame') details.evidence summary")
    assert page.eval_on_selector("figure img", "i => [i.complete, i.naturalWidth, i.naturalHeight]") == [True, 24, 16]


def test_filter_and_collapse(pytester, browser):
    full_project(pytester)
    page_path, report, _ = run_report(pytester)
    opened = Opened(browser, page_path)
    page = opened.page
    opened.filter("carol")
    carol = [f for f in report["findings"] if "carol" in f["message"]]
    assert opened.visible_rows() == len(carol) == 2
    assert page.locator("details.rule:visible").count() == 1  # groups without a match hide
    opened.filter("")
    page.uncheck("input.status-filter[value=failing]")
    assert opened.visible_rows() == sum(f["status"] != "failing" for f in report["findings"]) == 1
    assert page.inner_text("#shown") == "1 of 11 findings shown"
    page.check("input.status-filter[value=failing]")
    page.click("#collapse-all")
    assert opened.visible_rows() == 0 and page.locator("details.rule[open]").count() == 0
    page.click("#expand-all")
    assert opened.visible_rows() == 11
    assert opened.console == []


def test_markup_in_findings_never_runs(pytester, browser):
    """The escaping test's findings (tests/report/test_html.py) in the browser: nothing executes."""
    markup_project(pytester)
    pytester.runpytest("--secure", "-p", "no:cacheprovider", "--secure-html=r.html").assert_outcomes(failed=1)
    opened = Opened(browser, pytester.path / "r.html")
    page = opened.page
    page.click("#expand-all")
    page.click("tr.finding details.evidence summary")
    assert page.evaluate("() => [window.pwned, document.querySelectorAll('svg, img, main script').length]") == [
        None, 0]
    assert "window.pwned=2" in page.inner_text("tr.finding pre")  # shown as text
    assert opened.console == [] and opened.requests == [opened.url]


@pytest.fixture(scope="module")
def big_report(tmp_path_factory):
    """1,000 findings from a real run: 250 pages without four security headers."""
    root = tmp_path_factory.mktemp("big")
    args = many_findings_project(root)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=root, capture_output=True, text=True,
                          timeout=600, env=env)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    return root / "big.html", json.loads((root / "big.json").read_text())


def test_usable_with_a_thousand_findings(big_report, browser):
    page_path, report = big_report
    assert len(report["findings"]) == 1000
    opened = Opened(browser, page_path)
    page = opened.page
    size, ready = page_path.stat().st_size, page.evaluate("() => document.body.dataset.readyMs")
    print(f"\n1,000 findings: {size / 1024:.0f} KiB, page script ready {ready} ms after opening")
    assert opened.console == [] and opened.requests == [opened.url]
    assert page.locator("tr.finding").count() == 1000
    # many findings: rule groups start collapsed, the counts are in their summaries
    assert page.locator("details.rule[open]").count() == 0 and opened.visible_rows() == 0
    summaries = page.locator("details.rule > summary").all_inner_texts()
    assert len(summaries) == 4 and all("250 failing" in s or "250 warning" in s for s in summaries)
    page.click("#expand-all")
    assert opened.visible_rows() == 1000
    opened.filter("/page/17")  # /page/17 and /page/170..179: 11 pages, four findings each
    expected = [f for f in report["findings"] if "/page/17" in f["location"]]
    assert opened.visible_rows() == len(expected) == 44
    filtered = page.evaluate("() => document.body.dataset.filterMs")
    print(f"1,000 findings: the filter applied in {filtered} ms")
    page.uncheck("input.status-filter[value=failing]")
    assert opened.visible_rows() == sum(f["status"] != "failing" for f in expected)
    assert opened.console == []


def test_the_examples_report_renders_as_the_readme_shows_it(tmp_path, browser):
    html_path, json_path = tmp_path / "report.html", tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.run([sys.executable, "-m", "pytest", "--secure", "-p", "no:cacheprovider", "-q",
                           f"--secure-html={html_path}", f"--secure-json={json_path}"], cwd=EXAMPLE,
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    report = json.loads(json_path.read_text())
    opened = Opened(browser, html_path)
    page = opened.page
    assert opened.console == [] and opened.requests == [opened.url]
    assert page.inner_text("#verdict h1") == "Security verdict: PASSED"
    assert page.locator("#authz-grid tbody tr").count() == len(report["authz_grid"]["rows"])
    assert page.locator("#authz-grid .cell-ok").count() == sum(len(r["cells"]) for r in report["authz_grid"]["rows"])
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == README_SHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "docs/img/report.png" in (ROOT / "README.md").read_text()


def test_a_browser_checks_screenshots_are_embedded(pytester, browser, monkeypatch):
    """The browser area's real findings (tests/browser's planted Flask app: a policy that lets the
    injected script run) carry ``screenshot: <path>``; both HTML reports embed those PNGs. A
    subprocess: this process already drives Chromium through Playwright's sync API."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makepyfile(plantedbrowserapp="from tests.browser.apps import flask_app\napp = flask_app(planted=True)\n")
    pytester.makefile(".yaml", **{"security-baseline": "version: 1\ntarget: {app: 'plantedbrowserapp:app'}\n"
                                  "browser:\n  paths: [/search]\n  params: {/search: [q]}\n  checks: [csp]\n"})
    result = pytester.runpytest_subprocess("--secure", "-p", "no:cacheprovider", "--secure-html=r.html",
                                           "--secure-json=r.json", "--html=ph.html", "--self-contained-html")
    result.assert_outcomes(failed=1)
    report = json.loads((pytester.path / "r.json").read_text())
    shots = [line.split(": ", 1)[1] for f in report["findings"] for line in f["evidence"].splitlines()
             if line.startswith("screenshot: /")]
    assert shots and all(p.endswith(".png") for p in shots)
    opened = Opened(browser, pytester.path / "r.html")
    page = opened.page
    for summary in page.locator("tr.finding details.evidence summary").all():
        summary.click()
    sizes = page.eval_on_selector_all("figure img", "imgs => imgs.map(i => [i.complete, i.naturalWidth > 100])")
    assert sizes == [[True, True]] * len(shots)
    assert opened.console == [] and opened.requests == [opened.url]
    theirs = Opened(browser, pytester.path / "ph.html")
    assert theirs.page.locator("td.col-secure", has_text="failing").count() == 1
    data, _ = pytest_html_data(pytester.path / "ph.html")
    images = [e for entries in data["tests"].values() for e in entries[0]["extras"] if e["format_type"] == "image"]
    assert sorted(e["name"] for e in images) == sorted(shots)
    assert theirs.console == [], theirs.console
