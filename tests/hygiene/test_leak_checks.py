"""The checks the leaks section collects and the error-provoking probes it sends, as whole
values, and a probe run as the section's identity. Written from the survivors of the mutation
check (docs/testing.md): each case here failed a mutant of hygiene/leaks.py (collect, probes,
the probe runner) that the pattern tables and the end-to-end tests let through."""

import sqlite3
import textwrap
import traceback

import pytest
from flask import Flask, redirect, request

from pytest_secure.areas import RULES
from pytest_secure.core.baseline import load_baseline
from pytest_secure.core.errors import SetupError
from pytest_secure.core.redaction import Redactor
from pytest_secure.core.session import SecureSession
from pytest_secure.core.target import InProcessTarget
from pytest_secure.hygiene import leaks
from pytest_secure.hygiene.app_logs import AppLogCheck, LogCapture
from pytest_secure.hygiene.leaks import MALFORMED_JSON, RULE_IDS, UNKNOWN_PATH, WRONG_METHOD, Probe
from pytest_secure.runner.collect import collect_checks

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
    # Flask's url_for leaves "?" unencoded in a query value: only the path names the page
    (302, "/home?next=/account/sign-in?step%3D2", b"", ""),
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


PASSWORD = "alice-pass-51d2"
PROJECT = {  # the shop's project folder, which its static folder serves by mistake
    ".env": "DATABASE_URL=postgres://shop:planted-db-password@db/shop\n",
    "openapi.json": '{"openapi": "3.1.0", "info": {"title": "shop", "version": "1"}, "paths": {}}',
    "app.py": "from shop import create_app\napp = create_app()\n",
    "app.py.bak": "SECRET_KEY = 'planted-secret-key'\n",
    "old/shop.zip": "PK\x03\x04 an old release",
    "app.log": f"INFO login user=alice password={PASSWORD}\n",  # the live target's log, read from the disk
}
LISTING = ("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<html>\n <head>\n  <title>Index of /static"
           "</title>\n </head>\n <body>\n<h1>Index of /static</h1>\n<ul><li><a href=\"/\"> Parent Directory</a></li>"
           "</ul>\n</body></html>\n")


def shop_app(folder, *, canonical: bool = False) -> Flask:
    """A shop behind a login (anonymous requests go to /login) and a proxy that adds its version
    banner and denies /.git/; its project folder is its static folder. / sends the browser to the
    shop with an absolute URL built from the Host header, or, behind the proxy, looks the tenant up
    by X-Forwarded-Host (an unknown one fails); /shop/ names its generator; /static/ is an
    Apache-style listing; the old downloads moved to the shop; its 404 page is the theme's.
    ``canonical``: / sends any other
    Host to the shop's path on the same host instead (a relative redirect)."""
    app = Flask("leak_settings", static_folder=str(folder), static_url_path="")
    tenants = {"shop.example": "<p>the example shop</p>"}

    @app.before_request
    def gate():
        if request.path.startswith("/.git/"):
            return "Forbidden", 403
        if request.path != "/login" and request.cookies.get("sid") != "alice-session":
            return redirect("/login?next=" + request.path)
        return None

    @app.after_request
    def proxy(answer):
        answer.headers["Server"] = "nginx/1.25.3"
        return answer

    @app.post("/login")
    def login():
        if request.form.get("password") != PASSWORD:
            return "wrong password", 401
        return "ok", 200, {"Set-Cookie": "sid=alice-session; Path=/; HttpOnly"}

    @app.get("/")
    def home():
        if "X-Forwarded-Host" in request.headers:
            return tenants[request.headers["X-Forwarded-Host"]]  # a KeyError: HTTP 500
        if canonical:
            return redirect(f"/shop/?{request.query_string.decode()}")
        return redirect(f"http://{request.host}/shop/?{request.query_string.decode()}")

    @app.get("/shop/")
    def shop():
        return '<!doctype html><meta name="generator" content="Shopware 6.5.7.3"><title>Shop</title>'

    @app.errorhandler(404)
    def missing(error):  # the theme's own 404 page, generator tag and all
        return '<!doctype html><meta name="generator" content="Shopware 6.5.7.3"><title>Not found</title>', 404

    @app.get("/downloads/<name>")
    def downloads(name):
        return redirect("/shop/", 301)

    @app.post("/cart")
    def cart():
        return {"items": []}

    @app.get("/static/")
    def listing():
        return LISTING

    @app.get("/search")
    def search():  # a query built by hand: a quote breaks it, and the error page shows the traceback
        db = sqlite3.connect(":memory:")
        db.execute("CREATE TABLE product (name TEXT)")
        try:
            rows = db.execute(f"SELECT name FROM product WHERE name = '{request.args['q']}'").fetchall()
        except sqlite3.Error:
            return f"<pre>{traceback.format_exc()}</pre>", 500
        return {"results": rows}

    return app


