"""Header findings as whole values, the rules each header gets, and who counts as
authenticated. Written from the survivors of the mutation check (docs/testing.md): each case
here failed a mutant of hygiene/headers.py that the fire/quiet tables let through."""

import pytest
from flask import Flask, make_response, request

from pytest_secure.core.findings import Finding, Severity
from pytest_secure.core.rules import Rule
from pytest_secure.hygiene import headers

from .audit import audit
from .responses import resp

HTML = ("Content-Type", "text/html; charset=utf-8")


def test_a_disclosing_header_keeps_its_advice_when_it_is_present():
    fix = headers._KNOWN["server"][-1]
    assert headers._header_rules(*headers._KNOWN["server"]) == (
        Rule("headers/server-missing", "Server header missing", Severity.LOW, 200, fix,
             "A response lacks the Server header that the baseline requires."),
        Rule("headers/server-present", "Server header present", Severity.LOW, 200, fix,
             "A response carries the Server header that the baseline forbids."),
        Rule("headers/server-value", "Server header has an unsafe value", Severity.LOW, 200, fix,
             "The Server value breaks a value rule of the baseline."),
    )


def test_a_protective_header_that_is_present_against_the_baseline_is_told_to_stop():
    fix = headers._KNOWN["strict-transport-security"][-1]
    missing, present, value = headers._header_rules(*headers._KNOWN["strict-transport-security"])
    assert (missing.severity, missing.cwe, value.severity, value.cwe) == (Severity.HIGH, 319, Severity.MEDIUM, 319)
    assert present == Rule("headers/hsts-present", "Strict-Transport-Security header present", Severity.LOW, 200,
                           "Stop sending the Strict-Transport-Security header.",
                           "A response carries the Strict-Transport-Security header that the baseline forbids.")
    assert missing.fix == value.fix == fix


def test_any_other_header_present_is_medium_with_the_rule_s_own_weakness():
    _, present, _ = headers._header_rules(*headers._OTHER)
    assert present == Rule("headers/other-present", "Header header present", Severity.MEDIUM, 693,
                           "Stop sending the Header header.",
                           "A response carries the Header header that the baseline forbids.")


def policy(**analysis):
    return headers.HeaderPolicy.from_section({"analysis": analysis})


def test_isolation_findings_name_the_header_as_it_is_spelled():
    answer = resp([("Cross-Origin-Embedder-Policy", "require-corp-x"), ("Cross-Origin-Resource-Policy", "cross-site-x"),
                   ("Cross-Origin-Opener-Policy", "same-origin")], url="https://example.test/app")
    assert policy(isolation=True).audit(answer) == [
        Finding("headers/cross-origin-isolation-invalid", "Cross-Origin-Embedder-Policy value 'require-corp-x' is not "
                "one of require-corp, credentialless, unsafe-none (browsers ignore it)", "GET /app",
                evidence="Cross-Origin-Embedder-Policy: require-corp-x", request=answer.request,
                key="isolation:cross-origin-embedder-policy"),
        Finding("headers/cross-origin-isolation-invalid", "Cross-Origin-Resource-Policy value 'cross-site-x' is not "
                "one of same-origin, same-site, cross-origin (browsers ignore it)", "GET /app",
                evidence="Cross-Origin-Resource-Policy: cross-site-x", request=answer.request,
                key="isolation:cross-origin-resource-policy"),
    ]


def test_a_malformed_permissions_policy_is_shown_as_sent():
    answer = resp([HTML, ("Permissions-Policy", "camera=(self")])
    [finding] = policy(permissions={"severity": "medium"}).audit(answer, location="GET /page")
    assert (finding.rule_id, finding.location, finding.evidence, finding.severity) == (
        "headers/permissions-policy-invalid", "GET /page", "Permissions-Policy: camera=(self", Severity.MEDIUM)


def test_each_enforced_csp_names_the_directive_that_governs_it():
    answer = resp([HTML, ("Content-Security-Policy", "script-src 'self' 'unsafe-inline'"),
                   ("Content-Security-Policy", "default-src 'self' 'unsafe-inline'")])
    assert ("headers/csp-unsafe-inline", "inline scripts run: 'unsafe-inline' without a nonce or hash "
            "(through default-src, script-src)", "Content-Security-Policy") in headers.analyse_csp(answer, {}, False)


