"""Every rule fires on a bad response and stays quiet on a good one.

Header, cookie, leak and CORS rules are judged offline on constructed responses (the same
code paths the checks run); TLS rules against a real TLS server in test_tls.py; the grade
rule in test_grade.py. The last test makes sure no declared rule is left out.
"""

import pytest

from pytest_secure.areas import RULES
from pytest_secure.hygiene import cookies, cors, headers, leaks
from pytest_secure.hygiene.headers import _KNOWN, HeaderPolicy

from .responses import resp

# -- drHEADer-style rules: every known header (and "other") x missing/present/value ---------------

HEADER_NAMES = [title for _, title, *_ in _KNOWN.values()] + ["X-Custom-Thing"]
DSL_CASES = []
for title in HEADER_NAMES:
    slug = headers._slug(title)
    DSL_CASES += [
        (f"headers/{slug}-missing", {title: {"required": True}}, [], [(title, "x")]),
        (f"headers/{slug}-present", {title: {"required": False}}, [(title, "x")], []),
        (f"headers/{slug}-value", {title: {"value": "good"}}, [(title, "bad")], [(title, "good")]),
    ]


@pytest.mark.parametrize(("rule_id", "rules", "bad", "good"), DSL_CASES, ids=[c[0] for c in DSL_CASES])
def test_header_rule_fires_on_bad_and_is_quiet_on_good(rule_id, rules, bad, good):
    policy = HeaderPolicy.from_section({"rules": rules})
    assert [f.rule_id for f in policy.audit(resp(bad))] == [rule_id]
    assert policy.audit(resp(good)) == []


# -- analyses -------------------------------------------------------------------------------------
CSP = "Content-Security-Policy"
ANALYSIS_CASES = [
    ("headers/csp-unsafe-inline", "csp", [(CSP, "default-src 'self'; script-src 'self' 'unsafe-inline'")],
     [(CSP, "default-src 'self'; script-src 'self' 'unsafe-inline' 'nonce-r4nd0m'")]),
    ("headers/csp-unsafe-inline-style", "csp", [(CSP, "default-src 'self'; style-src 'self' 'unsafe-inline'")],
     [(CSP, "default-src 'self'; style-src 'self' 'sha256-abc=' 'unsafe-inline'")]),
    ("headers/csp-unsafe-eval", "csp", [(CSP, "default-src 'self' 'unsafe-eval'")], [(CSP, "default-src 'self'")]),
    ("headers/csp-wide-source", "csp", [(CSP, "default-src 'self'; script-src https: 'self'")],
     [(CSP, "default-src 'self'; script-src 'nonce-r4nd0m' 'strict-dynamic' https:")]),
    ("headers/csp-invalid", "csp", [(CSP, "default-src 'self'; default-src *")], [(CSP, "default-src 'self'")]),
    ("headers/csp-report-only", "csp", [("Content-Security-Policy-Report-Only", "default-src 'self'")],
     [(CSP, "default-src 'self'"), ("Content-Security-Policy-Report-Only", "default-src 'none'")]),
    ("headers/hsts-invalid", "hsts", [("Strict-Transport-Security", "includeSubDomains")],
     [("Strict-Transport-Security", "max-age=31536000; includeSubDomains")]),
    ("headers/hsts-max-age-short", "hsts", [("Strict-Transport-Security", "max-age=600")],
     [("Strict-Transport-Security", "max-age=15768000")]),
    ("headers/referrer-policy-unsafe", "referrer", [("Referrer-Policy", "no-referrer, unsafe-url")],
     [("Referrer-Policy", "unsafe-url, strict-origin-when-cross-origin")]),
    ("headers/referrer-policy-invalid", "referrer", [("Referrer-Policy", "never")],
     [("Referrer-Policy", "same-origin")]),
    ("headers/framing-missing", "framing", [(CSP, "default-src 'self'; frame-ancestors *")],
     [(CSP, "default-src 'self'; frame-ancestors 'self'")]),
    ("headers/x-frame-options-invalid", "framing", [("X-Frame-Options", "ALLOW-FROM https://a.example"),
                                                   (CSP, "frame-ancestors 'none'")],
     [("X-Frame-Options", "DENY"), (CSP, "frame-ancestors 'none'")]),
    ("headers/framing-conflict", "framing", [("X-Frame-Options", "DENY"), (CSP, "frame-ancestors 'self' https:")],
     [("X-Frame-Options", "SAMEORIGIN"), (CSP, "frame-ancestors 'self'")]),
    ("headers/cross-origin-isolation-invalid", "isolation", [("Cross-Origin-Opener-Policy", "same-origin-plus")],
     [("Cross-Origin-Opener-Policy", "same-origin"), ("Cross-Origin-Embedder-Policy", "require-corp")]),
    ("headers/permissions-policy-invalid", "permissions", [("Permissions-Policy", "camera 'none'")],
     [("Permissions-Policy", "camera=(), geolocation=(self \"https://maps.example\")")]),
]


