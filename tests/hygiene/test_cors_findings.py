"""CORS findings as whole values: which probe showed what, with which message, evidence,
severity and key, how repeated problems fold into one finding, the preflight, and the checks
the cors section collects. Written from the survivors of the mutation check (docs/testing.md):
each case here failed a mutant of hygiene/cors.py that the fire/quiet tables let through."""

import pytest
from flask import Flask, request

from pytest_secure.core.findings import Finding, Severity
from pytest_secure.hygiene import cors

from .audit import audit, load
from .responses import resp
from .test_rules import cors_server

ALLOWED = ("https://app.example.test",)
ATTACKER = cors.PROBE_ORIGIN
CREDS = " with Access-Control-Allow-Credentials: true"


def rows(findings):
    return [(f.rule_id, f.message, f.location, f.evidence, f.severity, f.key) for f in findings]


def test_an_origin_echoing_service_shows_every_probe_once():
    def echo(method, origin):
        return [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", "GET, PUT"), ("Content-Type", "text/plain")] if origin else []

    found = cors.audit_path(cors_server(echo), "GET", "/api", ALLOWED, preflight=True)
    shown = "; Access-Control-Allow-Credentials: true; Access-Control-Allow-Methods: GET, PUT"

    def probe(origin):
        return f"Origin: {origin} -> HTTP 200; Access-Control-Allow-Origin: {origin}{shown}"

    look_alikes = cors.look_alikes(ALLOWED[0])
    assert rows(found) == [
        ("cors/origin-reflected-credentials", f"the unrelated origin {ATTACKER} is echoed{CREDS}", "GET /api",
         probe(ATTACKER), None, f"cors/origin-reflected-credentials:{ATTACKER}"),
        ("cors/null-origin", f"Origin: null is allowed{CREDS}", "GET /api", probe("null"), Severity.HIGH,
         "cors/null-origin:null"),
        *[("cors/origin-validation-bypass", f"the look-alike origin {o} is allowed{CREDS}", "GET /api", probe(o), None,
           f"cors/origin-validation-bypass:{o}") for o in look_alikes],
        ("cors/preflight-permissive", f"a preflight from {ATTACKER} may send PUT (Access-Control-Allow-Methods: "
         "GET, PUT)", "OPTIONS /api", probe(ATTACKER), None, "preflight"),
    ]
    # each finding carries the request that showed it
    assert [f.request.headers.get("Origin") for f in found] == [ATTACKER, "null", *look_alikes, ATTACKER]
    assert found[-1].request.method == "OPTIONS"
    assert found[-1].request.headers == {"Origin": ATTACKER, "Access-Control-Request-Method": "PUT",
                                         "Access-Control-Request-Headers": "x-pytest-secure"}


def test_a_wildcard_with_credentials_is_one_finding_however_many_probes_show_it():
    def star(method, origin):
        return [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "TRUE ")]

    found = cors.audit_path(cors_server(star), "POST", "/api", (), preflight=True)
    assert rows(found) == [
        ("cors/wildcard-credentials", "Access-Control-Allow-Origin: * with credentials (browsers refuse it, so the "
         "configuration is wrong either way) (no Origin sent)", "POST /api",
         "no Origin -> HTTP 200; Access-Control-Allow-Origin: *; Access-Control-Allow-Credentials: TRUE ", None,
         "cors/wildcard-credentials")]
    assert found[0].request.method == "POST" and found[0].request.headers == {}


def test_a_fixed_foreign_origin_is_untrusted_with_and_without_an_origin_sent():
    def fixed(method, origin):
        return [("Access-Control-Allow-Origin", "https://partner.example.test")]

    found = cors.audit_path(cors_server(fixed), "GET", "/p", ALLOWED, preflight=False)
    message = "Access-Control-Allow-Origin: https://partner.example.test is not in cors.allowed_origins"
    answer = "-> HTTP 200; Access-Control-Allow-Origin: https://partner.example.test"
    assert rows(found) == [
        ("cors/untrusted-origin", f"{message} (no Origin sent)", "GET /p", f"no Origin {answer}", None,
         "cors/untrusted-origin:(no Origin)"),
        ("cors/untrusted-origin", message, "GET /p", f"Origin: {ATTACKER} {answer}", None,
         f"cors/untrusted-origin:{ATTACKER}"),
    ]


