"""Passive mode sees fixture traffic and places redirect-hop cookies (issue 17, points 9-11).

* Responses received in fixtures (a logged-in client fixture, a module fixture) are audited
  and reported on the first test that used the fixture.
* A cookie set on a redirect hop is reported once, at the hop that set it, with the Flask
  test client, requests and httpx (which follow redirects differently).
* The policies are built once per run, not per response.
"""

import json
import textwrap

APP = """
from flask import Flask, make_response, redirect

app = Flask(__name__)

@app.after_request
def headers(response):
    response.headers.update({
        "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})
    return response

@app.post("/login")
def login():
    response = redirect("/home")
    response.set_cookie("session", "top-secret-cookie-value")  # no Secure, no HttpOnly: planted
    return response

@app.get("/home")
def home():
    return "<p>home"

@app.get("/hardened-login")
def hardened_login():
    response = redirect("/home")
    response.set_cookie("session", "top-secret-cookie-value", secure=True, httponly=True, samesite="Lax")
    return response

@app.get("/leaky")
def leaky():
    response = make_response("<p>leaky")
    response.headers["X-Powered-By"] = "PHP/5.4.0"
    return response
"""

BASELINE = """
version: 1
extends: recommended
target: {app: "hopapp:app"}
passive: true
"""


def project(pytester, tests):
    pytester.makepyfile(hopapp=APP, test_user=textwrap.dedent(tests))
    pytester.makefile(".yaml", **{"security-baseline": BASELINE})


def passive_checks(pytester, *args):
    args = args or ("-k", "test_")  # the user's tests only, not the baseline's items
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "test_user.py", "--secure-json=out.json",
                                "--secure-fail-on=low", "-W", "ignore", *args)
    report = json.loads((pytester.path / "out.json").read_text())
    return result, {c["nodeid"].split("::")[-1]: c["findings"] for c in report["checks"] if c["area"] == "passive"}


FIXTURES = """
import pytest
from hopapp import app

@pytest.fixture(scope="module")
def logged_in():  # a module fixture that logs in: its traffic belongs to the first test using it
    client = app.test_client()
    client.post("/login")
    return client

@pytest.fixture
def leaky_page():  # a function fixture that fetches a page
    return app.test_client().get("/leaky")

def test_first_user_of_the_login_fixture(logged_in):
    assert logged_in is not None

def test_second_user_of_the_login_fixture(logged_in):
    assert logged_in is not None

def test_uses_the_page_fixture(leaky_page):
    assert leaky_page.status_code == 200
"""


def test_fixture_traffic_is_reported_on_the_first_test_that_used_the_fixture(pytester):
    project(pytester, FIXTURES)
    result, checks = passive_checks(pytester)
    result.assert_outcomes(passed=1, failed=2)
    assert set(checks) == {"test_first_user_of_the_login_fixture", "test_uses_the_page_fixture"}
    login = {(f["rule_id"], f["location"]) for f in checks["test_first_user_of_the_login_fixture"]}
    assert ("cookies/missing-secure", "POST /login") in login
    assert any(f["location"] == "GET /leaky" for f in checks["test_uses_the_page_fixture"])
    assert "top-secret-cookie-value" not in result.stdout.str()


HARDENED_FIXTURE = """
import pytest
from hopapp import app

@pytest.fixture
def logged_in():
    client = app.test_client()
    client.get("/hardened-login", follow_redirects=True)
    return client

def test_uses_the_hardened_login(logged_in):
    assert logged_in is not None
"""


def test_a_hardened_fixture_stays_quiet(pytester):
    project(pytester, HARDENED_FIXTURE)
    result, checks = passive_checks(pytester)
    result.assert_outcomes(passed=1)
    assert checks == {}


REDIRECTS = """
import httpx, requests
from tests.servers import serve_wsgi
from hopapp import app

def test_flask_client_follows_the_redirect():
    assert app.test_client().post("/login", follow_redirects=True).status_code == 200

def test_requests_follows_the_redirect():
    with serve_wsgi(app) as url:
        assert requests.post(url + "/login", timeout=5).status_code == 200

def test_httpx_follows_the_redirect():
    with serve_wsgi(app) as url:
        assert httpx.post(url + "/login", timeout=5, follow_redirects=True).status_code == 200
"""


def test_a_cookie_set_on_a_redirect_hop_is_reported_once_at_that_hop(pytester):
    project(pytester, REDIRECTS)
    for test in ("flask_client", "requests", "httpx"):
        result, checks = passive_checks(pytester, "-k", test)
        result.assert_outcomes(failed=1)
        (findings,) = checks.values()
        cookie = [f for f in findings if f["rule_id"].startswith("cookies/")]
        assert cookie, test
        assert {f["location"] for f in cookie} == {"POST /login"}, test
        assert len(cookie) == len({(f["rule_id"], f["key"]) for f in cookie}), test  # each once


def test_policies_are_built_once_per_run(pytester):
    tests = """
    from hopapp import app

    def test_many_responses():
        client = app.test_client()
        for _ in range(20):
            client.get("/home")
    """
    pytester.makeconftest("""
        import pytest
        from pytest_secure.hygiene import headers, cookies
        BUILT = []
        for module in (headers, cookies):
            original = module.policy_of
            def counting(baseline, _original=original, _name=module.__name__):
                BUILT.append(_name)
                return _original(baseline)
            module.policy_of = counting

        def pytest_sessionfinish(session):
            print("policies built:", len(BUILT))
    """)
    project(pytester, tests)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "test_user.py", "-s")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*policies built: 2"])
