"""The authz outcome judgement on real Flask responses: how a response is read (allowed, denied,
unclear), how it is judged against a cell's expectation, and which finding it amounts to.

The end-to-end tests (test_oracles.py, test_flask_planted.py ...) run the same code through
pytest items; these are the fast, exhaustive table the mutation check (docs/testing.md) runs.
"""

import re

import pytest
from flask import Flask, redirect

from pytest_secure.authz.config import ALLOW, CONCEAL, DENY, UNAUTHENTICATED, Matchers
from pytest_secure.authz.outcome import (
    ALLOWED,
    BLOCKED,
    DENIED,
    LEAK,
    OK,
    SNIPPET,
    UNCLEAR,
    UNCLEAR_DENIAL,
    WRONG_DENIAL,
    Judgement,
    classify,
    describe_expectation,
    finding_for,
    judge,
    leak_rule,
)


def vault_app() -> Flask:
    app = Flask("vault")
    app.add_url_rule("/ok", "ok", lambda: "<h1>the vault</h1>")
    app.add_url_rule("/soft", "soft", lambda: "<p>Access denied</p>")
    app.add_url_rule("/forbidden", "forbidden", lambda: ("no", 403))
    app.add_url_rule("/missing", "missing", lambda: ("gone", 404))
    app.add_url_rule("/unauth", "unauth", lambda: ("log in", 401))
    app.add_url_rule("/crash", "crash", lambda: ("oops", 500))
    app.add_url_rule("/bad", "bad", lambda: ("bad", 400))
    app.add_url_rule("/to-login", "to_login", lambda: redirect("/accounts/login?next=/vault"))
    app.add_url_rule("/to-home", "to_home", lambda: redirect("/home"))
    app.add_url_rule("/long", "long", lambda: "word " * 100)
    app.add_url_rule("/empty", "empty", lambda: "")
    return app


@pytest.fixture(scope="module")
def get():
    client = vault_app().test_client()
    return lambda path: client.get(path)


DEFAULT = Matchers()
CLASSIFY = [
    (DEFAULT, "/ok", ALLOWED), (DEFAULT, "/forbidden", DENIED), (DEFAULT, "/missing", DENIED),
    (DEFAULT, "/unauth", DENIED), (DEFAULT, "/crash", UNCLEAR), (DEFAULT, "/bad", UNCLEAR),
    (DEFAULT, "/to-login", ALLOWED), (DEFAULT, "/soft", ALLOWED),
    (Matchers(deny_redirect="/accounts/login*"), "/to-login", DENIED),
    (Matchers(deny_redirect="/accounts/login*"), "/to-home", ALLOWED),
    (Matchers(deny_body=re.compile("Access denied")), "/soft", DENIED),
    (Matchers(deny_body=re.compile("Access denied")), "/ok", ALLOWED),
    (Matchers(allow_body=re.compile("the vault")), "/ok", ALLOWED),
    (Matchers(allow_body=re.compile("the vault")), "/soft", DENIED),
    (Matchers(allow_body=re.compile("the vault")), "/crash", UNCLEAR),
    (Matchers(deny_statuses=frozenset({403})), "/missing", UNCLEAR),
    (Matchers(deny_statuses=frozenset({403})), "/forbidden", DENIED),
]


@pytest.mark.parametrize(("matchers", "path", "actual"), CLASSIFY)
def test_classify(get, matchers, path, actual):
    assert classify(get(path), matchers) == actual


JUDGE = [
    (ALLOW, "/ok", OK), (ALLOW, "/forbidden", BLOCKED), (ALLOW, "/crash", BLOCKED),
    (DENY, "/ok", LEAK), (DENY, "/crash", UNCLEAR_DENIAL), (DENY, "/forbidden", OK), (DENY, "/missing", OK),
    (CONCEAL, "/forbidden", WRONG_DENIAL), (CONCEAL, "/missing", OK), (CONCEAL, "/ok", LEAK),
    (CONCEAL, "/bad", UNCLEAR_DENIAL),
    (UNAUTHENTICATED, "/forbidden", WRONG_DENIAL), (UNAUTHENTICATED, "/unauth", OK),
    (UNAUTHENTICATED, "/ok", LEAK),
]


