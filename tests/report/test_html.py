"""The HTML report (``--secure-html``): one self-contained file with the verdict, the findings by
severity and rule (evidence, fix, curl, screenshots), the authz grid coloured by outcome, the
grade, the waivers with days to expiry and DAST new versus known; every text escaped.

The same report in headless Chromium: tests/report/test_html_browser.py."""

import base64
import datetime
import html
import json
import re
import textwrap

import pytest

from pytest_secure.report.html_assets import CSS, JS, sha256_source
from tests.core.project import make_project
from tests.report.html_helpers import full_project, markup_project, png


@pytest.fixture
def full_report(pytester):
    full_project(pytester)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "--secure-html=out/report.html",
                                "--secure-json=out/report.json")
    result.assert_outcomes(passed=44, failed=9, xfailed=1)
    out = pytester.path / "out"
    return (out / "report.html").read_text(encoding="utf-8"), json.loads((out / "report.json").read_text())


def test_verdict_on_top_and_findings_grouped_by_severity_then_rule(full_report):
    page, report = full_report
    body = page[page.index("<body>"):]
    assert body.index('id="verdict"') < body.index('id="findings"') < body.index('id="authz"')
    assert 'data-state="failed"' in page and "Security verdict: FAILED" in page
    assert "9 check(s) failed" in page and "1 waiver(s) no longer needed" in page
    # severities in order, each rule once, as many finding rows as the JSON report has findings
    severities = re.findall(r'<section class="severity" data-severity="(\w+)"', page)
    assert severities == ["high", "medium"]
    rules = re.findall(r'<details class="rule" data-rule="([^"]+)"', page)
    assert rules == ["authz/object-access", "grade/below-minimum", "headers/csp-missing",
                     "custom/framed", "headers/x-content-type-options-missing"]
    assert page.count('<tr class="finding"') == len(report["findings"]) == 11
    rows = re.findall(r'data-status="(\w+)" data-fingerprint="(\w+)"', page)
    assert sorted(rows) == sorted((f["status"], f["fingerprint"]) for f in report["findings"])
    # evidence, fix and curl of a finding, escaped
    csp = next(f for f in report["findings"] if f["rule_id"] == "headers/csp-missing")
    assert html.escape(csp["rule"]["fix"]) in page
    bola = next(f for f in report["findings"] if f["rule_id"] == "authz/object-access")
    assert html.escape(bola["request"]["curl"]) in page and "Authorization: [REDACTED]" in page
    assert html.escape(bola["evidence"]) in page


def test_authz_grid_coloured_by_outcome(full_report):
    page, report = full_report
    grid = report["authz_grid"]
    cells = re.findall(r'<span class="cell cell-(\w+)" data-result="(\w+)"', page)
    assert len(cells) == sum(len(r["cells"]) for r in grid["rows"]) == 48
    assert sum(css == "FAIL" for css, _ in cells) == grid["violations"] == 4
    assert all(css == result for css, result in cells)
    header = re.search(r'<table class="grid" id="authz-grid"><thead><tr>(.*?)</tr>', page).group(1)
    assert re.findall(r"<th>([^<]+)</th>", header) == ["request", *grid["identities"]]


def test_grade_waivers_and_screenshot(full_report):
    page, report = full_report
    assert re.search(r'<div class="grade-letter grade-F" id="grade-letter">F</div>', page)
    assert "score 0, below the minimum A" in page and "content-security-policy: csp-not-implemented" in page
    rows = re.findall(r'<tr data-place="[^"]+"><td><code>([^<]+)</code>.*?<td>(<span[^>]*>[^<]+</span>)</td>'
                      r"<td>([^<]+)</td></tr>", page)
    assert rows == [("headers/x-content-type-options-missing", '<span class="soon">10</span>', "used"),
                    ("headers/csp-missing", "<span>200</span>", "no longer needed: remove it")]
    # the screenshot named in the evidence is in the page, as the very bytes of the file
    uri = "data:image/png;base64," + base64.b64encode(png()).decode()
    assert f'<img src="{uri}" alt="screenshot shots/framed.png">' in page


def test_self_contained_nothing_loaded_and_a_strict_policy(full_report):
    page, _ = full_report
    sources = re.findall(r'(?:src|href|action|srcset)="([^"]*)"', page)
    assert sources and all(s.startswith(("#", "data:image/png;base64,")) for s in sources), sources
    assert "<link" not in page and "@import" not in page and "url(" not in CSS
    assert page.count("<script>") == 1 and page.count("<style>") == 1 and ' style="' not in page
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1)
    assert policy.startswith("default-src 'none';")
    assert f"script-src {sha256_source(JS)};" in policy and f"style-src {sha256_source(CSS)};" in policy
    assert f"<script>{JS}</script>" in page and f"<style>{CSS}</style>" in page  # the hashed texts, unchanged


def test_every_text_is_escaped(pytester):
    markup_project(pytester)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "--secure-html=r.html")
    result.assert_outcomes(failed=1)
    page = (pytester.path / "r.html").read_text()
    for raw in ("<img src=x", "<script>window", "<b>title", "<i>it", "<svg", "</pre><script>", "GET /<x>"):
        assert raw not in page, raw
    assert "&lt;img src=x onerror=&quot;window.pwned=1&quot;&gt;" in page
    assert "&lt;/pre&gt;&lt;script&gt;window.pwned=2&lt;/script&gt;" in page
    assert "&lt;b&gt;title&lt;/b&gt; &amp; co" in page and "custom[GET /&lt;x&gt;]" in page


