"""Leak findings as whole values: the message, evidence and key of each body rule, of banners, of
server errors and of the host-header probes, on real framework pages, error bodies and redirects;
what an error probe reports of a page; and a probe that never reached the handler, or whose view
raised in process. Written from the survivors of the mutation check (docs/testing.md): each case
here failed a mutant of hygiene/leaks.py (``_body_message``, ``body_findings``, ``body_leaks``,
``LeakPolicy.audit``, ``host_findings``, ``host_reflection``, ``_probe_runner``,
``raised_findings``) that the pattern tables let through.

Pages the stack renders here (Werkzeug's debugger, Django's debug page, Starlette's bare
response) are rendered; the others are quoted from the software named in each case."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask, redirect, request

from pytest_secure.areas import RULES
from pytest_secure.core.errors import SetupError
from pytest_secure.core.findings import Finding
from pytest_secure.core.redaction import Redactor
from pytest_secure.core.session import SecureSession
from pytest_secure.core.target import InProcessTarget
from pytest_secure.hygiene import leaks
from pytest_secure.runner.collect import collect_checks
from tests.fuzz.test_oracle_patterns import django_template, werkzeug_debugger_page

from .audit import load
from .responses import resp

HTML = ("Content-Type", "text/html; charset=utf-8")

# CPython's http.server (SimpleHTTPRequestHandler.list_directory) for a folder with one file
HTTP_SERVER_LISTING = (
    '<!DOCTYPE HTML>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    "<title>Directory listing for /static/</title>\n</head>\n<body>\n<h1>Directory listing for /static/</h1>\n"
    '<hr>\n<ul>\n<li><a href="app.js">app.js</a></li>\n</ul>\n<hr>\n</body>\n</html>\n')
# Apache's mod_autoindex on a folder whose file name is Latin-1 (the page is served as ISO-8859-1)
APACHE_LISTING = (b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<html>\n <head>\n'
                  b"  <title>Index of /files</title>\n </head>\n <body>\n<h1>Index of /files</h1>\n"
                  b'<ul><li><a href="/"> Parent Directory</a></li>\n<li><a href="caf%e9.txt"> caf\xe9.txt</a></li>\n'
                  b"</ul>\n</body></html>\n")
# Spring Boot's Whitelabel page with server.error.include-stacktrace=always
WHITELABEL_TRACE = (
    "<html><body><h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error, so you "
    "are seeing this as a fallback.</p><div id='created'>Mon Nov 30 02:00:00 UTC 2026</div><div>There was an "
    "unexpected error (type=Internal Server Error, status=500).</div><div>boom</div><div style='white-space:pre-wrap;'>"
    "java.lang.IllegalStateException: boom\n\tat com.example.demo.DemoController.boom(DemoController.java:12)\n"
    "</div></body></html>")
# PHP 8 with display_errors=On and html_errors=On: Composer's autoloader missing a file
PHP_WARNING = (
    "<br />\n<b>Warning</b>:  include(/var/www/html/vendor/composer/../symfony/polyfill-mbstring/bootstrap.php): "
    "Failed to open stream: No such file or directory in <b>/var/www/html/vendor/composer/autoload_real.php</b> "
    "on line <b>41</b><br />\n")
PHP_EVIDENCE = (  # the matched text, whitespace folded, cut at 160 characters
    "<b>Warning</b>: include(/var/www/html/vendor/composer/../symfony/polyfill-mbstring/bootstrap.php): Failed to "
    "open stream: No such file or directory in <b>/var/w")
# Discourse's generator tag carries the version and the git commit
DISCOURSE = ('<meta name="generator" content="Discourse 3.2.0.beta4 - https://github.com/discourse/discourse '
             'version 0f4a1c9bdfb8e7bbfbf2a4d8bd2df4b5d7c93c3e">')


@dataclass(frozen=True)
class Case:
    name: str
    body: str | bytes | object  # text, bytes, or a function that renders the page
    status: int
    found: list[tuple[str, str, str]]  # (rule id, message, evidence) in order

    def response(self):
        body = self.body() if callable(self.body) else self.body
        return resp([HTML], body=body if isinstance(body, bytes) else body.encode(), status=self.status,
                    url="http://127.0.0.1:8000/app/page?x=1")


CASES = [
    Case("werkzeug debugger", werkzeug_debugger_page, 500, [
        ("leaks/stack-trace-flask", "HTTP 500 response shows Werkzeug/Flask debugger or traceback page",
         "body contains: <title>RuntimeError: boom // Werkzeug Debugger</title>")]),
    Case("django technical_500", lambda: django_template("technical_500.html"), 500, [
        ("leaks/stack-trace-django", "HTTP 500 response shows Django debug page (DEBUG = True)",
         'body contains: <th scope="row">Django Version:</th>')]),
    Case("php warning, cut at 160", PHP_WARNING, 200, [
        ("leaks/stack-trace-php", "HTTP 200 response shows PHP error message", f"body contains: {PHP_EVIDENCE}")]),
    Case("http.server listing", HTTP_SERVER_LISTING, 200, [
        ("leaks/directory-listing", "HTTP 200 response is a directory listing",
         "body contains: Directory listing for /")]),
    Case("apache listing in latin-1", APACHE_LISTING, 200, [
        ("leaks/directory-listing", "HTTP 200 response is a directory listing", "body contains: <title>Index of /")]),
    Case("django install worked", "<!doctype html><html><head><title>The install worked successfully! "
         "Congratulations!</title>", 200, [
             ("leaks/default-page", "HTTP 200 response is Django's install-worked page",
              "body contains: Django's install-worked page: The install worked successfully! Congratulations!")]),
    Case("nginx welcome", "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>", 200, [
        ("leaks/default-page", "HTTP 200 response is nginx's welcome page",
         "body contains: nginx's welcome page: <title>Welcome to nginx!</title>")]),
    Case("apache ubuntu", "<title>Apache2 Ubuntu Default Page: It works</title>", 200, [
        ("leaks/default-page", "HTTP 200 response is Apache's default page",
         "body contains: Apache's default page: <title>Apache2 Ubuntu Default Page")]),
    Case("iis", '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"><html><head>'
         "<title>IIS Windows Server</title>", 200, [
             ("leaks/default-page", "HTTP 200 response is IIS's welcome page",
              "body contains: IIS's welcome page: <title>IIS Windows Server</title>")]),
    Case("tomcat", "<h2>If you're seeing this, you've successfully installed Tomcat. Congratulations!</h2>", 200, [
        ("leaks/default-page", "HTTP 200 response is Tomcat's welcome page",
         "body contains: Tomcat's welcome page: If you're seeing this, you've successfully installed Tomcat")]),
    Case("rails", "<h1>Yay! You&rsquo;re on Rails!</h1>", 200, [
        ("leaks/default-page", "HTTP 200 response is Rails' welcome page",
         "body contains: Rails' welcome page: Yay! You&rsquo;re on Rails!")]),
    Case("express generator", "<!DOCTYPE html><html><head><title>Express</title></head><body><h1>Express</h1>"
         "<p>Welcome to Express</p></body></html>", 200, [
             ("leaks/default-page", "HTTP 200 response is Express's generator page",
              "body contains: Express's generator page: <p>Welcome to Express</p>")]),
    Case("spring whitelabel with a trace", WHITELABEL_TRACE, 500, [
        ("leaks/stack-trace-java", "HTTP 500 response shows Java stack trace",
         "body contains: java.lang.IllegalStateException"),
        ("leaks/default-page", "HTTP 500 response is Spring Boot's Whitelabel error page",
         "body contains: Spring Boot's Whitelabel error page: <h1>Whitelabel Error Page</h1>")]),
    # django-debug-toolbar 0.8's base.html put the style before the id
    Case("django debug toolbar 0.8", '<body>hi<div style="display:none;" id="djDebug">', 200, [
        ("leaks/debug-toolbar", "HTTP 200 response carries the Django Debug Toolbar",
         'body contains: Django Debug Toolbar: <div style="display:none;" id="djDebug"')]),
    Case("flask-debugtoolbar", '<body>hi<div id="flDebug" style="display:none;" role="navigation">', 200, [
        ("leaks/debug-toolbar", "HTTP 200 response carries the Flask-DebugToolbar",
         'body contains: Flask-DebugToolbar: <div id="flDebug"')]),
    Case("discourse generator", f"<head>{DISCOURSE}<title>Forum</title>", 200, [
        ("leaks/version-in-body", "HTTP 200 response names its software and version (<meta name=\"generator\" "
         "content=\"Discourse 3.2.0.beta4 - https://github.com/disco)", f"body contains: {DISCOURSE[:-1]}")]),
    Case("wordpress generator", '<meta name="generator" content="WordPress 6.4.2" />', 200, [
        ("leaks/version-in-body", 'HTTP 200 response names its software and version (<meta name="generator" '
         'content="WordPress 6.4.2")', 'body contains: <meta name="generator" content="WordPress 6.4.2"')]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_body_finding_reads_whole(case):
    answer = case.response()
    expected = [Finding(rule_id, message, "GET /app/page", evidence=evidence, request=answer.request, key=rule_id)
                for rule_id, message, evidence in case.found]
    assert leaks.LeakPolicy(server_errors=False).audit(answer) == expected


# the same pages answered to an error probe: what the page *is* was reported by the page check
PROBED = {
    "werkzeug debugger": ["leaks/stack-trace-flask"],
    "apache listing in latin-1": ["leaks/directory-listing"],
    "nginx welcome": [],
    "spring whitelabel with a trace": ["leaks/stack-trace-java"],
    "django debug toolbar 0.8": [],
    "wordpress generator": [],
}


@pytest.mark.parametrize("name", list(PROBED))
def test_a_probe_reports_the_error_it_provoked_not_what_the_page_is(name):
    [case] = [c for c in CASES if c.name == name]
    probe_policy = leaks.LeakPolicy(server_errors=False, page_content=False)
    assert [f.rule_id for f in probe_policy.audit(case.response(), location="GET /nope")] == PROBED[name]


def test_no_body_no_body_findings():
    assert leaks.body_leaks(resp([HTML], body=b"", status=500)) == []
    assert leaks.LeakPolicy(server_errors=False).audit(resp([HTML], body=b"", status=500)) == []


def test_a_server_error_without_a_content_type_says_so():
    """Starlette's ``Response(status_code=503)``: no body, and no Content-Type at all."""
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    app = Starlette(routes=[Route("/health", lambda request: Response(status_code=503))])
    target = InProcessTarget(app, scope=["localhost"])
    try:
        answer = target.request("GET", "/health")
    finally:
        target.close()
    assert leaks.LeakPolicy().audit(answer) == [
        Finding("leaks/server-error", "HTTP 503: the server failed on this request", "GET /health",
                evidence="HTTP 503 (no Content-Type, 0 bytes)", request=answer.request, key="server-error")]