@pytest.mark.parametrize(("answer", "allowed", "expected"), [
    # without credentials: no "with credentials" in the message, and null is not raised to high
    ([("Access-Control-Allow-Origin", "null")], (),
     [("cors/null-origin", "Access-Control-Allow-Origin: null (no Origin sent)", None),
      ("cors/null-origin", "Origin: null is allowed", None)]),
    ([("Access-Control-Allow-Origin", "null"), ("Access-Control-Allow-Credentials", "true")], (),
     [("cors/null-origin", f"Access-Control-Allow-Origin: null{CREDS} (no Origin sent)", Severity.HIGH),
      ("cors/null-origin", f"Origin: null is allowed{CREDS}", Severity.HIGH)]),
    ([("Access-Control-Allow-Origin", "*")], ALLOWED, []),  # * without credentials is a public resource
])
def test_messages_and_severities_with_and_without_credentials(answer, allowed, expected):
    found = cors.audit_path(cors_server(lambda m, o: answer), "GET", "/", allowed, preflight=False)
    assert [(f.rule_id, f.message, f.severity) for f in found] == expected


def test_a_wildcard_shown_only_to_a_cross_origin_request_is_told_without_the_no_origin_note():
    answer = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true")]
    found = cors.audit_path(cors_server(lambda m, o: answer if o else []), "GET", "/", (), preflight=False)
    assert [(f.rule_id, f.message) for f in found] == [
        ("cors/wildcard-credentials", "Access-Control-Allow-Origin: * with credentials (browsers refuse it, so the "
         "configuration is wrong either way)")]