def test_every_cache_control_header_is_shown():
    answer = resp([("Cache-Control", "public"), ("Cache-Control", "max-age=60")],
                  request_headers={"Authorization": "Bearer t"})
    [finding] = policy(caching=True).audit(answer)
    assert (finding.message, finding.evidence) == (
        "a response to an authenticated request may be stored (public, max-age=60); it needs no-store",
        "Cache-Control: public; Cache-Control: max-age=60")


def test_a_rule_finding_carries_its_place():
    answer = resp([HTML], url="https://example.test/home")
    section = {"rules": {"X-Frame-Options": {"required": True}}}
    [finding] = headers.HeaderPolicy.from_section(section).audit(answer)
    assert (finding.rule_id, finding.location) == ("headers/x-frame-options-missing", "GET /home")


@pytest.mark.parametrize(("request_headers", "authenticated"), [
    ({"Cookie": "sid=1"}, True), ({"authorization": "Bearer t"}, True), ({"COOKIE": "a=b"}, True),
    ({"Cookie": "  "}, False), ({"Accept": "text/html", "X-Cookie": "a"}, False), ({}, False),
])
def test_a_request_is_authenticated_by_a_cookie_or_an_authorization_header(request_headers, authenticated):
    assert headers.is_authenticated(resp(request_headers=request_headers)) is authenticated


BASELINE = """
    version: 1
    identities:
      alice: {login: {request: POST /login, form: {user: alice}, session_cookie: sid}}
    headers:
      identity: alice
      paths: [/account]
      analysis: {caching: true}
    """


def account_app() -> Flask:
    """/account may be cached; for a logged-in user it also names them."""
    app = Flask("header_table")

    @app.post("/login")
    def login():
        answer = make_response("ok")
        answer.set_cookie("sid", "alice-session", httponly=True)
        return answer

    @app.get("/account")
    def account():
        answer = make_response("hello alice" if request.cookies.get("sid") == "alice-session" else "hello")
        answer.headers["Cache-Control"] = "private, max-age=600"
        return answer

    return app


def test_an_analysis_runs_on_the_page_as_the_section_identity():
    found = audit(account_app(), BASELINE, live=False)
    assert [(f.rule_id, f.location, f.key) for f in found] == [
        ("headers/cache-control-authenticated", "GET /account", "caching:cache-control")]
    assert found[0].request.headers.get("Cookie") == "sid=alice-session"
    # anonymous holds no credentials, so the same page is no finding
    assert audit(account_app(), BASELINE.replace("identity: alice", "identity: anonymous"), live=False) == []


@pytest.mark.parametrize(("csp", "expected"), [
    (None, [("headers/csp-report-only", "only Content-Security-Policy-Report-Only is sent; it reports violations "
             "but blocks nothing")]),
    # the message names the directive that lets inline code run
    ("script-src 'self'; script-src-elem 'unsafe-inline'; style-src 'self'",
     [("headers/csp-unsafe-inline", "inline scripts run: 'unsafe-inline' without a nonce or hash "
       "(through script-src-elem)")]),
    ("script-src 'self'; script-src-attr 'unsafe-inline'; style-src 'self'",
     [("headers/csp-unsafe-inline", "inline scripts run: 'unsafe-inline' without a nonce or hash "
       "(through script-src-attr)")]),
    ("default-src 'self'; style-src-attr 'unsafe-inline'",
     [("headers/csp-unsafe-inline-style", "inline styles run: 'unsafe-inline' without a nonce or hash "
       "(through style-src-attr)")]),
    ("default-src 'self'; script-src https: data: *",
     [("headers/csp-wide-source", "script-src admits *, data:, https:, so scripts load from any such host; "
       "inline-blocking is easy to bypass")]),
])
def test_csp_analysis_of_report_only_element_and_attribute_directives_and_wide_sources(csp, expected):
    sent = [("Content-Security-Policy", csp)] if csp else []
    answer = resp([HTML, *sent, ("Content-Security-Policy-Report-Only", "default-src 'self'")])
    assert headers.analyse_csp(answer, {}, False) == [(r, m, "Content-Security-Policy") for r, m in expected]