@pytest.mark.parametrize(("headers", "found"), [
    # Werkzeug's development server and a PHP behind it, as sent
    ([("Server", "Werkzeug/3.1.3 Python/3.12.3"), ("X-Powered-By", "PHP/8.2.12")],
     [("Server", "'Werkzeug/3.1.3 Python/3.12.3'", "server"), ("X-Powered-By", "'PHP/8.2.12'", "x-powered-by")]),
    ([("X-AspNet-Version", "4.0.30319")], [("X-AspNet-Version", "'4.0.30319'", "x-aspnet-version")]),
    ([("Server", "nginx"), ("X-Powered-By", "Express")], []),  # names without a version
])
def test_banner_findings_read_whole(headers, found):
    answer = resp(headers, url="http://127.0.0.1:8000/")
    assert leaks.LeakPolicy().audit(answer, location="GET / (as alice)") == [
        Finding("leaks/version-banner", f"{name} reveals {shown}", "GET / (as alice)",
                evidence=f"{name}: {shown[1:-1]}", request=answer.request, key=key) for name, shown, key in found]


def login_required_app() -> Flask:
    """Django-style ``login_required`` in Flask: anonymous requests go to the login page; a wrong
    session cookie gets 401. Logged in, POST /report breaks on a body it cannot read."""
    app = Flask("leak_refusals")
    app.testing = True  # as under test: the view's exception reaches the caller, not a 500 page

    @app.before_request
    def gate():
        if request.path.startswith("/accounts/"):
            return None
        if "sid" not in request.cookies:
            return redirect("/accounts/login/?next=" + request.path)
        if request.cookies["sid"] != "alice-session":
            return "session expired", 401
        return None

    @app.get("/accounts/login/")
    def login_page():  # what a probe that followed the redirect would judge: a harmless form
        return "<form method=post><input name=user></form>"

    @app.post("/accounts/login/")
    def login():
        sid = "alice-session" if request.form.get("user") == "alice" else "stale-session"
        return "ok", 200, {"Set-Cookie": f"sid={sid}; Path=/; HttpOnly"}

    @app.post("/report")
    def report():
        return {"total": request.get_json(force=True, silent=True)["n"]}  # None["n"]: a TypeError

    @app.post("/cart")
    def cart():
        return {"quantity": int(request.form["quantity"])}  # a ValueError on words

    return app