@pytest.mark.parametrize(("answer", "allowed", "expected"), [
    # origins compare without case, as browsers do
    ([("Access-Control-Allow-Origin", "https://APP.example.test")], ("https://app.EXAMPLE.test",), []),
    ([("Access-Control-Allow-Origin", " https://partner.example.test ")], ALLOWED, ["cors/untrusted-origin"] * 2),
    # a fixed origin with nothing configured to compare against is not judged
    ([("Access-Control-Allow-Origin", "https://partner.example.test")], (), []),
    ([("Access-Control-Allow-Origin", "NULL"), ("Access-Control-Allow-Credentials", "true")], (),
     ["cors/null-origin", "cors/null-origin"]),
    ([("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "false")], (), []),
])
def test_fixed_answers(answer, allowed, expected):
    found = cors.audit_path(cors_server(lambda m, o: answer), "GET", "/", allowed, preflight=False)
    assert [f.rule_id for f in found] == expected


def test_an_echo_in_another_case_is_still_an_echo():
    found = cors.audit_path(cors_server(lambda m, o: [("Access-Control-Allow-Origin", o.upper())] if o else []),
                            "GET", "/", (), preflight=False)
    assert [(f.rule_id, f.severity) for f in found] == [("cors/origin-reflected", None), ("cors/null-origin", None)]


@pytest.mark.parametrize(("origin", "methods", "found"), [
    ("*", "*", True),
    (ATTACKER, "get, put", True),
    (ATTACKER, "PUT,DELETE", True),
    (ATTACKER, "GET, POST", False),
    ("https://app.example.test", "PUT", False),
    (None, "PUT", False),
])
def test_the_preflight_is_permissive_only_for_the_probe_origin_or_any_with_put(origin, methods, found):
    def answer(method, sent):
        if method != "OPTIONS" or origin is None:
            return []
        return [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Methods", methods)]

    result = cors.audit_path(cors_server(answer), "GET", "/x", (), preflight=True)
    assert [f.rule_id for f in result if f.rule_id == "cors/preflight-permissive"] == (
        ["cors/preflight-permissive"] if found else [])


def test_the_passive_policy_reads_the_origin_the_request_carried():
    answer = resp([("Access-Control-Allow-Origin", "null"), ("Access-Control-Allow-Credentials", "true")],
                  url="https://example.test/data", request_headers={"origin": "null"})
    assert cors.CorsPolicy(ALLOWED).audit(answer) == [Finding(
        "cors/null-origin", f"Access-Control-Allow-Origin: null{CREDS}", "GET /data",
        evidence="Origin: null -> HTTP 200; Access-Control-Allow-Origin: null; Access-Control-Allow-Credentials: true",
        severity=Severity.HIGH, request=answer.request, key="cors/null-origin")]
    [placed] = cors.CorsPolicy().audit(answer, location="page /data")
    partner = resp([("Access-Control-Allow-Origin", "https://partner.example.test")])
    assert [f.rule_id for f in cors.CorsPolicy(ALLOWED).audit(partner)] == ["cors/untrusted-origin"]
    assert cors.CorsPolicy().audit(partner) == []
    assert placed.location == "page /data"
    assert cors.policy_of(load("version: 1\ncors: {allowed_origins: [https://a.example.test]}\n")) == \
        cors.CorsPolicy(("https://a.example.test",))
    assert cors.policy_of(load("version: 1\n")) == cors.CorsPolicy()


def test_a_scheme_relative_origin_is_imitated_over_https():
    assert cors.look_alikes("//app.example.test") == [
        "https://app.example.test.pytest-secure.invalid", "https://notapp.example.test",
        "https://app.example.test-pytest-secure.invalid"]
    assert cors.look_alikes("http://app.example.test:8080")[0] == "http://app.example.test.pytest-secure.invalid"


BASELINE = """
    version: 1
    identities:
      alice: {login: {request: POST /login, form: {user: alice}, session_cookie: sid}}
    cors:
      identity: alice
      paths: [/api, POST /api/items]
      allowed_origins: [https://app.example.test]
      preflight: false
    """


def cors_app() -> Flask:
    """Echoes any Origin, with credentials, to a logged-in user only; answers every preflight."""
    app = Flask("cors_table")

    @app.post("/login")
    def login():
        return "ok", 200, {"Set-Cookie": "sid=alice-session; Path=/; HttpOnly"}

    @app.route("/api", methods=["GET", "OPTIONS"])
    @app.route("/api/items", methods=["POST", "OPTIONS"])
    @app.route("/old", methods=["GET", "OPTIONS"])
    def api():
        headers = {}
        origin = request.headers.get("Origin")
        if request.path == "/old":
            return "", 302, {"Location": "/api"}
        if origin and request.cookies.get("sid") == "alice-session":
            headers = {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
                       "Access-Control-Allow-Methods": "GET, PUT"}
        return "{}", 200, headers

    return app


def test_the_section_collects_one_check_per_page():
    checks = cors.collect(load(BASELINE))
    assert [(c.area, c.name, c.rules, c.path) for c in checks] == [
        ("cors", "GET /api", cors.RULE_IDS, "/api"), ("cors", "POST /api/items", cors.RULE_IDS, "/api/items")]


def test_pages_are_probed_as_the_section_identity_with_its_allowed_origins_and_preflight_setting():
    found = audit(cors_app(), BASELINE, live=False)
    expected = {"cors/origin-reflected-credentials", "cors/null-origin", "cors/origin-validation-bypass"}
    assert {(f.location, f.rule_id) for f in found} == {(loc, r) for loc in ("GET /api", "POST /api/items")
                                                        for r in expected}
    with_preflight = audit(cors_app(), BASELINE.replace("preflight: false", "preflight: true"), live=False)
    assert {f.location for f in with_preflight if f.rule_id == "cors/preflight-permissive"} == {
        "OPTIONS /api", "OPTIONS /api/items"}
    default = audit(cors_app(), BASELINE.replace("preflight: false", ""), live=False)
    assert "cors/preflight-permissive" in {f.rule_id for f in default}  # preflights are sent unless switched off
    anonymous = BASELINE.replace("identity: alice", "identity: anonymous")
    assert audit(cors_app(), anonymous, live=False) == []


def test_a_redirect_is_judged_as_sent_not_where_it_leads():
    moved = BASELINE.replace("paths: [/api, POST /api/items]", "paths: [/old]").replace("preflight: false", "")
    assert audit(cors_app(), moved, live=False) == []  # /old answers 302 without CORS headers; /api would echo