@pytest.mark.parametrize(("rule_id", "analysis", "bad", "good"), ANALYSIS_CASES, ids=[c[0] for c in ANALYSIS_CASES])
def test_analysis_fires_on_bad_and_is_quiet_on_good(rule_id, analysis, bad, good):
    policy = HeaderPolicy.from_section({"analysis": {analysis: True}})
    assert [f.rule_id for f in policy.audit(resp(bad))] == [rule_id]
    assert policy.audit(resp(good)) == []


def test_cache_control_rule_only_judges_authenticated_responses():
    policy = HeaderPolicy.from_section({"analysis": {"caching": True}})
    creds = {"Authorization": "Bearer abcdef123456"}
    bad = resp([("Cache-Control", "private, max-age=600")], request_headers=creds)
    assert [f.rule_id for f in policy.audit(bad)] == ["headers/cache-control-authenticated"]
    assert policy.audit(resp([("Cache-Control", "no-store")], request_headers=creds)) == []
    assert policy.audit(resp([("Cache-Control", "max-age=600")])) == []  # anonymous: public caching is fine


# -- cookies --------------------------------------------------------------------------------------
ALL_FLAGS = {"*": {"secure": True, "httponly": True, "samesite": ["Lax", "Strict"]}}
COOKIE_CASES = [
    ("cookies/missing-secure", ALL_FLAGS, "a=1; HttpOnly; SameSite=Lax", "a=1; Secure; HttpOnly; SameSite=Lax"),
    ("cookies/missing-httponly", ALL_FLAGS, "a=1; Secure; SameSite=Lax", "a=1; Secure; HttpOnly; SameSite=Lax"),
    ("cookies/samesite-missing", ALL_FLAGS, "a=1; Secure; HttpOnly", "a=1; Secure; HttpOnly; SameSite=Strict"),
    ("cookies/samesite-not-allowed", ALL_FLAGS, "a=1; Secure; HttpOnly; SameSite=None",
     "a=1; Secure; HttpOnly; SameSite=lax"),
    ("cookies/samesite-invalid", ALL_FLAGS, "a=1; Secure; HttpOnly; SameSite=Loose",
     "a=1; Secure; HttpOnly; SameSite=Lax"),
    ("cookies/samesite-none-insecure", {}, "a=1; SameSite=None", "a=1; SameSite=None; Secure"),
    ("cookies/prefix-violated", {}, "__Host-a=1; Secure; Path=/; Domain=example.test", "__Host-a=1; Secure; Path=/"),
    ("cookies/prefix-missing", {"*": {"prefix": "__Host-"}}, "a=1; Secure; Path=/", "__Host-a=1; Secure; Path=/"),
    ("cookies/lifetime-too-long", {"*sess*": {"max-age": "<= 12h"}}, "sessionid=1; Max-Age=86400",
     "sessionid=1; Max-Age=43200"),
    ("cookies/domain-too-broad", {"*": {"domain": "host-only"}}, "a=1; Domain=example.test", "a=1; Path=/"),
    ("cookies/required-missing", {"sid": {"required": True}}, "other=1", "sid=1"),
    ("cookies/forbidden", {"tracker": {"required": False}}, "tracker=1", "other=1"),
    ("cookies/invalid", {}, "justavalue", "a=1"),
]


@pytest.mark.parametrize(("rule_id", "rules", "bad", "good"), COOKIE_CASES, ids=[c[0] for c in COOKIE_CASES])
def test_cookie_rule_fires_on_bad_and_is_quiet_on_good(rule_id, rules, bad, good):
    policy = cookies.CookiePolicy.from_section({"rules": rules})
    assert [f.rule_id for f in policy.audit(resp([("Set-Cookie", bad)]))] == [rule_id]
    assert policy.audit(resp([("Set-Cookie", good)])) == []


