"""The checks the leaks section collects and the error-provoking probes it sends, as whole
values, and a probe run as the section's identity. Written from the survivors of the mutation
check (docs/testing.md): each case here failed a mutant of hygiene/leaks.py (collect, probes,
the probe runner) that the pattern tables and the end-to-end tests let through."""

import pytest
from flask import Flask, request

from pytest_secure.hygiene import leaks
from pytest_secure.hygiene.leaks import MALFORMED_JSON, RULE_IDS, UNKNOWN_PATH, WRONG_METHOD, Probe

from .audit import audit, load
from .responses import resp

SECTION = """
    version: 1
    leaks:
      paths: [/api, POST /form]
      host_header: true
      directory_listing: [/static/]
      probes:
        - {request: PUT /api/items, body: '{"a": ', name: broken-put}
        - {request: POST /upload, body: 'x=1', content_type: application/x-www-form-urlencoded,
           headers: {X-Trace: 'yes'}}
        - {request: GET /search, headers: {Accept: text/csv}}
    """


def test_the_probes_are_the_defaults_around_the_first_page_then_the_baseline_s_own():
    section = load(SECTION).section("leaks")
    assert leaks.probes(section, "/api") == [
        Probe("unknown-path", "GET", UNKNOWN_PATH),
        Probe("wrong-method", WRONG_METHOD, "/api"),
        Probe("malformed-body", "POST", "/api", MALFORMED_JSON, {"Content-Type": "application/json"}),
        Probe("broken-put", "PUT", "/api/items", b'{"a": ', {"Content-Type": "application/json"}),
        Probe("probe-2", "POST", "/upload", b"x=1", {"Content-Type": "application/x-www-form-urlencoded",
                                                      "X-Trace": "yes"}),
        Probe("probe-3", "GET", "/search", None, {"Accept": "text/csv"}),
    ]


def test_the_section_collects_pages_probes_host_probes_and_listings():
    checks = leaks.collect(load(SECTION))
    assert [(c.area, c.name, c.path) for c in checks] == [
        ("leaks", "GET /api", "/api"),
        ("leaks", "POST /form", "/form"),
        ("leaks", f"probe:unknown-path GET {UNKNOWN_PATH}", UNKNOWN_PATH),
        ("leaks", f"probe:wrong-method {WRONG_METHOD} /api", "/api"),
        ("leaks", "probe:malformed-body POST /api", "/api"),
        ("leaks", "probe:broken-put PUT /api/items", "/api/items"),
        ("leaks", "probe:probe-2 POST /upload", "/upload"),
        ("leaks", "probe:probe-3 GET /search", "/search"),
        ("leaks", "host:foreign-host GET /api", "/api"),
        ("leaks", "host:forwarded-host GET /api", "/api"),
        ("leaks", "listing:/static/", "/static/"),
    ]
    assert [c.rules for c in checks[:-1]] == [RULE_IDS] * 10
    assert checks[-1].rules == ("leaks/directory-listing",)


def test_probes_and_host_probes_can_be_switched_off():
    quiet = SECTION.replace("host_header: true", "host_header: false\n      error_pages: false")
    assert [c.name for c in leaks.collect(load(quiet))] == ["GET /api", "POST /form", "listing:/static/"]
    default = leaks.collect(load("version: 1\nleaks: {}\n"))
    assert [c.name for c in default] == ["GET /", f"probe:unknown-path GET {UNKNOWN_PATH}",
                                         f"probe:wrong-method {WRONG_METHOD} /", "probe:malformed-body POST /"]


BASELINE = """
    version: 1
    identities:
      alice: {login: {request: POST /login, form: {user: alice}, session_cookie: sid}}
    leaks:
      identity: alice
      paths: [/]
      banners: false
      probes: [{request: POST /report, body: '{"n": 1}', name: report}]
    """


def report_app(planted: bool) -> Flask:
    """POST /report answers a logged-in user with a Python traceback when planted."""
    app = Flask("leak_table")

    @app.post("/login")
    def login():
        return "ok", 200, {"Set-Cookie": "sid=alice-session; Path=/; HttpOnly"}

    @app.get("/")
    def home():
        return "<!doctype html><title>home</title>"

    @app.post("/report")
    def report():
        if request.cookies.get("sid") != "alice-session":
            return "log in first", 401
        assert request.get_json() == {"n": 1}, request.data  # the probe's body and content type arrived
        if planted:
            return ('Traceback (most recent call last):\n  File "/srv/app/report.py", line 12, in report\n'
                    "    total = rows[0]\nIndexError: list index out of range\n", 500)
        return "{}", 200

    return app


def test_a_probe_runs_as_the_section_identity_with_its_body():
    found = audit(report_app(planted=True), BASELINE, live=False)
    assert [(f.rule_id, f.location) for f in found] == [
        ("leaks/stack-trace-python", "POST /report"), ("leaks/server-error", "POST /report")]
    assert audit(report_app(planted=False), BASELINE, live=False) == []


@pytest.mark.parametrize(("status", "location", "body", "why"), [
    (300, "/accounts/login?next=/a?b=1", b"", "HTTP 300 to the login page /accounts/login"),  # the first redirect status
    (302, "/home", b"", ""),
    (400, "/accounts/login", b"", ""),  # not a redirect, whatever its Location
    (403, None, b"\xff" * 4092 + b"CSRF token missing", ""),  # Django's CSRF page is the framework's error path
    (403, None, b"\xff" * 4093 + b"CSRF", "HTTP 403: the access layer refused it"),  # past the first 4096 bytes
    (401, None, b"", "HTTP 401: the authentication layer refused it"),
])
def test_why_a_probe_never_reached_the_handler(status, location, body, why):
    answer = resp([("Location", location)] if location else [], body=body, status=status)
    assert leaks.unreached(answer) == why


@pytest.mark.parametrize(("status", "failed"), [(499, False), (500, True), (501, False), (505, False), (599, True),
                                                (600, False)])
def test_a_server_error_is_a_5xx_that_is_not_a_refusal(status, failed):
    assert leaks.server_error(status) is failed


def test_named_signatures_match_without_case():
    [(name, pattern)] = leaks._alternatives({"werkzeug": r"Werkzeug Debugger"})
    assert name == "werkzeug" and pattern.search("the werkzeug debugger") and not pattern.search("Werkzeug")


@pytest.mark.parametrize(("setting", "extra"), [
    ("discovery: true", ["discovery"]), ("discovery_paths: [/.env]", ["discovery"]),
    ("app_logs: true", ["app-logs"]), ("log_file: app.log", ["app-logs"]),
    ("discovery: false", []), ("app_logs: false", []),
])
def test_discovery_and_app_log_checks_are_opt_in(setting, extra):
    checks = leaks.collect(load(f"version: 1\nleaks: {{paths: [/], error_pages: false, {setting}}}\n"))
    assert [c.name for c in checks] == ["GET /", *extra]
