"""Cookie findings as whole values (rule, message, location, evidence, severity, request, key),
the merge order of cookie-name patterns, the lifetime boundary and the checks the cookies
section collects. Written from the survivors of the mutation check (docs/testing.md): each
case here failed a mutant of hygiene/cookies.py that the fire/quiet tables let through."""

import pytest
from flask import Flask, make_response, redirect, request

from pytest_secure.core.findings import Finding, Severity
from pytest_secure.hygiene import cookies

from .audit import audit, load
from .responses import resp


def policy(rules):
    return cookies.CookiePolicy.from_section({"rules": rules})


def test_a_finding_carries_its_place_the_masked_cookie_its_severity_and_the_request():
    answer = resp([("Set-Cookie", "sid=secret-token; Path=/; HttpOnly")], url="https://example.test/account")
    found = policy({"*": {"secure": True, "severity": "high"}}).audit(answer)
    assert found == [Finding("cookies/missing-secure", "cookie sid lacks the Secure attribute", "GET /account",
                             evidence="Set-Cookie: sid=[REDACTED]; Path=/; HttpOnly", severity=Severity.HIGH,
                             request=answer.request, key="sid")]
    # a check passes its own place (the login request); without a severity the rule's default holds
    [login] = policy({"*": {"secure": True}}).audit(answer, location="POST /login")
    assert (login.location, login.severity) == ("POST /login", None)


def test_a_required_cookie_that_is_not_set_names_the_cookies_that_were():
    answer = resp([("Set-Cookie", "theme=dark; Secure; HttpOnly; SameSite=Lax")])
    rules = {"XSRF-TOKEN": {"required": True, "severity": "low"}, "sess*": {"required": True},
             "theme": {"required": True}}
    assert policy(rules).audit(answer) == [
        Finding("cookies/required-missing", "cookie XSRF-TOKEN is not set", "GET /", evidence="cookies set: theme",
                severity=Severity.LOW, request=answer.request, key="XSRF-TOKEN")]  # a pattern requires nothing
    [two] = policy({"sid": {"required": True}}).audit(resp([("Set-Cookie", "b=1"), ("Set-Cookie", "a=2")]))
    assert two.evidence == "cookies set: a, b"
    [none] = policy({"sid": {"required": True}}).audit(resp())
    assert (none.message, none.evidence, none.severity) == ("cookie sid is not set", "cookies set: none", None)


@pytest.mark.parametrize(("rules", "header", "expected"), [
    # the exact name is merged last, whatever order the baseline lists the patterns in
    ({"XSRF": {"httponly": False}, "xs?f": {"httponly": True}}, "XSRF=t; Secure; SameSite=Lax", []),
    ({"xs?f": {"httponly": True}, "XSRF": {"httponly": False}}, "XSRF=t; Secure; SameSite=Lax", []),
    ({"XSRF": {"httponly": True}, "xs?f": {"httponly": False}}, "XSRF=t; Secure; SameSite=Lax",
     ["cookies/missing-httponly"]),
    # a wildcard with more literal text is more specific than a shorter one
    ({"s*": {"httponly": True}, "*": {"httponly": False}}, "sid=1; Secure", ["cookies/missing-httponly"]),
    # a later rule keeps what it does not set from the earlier ones
    ({"*": {"secure": True}, "sid": {"httponly": True}}, "sid=1", ["cookies/missing-secure",
                                                                   "cookies/missing-httponly"]),
    ({"*": {"domain": "host-only"}, "sid": {"httponly": True}}, "sid=1; HttpOnly; Domain=example.test",
     ["cookies/domain-too-broad"]),
    ({"*": {"domain": "host-only"}, "sid": {"domain": "any"}}, "sid=1; Domain=example.test", []),
])
def test_patterns_merge_from_the_most_general_to_the_exact_name(rules, header, expected):
    assert [f.rule_id for f in policy(rules).audit(resp([("Set-Cookie", header)]))] == expected


@pytest.mark.parametrize(("max_age", "lives", "message"), [
    ("1h", "Max-Age=3660", None),  # a minute of slack for clocks: the last second that holds
    ("1h", "Max-Age=3661", "cookie s lives 1.0 h, more than 1.0 h"),
    ("1m", "Max-Age=3600", "cookie s lives 1.0 h, more than 60 s"),
    ("1m", "Max-Age=3599", "cookie s lives 3599 s, more than 60 s"),
    ("1m", "Max-Age=5580", "cookie s lives 1.6 h, more than 60 s"),
    ("1d", "Max-Age=90720", "cookie s lives 1.1 days, more than 1.0 days"),
])
def test_lifetime_boundary_and_units(max_age, lives, message):
    found = policy({"*": {"max-age": max_age}}).audit(resp([("Set-Cookie", f"s=v; {lives}")]))
    assert [f.message for f in found] == ([message] if message else [])


def test_the_evidence_keeps_every_attribute_and_masks_only_the_value():
    [finding] = policy({"*": {"secure": True}}).audit(resp([("Set-Cookie", "s=v; Path=/; HttpOnly; SameSite=Lax")]))
    assert finding.evidence == "Set-Cookie: s=[REDACTED]; Path=/; HttpOnly; SameSite=Lax"


BASELINE = """
    version: 1
    identities:
      alice: {login: {request: POST /login, form: {user: alice}, session_cookie: sid}}
    cookies:
      identity: alice
      paths: [/account, POST /prefs]
      rules: {"*": {httponly: true}}
    """


def cookie_app() -> Flask:
    """An app whose /account sets a script-readable cookie for a logged-in user only, and whose
    login, which redirects to /account, sets a script-readable "remember" cookie."""
    app = Flask("cookie_table")

    @app.post("/login")
    def login():
        answer = redirect("/account")
        answer.set_cookie("sid", "alice-session", httponly=True, secure=True, samesite="Lax")
        answer.set_cookie("remember", "1", secure=True, samesite="Lax")
        return answer

    @app.get("/account")
    def account():
        answer = make_response("account")
        if request.cookies.get("sid") == "alice-session":
            answer.set_cookie("last_seen", "today", secure=True, samesite="Lax")  # no HttpOnly
        return answer

    @app.post("/prefs")
    def prefs():
        return "saved"

    return app


def test_the_section_collects_one_check_per_page_and_one_per_login():
    checks = cookies.collect(load(BASELINE))
    assert [(c.area, c.name, c.rules, c.path) for c in checks] == [
        ("cookies", "GET /account", cookies.RULE_IDS, "/account"),
        ("cookies", "POST /prefs", cookies.RULE_IDS, "/prefs"),
        ("cookies", "login:alice", cookies.RULE_IDS, "/login")]
    quiet = BASELINE.replace("identity: alice", "identity: alice\n      logins: false")
    assert [c.name for c in cookies.collect(load(quiet))] == ["GET /account", "POST /prefs"]


def test_pages_are_fetched_as_the_section_identity_with_the_section_rules():
    found = audit(cookie_app(), BASELINE, live=False)
    login = ("cookies/missing-httponly", "POST /login", "remember")  # the login's place, not where it redirects
    assert [(f.rule_id, f.location, f.key) for f in found] == [
        ("cookies/missing-httponly", "GET /account", "last_seen"), login]
    anonymous = BASELINE.replace("identity: alice", "identity: anonymous")
    # the same page without a session sets no cookie; the login is judged all the same
    assert [(f.rule_id, f.location, f.key) for f in audit(cookie_app(), anonymous, live=False)] == [login]
