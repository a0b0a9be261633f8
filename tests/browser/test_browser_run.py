"""The browser area in a real ``pytest --secure`` run: its items fail on a planted app and pass on
the twin; without Chromium or without Playwright they skip with the install line (never fail);
and under ``CI`` the browser tests themselves refuse to skip."""

from __future__ import annotations

import os
import textwrap

import pytest

from pytest_secure.browser.driver import ENV_VAR, find_browser
from pytest_secure.core.errors import BrowserUnavailable
from tests.core.project import in_process_target

from . import apps
from .helpers import require_browser

BASELINE = """
    version: 1
    target:
      {target}
    browser:
      paths: [/search, /app]
      params: {{/search: [q], /app: [msg]}}
      checks: [csp, dom_xss]
      {extra}
    """


def project(pytester, app, extra: str = "") -> None:
    target = in_process_target(pytester, app)
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE.format(target=target, extra=extra))})


@pytest.mark.parametrize(("planted", "failing"), [
    (True, {"browser[GET /search::csp]", "browser[GET /search::dom_xss]", "browser[GET /app::csp]",
            "browser[GET /app::dom_xss]"}),
    (False, {"browser[GET /app::csp]"}),  # the twin's /app defends with textContent, and has no CSP at all
], ids=["planted", "twin"])
def test_browser_items_fail_on_the_planted_app_and_pass_on_the_twin(pytester, planted, failing):
    require_browser()
    project(pytester, apps.flask_app(planted=planted))
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "-rA")
    result.assert_outcomes(failed=len(failing), passed=4 - len(failing))
    out = result.stdout.str()
    assert {item for item in (f"browser[GET {p}::{k}]" for p in ("/search", "/app") for k in ("csp", "dom_xss"))
            if f"FAILED security-baseline.yaml::{item}" in out} == failing
    assert "screenshot: " in out  # the failing items' evidence


def test_without_chromium_every_browser_item_skips_with_the_install_line(pytester):
    project(pytester, apps.flask_app(planted=True), extra="executable: /nonexistent/chromium")
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=4)
    assert result.ret == 0
    assert "apt-get install chromium" in result.stdout.str()


def test_without_playwright_every_browser_item_skips_with_the_pip_line(pytester, monkeypatch):
    """Playwright made unimportable in a subprocess (a package that raises ImportError first on
    the path), as on a machine where the browser extra is not installed."""
    blocker = pytester.mkdir("blocked")
    (blocker / "playwright").mkdir()
    (blocker / "playwright" / "__init__.py").write_text("raise ImportError(\"No module named 'playwright'\")\n")
    pytester.makepyfile(**{"plainapp": apps_source()})
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE.format(
        target="app: plainapp:app", extra=""))})
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(blocker), os.environ.get("PYTHONPATH", "")]))
    result = pytester.runpytest_subprocess("--secure", "-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(skipped=4)
    assert "pip install 'pytest-secure[browser]'" in result.stdout.str()


def apps_source() -> str:
    return textwrap.dedent("""
        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/html")])
            return [b"<!doctype html><title>plain</title><p>hello"]
        """)


def test_browser_lookup_order(tmp_path, monkeypatch):
    fake = tmp_path / "my-chromium"
    fake.write_text("#!/bin/sh\n")
    assert find_browser(str(fake)) == str(fake)  # browser.executable first
    monkeypatch.setenv(ENV_VAR, str(fake))
    assert find_browser() == str(fake)  # then the environment variable
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing"))
    with pytest.raises(BrowserUnavailable, match="apt-get install chromium"):
        find_browser()
    with pytest.raises(BrowserUnavailable, match="browser.executable '/nonexistent/x' does not exist"):
        find_browser("/nonexistent/x")


def test_under_ci_the_browser_tests_fail_instead_of_skipping(pytester, monkeypatch):
    pytester.makepyfile(test_needs_browser="""
        from tests.browser.helpers import require_browser

        def test_it():
            require_browser()
        """)
    monkeypatch.setenv(ENV_VAR, "/nonexistent/chromium")
    monkeypatch.setenv("CI", "true")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(failed=1)
    monkeypatch.delenv("CI")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(skipped=1)


def test_a_wrong_browser_key_is_a_placed_usage_error(pytester):
    pytester.makefile(".yaml", **{"security-baseline": "version: 1\ntarget: {base_url: 'http://127.0.0.1:9'}\n"
                                  "browser:\n  checks: [csp, clickjacking]\n"})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    assert result.ret == 4
    err = result.stderr.str() + result.stdout.str()
    assert "security-baseline.yaml:4:" in err and "clickjacking" in err
    assert "Traceback" not in err
