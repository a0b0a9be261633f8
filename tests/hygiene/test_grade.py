"""The Observatory's scoring offline: modifiers, the 90-point bonus rule, the grade bands, and
--secure-min-grade on a real app (localhost, any port)."""

import pytest

from pytest_secure.hygiene.observatory import TestResult as Result
from pytest_secure.hygiene.observatory import grade_of, grade_response, meets, score

from .responses import resp

A_PLUS = [
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Content-Type", "text/html"),
]


def results(grade):
    return {r.test: (r.result, r.modifier) for r in grade.results}


def test_bands():
    assert [grade_of(s) for s in (135, 100, 99, 90, 85, 80, 70, 65, 60, 50, 45, 40, 30, 25, 24, 0)] == [
        "A+", "A+", "A", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F", "F"]
    assert meets("A", "B+") and not meets("B", "B+") and meets("A+", "A+")


def test_bonuses_count_only_at_90_or_more():
    assert score([Result("a", "x", -10), Result("b", "y", 25)]).score == 115
    assert score([Result("a", "x", -11), Result("b", "y", 25)]).score == 89
    assert score([Result("a", "x", -150)]).score == 0


def test_a_plus_page():
    grade = grade_response(resp(A_PLUS, body=b"<!doctype html><p>hi"))
    assert (grade.score, grade.grade) == (120, "A+")  # 100, then bonuses: csp +10, referrer +5, frame-ancestors +5
    assert results(grade)["content-security-policy"] == ("csp-implemented-with-no-unsafe-default-src-none", 10)
    assert results(grade)["x-frame-options"] == ("x-frame-options-implemented-via-csp", 5)


def test_bare_page_and_each_penalty():
    bare = grade_response(resp([("Content-Type", "text/html")], url="http://localhost:8000/"))
    assert results(bare)["content-security-policy"] == ("csp-not-implemented", -25)
    assert results(bare)["strict-transport-security"] == ("hsts-not-implemented-no-https", -20)  # plain http
    assert results(bare)["x-frame-options"] == ("x-frame-options-not-implemented", -20)
    assert results(bare)["x-content-type-options"] == ("x-content-type-options-not-implemented", -5)
    assert results(bare)["redirection"] == ("redirection-missing", -20)
    assert (bare.score, bare.grade) == (10, "F")


@pytest.mark.parametrize(("headers", "test", "expected"), [
    ([("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'")], "content-security-policy",
     ("csp-implemented-with-unsafe-inline", -20)),
    ([("Content-Security-Policy", "default-src 'self' 'unsafe-eval'; object-src 'none'")], "content-security-policy",
     ("csp-implemented-with-unsafe-eval", -10)),
    ([("Content-Security-Policy", "default-src 'self'; img-src http:")], "content-security-policy",
     ("csp-implemented-with-insecure-scheme-in-passive-content-only", -10)),
    ([("Referrer-Policy", "unsafe-url")], "referrer-policy", ("referrer-policy-unsafe", -5)),
    ([("Strict-Transport-Security", "max-age=300")], "strict-transport-security",
     ("hsts-implemented-max-age-less-than-six-months", -10)),
    ([("Set-Cookie", "sessionid=1; HttpOnly")], "cookies", ("cookies-session-without-secure-flag", -40)),
    ([("Set-Cookie", "sessionid=1; Secure; HttpOnly; SameSite=Lax")], "cookies",
     ("cookies-secure-with-httponly-sessions-and-samesite", 5)),
    ([("Set-Cookie", "sessionid=1; Secure"), ("Strict-Transport-Security", "max-age=31536000")], "cookies",
     ("cookies-session-without-httponly-flag", -30)),
])
def test_single_results(headers, test, expected):
    assert results(grade_response(resp(headers)))[test] == expected


def test_sri_and_cors():
    html = b'<script src="https://cdn.example.net/x.js"></script><script src="/local.js"></script>'
    page = resp([("Content-Type", "text/html")], body=html)
    assert results(grade_response(page))["subresource-integrity"] == (
        "sri-not-implemented-but-external-scripts-loaded-securely", -5)
    probe = resp([("Access-Control-Allow-Origin", "https://evil.example"), ("Access-Control-Allow-Credentials", "true")],
                 request_headers={"Origin": "https://evil.example"})
    assert results(grade_response(page, probe))["cross-origin-resource-sharing"][1] == -50


GOOD_APP = """
from flask import Flask
app = Flask(__name__)

@app.after_request
def headers(r):
    r.headers.update({{"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
                      "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                      "Strict-Transport-Security": "max-age=31536000{hsts}"}})
    return r

@app.get("/")
def index():
    return "<!doctype html><p>hi"
"""


@pytest.mark.parametrize("minimum", ["A+", "B"])
def test_min_grade_passes_on_localhost_and_any_port(pytester, minimum):
    pytester.makepyfile(gradeapp=GOOD_APP.format(hsts="; includeSubDomains"))
    pytester.makefile(".yaml", **{"security-baseline": "version: 1\ntarget: {app: 'gradeapp:app', "
                                  "base_url: 'https://localhost:8443'}\n"})
    result = pytester.runpytest("--secure", f"--secure-min-grade={minimum}", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_min_grade_fails_with_the_breakdown(pytester):
    pytester.makepyfile(gradeapp2="from flask import Flask\napp = Flask(__name__)\n\n@app.get('/')\n"
                                  "def index():\n    return '<p>hi'\n")
    pytester.makefile(".yaml", **{"security-baseline": "version: 1\ntarget: {app: 'gradeapp2:app'}\n"})
    result = pytester.runpytest("--secure", "--secure-min-grade=B", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*grade/below-minimum [[]high[]] grade F (score 10) is below the minimum B*",
                                 "*-25 content-security-policy: csp-not-implemented*"])