QUANTITY = "twelve boxes, " + "as agreed on the phone with the warehouse " * 5


def probe_outcome(identity: str, probe: str = "probe:malformed-body POST /report") -> object:
    """What ``probe`` gives as ``identity``: its findings (rule id, location, message, evidence,
    key) or its error message."""
    base = load(f"""
        version: 1
        identities:
          alice: {{login: {{request: POST /accounts/login/, form: {{user: alice}}, session_cookie: sid}}}}
          mallory: {{login: {{request: POST /accounts/login/, form: {{user: mallory}}, session_cookie: sid}}}}
        leaks:
          paths: [POST /report]
          identity: {identity}
          banners: false
          probes: [{{request: POST /cart, name: words, body: "quantity={QUANTITY}",
                     content_type: application/x-www-form-urlencoded}}]
        """)
    session = SecureSession(base, InProcessTarget(login_required_app(), scope=["localhost"]), Redactor(base.secrets),
                            RULES)
    session.start_run(collect_checks(base))
    try:
        [check] = [c for c in session.checks if c.name == probe]
        try:
            return [(f.rule_id, f.location, f.message, f.evidence, f.key) for f in session.run_check(check)]
        except SetupError as exc:
            return str(exc)
    finally:
        session.close()


def test_a_probe_sent_to_the_login_page_says_it_never_reached_the_handler():
    # followed, the redirect would land on the login form and the probe would pass in silence
    assert probe_outcome("anonymous") == (
        "probe malformed-body (POST /report) never reached the application's handler: as anonymous it was answered "
        "HTTP 302 to the login page /accounts/login/, so an error page or stack trace behind it would go unseen; set "
        "leaks.identity to an identity that can log in (see identities:), so that the probe reaches the application, "
        "or remove the probe")
    assert probe_outcome("mallory") == (
        "probe malformed-body (POST /report) never reached the application's handler: as mallory it was answered "
        "HTTP 401: the authentication layer refused it, so an error page or stack trace behind it would go unseen; "
        "check the credentials of identity 'mallory' (or set leaks.identity to one the application accepts), or "
        "remove the probe")
    # reached: the body it cannot read fails the view, in process as the exception a server turns into a 500
    assert probe_outcome("alice") == [
        ("leaks/server-error", "POST /report", "the application raised an exception (a server answers HTTP 500)",
         "raised TypeError: 'NoneType' object is not subscriptable", "server-error")]
    # the evidence keeps the first 200 characters of what was raised
    raised = f"ValueError: invalid literal for int() with base 10: '{QUANTITY}'"
    assert probe_outcome("alice", "probe:words POST /cart") == [
        ("leaks/server-error", "POST /cart", "the application raised an exception (a server answers HTTP 500)",
         f"raised {raised[:200]}", "server-error")]
    assert len(raised) > 200


