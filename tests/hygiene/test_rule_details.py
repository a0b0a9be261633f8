"""What a hygiene finding tells the reader: its message and evidence, word for word, for the
parts the fire/quiet tables (test_rules.py) do not pin down. Found by the mutation check
(docs/testing.md): each test here failed a mutant that every other test let through."""

import pytest

from pytest_secure.hygiene import cookies, cors, headers, leaks

from .responses import resp
from .test_rules import cors_server

CSP = "Content-Security-Policy"


def test_cors_evidence_shows_the_origin_sent_the_status_and_only_the_cors_headers():
    answer = [("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Credentials", "true"),
              ("Content-Type", "application/json")]
    [finding] = cors.audit_path(cors_server(lambda m, o: answer if m == "GET" else []), "GET", "/api", (),
                                preflight=False)
    assert finding.rule_id == "cors/wildcard-credentials"
    assert finding.evidence == ("no Origin -> HTTP 200; Access-Control-Allow-Origin: *; "
                                "Access-Control-Allow-Credentials: true")
    [reflected] = cors.audit_path(cors_server(lambda m, o: [("Access-Control-Allow-Origin", o)] if o == "null" else []),
                                  "GET", "/api", (), preflight=False)
    assert reflected.evidence == "Origin: null -> HTTP 200; Access-Control-Allow-Origin: null"


def test_look_alike_origins_of_an_allowed_origin():
    assert cors.look_alikes("https://app.example.test") == [
        "https://app.example.test.pytest-secure.invalid", "https://notapp.example.test",
        "https://app.example.test-pytest-secure.invalid"]
    assert cors.look_alikes("app.example.test") == []  # no scheme, no host: nothing to imitate


@pytest.mark.parametrize(("max_age", "lives", "message"), [
    ("12h", "Max-Age=172800", "cookie s lives 2.0 days, more than 12.0 h"),
    ("30m", "Max-Age=5400", "cookie s lives 1.5 h, more than 1800 s"),
    ("1d", "Max-Age=90000", "cookie s lives 1.0 days, more than 1.0 days"),
    ("1m", "Max-Age=3599", "cookie s lives 3599 s, more than 60 s"),
])
def test_cookie_lifetimes_are_told_in_readable_units(max_age, lives, message):
    policy = cookies.CookiePolicy.from_section({"rules": {"*": {"max-age": max_age}}})
    [finding] = policy.audit(resp([("Set-Cookie", f"s=token-value; {lives}")]))
    assert (finding.rule_id, finding.message) == ("cookies/lifetime-too-long", message)
    assert finding.evidence == f"Set-Cookie: s=[REDACTED]; {lives}"  # attributes kept, the value never


def test_cookie_without_attributes_shows_only_the_masked_pair():
    policy = cookies.CookiePolicy.from_section({"rules": {"*": {"secure": True}}})
    [finding] = policy.audit(resp([("Set-Cookie", "s=token-value")]))
    assert finding.evidence == "Set-Cookie: s=[REDACTED]"


@pytest.mark.parametrize(("policy", "rule_id", "message"), [
    ("script-src 'self' 'unsafe-inline'", "headers/csp-unsafe-inline",
     "inline scripts run: 'unsafe-inline' without a nonce or hash (through script-src)"),
    ("default-src 'self' 'unsafe-inline'", "headers/csp-unsafe-inline",
     "inline scripts run: 'unsafe-inline' without a nonce or hash (through default-src)"),
    ("img-src 'self'", "headers/csp-unsafe-inline", "inline scripts run: no script-src or default-src restricts it"),
    ("default-src 'self'; style-src 'unsafe-inline'", "headers/csp-unsafe-inline-style",
     "inline styles run: 'unsafe-inline' without a nonce or hash (through style-src)"),
    ("default-src 'self' 'unsafe-eval'", "headers/csp-unsafe-eval",
     "eval() and new Function() are allowed (through default-src)"),
])
def test_csp_messages_name_the_directive_that_governs(policy, rule_id, message):
    found = headers.analyse_csp(resp([(CSP, policy)]), {}, False)
    assert (rule_id, message, CSP) in found, found