def test_cookie_lifetime_from_expires_and_cookies_on_redirect_hops_count():
    policy = cookies.CookiePolicy.from_section({"rules": {"*": {"max-age": "12h"}}})
    hop = resp([("Set-Cookie", "s=1; Expires=Wed, 21 Oct 2099 07:28:00 GMT"), ("Location", "/next")], status=302)
    final = resp([], url="https://example.test/next", history=[hop])
    [finding] = policy.audit(final)
    assert finding.rule_id == "cookies/lifetime-too-long" and finding.key == "s"
    assert "[REDACTED]" in finding.evidence and "s=1" not in finding.evidence  # the value never shows


def test_cookie_rules_merge_general_first_exact_last():
    policy = cookies.CookiePolicy.from_section({"rules": {"csrftoken": {"httponly": False}, "*": {"httponly": True}}})
    assert policy.audit(resp([("Set-Cookie", "csrftoken=1")])) == []
    assert [f.rule_id for f in policy.audit(resp([("Set-Cookie", "other=1")]))] == ["cookies/missing-httponly"]


# -- leaks ----------------------------------------------------------------------------------------
GENERIC_ERROR = b"<!doctype html><title>Server Error</title><h1>Something went wrong</h1><p>Reference 4f2a."
TRACES = {
    "leaks/stack-trace-django": b"<p>You&#x27;re seeing this error because you have <code>DEBUG = True</code> in",
    "leaks/stack-trace-flask": b"<title>ZeroDivisionError // Werkzeug Debugger</title>",
    "leaks/stack-trace-starlette": b"<html><head><title>Starlette Debugger</title></head>",
    "leaks/stack-trace-express": b"<pre>TypeError: x is undefined<br> &nbsp; &nbsp;at Layer.handle "
                                 b"[as handle_request] (/srv/app/node_modules/express/lib/router/layer.js:95:5)</pre>",
    "leaks/stack-trace-rails": b"<title>Action Controller: Exception caught</title>",
    "leaks/stack-trace-java": b"java.lang.NullPointerException\n\tat com.example.web.Ctl.show(Ctl.java:42)",
    "leaks/stack-trace-aspnet": b"<h1>Server Error in '/' Application.</h1>",
    "leaks/stack-trace-php": b"<b>Fatal error</b>:  Uncaught Error: x in <b>/var/www/index.php</b> "
                             b"on line <b>3</b>",
    "leaks/stack-trace-python": b"Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>",
    "leaks/directory-listing": b"<html><head><title>Index of /static</title></head><body><h1>Index of /static</h1>",
}


@pytest.mark.parametrize("rule_id", list(TRACES))
def test_leak_rule_fires_on_bad_and_is_quiet_on_good(rule_id):
    policy = leaks.LeakPolicy(server_errors=False)  # the 500 itself: test_server_error_fires_on_5xx_only
    assert [f.rule_id for f in policy.audit(resp(body=TRACES[rule_id], status=500))] == [rule_id]
    assert policy.audit(resp(body=GENERIC_ERROR, status=500)) == []


@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
def test_server_error_fires_on_5xx_only(status):
    policy = leaks.LeakPolicy()
    assert [f.rule_id for f in policy.audit(resp(body=GENERIC_ERROR, status=status))] == ["leaks/server-error"]
    assert [f.rule_id for f in policy.audit(resp(body=TRACES["leaks/stack-trace-python"], status=status))] == \
        ["leaks/stack-trace-python", "leaks/server-error"]  # the trace rule on top of the 5xx
    for fine in (200, 404, 499, 501, 505):  # 501/505: the server refuses a method or version, it did not fail
        assert policy.audit(resp(body=GENERIC_ERROR, status=fine)) == []
    assert leaks.LeakPolicy(server_errors=False).audit(resp(body=GENERIC_ERROR, status=status)) == []


def test_version_banner_fires_on_versions_only():
    policy = leaks.LeakPolicy()
    bad = resp([("Server", "nginx/1.25.3"), ("X-Powered-By", "PHP/8.2.1")])
    assert [(f.rule_id, f.key) for f in policy.audit(bad)] == [("leaks/version-banner", "server"),
                                                               ("leaks/version-banner", "x-powered-by")]
    assert policy.audit(resp([("Server", "nginx")])) == []


# -- CORS -----------------------------------------------------------------------------------------
def cors_server(behaviour):
    """A ``send`` whose answers come from ``behaviour(method, origin) -> headers``."""
    def send(method, path, request_headers):
        origin = request_headers.get("Origin", "")
        return resp(behaviour(method, origin), method=method, request_headers=request_headers)
    return send