# -- host-header probes: whole findings --------------------------------------------------------------------------------

FOREIGN = leaks.FOREIGN_HOST
HOSTED = [
    # (probe, status, headers, body, [(rule id, message)]) for GET / sent with the probe's header
    # Django's HttpResponseRedirect(request.build_absolute_uri("/welcome"))
    ("foreign-host", 302, [("Location", f"http://{FOREIGN}/welcome")], b"",
     [("leaks/host-header-injection", f"Host: {FOREIGN} is reflected into the Location header "
       f"(http://{FOREIGN}/welcome)")]),
    # a login redirect built with build_absolute_uri, with the campaign's query: shown up to 120 characters
    ("foreign-host", 302, [("Location", f"http://{FOREIGN}/accounts/login/?next=/orders/2026/invoice-4471.pdf"
                                        "&utm_source=newsletter&utm_medium=email")], b"",
     [("leaks/host-header-injection", f"Host: {FOREIGN} is reflected into the Location header (http://{FOREIGN}"
       "/accounts/login/?next=/orders/2026/invoice-4471.pdf&utm_source=newsletter&utm_medium)")]),
    # Rails' early hints / preload links built from the request's host
    ("forwarded-host", 200, [("Link", f"<https://{FOREIGN}/assets/app.css>; rel=preload; as=style")], b"<p>hi</p>",
     [("leaks/host-header-injection", f"X-Forwarded-Host: {FOREIGN} is reflected into the Link header "
       f"(<https://{FOREIGN}/assets/app.css>; rel=preload; as=style)")]),
    # Flask's url_for(..., _external=True) behind ProxyFix: the password-reset link
    ("forwarded-host", 200, [HTML], f'<!doctype html><title>Home</title>\n<a href="http://{FOREIGN}/reset/t0k3n">reset '
     "your password</a> or go back".encode(),
     [("leaks/host-header-injection", f"X-Forwarded-Host: {FOREIGN} is reflected into an absolute URL in the body "
       f'(html><title>Home</title> <a href="http://{FOREIGN}/reset/t0k3n">reset)')]),
    # a Latin-1 page whose first link is absolute
    ("foreign-host", 200, [("Content-Type", "text/html; charset=iso-8859-1")],
     f'<a href="http://{FOREIGN}/">Caf\xe9 du Commerce</a>'.encode("latin-1"),
     [("leaks/host-header-injection", f"Host: {FOREIGN} is reflected into an absolute URL in the body "
       f'(<a href="http://{FOREIGN}/">Caf\ufffd du Commerce<)')]),
    # answered as the real site, nothing reflected
    ("foreign-host", 200, [HTML], b"<!doctype html><title>Home</title><a href='/about'>about</a>",
     [("leaks/any-host-accepted", f"Host: {FOREIGN} is answered HTTP 200 like the real site")]),
    ("forwarded-host", 200, [HTML], b"<!doctype html><title>Home</title><a href='/about'>about</a>", []),
    # a CSP report-uri is no link or redirect a user follows
    ("foreign-host", 204, [("Content-Security-Policy", f"default-src 'self'; report-uri http://{FOREIGN}/csp")], b"",
     [("leaks/any-host-accepted", f"Host: {FOREIGN} is answered HTTP 204 like the real site")]),
    # Django refuses the host (ALLOWED_HOSTS, DEBUG off)
    ("foreign-host", 400, [HTML], b"<h1>Bad Request (400)</h1>", []),
    # an error page that repeats the requested URL serves no link
    ("foreign-host", 404, [HTML], f"<p>The requested URL http://{FOREIGN}/ was not found</p>".encode(), []),
    # the first status past 2xx: neither a body reflection nor an answer as the real site
    ("foreign-host", 300, [HTML], f'<ul><li><a href="http://{FOREIGN}/index.html.en">English</a></li></ul>'.encode(), []),
]


@pytest.mark.parametrize(("kind", "status", "sent", "body", "found"), HOSTED)
def test_host_header_findings_read_whole(kind, status, sent, body, found):
    header = dict(leaks.HOST_PROBES)[kind]
    answer = resp(sent, body=body, status=status, request_headers={header: FOREIGN})
    assert leaks.host_findings(kind, header, answer, "GET /") == [
        Finding(rule_id, message, "GET /", evidence=f"{header}: {FOREIGN} -> HTTP {status}", request=answer.request,
                key=kind) for rule_id, message in found]