def test_screenshot_that_cannot_be_embedded_is_named(pytester):
    full_project(pytester)
    (pytester.path / "shots" / "framed.png").write_text("not a png")
    pytester.runpytest("--secure", "-p", "no:cacheprovider", "--secure-html=r.html")
    page = (pytester.path / "r.html").read_text()
    assert "data:image/png" not in page
    assert "screenshot shots/framed.png not embedded: not a PNG file" in page


def test_passing_run_and_a_grade_that_meets_its_minimum(pytester):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent("""
        version: 1
        target: {app: 'fineapp:app'}
        headers: {paths: [/], rules: {X-Powered-By: {required: false}}}
        grade: {min: F}
        """)})
    pytester.makepyfile(fineapp="""
        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/html")])
            return [b"<p>fine</p>"]
        """)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "--secure-html=r.html")
    result.assert_outcomes(passed=2)
    page = (pytester.path / "r.html").read_text()
    assert 'data-state="passed"' in page and "2 checks passed the gate, no finding at or above the gate" in page
    assert 'id="grade-letter">≥ F</div>' in page and "meets the minimum F" in page
    assert "No findings: every check met the baseline." in page and '<tr class="finding"' not in page
    assert 'id="authz"' not in page and 'id="dast"' not in page  # sections without data are left out


def test_an_expired_waiver_says_since_when(pytester):
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    make_project(pytester, f"""
        version: 1
        target: {{app: "{{app}}"}}
        headers: {{paths: [/], rules: {{Content-Security-Policy: {{}}}}}}
        waivers:
          - {{rule: headers/csp-missing, reason: old, owner: web, expires: {yesterday}}}
        """, headers={})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "--secure-html=r.html")
    result.assert_outcomes(failed=1)
    page = (pytester.path / "r.html").read_text()
    assert '<span class="expired">expired yesterday</span>' in page
    assert '<span class="badge st-expired">expired</span>' in page and "1 failing high" in page


def test_dast_new_versus_known(pytester):
    """The built-in engine's planted app; the known-findings file (dast.known's default,
    dast-known.json) of an accepted run, less one finding: that one is new."""
    from tests.dast.test_builtin_engine import APP, BASELINE

    pytester.makepyfile(dastapp=APP)
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE % "dastapp:app")})
    accepted = pytester.runpytest("--secure", "--secure-dast", "--secure-dast-accept", "-p", "no:cacheprovider",
                                  "-k", "dast", "--secure-html=first.html")
    first = (pytester.path / "first.html").read_text()
    assert "not compared with a known-findings file" in first and "badge dast-" not in first
    known = pytester.path / "dast-known.json"
    data = json.loads(known.read_text())
    dropped = data["findings"].pop(0)  # this finding is new to the next run
    known.write_text(json.dumps(data))
    result = pytester.runpytest("--secure", "--secure-dast", "--secure-dast-new-only", "-p", "no:cacheprovider",
                                "-k", "dast", "--secure-html=r.html", "--secure-json=r.json")
    assert accepted.ret == 1 and result.ret == 1
    page = (pytester.path / "r.html").read_text()
    report = json.loads((pytester.path / "r.json").read_text())
    dast = [f for f in report["findings"] if f["area"] == "dast"]
    new = [f for f in dast if f["status"] != "waived"]
    assert [(f["rule_id"], f["location"]) for f in new] == [(dropped["rule"], dropped["where"])]
    assert f"1 new finding (they fail the run), {len(dast) - 1} known" in page
    assert f"{len(data['findings'])} entries" in page
    badges = re.findall(r'<span class="badge dast-(\w+)">', page)
    assert sorted(badges) == sorted(["new"] + ["known"] * (len(dast) - 1))
    assert "known-findings file" not in re.search(r'<section id="waivers">.*?</section>', page, re.S).group(0)


def test_known_findings_are_told_apart_by_the_owners_dast_gives_them():
    from pytest_secure.dast.known import known_waivers
    from pytest_secure.report.html_model import KNOWN_OWNERS

    waivers = known_waivers([{"fingerprint": "f" * 32, "rule": "headers/csp-missing", "path": "k.json", "line": 2},
                             {"rule": "dast/zap-10020", "in_progress": "10020", "path": "progress.json"}])
    assert {w.owner for w in waivers} == KNOWN_OWNERS


def test_screenshot_paths_absolute_relative_too_large_and_not_taken(tmp_path):
    from pytest_secure.report.screenshots import MAX_BYTES, PNG_SIGNATURE, screenshots_of

    (tmp_path / "a.png").write_bytes(png())
    (tmp_path / "big.png").write_bytes(PNG_SIGNATURE + b"\0" * MAX_BYTES)
    evidence = (f"policy: none\nscreenshot: {tmp_path / 'a.png'}\nscreenshot: a.png\nscreenshot: big.png\n"
                "screenshot: (no screenshot: TimeoutError)\nscreenshot: gone.png")
    shots, notes = screenshots_of(evidence, tmp_path)
    assert [s.path for s in shots] == [str(tmp_path / "a.png"), "a.png"]
    assert notes == ["screenshot big.png not embedded: larger than 4 MiB",
                     "screenshot gone.png not embedded: No such file or directory"]
