"""The header rule DSL and the header section as whole values: directive rules of policy headers
(``headers.rules.<header>.directives``), one real header value per row, fires and stays quiet;
the framing analysis's findings; which responses count as documents; how a rule and a section
read (drHEADer's own rules file among them); and every check a section collects, run on a Flask
app as the section's identity. Written from the survivors of the mutation check
(docs/testing.md): each case here failed a mutant of hygiene/headers.py (``_directive_map``,
``_directive_problems``, ``analyse_framing``, ``is_document``, ``check_analysis``,
``HeaderRule.from_dict``, ``HeaderPolicy.from_section``, ``collect``) that the keyword tables let
through.

The header values are what real stacks send: Django's and Flask-Talisman's HSTS, a CSP in two
headers (a proxy adding its own), the old Feature-Policy syntax, Permissions-Policy structured
fields (with a reporting parameter), X-XSS-Protection, Cache-Control, Spring's and PHP's
Content-Type spellings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, request

from pytest_secure.areas import RULES
from pytest_secure.core.findings import Finding, Severity
from pytest_secure.core.redaction import Redactor
from pytest_secure.core.session import SecureSession
from pytest_secure.core.target import InProcessTarget
from pytest_secure.hygiene import headers
from pytest_secure.runner.collect import collect_checks

from .audit import load
from .responses import resp

HTML = ("Content-Type", "text/html; charset=utf-8")
CSP, HSTS, PP, FP, XXP, CC = ("Content-Security-Policy", "Strict-Transport-Security", "Permissions-Policy",
                              "Feature-Policy", "X-XSS-Protection", "Cache-Control")


@dataclass(frozen=True)
class Case:
    name: str
    header: str  # as the baseline spells it
    directives: dict[str, Any]
    values: tuple[str, ...]  # the header's values in the response, as sent
    found: tuple[str, ...]  # the whole messages, in order ("" for none)


CASES = [
    # -- Content-Security-Policy --------------------------------------------------------------------------
    Case("csp must-avoid fires", CSP, {"script-src": {"must-avoid": ["'unsafe-inline'"]}},
         ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",),
         ("Content-Security-Policy directive script-src contains 'unsafe-inline', which the baseline forbids",)),
    Case("csp must-avoid quiet", CSP, {"script-src": {"must-avoid": ["'unsafe-inline'"]}},
         ("default-src 'self'; script-src 'self' 'nonce-r4nd0m' https://cdn.jsdelivr.net",), ()),
    Case("csp header written in lower case", "content-security-policy", {"script-src": {"must-avoid": ["'unsafe-eval'"]}},
         ("script-src 'self' 'unsafe-eval'",),
         ("content-security-policy directive script-src contains 'unsafe-eval', which the baseline forbids",)),
    # a proxy adds a second policy: the directive is in the second header
    Case("csp in two headers", CSP, {"script-src": {"must-avoid": ["'unsafe-inline'"]}},
         ("default-src 'self'", "script-src 'self' 'unsafe-inline'"),
         ("Content-Security-Policy directive script-src contains 'unsafe-inline', which the baseline forbids",)),
    # a repeated directive is ignored by browsers: the first one holds
    Case("csp first directive wins", CSP, {"script-src": {"must-avoid": ["'unsafe-inline'"]}},
         ("script-src 'self'; script-src 'self' 'unsafe-inline'",), ()),
    Case("csp directive written in upper case", CSP, {"Frame-Ancestors": {"must-contain-one": ["'none'", "'self'"]}},
         ("default-src 'self'",), ("Content-Security-Policy directive Frame-Ancestors is missing",)),
    Case("csp absent directive that must not be there", CSP, {"unsafe-hashes": {"required": False}},
         ("default-src 'self'",), ()),
    # sandbox with no token is the strictest sandbox
    Case("csp bare sandbox", CSP, {"sandbox": {"value-any-of": ["allow-forms", "allow-same-origin"]}},
         ("default-src 'self'; sandbox",), ()),
    Case("csp sandbox too loose", CSP, {"sandbox": {"value-any-of": ["allow-forms", "allow-same-origin"]}},
         ("default-src 'self'; sandbox allow-scripts allow-same-origin allow-popups",),
         ("Content-Security-Policy directive sandbox contains allow-scripts, allow-popups; "
          "allowed: allow-forms, allow-same-origin",)),
    Case("csp value, any order", CSP, {"object-src": {"value": ["'none'"]}, "base-uri": {"value": ["'self'", "'none'"]}},
         ("object-src 'none'; base-uri 'none' 'self'",), ()),
    Case("csp value differs", CSP, {"object-src": {"value": ["'none'"]}, "base-uri": {"value": ["'self'", "'none'"]}},
         ("object-src 'self' https://cdn.example; base-uri 'self'",),
         ("Content-Security-Policy directive object-src is \"'self' https://cdn.example\", expected \"'none'\"",
          "Content-Security-Policy directive base-uri is \"'self'\", expected \"'self' 'none'\"")),
    Case("csp value in order", CSP, {"script-src": {"value": ["'self'", "'strict-dynamic'"], "preserve-order": True}},
         ("script-src 'self' 'strict-dynamic'",), ()),
    Case("csp value one of, several sources", CSP,
         {"frame-ancestors": {"value-one-of": ["'none'", "https://partner.example https://cms.example"]}},
         ("frame-ancestors https://partner.example https://cms.example",), ()),
    Case("csp value one of, keyword", CSP,
         {"frame-ancestors": {"value-one-of": ["'none'", "https://partner.example https://cms.example"]}},
         ("frame-ancestors 'none'",), ()),
    Case("csp value one of, neither", CSP,
         {"frame-ancestors": {"value-one-of": ["'none'", "https://partner.example https://cms.example"]}},
         ("frame-ancestors *",),
         ("Content-Security-Policy directive frame-ancestors is '*', expected one of 'none', "
          "https://partner.example https://cms.example",)),
    Case("csp must-contain", CSP, {"script-src": {"must-contain": ["'strict-dynamic'", "'report-sample'"]}},
         ("script-src 'nonce-r4nd0m' 'strict-dynamic'",),
         ("Content-Security-Policy directive script-src lacks 'report-sample'",)),
    # -- Feature-Policy (the old syntax, like CSP) -------------------------------------------------------------
    Case("feature-policy value", FP, {"camera": {"value": ["'none'"]}},
         ("camera *; microphone 'none'",), ("Feature-Policy directive camera is '*', expected \"'none'\"",)),
    Case("feature-policy quiet", FP, {"camera": {"value": ["'none'"]}},
         ("camera 'none'; microphone 'none'",), ()),
    # -- Permissions-Policy (structured fields, comma separated) ----------------------------------------------
    Case("permissions-policy origins", PP, {"geolocation": {"value-any-of": ["self", "https://maps.example.com"]}},
         ('camera=(), geolocation=(self "https://ads.example" *)',),
         ("Permissions-Policy directive geolocation contains https://ads.example, *; "
          "allowed: self, https://maps.example.com",)),
    Case("permissions-policy allowed origins", PP,
         {"geolocation": {"value-any-of": ["self", "https://maps.example.com"]}},
         ('camera=(), geolocation=(self "https://maps.example.com")',), ()),
    # a member with a reporting parameter is still there
    Case("permissions-policy with report-to", PP, {"geolocation": {}, "camera": {}},
         ("geolocation=();report-to=main",), ("Permissions-Policy directive camera is missing",)),
    # -- Strict-Transport-Security (semicolon separated) ---------------------------------------------------------
    Case("hsts preload forbidden", HSTS, {"preload": {"required": False}},
         ("max-age=31536000; includeSubDomains; preload",),
         ("Strict-Transport-Security directive preload must not be present",)),
    Case("hsts without preload", HSTS, {"preload": {"required": False}},
         ("max-age=31536000; includeSubDomains",), ()),
    Case("hsts max-age value", HSTS, {"max-age": {"value": ["63072000"]}, "includeSubDomains": {}},
         ("max-age=31536000",),
         ("Strict-Transport-Security directive max-age is '31536000', expected '63072000'",
          "Strict-Transport-Security directive includeSubDomains is missing")),
    Case("hsts both directives", HSTS, {"max-age": {"value": ["63072000"]}, "includeSubDomains": {}},
         ("max-age=63072000; includeSubDomains",), ()),
    # -- X-XSS-Protection (semicolon separated) ----------------------------------------------------------------
    Case("x-xss-protection mode", XXP, {"mode": {"value": ["block"]}}, ("1; mode=block",), ()),
    Case("x-xss-protection without mode", XXP, {"mode": {"value": ["block"]}}, ("1",),
         ("X-XSS-Protection directive mode is missing",)),
    # -- Cache-Control (comma separated) ----------------------------------------------------------------------------
    Case("cache-control max-age", CC, {"max-age": {"value": ["0"]}, "no-store": {}},
         ("public, max-age=600",),
         ("Cache-Control directive max-age is '600', expected '0'", "Cache-Control directive no-store is missing")),
    Case("cache-control quiet", CC, {"max-age": {"value": ["0"]}, "no-store": {}},
         ("no-store, max-age=0",), ()),
    Case("cache-control optional and forbidden", CC, {"private": {"required": "optional"}, "s-maxage": {"required": False}},
         ("public, s-maxage=3600",), ("Cache-Control directive s-maxage must not be present",)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_directive_rules_read_whole(case):
    rule = headers.HeaderRule.from_dict(case.header, {"directives": case.directives})
    slug = headers._slug(case.header)
    assert headers.evaluate(rule, list(case.values)) == [(f"headers/{slug}-value", m) for m in case.found]


# -- the framing analysis, whole findings ---------------------------------------------------------------------------

XFO = "X-Frame-Options"
ANY = "any site can frame this page: {} and no valid X-Frame-Options"
CONFLICT = "X-Frame-Options {} but frame-ancestors {}; browsers that know frame-ancestors follow it"
FRAMING = [
    # (sent headers, [(rule id, message)]); the evidence is always the X-Frame-Options sent
    ([], [("headers/framing-missing", ANY.format("no frame-ancestors"))]),
    ([(CSP, "frame-ancestors *")], [("headers/framing-missing", ANY.format("frame-ancestors * allows everyone"))]),
    ([(CSP, "default-src 'self'; frame-ancestors https:")],
     [("headers/framing-missing", ANY.format("frame-ancestors https: allows everyone"))]),
    ([(CSP, "frame-ancestors http: https:")],
     [("headers/framing-missing", ANY.format("frame-ancestors http: https: allows everyone"))]),
    ([(CSP, "default-src 'self'; frame-ancestors 'self'")], []),
    # Django's XFrameOptionsMiddleware default; Helmet's frameguard
    ([(XFO, "DENY")], []),
    ([(XFO, "SAMEORIGIN")], []),
    ([(XFO, "ALLOW-FROM https://partner.example")],
     [("headers/x-frame-options-invalid", "X-Frame-Options ALLOW-FROM is obsolete; browsers ignore it"),
      ("headers/framing-missing", ANY.format("no frame-ancestors"))]),
    # two layers each adding their own: browsers ignore both
    ([(XFO, "DENY"), (XFO, "SAMEORIGIN")],
     [("headers/x-frame-options-invalid", "X-Frame-Options has conflicting values 'DENY, SAMEORIGIN' (browsers then "
       "ignore it)"), ("headers/framing-missing", ANY.format("no frame-ancestors"))]),
    ([(XFO, "DENY"), (CSP, "frame-ancestors 'none'")], []),
    # an empty source list matches nothing: it is 'none' (CSP 3, "Does url match source list")
    ([(XFO, "DENY"), (CSP, "frame-ancestors")], []),
    ([(XFO, "SAMEORIGIN"), (CSP, "frame-ancestors")],
     [("headers/framing-conflict", CONFLICT.format("SAMEORIGIN", "(empty)"))]),
    ([(XFO, "SAMEORIGIN"), (CSP, "frame-ancestors 'self' https://cms.example")], []),
    ([(XFO, "DENY"), (CSP, "frame-ancestors 'self'")], [("headers/framing-conflict", CONFLICT.format("DENY", "'self'"))]),
    ([(XFO, "DENY"), (CSP, "frame-ancestors 'self' https://cms.example")],
     [("headers/framing-conflict", CONFLICT.format("DENY", "'self' https://cms.example"))]),
    ([(XFO, "SAMEORIGIN"), (CSP, "frame-ancestors 'none'")],
     [("headers/framing-conflict", CONFLICT.format("SAMEORIGIN", "'none'"))]),
    ([(XFO, "sameorigin"), (CSP, "frame-ancestors *")], [("headers/framing-conflict", CONFLICT.format("sameorigin", "*"))]),
    # one conflict is enough, named after the first policy that has one
    ([(XFO, "DENY"), (CSP, "frame-ancestors 'self'"), (CSP, "frame-ancestors https://cms.example")],
     [("headers/framing-conflict", CONFLICT.format("DENY", "'self'"))]),
    ([(XFO, "DENY"), (CSP, "default-src 'self'")], []),
    # a report-only policy frames nothing either way
    ([(XFO, "SAMEORIGIN"), ("Content-Security-Policy-Report-Only", "frame-ancestors 'none'")], []),
]


@pytest.mark.parametrize(("sent", "found"), FRAMING)
def test_framing_findings_read_whole(sent, found):
    answer = resp([HTML, *sent], url="https://example.test/account")
    xfo = [v for k, v in sent if k == XFO]
    evidence = "; ".join(f"X-Frame-Options: {v}" for v in xfo) or "(no X-Frame-Options header in the response)"
    policy = headers.HeaderPolicy.from_section({"analysis": {"framing": True}})
    assert policy.audit(answer) == [Finding(rule_id, message, "GET /account", evidence=evidence, request=answer.request,
                                            key="framing:x-frame-options") for rule_id, message in found]


# -- which responses are documents ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("content_type", "document"), [
    ("text/html; charset=utf-8", True),  # Flask, Django
    ("text/html;charset=UTF-8", True),  # Spring MVC, no space after the semicolon
    ("text/html; charset=utf-8;", True),  # PHP's header() with a trailing semicolon
    ("TEXT/HTML", True),
    ("application/xhtml+xml; charset=utf-8", True),
    (None, True),  # Starlette's bare Response: no Content-Type, browsers sniff it
    ("application/json", False),
    ("text/css; charset=utf-8", False),
    ("text/plain; charset=utf-8; format=flowed", False),
    ("image/svg+xml", False),
])
def test_a_document_is_html_or_xhtml_or_untyped(content_type, document):
    answer = resp([("Content-Type", content_type)] if content_type else [])
    assert headers.is_document(answer) is document
    # so a page-only header rule judges it or leaves it alone
    rule = headers.HeaderRule.from_dict(XFO, {"value-one-of": ["DENY", "SAMEORIGIN"]})
    found = headers.HeaderPolicy().check_rule(rule, answer, "GET /")
    assert [f.message for f in found] == (["X-Frame-Options is missing"] if document else [])


def test_an_analysis_finding_takes_the_section_s_severity_and_page_only_analyses_skip_other_responses():
    policy = headers.HeaderPolicy.from_section({"analysis": {"framing": {"severity": "high"}, "hsts": {"severity": "low"},
                                                             "caching": True}})
    page = resp([HTML, (HSTS, "max-age=600")], url="https://example.test/", request_headers={"Cookie": "sid=1"})
    assert [(f.rule_id, f.severity, f.key) for f in policy.audit(page)] == [
        ("headers/framing-missing", Severity.HIGH, "framing:x-frame-options"),
        ("headers/hsts-max-age-short", Severity.LOW, "hsts:strict-transport-security"),
        ("headers/cache-control-authenticated", None, "caching:cache-control"),
    ]
    api = resp([("Content-Type", "application/json"), (HSTS, "max-age=600")], url="https://example.test/api/me",
               request_headers={"Cookie": "sid=1"})
    assert [(f.rule_id, f.message, f.evidence) for f in policy.audit(api, location="GET /api/me (as alice)")] == [
        ("headers/hsts-max-age-short", "max-age=600 is below 15768000 seconds", "Strict-Transport-Security: max-age=600"),
        ("headers/cache-control-authenticated", "a response to an authenticated request may be stored (no "
         "Cache-Control); it needs no-store", "(no Cache-Control header in the response)"),
    ]


# -- how a rule of the DSL reads ------------------------------------------------------------------------------------

Rule = headers.HeaderRule


def drheader_rules() -> dict[str, Any]:
    from drheader.utils import default_rules

    return default_rules()


@pytest.mark.parametrize(("header", "expected"), [
    ("Cache-Control", Rule("Cache-Control", True, value=("no-store", "max-age=0"))),
    ("Content-Security-Policy", Rule("Content-Security-Policy", True, must_avoid=("unsafe-inline", "unsafe-eval"),
                                     directives=(Rule("default-src", True, value_one_of=("none", "self")),))),
    ("Referrer-Policy", Rule("Referrer-Policy", True, value_one_of=("strict-origin", "strict-origin-when-cross-origin",
                                                                    "no-referrer"))),
    ("Server", Rule("Server", False)),
    ("Set-Cookie", Rule("Set-Cookie", "optional", must_contain=("HttpOnly", "Secure"))),
    ("X-XSS-Protection", Rule("X-XSS-Protection", True, value=("0",))),
])
def test_drheader_s_own_rules_read_as_drheader_means_them(header, expected):
    assert Rule.from_dict(header, drheader_rules()[header]) == expected


@pytest.mark.parametrize(("header", "spec", "expected"), [
    # strings for booleans, keys in any case, delimited strings for lists (split as the header splits)
    (HSTS, {"REQUIRED": " TRUE ", "Must-Contain": "includeSubDomains; preload"},
     Rule(HSTS, True, must_contain=("includeSubDomains", "preload"))),
    ("X-Powered-By", {"required": "False", "severity": "critical"}, Rule("X-Powered-By", False, severity=Severity.CRITICAL)),
    (CC, {"Value-Any-Of": "no-store, no-cache, private", "Must-Contain-One": "no-store, private"},
     Rule(CC, True, value_any_of=("no-store", "no-cache", "private"), must_contain_one=("no-store", "private"))),
    (CC, {"value": "no-store, max-age=0", "preserve-order": True}, Rule(CC, True, value=("no-store", "max-age=0"),
                                                                         preserve_order=True)),
    (CSP, {"must-avoid": "'unsafe-inline'; 'unsafe-eval'"}, Rule(CSP, True, must_avoid=("'unsafe-inline'",
                                                                                          "'unsafe-eval'"))),
    (XFO, {"ignore": True}, Rule(XFO, True, ignore=True)),
    (XFO, None, Rule(XFO, True)),
    # a directive's lists split as its header's values do
    (HSTS, {"directives": {"max-age": {"value-one-of": "31536000; 63072000"}, "preload": {"required": "false"}}},
     Rule(HSTS, True, directives=(Rule("max-age", True, value_one_of=("31536000", "63072000")), Rule("preload", False)))),
    (PP, {"directives": {"camera": {"value-any-of": "self, https://meet.example"}}},
     Rule(PP, True, directives=(Rule("camera", True, value_any_of=("self", "https://meet.example")),))),
])
def test_a_rule_reads_whatever_way_the_baseline_writes_it(header, spec, expected):
    assert Rule.from_dict(header, spec) == expected


# -- the section: its policy, its checks, each run as the section's identity ----------------------------------------

SECTION = """
    version: 1
    identities:
      alice: {login: {request: POST /login, form: {user: alice}, session_cookie: sid}}
    headers:
      identity: alice
      paths: [/, POST /api/orders]
      rules:
        X-Frame-Options: {value-one-of: [DENY, SAMEORIGIN]}
        Cache-Control: {must-contain-one: [no-store, private]}
      groups:
        - {paths: ["/api/*"], methods: [POST], rules: {Cache-Control: {must-contain: [no-store]},
                                                       X-Frame-Options: {ignore: true}}}
        - {paths: ["/admin/*"], rules: {Cache-Control: {value: no-store}}}
      analysis: {caching: true, csp: {enabled: true, severity: medium}, hsts: false, framing: {enabled: false}}
    """


def test_the_section_reads_into_one_policy():
    policy = headers.policy_of(load(SECTION))
    assert policy == headers.HeaderPolicy(
        rules={"x-frame-options": Rule("X-Frame-Options", True, value_one_of=("DENY", "SAMEORIGIN")),
               "cache-control": Rule(CC, True, must_contain_one=("no-store", "private"))},
        groups=(headers.PathGroup(("/api/*",), ("POST",), {"cache-control": Rule(CC, True, must_contain=("no-store",)),
                                                           "x-frame-options": Rule(XFO, True, ignore=True)}),
                headers.PathGroup(("/admin/*",), (), {"cache-control": Rule(CC, True, value=("no-store",))})),
        analysis={"caching": {}, "csp": {"severity": "medium"}},
    )
    assert headers.HeaderPolicy.from_section(None) == headers.HeaderPolicy()


def orders_app() -> Flask:
    """A page that a CDN may cache for guests and a browser for a user, which allows inline
    scripts, and a JSON API that only keeps orders private."""
    app = Flask("header_section")

    @app.post("/login")
    def login():
        return "ok", 200, {"Set-Cookie": "sid=alice-session; Path=/; HttpOnly"}

    @app.get("/")
    def home():  # a CDN may keep the guests' page, not a user's
        alice = request.cookies.get("sid") == "alice-session"
        return f"<!doctype html><p>hello {'alice' if alice else 'guest'}</p>", 200, {
            "Cache-Control": "private, max-age=600" if alice else "public, max-age=600", "X-Frame-Options": "SAMEORIGIN",
            "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline'"}

    @app.post("/api/orders")
    def orders():
        return {"orders": []}, 201, {"Cache-Control": "private"}

    return app


def run_section(text: str) -> dict[str, list[tuple[str, str, str, Severity | None]]]:
    base = load(text)
    session = SecureSession(base, InProcessTarget(orders_app(), scope=["localhost"]), Redactor(base.secrets), RULES)
    session.start_run(collect_checks(base))
    try:
        return {f"{c.name} {c.path}": [(f.rule_id, f.location, f.message, f.severity) for f in session.run_check(c)]
                for c in session.checks}
    finally:
        session.close()


INLINE = "inline scripts run: 'unsafe-inline' without a nonce or hash (through script-src)"
CACHED = "a response to an authenticated request may be stored ({}); it needs no-store"


def test_each_check_of_the_section_runs_its_rule_or_analysis_on_its_page_as_its_identity():
    assert run_section(SECTION) == {
        "GET /::X-Frame-Options /": [],
        "GET /::Cache-Control /": [],
        "GET /::caching /": [("headers/cache-control-authenticated", "GET /", CACHED.format("private, max-age=600"),
                              None)],
        "GET /::csp /": [("headers/csp-unsafe-inline", "GET /", INLINE, Severity.MEDIUM)],
        # the API group: no-store is a must, X-Frame-Options does not apply
        "POST /api/orders::Cache-Control /api/orders": [("headers/cache-control-value", "POST /api/orders",
                                                         "Cache-Control lacks no-store", None)],
        "POST /api/orders::caching /api/orders": [("headers/cache-control-authenticated", "POST /api/orders",
                                                   CACHED.format("private"), None)],
        "POST /api/orders::csp /api/orders": [],  # JSON: no document, no CSP to judge
    }
    # as anonymous nothing is authenticated, so nothing needs no-store; the guests' page is public
    anonymous = run_section(SECTION.replace("identity: alice", ""))
    assert anonymous["GET /::caching /"] == anonymous["POST /api/orders::caching /api/orders"] == []
    assert anonymous["GET /::Cache-Control /"] == [("headers/cache-control-value", "GET /", "Cache-Control contains "
                                                    "none of no-store, private", None)]


def test_without_paths_the_section_checks_the_home_page():
    checks = headers.collect(load("version: 1\nheaders: {rules: {X-Content-Type-Options: {value: nosniff}}, "
                                  "analysis: {hsts: true}}\n"))
    assert [(c.area, c.name, c.rules, c.path) for c in checks] == [
        ("headers", "GET /::X-Content-Type-Options", ("headers/x-content-type-options-missing",
                                                      "headers/x-content-type-options-present",
                                                      "headers/x-content-type-options-value"), "/"),
        ("headers", "GET /::hsts", ("headers/hsts-invalid", "headers/hsts-max-age-short"), "/")]


# -- a rule's findings, whole ------------------------------------------------------------------------------------------

RO = "Content-Security-Policy-Report-Only"


@pytest.mark.parametrize(("header", "spec", "sent", "found"), [
    # a site rolling out its first policy in report-only mode
    (CSP, {}, [HTML, (RO, "default-src 'self'; report-uri /csp")],
     [("headers/csp-missing", "Content-Security-Policy is missing (only Content-Security-Policy-Report-Only is sent, "
       "which enforces nothing)", "(no Content-Security-Policy header in the response)", None)]),
    ("content-security-policy", {"severity": "critical"}, [HTML, (RO, "default-src 'self'")],
     [("headers/csp-missing", "content-security-policy is missing (only Content-Security-Policy-Report-Only is sent, "
       "which enforces nothing)", "(no content-security-policy header in the response)", Severity.CRITICAL)]),
    (CSP, {}, [HTML], [("headers/csp-missing", "Content-Security-Policy is missing",
                        "(no Content-Security-Policy header in the response)", None)]),
    (XFO, {}, [HTML, (RO, "frame-ancestors 'none'")], [("headers/x-frame-options-missing", "X-Frame-Options is missing",
                                                        "(no X-Frame-Options header in the response)", None)]),
    # Express's own banner
    ("X-Powered-By", {"required": False, "severity": "high"}, [HTML, ("X-Powered-By", "Express")],
     [("headers/x-powered-by-present", "X-Powered-By must not be sent", "X-Powered-By: Express", Severity.HIGH)]),
    # two Cache-Control headers (a framework's and a proxy's) are one value
    (CC, {"must-contain": ["no-store"]}, [HTML, (CC, "public"), (CC, "max-age=60")],
     [("headers/cache-control-value", "Cache-Control lacks no-store", "Cache-Control: public; Cache-Control: max-age=60",
       None)]),
    # drHEADer's own CSP rule: the sources anywhere in the policy, quoted or not
    (CSP, "drheader", [HTML, (CSP, "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
                                   "object-src 'none'")],
     [("headers/csp-value", "Content-Security-Policy contains unsafe-inline, which the baseline forbids",
       "Content-Security-Policy: default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; object-src "
       "'none'", None),
      ("headers/csp-value", "Content-Security-Policy contains unsafe-eval, which the baseline forbids",
       "Content-Security-Policy: default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; object-src "
       "'none'", None)]),
    # a directive's name is an item of the policy too
    (CSP, {"must-contain": ["frame-ancestors"]}, [HTML, (CSP, "default-src 'self'")],
     [("headers/csp-value", "Content-Security-Policy lacks frame-ancestors", "Content-Security-Policy: default-src "
       "'self'", None)]),
    (CSP, {"must-contain": ["frame-ancestors"]}, [HTML, (CSP, "default-src 'self'; Frame-Ancestors 'none'")], []),
    # quoted or not, a source is the same source
    (CSP, {"must-contain": ["'self'"], "must-contain-one": ["'none'", "'self'"]}, [HTML, (CSP, "default-src 'self'")],
     []),
    (CC, {"value-any-of": ["no-store", "private"]}, [HTML, (CC, "public, max-age=600")],
     [("headers/cache-control-value", "Cache-Control contains public, max-age=600; allowed: no-store, private",
       "Cache-Control: public, max-age=600", None)]),
    # a key=value item counts by its key: Cache-Control has a max-age
    (CC, {"must-contain": ["max-age"]}, [HTML, (CC, "public, max-age=600")], []),
    (CC, {"must-contain": ["max-age"]}, [HTML, (CC, "no-store")],
     [("headers/cache-control-value", "Cache-Control lacks max-age", "Cache-Control: no-store", None)]),
    # the session cookie is set: its name is the key of its first item, whatever its base64 value holds
    ("Set-Cookie", {"must-contain": ["token"]}, [HTML, ("Set-Cookie", "token=YWxpY2U6czNjcjN0==; HttpOnly; Path=/")],
     []),
    # a header without items is one item: Apache's banner, word for word
    ("Server", {"must-avoid": ["Apache/2.4.58 (Ubuntu)"]}, [HTML, ("Server", "Apache/2.4.58 (Ubuntu)")],
     [("headers/server-value", "Server contains Apache/2.4.58 (Ubuntu), which the baseline forbids",
       "Server: Apache/2.4.58 (Ubuntu)", None)]),
    (CSP, "drheader", [HTML, (CSP, "default-src 'none'; script-src 'self'")], []),
    # the app's policy and the proxy's: the source that ends the first one still counts
    (CSP, {"must-avoid": ["'unsafe-inline'"]}, [HTML, (CSP, "script-src 'self' 'unsafe-inline'"),
                                                (CSP, "frame-ancestors 'none'")],
     [("headers/csp-value", "Content-Security-Policy contains 'unsafe-inline', which the baseline forbids",
       "Content-Security-Policy: script-src 'self' 'unsafe-inline'; Content-Security-Policy: frame-ancestors 'none'",
       None)]),
    (FP, {"must-avoid": ["*"]}, [HTML, (FP, "camera *; microphone 'none'")],
     [("headers/other-value", "Feature-Policy contains *, which the baseline forbids", "Feature-Policy: camera *; "
       "microphone 'none'", None)]),
    (PP, {"value-any-of": ["camera=()", "geolocation=(self)"]},
     [HTML, (PP, 'camera=(), geolocation=(self "https://maps.example.com")')],
     [("headers/permissions-policy-value", 'Permissions-Policy contains geolocation=(self "https://maps.example.com"); '
       "allowed: camera=(), geolocation=(self)", 'Permissions-Policy: camera=(), geolocation=(self '
       '"https://maps.example.com")', None)]),
    # the app and the proxy in front each add their own X-Frame-Options: browsers ignore both
    (XFO, {"value-one-of": ["DENY", "SAMEORIGIN"]}, [HTML, (XFO, "DENY"), (XFO, "SAMEORIGIN")],
     [("headers/x-frame-options-value", "X-Frame-Options is 'DENY, SAMEORIGIN', expected one of DENY, SAMEORIGIN",
       "X-Frame-Options: DENY; X-Frame-Options: SAMEORIGIN", None)]),
    # Flask's set_cookie("sid", "abc"): the evidence masks the value
    ("Set-Cookie", {"must-contain": ["HttpOnly"]}, [HTML, ("Set-Cookie", "sid=abc; Path=/")],
     [("headers/other-value", "Set-Cookie lacks HttpOnly", "Set-Cookie: sid=[REDACTED]; Path=/", None)]),
    # Werkzeug's dump_cookie("token", "YWxpY2U6czNjcjN0==", httponly=True): the padding is no name
    ("Set-Cookie", {"must-contain": ["Secure"]}, [HTML, ("Set-Cookie", "token=YWxpY2U6czNjcjN0==; HttpOnly; Path=/")],
     [("headers/other-value", "Set-Cookie lacks Secure", "Set-Cookie: token=[REDACTED]; HttpOnly; Path=/", None)]),
    # Django's login sets two cookies: both shown, both masked
    ("Set-Cookie", {"must-contain": ["Secure"]}, [HTML, ("Set-Cookie", "csrftoken=Zm9v; Path=/; SameSite=Lax"),
                                                  ("Set-Cookie", "sessionid=YmFy; HttpOnly; Path=/")],
     [("headers/other-value", "Set-Cookie lacks Secure", "Set-Cookie: csrftoken=[REDACTED]; Path=/; SameSite=Lax; "
       "Set-Cookie: sessionid=[REDACTED]; HttpOnly; Path=/", None)]),
    ("Set-Cookie", {}, [HTML], [("headers/other-missing", "Set-Cookie is missing", "(no Set-Cookie header)", None)]),
    # PHP's setcookie("theme", "dark"): no attribute at all
    ("Set-Cookie", {"must-contain": ["Secure"]}, [HTML, ("Set-Cookie", "theme=dark")],
     [("headers/other-value", "Set-Cookie lacks Secure", "Set-Cookie: theme=[REDACTED]", None)]),
    # HSTS protects any response; X-Frame-Options only pages
    (HSTS, {}, [("Content-Type", "application/json")], [("headers/hsts-missing", "Strict-Transport-Security is missing",
                                                          "(no Strict-Transport-Security header in the response)", None)]),
    (XFO, {}, [("Content-Type", "application/json")], []),
])
def test_a_rule_s_findings_read_whole(header, spec, sent, found):
    answer = resp(sent, url="https://example.test/orders?page=2")
    rule = Rule.from_dict(header, drheader_rules()[header] if spec == "drheader" else spec)
    assert headers.HeaderPolicy().check_rule(rule, answer, "GET /orders") == [
        Finding(rule_id, message, "GET /orders", evidence=evidence, severity=severity, request=answer.request,
                key=header.lower()) for rule_id, message, evidence, severity in found]