@pytest.mark.parametrize(("header", "rules", "expected"), [
    ("justavalue; SameSite=Sometimes", {}, ("cookies/invalid", "Set-Cookie: no name=value pair; SameSite=Sometimes "
                                              "is not Strict, Lax or None (browsers treat it as Lax)")),
    ("sid=1; Secure; HttpOnly", {"*": {"samesite": ["Lax", "Strict"]}},
     ("cookies/samesite-missing", "cookie sid has no SameSite attribute (expected Lax or Strict)")),
    ("sid=1; Secure; HttpOnly; SameSite=None", {"*": {"samesite": ["Lax", "Strict"]}},
     ("cookies/samesite-not-allowed", "cookie sid has SameSite=None, expected Lax or Strict")),
])
def test_cookie_messages(header, rules, expected):
    policy = cookies.CookiePolicy.from_section({"rules": rules})
    found = [(f.rule_id, f.message) for f in policy.audit(resp([("Set-Cookie", header)]))]
    assert found == [expected]


def test_a_prefix_violation_is_not_also_a_missing_secure():
    policy = cookies.CookiePolicy.from_section({"rules": {"*": {"secure": True}}})
    rules = [f.rule_id for f in policy.audit(resp([("Set-Cookie", "__Secure-sid=1; HttpOnly")]))]
    assert rules == ["cookies/prefix-violated"]
    assert [f.rule_id for f in policy.audit(resp([("Set-Cookie", "sid=1; HttpOnly")]))] == ["cookies/missing-secure"]


@pytest.mark.parametrize(("section", "expected"), [
    (None, (True, True, True)), ({}, (True, True, True)),
    ({"banners": False}, (False, True, True)), ({"error_pages": False}, (True, False, True)),
    ({"server_errors": False}, (True, True, False)),
])
def test_leak_policy_switches(section, expected):
    policy = leaks.LeakPolicy.from_section(section)
    assert (policy.banners, policy.bodies, policy.server_errors) == expected
    trace = b"Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>"
    found = {f.rule_id for f in policy.audit(resp([("Server", "nginx/1.25.3")], body=trace, status=500))}
    assert found == {rule for rule, on in zip(
        ("leaks/version-banner", "leaks/stack-trace-python", "leaks/server-error"), expected, strict=True) if on}


def test_leak_findings_evidence():
    policy = leaks.LeakPolicy()
    response = resp([("Server", "nginx/1.25.3"), ("Content-Type", "text/plain")], body=b"Traceback (most recent "
                    b"call last):\n   File \"app.py\", line 3", status=502, url="https://example.test/x?y=1")
    by_rule = {f.rule_id: f for f in policy.audit(response)}
    banner = by_rule["leaks/version-banner"]
    assert (banner.message, banner.evidence, banner.key) == ("Server reveals 'nginx/1.25.3'", "Server: nginx/1.25.3",
                                                             "server")
    assert by_rule["leaks/stack-trace-python"].evidence == "body contains: Traceback (most recent call last):"
    error = by_rule["leaks/server-error"]
    assert error.message == "HTTP 502: the server failed on this request"
    assert error.evidence == f"HTTP 502 (text/plain, {len(response.body)} bytes)"
    assert {f.location for f in by_rule.values()} == {"GET /x"}


@pytest.mark.parametrize(("status", "headers", "body", "why"), [
    (401, [], b"", "HTTP 401: the authentication layer refused it"),
    (403, [], b"Forbidden", "HTTP 403: the access layer refused it"),
    (403, [], b"CSRF verification failed. Request aborted.", ""),  # the framework's own error path ran
    (302, [("Location", "/accounts/login?next=/x")], b"", "HTTP 302 to the login page /accounts/login"),
    (302, [("Location", "/home?next=/login")], b"", ""),  # only the path counts
    (303, [("Location", "https://sso.example/sign-in")], b"", "HTTP 303 to the login page https://sso.example/sign-in"),
    (404, [], b"", ""), (500, [], b"", ""), (200, [("Location", "/login")], b"", ""),
])
def test_why_a_probe_never_reached_the_handler(status, headers, body, why):
    assert leaks.unreached(resp(headers, body=body, status=status)) == why