SETTINGS = f"""
    version: 1
    identities:
      alice: {{login: {{request: POST /login, form: {{user: alice, password: "{PASSWORD}"}}, session_cookie: sid}}}}
    leaks:
      identity: alice
      paths: ["/?lang=en", /shop/, /app.py, POST /cart]
      banners: false
      host_header: true
      directory_listing: [/static/]
      discovery: true
      discovery_paths: [/old/shop.zip, /downloads/shop-1.0.zip]
      log_file: app.log
      probes: [{{request: "GET /search?q=O'Reilly", name: quote}}]
    """


def outcome(session, check):
    """[(rule id, location, message, key)] of the check's findings, or the message of its error."""
    try:
        return [(f.rule_id, f.location, f.message, f.key) for f in session.run_check(check)]
    except SetupError as exc:
        return str(exc)


def run_section(folder, text, *, canonical: bool = False):
    """check name -> the outcome of every check the section collects."""
    for name, content in PROJECT.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content)
    (folder / "security-baseline.yaml").write_text(textwrap.dedent(text))
    base = load_baseline(folder / "security-baseline.yaml", environ={})
    session = SecureSession(base, InProcessTarget(shop_app(folder, canonical=canonical), scope=["localhost"]), Redactor(base.secrets),
                            RULES)
    session.start_run(collect_checks(base))
    try:
        return {c.name: outcome(session, c) for c in session.checks}
    finally:
        session.close()


def test_every_collected_check_runs_with_the_section_s_settings(tmp_path):
    found = run_section(tmp_path, SETTINGS)
    generator = ("leaks/version-in-body", "HTTP 200 response names its software and version (<meta "
                 "name=\"generator\" content=\"Shopware 6.5.7.3\")")
    assert {name: result for name, result in found.items() if result} == {
        # / sends the browser to the shop: a page check judges where it lands
        "GET /?lang=en": [(generator[0], "GET /?lang=en", generator[1], generator[0])],
        "GET /shop/": [("leaks/version-in-body", "GET /shop/", "HTTP 200 response names its software and version "
                        "(<meta name=\"generator\" content=\"Shopware 6.5.7.3\")", "leaks/version-in-body")],
        # a probe's findings are placed at the request as the probe sent it
        "probe:quote GET /search?q=O'Reilly": [
            ("leaks/stack-trace-python", "GET /search?q=O'Reilly", "HTTP 500 response shows Python traceback",
             "leaks/stack-trace-python"),
            ("leaks/server-error", "GET /search?q=O'Reilly", "HTTP 500: the server failed on this request",
             "server-error")],
        # the host probes judge their own answer, redirects not followed (this one leaves the scope)
        "host:foreign-host GET /?lang=en": [
            ("leaks/host-header-injection", "GET /?lang=en", "Host: pytest-secure-foreign.invalid is reflected into "
             "the location header (http://pytest-secure-foreign.invalid/shop/?lang=en)", "foreign-host")],
        "host:forwarded-host GET /?lang=en": [
            ("leaks/server-error", "GET /?lang=en", "HTTP 500: the server failed on this request", "server-error")],
        # the listing check reports the listing only, whatever the section says of banners
        "listing:/static/": [("leaks/directory-listing", "GET /static/", "HTTP 200 response is a directory listing",
                              "leaks/directory-listing")],
        # the proxy's 403 on /.git/ is no refusal of the whole discovery, and a moved download is not a file
        "discovery": [
            ("leaks/sensitive-file", "GET /.env", "/.env serves an environment file", "/.env"),
            ("leaks/api-description", "GET /openapi.json", "/openapi.json serves an OpenAPI description",
             "/openapi.json"),
            ("leaks/sensitive-file", "GET /app.py.bak", "/app.py.bak is served (HTTP 200, 34 bytes)", "/app.py.bak"),
            ("leaks/sensitive-file", "GET /old/shop.zip", "/old/shop.zip is served (HTTP 200, 19 bytes)",
             "/old/shop.zip"),
        ],
        "app-logs": [("leaks/secret-in-app-log", "log file app.log", "log file app.log: logger 'app.log' (file) "
                      "wrote a credential pytest-secure holds (password, token or cookie)",
                      "app.log:a credential pytest-secure holds (password, token or cookie)")],
    }
    assert list(found) == [
        "GET /?lang=en", "GET /shop/", "GET /app.py", "POST /cart", f"probe:unknown-path GET {UNKNOWN_PATH}",
        f"probe:wrong-method {WRONG_METHOD} /?lang=en", "probe:malformed-body POST /?lang=en",
        "probe:quote GET /search?q=O'Reilly", "host:foreign-host GET /?lang=en", "host:forwarded-host GET /?lang=en",
        "discovery", "app-logs", "listing:/static/"]


