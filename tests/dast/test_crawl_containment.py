"""The DAST crawl cannot break the run (issue 10, item 8).

The portal (tests/dast/portal_app.py, Flask) has a "Log out" link that ends the session on the
server, a "Delete my account" button and an admin area. The crawl used to follow Log out with
the identity the authz cells share, so every later authz cell of that identity errored and
blamed its credentials. Now the crawl logs in on its own (a fresh session of the scan identity),
never follows logout/delete links or submits destructive forms unless
`dast.crawl.destructive: true`, and never requests what `dast.exclude` matches.
"""

import json
import textwrap

import pytest

from tests.dast import portal_app
from tests.servers import serve_wsgi

BASELINE = """
    version: 1
    target: {{{target}}}
    identities:
      alice: {{login: {{request: POST /login, form: {{username: alice, password: alice-pw}}, session_cookie: sid}}}}
    headers: {{paths: [/]}}
    authz:
      identities: [alice]
      rules:
        - {{request: GET /account, allow: [alice]}}
        - {{request: GET /reports, allow: [alice]}}
    dast:
      engine: builtin
      identity: alice
      crawl: {{submit_post_forms: true{crawl}}}
      {more}
    """


@pytest.fixture(params=["in-process", "live"])
def portal(request):
    """Yields (target spec, apps made for the run)."""
    portal_app.LAST.clear()
    if request.param == "in-process":
        yield 'app: "tests.dast.portal_app:make()"', portal_app.LAST
        return
    app = portal_app.make()
    with serve_wsgi(app) as url:
        yield f'base_url: "{url}"', [app]


def _run(pytester, target, crawl="", more=""):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE.format(
        target=target, crawl=crawl, more=more))})
    result = pytester.runpytest("--secure", "--secure-dast", "-p", "no:cacheprovider", "--secure-json", "report.json")
    assert result.ret in (0, 1), result.stdout.str()[-3000:]  # a test run, not a usage error
    report = json.loads((pytester.path / "report.json").read_text())
    assert any(r["area"] == "dast" for r in report["checks"]), "the DAST scan did not run"
    authz = {r["check"]: (r["outcome"], r["error"]) for r in report["checks"] if r["area"] == "authz"}
    return result, authz


def test_the_crawl_leaves_the_shared_session_alone(pytester, portal):
    target, apps = portal
    result, authz = _run(pytester, target, more='exclude: ["/admin/"]')
    assert authz == {"GET /account::alice": ("passed", None), "GET /reports::alice": ("passed", None)}
    seen = [(method, path) for app in apps for method, path, _ in app.config["seen"]]
    assert ("GET", "/logout") not in seen  # the Log out link was not followed
    assert ("POST", "/account/close") not in seen  # nor the "Delete my account" button pressed
    assert ("GET", "/admin/panel") not in seen  # dast.exclude
    assert ("POST", "/account/profile") in seen and ("GET", "/reports") in seen  # the rest was crawled
    assert all(not app.config["deleted"] for app in apps)
    # the crawl had a session of its own: alice logged in once for the checks, once for the crawl
    assert sum(1 for m, p in seen if (m, p) == ("POST", "/login")) == 2
    assert "URL(s) not requested" in result.stdout.str()


def test_what_the_crawl_left_alone_is_listed(pytester, portal):
    target, _ = portal
    result, _ = _run(pytester, target, more='exclude: ["/admin/"]')
    out = result.stdout.str()
    assert "3 URL(s) not requested" in out
    assert "/logout (ends the session or destroys data; dast.crawl.destructive: true crawls it)" in out
    assert "/account/close (ends the session or destroys data" in out
    assert "/admin/panel (dast.exclude '/admin/')" in out


def test_even_when_the_crawl_logs_out_the_checks_keep_their_session(pytester, portal):
    """`dast.crawl.destructive: true` lets the crawl log out (a test deployment): it ends the
    crawl's own session, never the one the authz cells use."""
    target, apps = portal
    _, authz = _run(pytester, target, crawl=", destructive: true")
    seen = [(method, path) for app in apps for method, path, _ in app.config["seen"]]
    assert ("GET", "/logout") in seen
    assert authz["GET /reports::alice"] == ("passed", None)


