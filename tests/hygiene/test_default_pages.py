"""Default pages, versions in bodies and debug toolbars (issue 13, item 4): planted on Django,
Flask and FastAPI, in process and on loopback, found; the hardened twins quiet."""

from __future__ import annotations

import pytest

from pytest_secure.core.findings import Request
from pytest_secure.core.target import Response
from pytest_secure.hygiene import leaks

from . import depth_apps
from .audit import audit

BASELINE = """
    version: 1
    extends: recommended
    headers: {paths: [/]}
    """
WATCHED = ("leaks/default-page", "leaks/version-in-body", "leaks/debug-toolbar")

CASES = {  # name: (app factory, rule, where the planted one shows it)
    # with no URL at all, Django answers every path with its welcome page: reported once, on the
    # page check, not again on each error probe that was answered the same page
    "django-welcome": (depth_apps.django_welcome_app, "leaks/default-page", {"GET /"}),
    "flask-powered-by": (depth_apps.flask_footer_app, "leaks/version-in-body", {"GET /"}),
    "fastapi-generator": (depth_apps.fastapi_generator_app, "leaks/version-in-body", {"GET /"}),
}


def watched(findings) -> set[tuple[str, str]]:
    return {(f.rule_id, f.location) for f in findings if f.rule_id in WATCHED}


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
@pytest.mark.parametrize("name", list(CASES))
def test_planted_default_page_or_version_is_found_and_twin_is_quiet(name, live):
    make, rule, where = CASES[name]
    assert watched(audit(make(planted=True), BASELINE, live=live)) == {(rule, w) for w in where}
    assert watched(audit(make(planted=False), BASELINE, live=live)) == set()


def page(body: str, status: int = 200) -> Response:
    return Response("GET", "https://localhost/", status, [("Content-Type", "text/html")], body.encode(), 0.0,
                    Request("GET", "https://localhost/"))


TOOLBARS = {  # the toolbars' own markup, as each injects it into a page
    "Django Debug Toolbar": '<div id="djDebug" class="djdt-hidden" dir="ltr" data-store-id="1">',
    "Flask-DebugToolbar": '<div id="flDebug" style="display:none;" role="navigation">',
    "Symfony web debug toolbar": '<div id="sfwdt3c2a1f" class="sf-toolbar sf-display-none" role="region">',
    "Laravel Debugbar": '<script>var phpdebugbar = new PhpDebugBar.DebugBar();</script>',
    "Pyramid debug toolbar": '<div id="pDebug" style="display:none">',
}


@pytest.mark.parametrize("name", list(TOOLBARS))
def test_debug_toolbar_signatures(name):
    [finding] = leaks.LeakPolicy().audit(page(f"<!doctype html><body>hi{TOOLBARS[name]}</body>"))
    assert finding.rule_id == "leaks/debug-toolbar" and name in finding.message
    assert leaks.LeakPolicy().audit(page("<!doctype html><body><div id='debug-panel'>hi</div></body>")) == []


@pytest.mark.parametrize("body", ['<meta name="generator" content="WordPress 6.4.2">',
                                  "<footer>Powered by <a href='/x'>Ghost</a> 5.2</footer>", "Powered by PHP/8.2.1"])
def test_versions_in_bodies(body):
    assert [f.rule_id for f in leaks.LeakPolicy().audit(page(body))] == ["leaks/version-in-body"]


@pytest.mark.parametrize("body", ['<meta name="generator" content="Hugo">', "Powered by nginx",
                                  "<p>Python 3.11 support</p>", "version 2.1 of our terms"])
def test_no_version_no_finding(body):
    assert leaks.LeakPolicy().audit(page(body)) == []
