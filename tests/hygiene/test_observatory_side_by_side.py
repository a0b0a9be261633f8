"""The offline grade side by side with MDN's HTTP Observatory scanner, on the same pages.

MDN's scanner (``@mdn/mdn-http-observatory``, installed by ``npm install`` at the repository
root) scans ports 80 and 443 of a host name. This module serves each page there, on
127.0.0.1 only (``localhost``, with a trustme certificate node is told to trust), asks the
scanner to grade it (``observatory_scan.mjs``), grades the same page with pytest-secure
(``http://localhost/``, redirects followed, plus the CORS preflight the scanner sends), and
compares score, grade and every test's result.

Pages: real framework apps (Django with startproject's and with hardened settings, Flask with
flask-talisman, FastAPI bare and with a security-headers middleware, httpbin), proxied
unchanged, and crafted pages, one for each difference issue 17 found and for the corners of
each test. Differences that remain are listed in ``DOCUMENTED`` with the phrase of
docs/response-hygiene.md that explains them; any other difference fails.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import os
import shutil
import ssl
import subprocess
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pytest_secure.core.target import LiveTarget
from pytest_secure.hygiene.cors import PROBE_ORIGIN
from pytest_secure.hygiene.observatory import NotGradable, grade_response
from tests.hygiene import apps
from tests.servers import serve_asgi, serve_wsgi

ROOT = Path(__file__).resolve().parents[2]
SCANNER = ROOT / "node_modules" / "@mdn" / "mdn-http-observatory"
DRIVER = Path(__file__).with_name("observatory_scan.mjs")
DOCS = ROOT / "docs" / "response-hygiene.md"
HTML = ("Content-Type", "text/html; charset=utf-8")
GOOD = [HTML, ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
        ("Strict-Transport-Security", "max-age=63072000; includeSubDomains"), ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer")]
TO_HTTPS = {"/": "https://localhost/"}


@dataclass
class Page:
    """What ports 80 and 443 of localhost answer while this page is selected.

    ``http_routes``: path -> Location of the redirects plain http answers (other http paths
    serve the page itself). ``backend``: a real app's base URL and path that ``/`` proxies to.
    """

    name: str
    headers: list[tuple[str, str]] = field(default_factory=lambda: [HTML])
    body: bytes = b"<!doctype html><title>t</title><p>hello"
    status: int = 200
    http_routes: dict[str, str] = field(default_factory=lambda: dict(TO_HTTPS))
    cors: str | None = None  # "echo": the preflight echoes the Origin with credentials; "star": *
    extra: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # other paths: content type, body
    backend: tuple[str, str] | None = None


def crafted() -> list[Page]:
    p = Page
    no_csp = [h for h in GOOD if h[0] != "Content-Security-Policy"] + [("X-Frame-Options", "DENY")]
    good = [h for h in GOOD if h[0] != "Content-Security-Policy"]
    no_hsts = [h for h in GOOD if h[0] != "Strict-Transport-Security"]

    def csp(policy: str) -> list[tuple[str, str]]:
        return [*good, ("Content-Security-Policy", policy)]

    return [
        p("bare"),
        p("a-plus", GOOD),
        p("a-plus-corp", [*GOOD, ("Cross-Origin-Resource-Policy", "same-origin")]),
        # 1, 2: the Secure flag is what counts; a page read over plain http has no HSTS
        p("secure-cookie-over-http", [*GOOD, ("Set-Cookie", "sessionid=1; Secure; HttpOnly; SameSite=Lax")],
          http_routes={}),
        p("insecure-cookie-hsts", [*GOOD, ("Set-Cookie", "prefs=1; SameSite=Lax")]),
        p("insecure-session-cookie-hsts", [*GOOD, ("Set-Cookie", "sessionid=1; HttpOnly")]),
        p("insecure-session-cookie-short-hsts",
          [*no_csp[:1], ("Strict-Transport-Security", "max-age=300"), ("Set-Cookie", "sessionid=1; HttpOnly")]),
        # 3: the six-month threshold
        p("hsts-180-days", [*no_hsts, ("Strict-Transport-Security", "max-age=15552000")]),
        p("hsts-179-days", [*no_hsts, ("Strict-Transport-Security", "max-age=15465600")]),
        p("hsts-twice", [*GOOD, ("Strict-Transport-Security", "max-age=63072000")]),
        p("hsts-no-max-age", [HTML, ("Strict-Transport-Security", "includeSubDomains")]),
        p("hsts-not-a-number", [HTML, ("Strict-Transport-Security", "max-age=forever")]),
        # 4: the scanner's session-cookie names
        p("cookie-auth-pref", [*GOOD, ("Set-Cookie", "auth_pref=dark; Secure; SameSite=Lax")]),
        p("cookie-sid", [*GOOD, ("Set-Cookie", "sid=1; Secure; SameSite=Lax")]),
        p("cookie-login-no-httponly", [*GOOD, ("Set-Cookie", "login_token=1; Secure; SameSite=Lax")]),
        p("cookie-csrf-no-samesite", [*GOOD, ("Set-Cookie", "csrftoken=1; Secure")]),
        p("cookie-samesite-invalid", [*GOOD, ("Set-Cookie", "a=1; Secure; SameSite=Bogus")]),
        p("cookie-samesite-none-insecure", [*GOOD, ("Set-Cookie", "a=1; SameSite=None")]),
        p("cookie-deleted", [*GOOD, ("Set-Cookie", "sessionid=; Max-Age=0")]),
        # 5: CSP in <meta>, frame-ancestors, unsafe-eval in style-src, http script hosts
        p("csp-meta", no_csp, body=b"<!doctype html><meta http-equiv=Content-Security-Policy "
                                   b"content=\"default-src 'self'\"><p>hi"),
        p("csp-meta-frame-ancestors", good, body=b"<!doctype html><meta http-equiv=content-security-policy "
                                                 b"content=\"default-src 'none'; frame-ancestors 'none'\"><p>hi"),
        p("csp-frame-ancestors-star", csp("default-src 'self'; frame-ancestors *")),
        p("csp-style-unsafe-eval", csp("default-src 'self'; style-src 'self' 'unsafe-eval'")),
        p("csp-http-script-host", csp("default-src 'self'; script-src http://cdn.example.com")),
        p("csp-http-img-host", csp("default-src 'self'; img-src http://img.example.com")),
        p("csp-unsafe-inline", csp("default-src 'self'; script-src 'self' 'unsafe-inline'")),
        p("csp-nonce-unsafe-inline", csp("default-src 'self'; script-src 'nonce-abc' 'unsafe-inline'")),
        p("csp-strict-dynamic-nonce", csp("script-src 'nonce-abc' 'strict-dynamic' https:; object-src 'none'")),
        p("csp-strict-dynamic-alone", csp("default-src 'self'; script-src 'strict-dynamic'")),
        p("csp-style-inline", csp("default-src 'self'; style-src 'self' 'unsafe-inline'")),
        p("csp-object-open", csp("script-src 'self'")),
        p("csp-duplicate", csp("default-src 'self'; default-src 'none'")),
        p("csp-report-uri-twice", csp("default-src 'none'; report-uri /a; report-uri /b")),
        p("csp-report-only", [*good, ("Content-Security-Policy-Report-Only", "default-src 'none'")]),
        p("csp-two-headers", [*csp("default-src 'self'"), ("Content-Security-Policy", "script-src 'none'")]),
        # 6: subresource integrity
        p("sri-protocol-relative", GOOD, body=b'<script src="//cdn.example.com/x.js" integrity="sha384-x">'
                                              b"</script>"),
        p("sri-same-origin", GOOD, body=b'<script src="/app.js" integrity="sha384-x"></script>'),
        p("sri-same-origin-plain", GOOD, body=b'<script src="/app.js"></script>'),
        p("sri-external-https", GOOD, body=b'<script src="https://cdn.example.com/x.js"></script>'),
        p("sri-external-https-integrity", GOOD, body=b'<script src="https://cdn.example.com/x.js" '
                                                     b'integrity="sha384-x" crossorigin></script>'),
        p("sri-external-http", GOOD, body=b'<script src="http://cdn.example.com/x.js"></script>'),
        p("sri-external-http-integrity", GOOD, body=b'<script src="http://cdn.example.com/x.js" '
                                                    b'integrity="sha384-x"></script>'),
        p("sri-inline-only", GOOD, body=b"<script>1</script>"),
        p("sri-not-html", [("Content-Type", "application/json"), *GOOD[1:]], body=b"{}"),
        # 7: the scanner reads neither crossdomain.xml nor clientaccesspolicy.xml
        p("crossdomain-xml", GOOD, extra={
            "/crossdomain.xml": ("text/x-cross-domain-policy",
                                 b'<cross-domain-policy><allow-access-from domain="*"/></cross-domain-policy>'),
            "/clientaccesspolicy.xml": ("text/xml", b'<access-policy><cross-domain-access><policy><allow-from>'
                                                    b'<domain uri="*"/></allow-from></policy></cross-domain-access>'
                                                    b"</access-policy>")}),
        p("cors-universal", GOOD, cors="echo"),
        p("cors-public", GOOD, cors="star"),
        # 8: statuses the scanner refuses, and the ones it grades
        p("status-404", GOOD, status=404),
        p("status-500", GOOD, status=500),
        p("status-401", GOOD, status=401),
        # redirection, referrer, XCTO, XFO corners
        p("redirect-missing", GOOD, http_routes={}),
        p("redirect-to-http", GOOD, http_routes={"/": "http://localhost/next"}),
        p("redirect-initial-http", GOOD, http_routes={"/": "http://localhost/step", "/step": "https://localhost/"}),
        p("redirect-off-host", GOOD, http_routes={"/": "https://127.0.0.1/"}),
        p("referrer-meta", [h for h in GOOD if h[0] != "Referrer-Policy"],
          body=b'<!doctype html><meta name="referrer" content="no-referrer"><p>hi'),
        p("referrer-list", [*good[:-1], ("Referrer-Policy", "unsafe-url, strict-origin")]),
        p("referrer-unsafe", [*good[:-1], ("Referrer-Policy", "no-referrer-when-downgrade")]),
        p("referrer-invalid", [*good[:-1], ("Referrer-Policy", "nope")]),
        p("xcto-invalid", [HTML, ("X-Content-Type-Options", "nosniff, nosniff")]),
        p("xfo-allow-from", [HTML, ("X-Frame-Options", "ALLOW-FROM https://example.com")]),
        p("xfo-invalid", [HTML, ("X-Frame-Options", "maybe")]),
    ]


# Differences that stay, on purpose: page -> (the phrase of docs/response-hygiene.md that
# explains them, what differs). Every other page must agree on score, grade and every test.
PLAIN_HTTP = "graded over plain http"
NAN = "max-age that is not a number"
UNIVERSAL = "echoes an unrelated Origin with credentials"
DELETED = "deletes itself"
HSTS, SCORE = ("strict-transport-security",), ("score", "grade")
CORS = ("cross-origin-resource-sharing",)
DOCUMENTED: dict[str, tuple[str, tuple[str, ...]]] = {
    "django-startproject-over-http": (PLAIN_HTTP, HSTS),
    "flask-talisman-over-http": (PLAIN_HTTP, HSTS),
    "secure-cookie-over-http": (PLAIN_HTTP, HSTS + SCORE),
    "redirect-missing": (PLAIN_HTTP, HSTS + SCORE),
    "redirect-to-http": (PLAIN_HTTP, HSTS + SCORE),
    "hsts-not-a-number": (NAN, HSTS + SCORE),
    "cors-universal": (UNIVERSAL, CORS + SCORE),
    "httpbin-landing": (UNIVERSAL, CORS + SCORE),
    "httpbin-html": (UNIVERSAL, CORS + SCORE),
    "httpbin-json": (UNIVERSAL, CORS + SCORE),
    "httpbin-cookie": (UNIVERSAL, CORS),  # already below 0 without it: both score 0
    "httpbin-response-headers": (UNIVERSAL, CORS + SCORE),
    "cookie-deleted": (DELETED, ("cookies",) + SCORE),
}


# -- the servers on ports 80 and 443 ---------------------------------------------------------

class Front:
    """The selected page, served on 127.0.0.1:80 (http) and :443 (https)."""

    def __init__(self, pages: dict[str, Page]) -> None:
        self.pages = pages
        self.page = next(iter(pages.values()))

    def answer(self, handler: http.server.BaseHTTPRequestHandler, https: bool) -> None:
        path = urllib.parse.urlsplit(handler.path).path
        if not https and path.startswith("/__select/"):
            self.page = self.pages[urllib.parse.unquote(path[len("/__select/"):])]
            return self.send(handler, 204, [], b"")
        page = self.page
        if not https and path in page.http_routes:
            return self.send(handler, 301, [("Location", page.http_routes[path])], b"")
        if page.backend is not None:
            return self.proxy(handler, page.backend, path)
        if path in page.extra:
            kind, body = page.extra[path]
            return self.send(handler, 200, [("Content-Type", kind)], body)
        if path not in ("/", "/next", "/step"):
            return self.send(handler, 404, [("Content-Type", "text/plain")], b"not found")
        headers = list(page.headers)
        origin = handler.headers.get("Origin")
        if page.cors == "star":
            headers.append(("Access-Control-Allow-Origin", "*"))
        elif page.cors == "echo" and origin:
            headers += [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true")]
        return self.send(handler, page.status, headers, page.body if handler.command != "OPTIONS" else b"")

    def proxy(self, handler: http.server.BaseHTTPRequestHandler, backend: tuple[str, str], path: str) -> None:
        base, page_path = backend
        parts = urllib.parse.urlsplit(base)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "connection")}
            conn.request(handler.command, page_path if path == "/" else path, headers={**headers, "Host": "localhost"})
            answer = conn.getresponse()
            body = answer.read()
            hop = ("transfer-encoding", "connection", "content-length", "keep-alive")
            self.send(handler, answer.status, [(k, v) for k, v in answer.getheaders() if k.lower() not in hop], body)
        finally:
            conn.close()

    @staticmethod
    def send(handler: http.server.BaseHTTPRequestHandler, status: int, headers: list[tuple[str, str]],
             body: bytes) -> None:
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)


@contextlib.contextmanager
def serve_front(front: Front, ca: object) -> Iterator[None]:
    servers = []
    for port, https in ((80, False), (443, True)):
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            secure = https

            def handle_one(self) -> None:
                front.answer(self, self.secure)

            do_GET = do_HEAD = do_OPTIONS = do_POST = handle_one

            def log_message(self, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        if https:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)  # type: ignore[attr-defined]
            server.socket = context.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
    try:
        yield
    finally:
        for server, thread in servers:
            server.shutdown()
            server.server_close()
            thread.join(5)


def real_pages(stack: contextlib.ExitStack) -> list[Page]:
    django_default = stack.enter_context(serve_wsgi(apps.django_app(apps.DJANGO_DEFAULT)))
    django_hardened = stack.enter_context(serve_wsgi(apps.django_app(apps.DJANGO_HARDENED)))
    talisman = stack.enter_context(serve_wsgi(apps.talisman_app()))
    fastapi_bare = stack.enter_context(serve_asgi(apps.fastapi_app(False)))
    fastapi_secure = stack.enter_context(serve_asgi(apps.fastapi_app(True)))
    httpbin = stack.enter_context(serve_wsgi(apps.httpbin_app()))
    return [
        Page("django-startproject", backend=(django_default, "/")),
        Page("django-startproject-over-http", backend=(django_default, "/"), http_routes={}),
        Page("django-hardened", backend=(django_hardened, "/")),
        Page("flask-talisman", backend=(talisman, "/")),
        Page("flask-talisman-over-http", backend=(talisman, "/"), http_routes={}),
        Page("fastapi-bare", backend=(fastapi_bare, "/")),
        Page("fastapi-secure", backend=(fastapi_secure, "/")),
        Page("httpbin-landing", backend=(httpbin, "/")),
        Page("httpbin-html", backend=(httpbin, "/html")),
        Page("httpbin-json", backend=(httpbin, "/json")),
        Page("httpbin-cookie", backend=(httpbin, "/cookies/set?session_id=1")),
        Page("httpbin-response-headers", backend=(
            httpbin, "/response-headers?Strict-Transport-Security=max-age%3D31536000"
                     "&Content-Security-Policy=default-src%20%27self%27&X-Frame-Options=DENY")),
    ]


# -- the two graders -------------------------------------------------------------------------

@dataclass
class Outcome:
    grade: str | None
    score: int | None
    tests: dict[str, str]
    error: str | None = None


def ours(target: LiveTarget) -> Outcome:
    response = target.request("GET", "http://localhost/")
    probe = target.request("OPTIONS", response.url, headers={"Origin": PROBE_ORIGIN,
                                                             "Access-Control-Request-Method": "GET"})
    try:
        grade = grade_response(response, probe)
    except NotGradable as exc:
        return Outcome(None, None, {}, str(exc))
    return Outcome(grade.grade, grade.score, {r.test: r.result for r in grade.results})


def theirs(raw: dict) -> Outcome:
    if "error" in raw:
        return Outcome(None, None, {}, raw["error"])
    return Outcome(raw["grade"], raw["score"], {name: t["result"] for name, t in raw["tests"].items()})


def differences(a: Outcome, b: Outcome) -> set[str]:
    found = {name for name in a.tests.keys() | b.tests.keys() if a.tests.get(name) != b.tests.get(name)}
    if (a.error is None) != (b.error is None):
        found.add("error")
    if a.score != b.score:
        found.add("score")
    if a.grade != b.grade:
        found.add("grade")
    return found


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed: the side-by-side test with MDN's scanner needs it in CI")
        pytest.skip("node is not installed")
    if not (SCANNER / "src" / "scanner" / "index.js").exists():
        pytest.fail("MDN's scanner is not installed: run `npm install --no-audit --no-fund` at the repository root")
    return node


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Outcome, Outcome]]:
    import trustme

    node = node_or_skip()
    preload = SCANNER / "conf" / "hsts-preload.json"
    if not preload.exists():  # the list its install script would download: offline, nothing is preloaded
        preload.write_text("{}")
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("observatory") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with contextlib.ExitStack() as stack:
        pages = {p.name: p for p in [*real_pages(stack), *crafted()]}
        front = Front(pages)
        try:
            stack.enter_context(serve_front(front, ca))
        except PermissionError:
            if os.environ.get("CI"):
                raise
            pytest.skip("binding 127.0.0.1:80 and :443 needs root (CI runs as root)")
        env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(ca_file), "NODE_OPTIONS": "--dns-result-order=ipv4first",
               "NO_PROXY": "*"}
        for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env.pop(proxy, None)
        run = subprocess.run([node, str(DRIVER), str(SCANNER / "src" / "scanner" / "index.js"),
                              "http://127.0.0.1/__select/", *pages], capture_output=True, text=True,
                             timeout=300, env=env, check=False)
        assert run.returncode == 0, run.stderr[-2000:]
        scanned = json.loads(run.stdout.strip().splitlines()[-1])
        target = LiveTarget("http://localhost", ["localhost", "127.0.0.1"], verify=str(ca_file))
        graded = {}
        for name in pages:
            front.page = pages[name]
            graded[name] = (ours(target), theirs(scanned[name]))
    return graded


def test_every_page_agrees_or_differs_as_documented(side_by_side: dict[str, tuple[Outcome, Outcome]]) -> None:
    pages = len(side_by_side)
    graded = [(m, r) for m, r in side_by_side.values() if r.error is None]
    print(f"\nside by side with MDN's scanner: {pages} pages; grades equal "
          f"{sum(m.grade == r.grade for m, r in side_by_side.values())}/{pages}, scores equal "
          f"{sum(m.score == r.score for m, r in side_by_side.values())}/{pages}, test results equal "
          f"{sum(m.tests == r.tests for m, r in graded)}/{len(graded)} graded pages")
    docs = DOCS.read_text()
    unexplained = {}
    for name, (mine, reference) in side_by_side.items():
        found = differences(mine, reference)
        expected = set(DOCUMENTED[name][1]) if name in DOCUMENTED else set()
        if found != expected:
            unexplained[name] = {"documented": sorted(expected), **{
                what: [str(getattr(mine, what, None) if what in ("score", "grade", "error") else mine.tests.get(what)),
                       str(getattr(reference, what, None) if what in ("score", "grade", "error")
                           else reference.tests.get(what))] for what in sorted(found)}}
    assert not unexplained, "pytest-secure vs the Observatory:\n" + json.dumps(unexplained, indent=1)
    for phrase in {reason for reason, _ in DOCUMENTED.values()}:
        assert phrase in docs, f"docs/response-hygiene.md does not explain: {phrase}"


def test_the_reference_refuses_what_we_refuse(side_by_side: dict[str, tuple[Outcome, Outcome]]) -> None:
    for name in ("status-404", "status-500"):
        mine, reference = side_by_side[name]
        assert mine.error and reference.error and "unexpected HTTP status code" in reference.error
    mine, reference = side_by_side["status-401"]
    assert mine.error is None and reference.error is None


def test_the_issue_17_pages_now_agree(side_by_side: dict[str, tuple[Outcome, Outcome]]) -> None:
    """Each difference issue 17 listed, on its page: the result both tools give now."""
    expect = {
        ("secure-cookie-over-http", "cookies"): "cookies-secure-with-httponly-sessions-and-samesite",
        ("hsts-180-days", "strict-transport-security"): "hsts-implemented-max-age-at-least-six-months",
        ("cookie-auth-pref", "cookies"): "cookies-secure-with-httponly-sessions-and-samesite",
        ("csp-meta", "content-security-policy"): "csp-implemented-with-no-unsafe",
        ("csp-frame-ancestors-star", "x-frame-options"): "x-frame-options-implemented-via-csp",
        ("csp-style-unsafe-eval", "content-security-policy"): "csp-implemented-with-unsafe-eval",
        ("csp-http-script-host", "content-security-policy"): "csp-implemented-with-insecure-scheme",
        ("sri-protocol-relative", "subresource-integrity"): "sri-implemented-but-external-scripts-not-loaded-securely",
        ("sri-same-origin", "subresource-integrity"): "sri-implemented-and-all-scripts-loaded-securely",
        ("crossdomain-xml", "cross-origin-resource-sharing"): "cross-origin-resource-sharing-not-implemented",
    }
    for (page, test), result in expect.items():
        mine, reference = side_by_side[page]
        assert mine.tests[test] == reference.tests[test] == result, (page, test)