def test_the_crawl_never_uses_the_identity_the_checks_share(tmp_path):
    """Even a crawl that may log out (`destructive: true`) does it in its own session: the shared
    identity is not logged in, carries no cookie, and the app saw the crawl log in itself."""
    from pytest_secure.areas import RULES
    from pytest_secure.core.baseline import load_baseline
    from pytest_secure.core.redaction import Redactor
    from pytest_secure.core.session import SecureSession, make_target
    from pytest_secure.dast.config import dast_settings
    from pytest_secure.dast.engines import run_builtin
    from pytest_secure.dast.progress import Progress
    from pytest_secure.hygiene.passive import audit_response
    from tests.paths import ROOT

    path = tmp_path / "security-baseline.yaml"
    path.write_text(textwrap.dedent(BASELINE.format(target='app: "tests.dast.portal_app:make()"',
                                                    crawl=", destructive: true", more="")))
    baseline = load_baseline(path)
    portal_app.LAST.clear()
    session = SecureSession(baseline, make_target(baseline, ROOT), Redactor(baseline.secrets), RULES)
    run_builtin(session, dast_settings(baseline), Progress(None, str), audit_response)
    (app,) = portal_app.LAST
    seen = app.config["seen"]
    assert ("GET", "/logout", "alice") in seen  # the crawl logged its own session out
    shared = session.identity("alice")
    assert shared.cookies == {} and shared.login_response is None  # the checks' identity was never used


def test_a_bad_exclude_pattern_is_a_clear_error(pytester):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE.format(
        target='app: "tests.dast.portal_app:make()"', crawl="", more='exclude: ["(unclosed"]'))})
    result = pytester.runpytest("--secure", "--secure-dast", "-p", "no:cacheprovider")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*security-baseline.yaml:*: dast.exclude[[]0[]]: '(unclosed' is not a regular "
                                 "expression*"])
    assert "Traceback" not in result.stderr.str()


def test_zap_gets_the_excludes_in_its_context_and_plan(pytester, zap, example_url):
    """ZAP's context and the written plan leave out dast.exclude and the logout/delete URLs: the
    emulated spider of the example service (whose pages link POST /logout) never reaches them."""
    import yaml

    from pytest_secure.dast.config import DESTRUCTIVE_URL_REGEX
    from tests.dast.helpers import zap_project

    zap_project(pytester, target=example_url, proxy=zap.proxy, dast={"exclude": ["/reports/sensitive"]},
                top={"extends": "recommended"})
    result = pytester.runpytest("--secure", "--secure-dast", "--secure-zap-plan=zap.yaml", "-p", "no:cacheprovider")
    assert result.ret in (0, 1), result.stdout.str()[-2000:]
    excludes = yaml.safe_load((pytester.path / "zap.yaml").read_text())["env"]["contexts"][0]["excludePaths"]
    assert excludes == [".*(?:/reports/sensitive).*", DESTRUCTIVE_URL_REGEX]
    assert zap.contexts["pytest-secure"]["exclude"] == excludes
    spidered = [url for scan in zap.spiders.values() for url in scan.results]
    assert spidered, zap.spiders
    assert not any("logout" in url or "/reports/sensitive" in url for url in spidered)


def test_the_documented_word_list_is_the_one_in_use():
    import re

    from pytest_secure.dast.crawler import DESTRUCTIVE_WORDS, destructive
    from tests.paths import ROOT

    text = (ROOT / "docs" / "dast.md").read_text()
    section = text[text.index("names one of\n  these actions:"):text.index("POST forms are\n  submitted only")]
    words = set(re.findall(r"`([a-z]+)`", section))
    assert words == DESTRUCTIVE_WORDS
    assert [destructive(t) for t in ("Log out", "/account/sign-out", "Log_Off", "Delete my account", "/reports",
                                     "Logo", "/users?page=2")] == [True, True, True, True, False, False, False]