XFO, CC, RP, HSTS = "X-Frame-Options", "Cache-Control", "Referrer-Policy", "Strict-Transport-Security"
ANALYSIS_OUTPUT = [
    ("framing", [(XFO, "ALLOW-FROM https://a.example")], [
        ("headers/x-frame-options-invalid", "X-Frame-Options ALLOW-FROM is obsolete; browsers ignore it", XFO),
        ("headers/framing-missing", "any site can frame this page: no frame-ancestors and no valid X-Frame-Options",
         XFO)]),
    ("framing", [(CSP, "frame-ancestors *")], [
        ("headers/framing-missing", "any site can frame this page: frame-ancestors * allows everyone and no valid "
         "X-Frame-Options", XFO)]),
    ("framing", [(XFO, "SAMEORIGIN"), (CSP, "frame-ancestors 'none'")], [
        ("headers/framing-conflict", "X-Frame-Options SAMEORIGIN but frame-ancestors 'none'; browsers that know "
         "frame-ancestors follow it", XFO)]),
    # an empty source list matches nothing (CSP 3): it agrees with DENY, not with SAMEORIGIN
    ("framing", [(XFO, "DENY"), (CSP, "frame-ancestors ")], []),
    ("framing", [(XFO, "SAMEORIGIN"), (CSP, "frame-ancestors ")], [
        ("headers/framing-conflict", "X-Frame-Options SAMEORIGIN but frame-ancestors (empty); browsers that know "
         "frame-ancestors follow it", XFO)]),
    ("caching", [(CC, "public, max-age=600")], [
        ("headers/cache-control-authenticated", "a response to an authenticated request may be stored "
         "(public, max-age=600); it needs no-store", CC)]),
    ("caching", [], [("headers/cache-control-authenticated", "a response to an authenticated request may be "
                      "stored (no Cache-Control); it needs no-store", CC)]),
    ("referrer", [(RP, "never, nobody")], [
        ("headers/referrer-policy-invalid", "no valid token in never, nobody; browsers fall back to their default",
         RP)]),
    ("referrer", [(RP, "")], [
        ("headers/referrer-policy-invalid", "no valid token in (empty); browsers fall back to their default", RP)]),
    ("referrer", [(RP, "unsafe-url")], [
        ("headers/referrer-policy-unsafe", "the effective policy is unsafe-url (the last valid token wins), which "
         "sends the URL or origin to other sites", RP)]),
    ("hsts", [(HSTS, "max-age=600")], [("headers/hsts-max-age-short", "max-age=600 is below 15768000 seconds", HSTS)]),
    ("hsts", [(HSTS, "includeSubDomains")], [
        ("headers/hsts-invalid", "Strict-Transport-Security: no max-age directive (the header is ignored without "
         "one)", HSTS)]),
    ("isolation", [("Cross-Origin-Opener-Policy", "same-site")], [
        ("headers/cross-origin-isolation-invalid", "Cross-Origin-Opener-Policy value 'same-site' is not one of "
         "same-origin, same-origin-allow-popups, noopener-allow-popups, unsafe-none (browsers ignore it)",
         "Cross-Origin-Opener-Policy")]),
]


@pytest.mark.parametrize(("analysis", "sent", "expected"), ANALYSIS_OUTPUT)
def test_analysis_output_word_for_word(analysis, sent, expected):
    """Rule id, message and the header a finding is filed under (what the report groups by)."""
    assert getattr(headers, f"analyse_{analysis}")(resp(sent), {}, True) == expected


def test_hsts_minimum_is_an_option():
    short = resp([(HSTS, "max-age=600")])
    assert headers.analyse_hsts(short, {"min_max_age": 600}, False) == []
    assert headers.analyse_hsts(short, {"min_max_age": 601}, False) == [
        ("headers/hsts-max-age-short", "max-age=600 is below 601 seconds", HSTS)]