def test_a_host_probe_judges_its_own_answer_not_where_a_redirect_leads(tmp_path):
    # followed, the relative redirect would land on the shop, answered HTTP 200 to the foreign Host
    assert run_section(tmp_path, SETTINGS, canonical=True)["host:foreign-host GET /?lang=en"] == []


def test_discovery_refused_at_its_first_request_says_so(tmp_path):
    # as anonymous the random path goes to the login page: every file would look missing
    found = run_section(tmp_path, SETTINGS.replace("identity: alice", "identity: anonymous"))
    assert found["discovery"] == (
        "content discovery cannot tell a served file from a refusal: a random path was answered HTTP 302 to the login "
        "page /login as anonymous; set leaks.identity to an identity that can log in, or remove leaks.discovery")


def test_a_public_api_description_can_be_left_out_of_discovery(tmp_path):
    found = run_section(tmp_path, SETTINGS.replace("discovery: true", "discovery: true\n      api_descriptions: false"))
    assert [rule_id for rule_id, *_ in found["discovery"]] == ["leaks/sensitive-file"] * 3


@pytest.mark.parametrize(("settings", "captures", "log_file"), [
    (["app_logs: true"], True, None),
    (["log_file: logs/app.log"], False, "logs/app.log"),
    (["app_logs: true", "log_file: app.log"], True, "app.log"),
])
def test_the_app_log_check_captures_in_process_and_reads_the_log_file_as_set(settings, captures, log_file, tmp_path):
    lines = "".join(f"  {s}\n" for s in ["paths: [/]", "error_pages: false", *settings])
    (tmp_path / "security-baseline.yaml").write_text(f"version: 1\nleaks:\n{lines}")
    [_page, check] = leaks.collect(load_baseline(tmp_path / "security-baseline.yaml", environ={}))
    assert (check.area, check.name, check.rules, check.path) == ("leaks", "app-logs", ("leaks/secret-in-app-log",), "/")
    assert isinstance(check.run, AppLogCheck)
    assert isinstance(check.run.capture, LogCapture) is captures
    assert check.run.log_file == (tmp_path / log_file if log_file else None)


def test_the_discovery_check_is_one_item_for_the_whole_site():
    [_page, check] = leaks.collect(load("version: 1\nleaks: {paths: [/shop], error_pages: false, discovery: true}\n"))
    assert (check.area, check.name, check.rules, check.path) == ("leaks", "discovery", RULE_IDS, "/")
