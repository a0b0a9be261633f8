"""Passive mode end to end: with `passive: true` and --secure, the responses the project's own
tests receive (Flask test client, Starlette TestClient, Django test client, requests, httpx)
are audited; each problem is reported once per rule and path, by the first test that saw it."""

import textwrap

APP = """
from flask import Flask, make_response

app = Flask(__name__)

@app.after_request
def headers(response):
    if response.status_code == 200 and not response.headers.get("X-Bare"):
        response.headers.update({
            "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
            "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})
    return response

@app.get("/")
def index():
    return "<p>ok"

@app.get("/bare")
def bare():
    response = make_response("<p>bare")
    response.headers["X-Bare"] = "1"
    response.set_cookie("session", "top-secret-cookie-value")
    return response
"""

BASELINE = """
version: 1
extends: recommended
target: {app: "passiveapp:app"}
passive: %s
"""

TESTS = """
from passiveapp import app

def test_good_page():
    assert app.test_client().get("/", base_url="https://localhost").status_code == 200

def test_bare_page_first():
    assert app.test_client().get("/bare").status_code == 200

def test_bare_page_again():  # the same problems at the same path: already reported
    assert app.test_client().get("/bare").status_code == 200
"""


def project(pytester, passive="true", tests=TESTS):
    pytester.makepyfile(passiveapp=APP, test_user=textwrap.dedent(tests))
    pytester.makefile(".yaml", **{"security-baseline": BASELINE % passive})


def test_problems_fail_the_first_test_that_received_them(pytester):
    project(pytester)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "test_user.py", "-k", "test_", "-rf")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*pytest-secure passive mode: responses this test received break the baseline*",
        "headers/csp-missing [[]high[]] Content-Security-Policy is missing",
        "  at:        GET /bare",
        "FAILED test_user.py::test_bare_page_first*",
    ])
    assert "top-secret-cookie-value" not in result.stdout.str()


def test_without_passive_the_user_tests_are_left_alone(pytester):
    project(pytester, passive="false")
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "test_user.py", "-k", "test_")
    result.assert_outcomes(passed=3)


def test_without_secure_nothing_is_audited(pytester):
    project(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider", "test_user.py")
    result.assert_outcomes(passed=3)


def test_findings_reach_the_json_report(pytester):
    import json

    project(pytester)
    pytester.runpytest("--secure", "-p", "no:cacheprovider", "test_user.py", "-k", "test_", "--secure-json=out.json")
    report = json.loads((pytester.path / "out.json").read_text())
    passive = [c for c in report["checks"] if c["area"] == "passive"]
    assert [c["nodeid"] for c in passive] == ["test_user.py::test_bare_page_first"]
    rules = {f["rule_id"] for f in passive[0]["findings"]}
    assert {"headers/csp-missing", "cookies/missing-secure", "cookies/missing-httponly"} <= rules


OTHER_CLIENTS = """
import httpx, requests
from tests.servers import serve_wsgi
from starlette.testclient import TestClient
from fastapi import FastAPI
from passiveapp import app

api = FastAPI()

@api.get("/api")
def api_root():
    return {"ok": True}

def test_starlette_testclient():
    assert TestClient(api).get("/api").status_code == 200

def test_requests_and_httpx_on_a_live_server():
    with serve_wsgi(app) as url:
        assert requests.get(url + "/bare", timeout=5).status_code == 200
        assert httpx.get(url + "/bare", timeout=5).status_code == 200
"""


def test_other_clients_are_audited_too(pytester):
    project(pytester, tests=OTHER_CLIENTS)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "test_user.py", "-k", "test_", "-W", "ignore")
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert "GET /api" in out and "GET /bare" in out


def test_django_test_client_is_audited(pytester):
    tests = """
    from tests.hygiene import apps

    def test_django_default():
        apps.django_app(apps.DJANGO_DEFAULT)
        from django.test import Client
        from django.test.utils import override_settings
        with override_settings(**apps.DJANGO_DEFAULT, ROOT_URLCONF="tests.hygiene.apps"):
            assert Client().get("/").status_code == 200
    """
    project(pytester, tests=tests)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "test_user.py", "-k", "test_")
    result.assert_outcomes(failed=1)
    # Django's test client keeps cookies out of the headers; the medium cookie findings are warnings
    result.stdout.fnmatch_lines(["headers/csp-missing [[]high[]]*", "*finding(s) below the fail_on threshold*"])