ALLOWED = ("https://app.example.test",)
CORS_CASES = [
    ("cors/origin-reflected", (), lambda m, o: [("Access-Control-Allow-Origin", o)] if m == "GET" and o != "null"
     else [], lambda m, o: []),
    ("cors/origin-reflected-credentials", (),
     lambda m, o: [("Access-Control-Allow-Origin", o), ("Access-Control-Allow-Credentials", "true")]
     if o != "null" and m == "GET" else [],
     lambda m, o: [("Access-Control-Allow-Origin", ALLOWED[0]), ("Access-Control-Allow-Credentials", "true")]),
    ("cors/null-origin", (), lambda m, o: [("Access-Control-Allow-Origin", "null")] if o == "null" else [],
     lambda m, o: []),
    ("cors/wildcard-credentials", (), lambda m, o: [("Access-Control-Allow-Origin", "*"),
                                                   ("Access-Control-Allow-Credentials", "true")] if m == "GET" else [],
     lambda m, o: [("Access-Control-Allow-Origin", "*")] if m == "GET" else []),
    ("cors/origin-validation-bypass", ALLOWED,
     lambda m, o: [("Access-Control-Allow-Origin", o)] if m == "GET" and o.startswith(ALLOWED[0]) else [],
     lambda m, o: [("Access-Control-Allow-Origin", o)] if m == "GET" and o == ALLOWED[0] else []),
    ("cors/untrusted-origin", ALLOWED, lambda m, o: [("Access-Control-Allow-Origin", "https://partner.example.test")]
     if m == "GET" and o.startswith("https://attacker") else [],
     lambda m, o: [("Access-Control-Allow-Origin", ALLOWED[0])] if m == "GET" else []),
    ("cors/preflight-permissive", (), lambda m, o: [("Access-Control-Allow-Origin", o),
                                                   ("Access-Control-Allow-Methods", "GET, PUT")]
     if m == "OPTIONS" else [],
     lambda m, o: [("Access-Control-Allow-Methods", "GET")] if m == "OPTIONS" else []),
]


@pytest.mark.parametrize(("rule_id", "allowed", "bad", "good"), CORS_CASES, ids=[c[0] for c in CORS_CASES])
def test_cors_rule_fires_on_bad_and_is_quiet_on_good(rule_id, allowed, bad, good):
    found = cors.audit_path(cors_server(bad), "GET", "/api", allowed, preflight=True)
    assert {f.rule_id for f in found} == {rule_id}
    assert cors.audit_path(cors_server(good), "GET", "/api", allowed, preflight=True) == []


def test_null_origin_with_credentials_is_high():
    send = cors_server(lambda m, o: [("Access-Control-Allow-Origin", "null"),
                                     ("Access-Control-Allow-Credentials", "true")] if o == "null" else [])
    [finding] = cors.audit_path(send, "GET", "/", (), preflight=False)
    severity = finding.severity if finding.severity is not None else RULES.rule(finding.rule_id).severity
    assert severity.label == "high"


# -- coverage of the rule table -------------------------------------------------------------------
TESTED_ELSEWHERE = {  # test_tls.py, test_grade.py, and issue 13's test_host_header.py, test_default_pages.py,
    # test_discovery.py, test_app_logs.py
    "leaks/host-header-injection", "leaks/any-host-accepted", "leaks/default-page", "leaks/version-in-body",
    "leaks/debug-toolbar", "leaks/sensitive-file", "leaks/exposed-console", "leaks/api-description",
    "leaks/secret-in-app-log",
    "tls/protocol-tls1.0", "tls/protocol-tls1.1", "tls/protocol-tls1.2", "tls/certificate-expired",
    "tls/certificate-expiring", "tls/hostname-mismatch", "tls/certificate-untrusted", "grade/below-minimum",
}


def test_every_hygiene_rule_has_a_bad_and_a_good_case():
    tested = {c[0] for c in (*DSL_CASES, *ANALYSIS_CASES, *COOKIE_CASES, *CORS_CASES)} | set(TRACES) \
        | {"headers/cache-control-authenticated", "leaks/version-banner", "leaks/server-error"} | TESTED_ELSEWHERE
    mine = {r.id for r in RULES.sorted() if r.area in ("headers", "cookies", "cors", "leaks", "tls", "grade")}
    assert mine - tested == set()
    for rule in RULES.sorted():
        if rule.id in mine:
            assert rule.cwe and rule.fix and rule.title, rule.id