@pytest.mark.parametrize(("expectation", "path", "verdict"), JUDGE)
def test_judge(get, expectation, path, verdict):
    response = get(path)
    assert judge(expectation, response, DEFAULT) == Judgement(verdict, classify(response, DEFAULT),
                                                              response.status_code)


@pytest.mark.parametrize(("expectation", "identity", "label", "path", "rule_id", "message"), [
    (DENY, "anonymous", "GET /ok", "/ok", "authz/unauthenticated-access",
     "anonymous was allowed GET /ok, which the baseline denies to anonymous"),
    (DENY, "bob", "GET /ok", "/ok", "authz/forbidden-access", "bob was allowed GET /ok"),
    (DENY, "bob", "delete /ok", "/ok", "authz/forbidden-action", "bob was allowed delete /ok"),
    (CONCEAL, "bob", "GET /forbidden", "/forbidden", "authz/denial-status",
     "bob was refused GET /forbidden with 403, expected 404 (conceal: the resource's existence must not show)"),
    (UNAUTHENTICATED, "anonymous", "GET /forbidden", "/forbidden", "authz/denial-status",
     "anonymous was refused GET /forbidden with 403, expected 401"),
    (DENY, "bob", "GET /crash", "/crash", "authz/unclear-denial",
     "bob was neither allowed nor clearly denied GET /crash: HTTP 500 is not one of authz.deny"),
])
def test_finding_for_each_wrong_outcome(get, expectation, identity, label, path, rule_id, message):
    response = get(path)
    finding = finding_for(judge(expectation, response, DEFAULT), expectation, identity, response, label)
    assert finding is not None
    assert (finding.rule_id, finding.key) == (rule_id, identity)
    assert finding.message.startswith(message), finding.message
    assert finding.location == f"{label.split()[0]} {path}"
    assert finding.evidence.startswith(f"{identity} got HTTP {response.status_code}: ")


def test_a_fine_cell_has_no_finding_and_evidence_is_cut(get):
    assert finding_for(judge(DENY, get("/forbidden"), DEFAULT), DENY, "bob", get("/forbidden"), "GET /x") is None
    long = get("/long")
    finding = finding_for(judge(DENY, long, DEFAULT), DENY, "bob", long, "GET /long")
    assert finding.evidence == "bob got HTTP 200: " + ("word " * 100)[:SNIPPET] + "..."
    empty = get("/empty")
    assert finding_for(judge(DENY, empty, DEFAULT), DENY, "bob", empty, "GET /empty").evidence == \
        "bob got HTTP 200: (empty body)"


def test_redirects_are_read_from_pytest_secure_responses_too():
    """The checks hand over pytest-secure's own Response (a header() method, headers as pairs)."""
    from tests.hygiene.responses import resp

    login = Matchers(deny_redirect="/accounts/login*")
    to_login = resp([("Location", "https://app.test/accounts/login?next=/vault")], status=302)
    assert classify(to_login, login) == DENIED
    assert classify(resp([("Location", "/home")], status=302), login) == ALLOWED


@pytest.mark.parametrize(("method", "rule_id"), [
    ("POST", "authz/forbidden-action"), ("put", "authz/forbidden-action"), ("Patch", "authz/forbidden-action"),
    ("DELETE", "authz/forbidden-action"), ("GET", "authz/forbidden-access"), ("HEAD", "authz/forbidden-access"),
])
def test_a_leak_that_writes_is_an_action(method, rule_id):
    assert leak_rule(method, "bob") == rule_id
    assert leak_rule(method, "anonymous") == "authz/unauthenticated-access"


def test_findings_on_pytest_secure_responses_keep_the_request_and_the_query():
    from tests.hygiene.responses import resp

    response = resp(body=b"<h1>the vault</h1>", url="https://app.test/vault?id=7")
    finding = finding_for(judge(DENY, response, DEFAULT), DENY, "bob", response, "GET /vault")
    assert finding.location == "GET /vault?id=7"
    assert finding.request is response.request and finding.request is not None
    bare = resp(body=b"x", url="https://app.test")
    assert finding_for(judge(DENY, bare, DEFAULT), DENY, "bob", bare, "GET /").location == "GET /"


def test_expectations_are_described():
    assert [describe_expectation(e) for e in (ALLOW, DENY, CONCEAL, UNAUTHENTICATED)] == [
        "allowed", "denied", "concealed (404)", "refused with 401"]
