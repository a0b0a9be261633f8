"""Information leaks: version banners, framework debug pages and stack traces, directory
listings, server errors (any checked response that is an HTTP 5xx) and, on request, Host-header
probes (a foreign ``Host`` and ``X-Forwarded-Host``: reflected into URLs, answered as the real
site, or shown a debug page).

Stack traces rarely show on the happy path, so the check provokes errors on purpose, with
requests that change nothing: an unknown path, a method no route knows, and a malformed JSON
body. Each response (and every page in ``paths``) is searched for the signatures of the
debug pages of Django, Flask/Werkzeug, Starlette/FastAPI, Express, Rails, Java servlet
containers, ASP.NET and PHP, plus a bare Python traceback.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.area import Check, SectionArea, page_audit, page_requests, split_request
from ..core.findings import Finding, Severity
from ..core.rules import Rule

if TYPE_CHECKING:
    from ..core.baseline.model import Baseline
    from ..core.errors import AppRaised
    from ..core.session import SecureSession
    from ..core.target import Response

AREA = "leaks"
SCAN_BYTES = 262_144  # debug pages put their tell-tale text near the top; big bodies are cut here

# rule id -> (title, severity, CWE, fix, signatures)
STACK_TRACES: dict[str, tuple[str, str, int, str, tuple[str, ...]]] = {
    "leaks/stack-trace-django": (
        "Django debug page (DEBUG = True)", "high", 489, "Set DEBUG = False in production settings.",
        (r"You(?:'|’|&#x27;|&#39;)re seeing this error because you have <code>DEBUG = True</code>",
         r"<th[^>]*>Django Version:</th>", r"Using the URLconf defined in <code>")),
    "leaks/stack-trace-flask": (
        "Werkzeug/Flask debugger or traceback page", "critical", 489,
        "Never run Flask with debug=True (or the Werkzeug debugger) outside development; its console runs code.",
        (r"<title>[^<]*Werkzeug Debugger</title>", r"The debugger caught an exception in your WSGI application",
         r"__debugger__")),
    "leaks/stack-trace-starlette": (
        "Starlette/FastAPI debug traceback", "high", 489, "Create the Starlette/FastAPI app with debug=False.",
        (r"<title>Starlette Debugger</title>", r'<div class="traceback-container">')),
    "leaks/stack-trace-express": (
        "Express/Node.js stack trace", "medium", 209,
        "Set NODE_ENV=production and add an error handler that hides stacks.",
        (r"at (?:Layer\.handle|next|Function\.handle|Route\.dispatch) .{0,40}node_modules[/\\]express",
         r"(?:&nbsp;|\s)at [\w.<>$\[\] ]+ \((?:/|[A-Z]:\\\\?)[^)\n]*\.(?:js|mjs|cjs|ts):\d+:\d+\)")),
    "leaks/stack-trace-rails": (
        "Rails exception page", "high", 489,
        "Run Rails in production mode (config.consider_all_requests_local = false).",
        (r"<title>Action Controller: Exception caught</title>", r"Rails\.root: ", r"ActionController::RoutingError")),
    "leaks/stack-trace-java": (
        "Java stack trace", "medium", 209,
        "Map exceptions to generic error pages (web.xml error-page / @ControllerAdvice).",
        (r"\bat (?:[\w$]+\.){2,}[\w$<>]+\((?:[\w$]+\.java:\d+|Native Method|Unknown Source)\)",
         r"\b(?:java|javax|jakarta)\.(?:lang|servlet)\.[\w.]*(?:Exception|Error)\b")),
    "leaks/stack-trace-aspnet": (
        "ASP.NET error page", "medium", 209, "Set <customErrors mode=\"On\"/> (or UseExceptionHandler) in production.",
        (r"Server Error in '[^']*' Application", r"ASP\.NET is configured to show verbose error messages",
         r"<b>\s*Stack Trace:\s*</b>", r"Version Information:(?:\s|&nbsp;)*</b>(?:\s|&nbsp;)*Microsoft \.NET")),
    "leaks/stack-trace-php": (
        "PHP error message", "medium", 209, "Set display_errors=Off (log_errors=On) in php.ini.",
        (r"<b>(?:Fatal error|Warning|Parse error|Notice|Deprecated)</b>:\s.{0,500}? in <b>[^<]+\.php</b> on line",
         r"(?:Fatal error|Parse error|Warning): .{0,500}? in (?:/|[A-Z]:\\)\S+\.php on line \d+",
         r"Stack trace:\s*(?:<br\s*/?>)?\s*#0 \S+\.php")),
    "leaks/stack-trace-python": (
        "Python traceback", "medium", 209, "Catch exceptions and return a generic error page; log the traceback.",
        (r"Traceback \(most recent call last\):",)),
}
_COMPILED = {rule: re.compile("|".join(f"(?:{s})" for s in spec[4]), re.IGNORECASE | re.DOTALL)
             for rule, spec in STACK_TRACES.items()}
_DIRECTORY = re.compile(r"<title>\s*Index of /|Directory listing for /|\[To Parent Directory\]|<h1>\s*Index of /",
                        re.IGNORECASE)
# rule id -> {what: signature}: pages that leave the software (and often its version) on show
DEFAULT_PAGES = {
    "Django's install-worked page": r"The install worked successfully! Congratulations!",
    "nginx's welcome page": r"<title>Welcome to nginx!</title>",
    "Apache's default page": r"<title>Apache2 (?:Ubuntu|Debian) Default Page|<html><body><h1>It works!</h1>",
    "IIS's welcome page": r"<title>(?:IIS Windows Server|Internet Information Services)</title>",
    "Tomcat's welcome page": r"If you(?:'|&#39;)re seeing this, you(?:'|&#39;)ve successfully installed Tomcat",
    "Rails' welcome page": r"Yay! You(?:'|’|&rsquo;|&#39;)re on Rails!",
    "Spring Boot's Whitelabel error page": r"<h1>Whitelabel Error Page</h1>",
    "Express's generator page": r"<p>Welcome to Express</p>",
}
DEBUG_TOOLBARS = {
    "Django Debug Toolbar": r'<div[^>]+id="djDebug"',
    "Flask-DebugToolbar": r'<div[^>]+id="flDebug"',
    "Symfony web debug toolbar": r'<div[^>]+(?:id="sfwdt|class="sf-toolbar)',
    "Laravel Debugbar": r"phpdebugbar",
    "Pyramid debug toolbar": r'<div[^>]+id="pDebug"',
}
_BODY_VERSION = re.compile(
    r"""<meta\s+name=["']generator["']\s+content=["'][^"'<>]*?\d+\.\d+[^"'<>]*["']"""
    r"""|<meta\s+content=["'][^"'<>]*?\d+\.\d+[^"'<>]*["']\s+name=["']generator["']"""
    r"""|powered\s+by\s+(?:<[^>]{0,200}>\s*)?[A-Za-z][\w.+-]{1,40}(?:\s*</a>)?[\s/]+v?\d+\.\d+(?:\.\d+)*""",
    re.IGNORECASE)


def _alternatives(named: dict[str, str]) -> list[tuple[str, re.Pattern[str]]]:
    return [(name, re.compile(sig, re.IGNORECASE)) for name, sig in named.items()]


_DEFAULT_PAGES = _alternatives(DEFAULT_PAGES)
_DEBUG_TOOLBARS = _alternatives(DEBUG_TOOLBARS)
BANNER_HEADERS = ("server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-generator",
                  "x-runtime-version", "x-version", "x-php-version", "x-drupal-cache", "x-owa-version",
                  "liferay-portal", "x-sourcefiles")
_VERSION = re.compile(r"\d+\.\d+|/\s*\d")

RULES: tuple[Rule, ...] = (
    Rule("leaks/version-banner", "Response header reveals software versions", Severity.LOW, 200,
         "Remove version numbers from Server/X-Powered-By/X-AspNet-Version headers (server_tokens off, "
         "expose_php=Off, enableVersionHeader=false).", "A banner header names the software and its version."),
    *(Rule(rule_id, title, Severity.parse(sev), cwe, fix, f"{title}: an error response shows code, paths or settings.")
      for rule_id, (title, sev, cwe, fix, _signatures) in STACK_TRACES.items()),
    Rule("leaks/directory-listing", "Directory listing is enabled", Severity.MEDIUM, 548,
         "Turn off automatic directory indexes (autoindex off, Options -Indexes).",
         "A response is an automatic directory index, which lists files that were never meant to be linked."),
    Rule("leaks/default-page", "A server or framework default page is on show", Severity.LOW, 1188,
         "Replace the welcome page with the application (or a 404), and the default error page with your own.",
         "A checked page is a framework's or web server's welcome or default error page: a deployment left "
         "half-done that names the software."),
    Rule("leaks/version-in-body", "A page names its software and version", Severity.LOW, 200,
         "Drop the version from generator tags and \"powered by\" lines (most CMSs and site generators have a "
         "setting for it).", "A <meta name=generator> tag or a \"powered by\" line gives the software's "
         "version, so an attacker knows which advisories apply."),
    Rule("leaks/debug-toolbar", "A debug toolbar is served", Severity.HIGH, 489,
         "Install debug toolbars only in development settings (INTERNAL_IPS, DEBUG_TB_ENABLED=False, "
         "APP_DEBUG=false).", "A debug toolbar (Django, Flask, Symfony, Laravel, Pyramid) shows settings, SQL, "
         "headers and sometimes a console."),
    Rule("leaks/sensitive-file", "A sensitive file is served", Severity.HIGH, 538,
         "Keep environment files, VCS folders, dumps and backups out of the web root (or deny them in the "
         "server), and rotate any secret they held.",
         "Content discovery: a well-known sensitive path (.env, .git/, a database dump, a backup of a listed "
         "page, or a path from leaks.discovery_paths) answers with its content, not the app's 404."),
    Rule("leaks/exposed-console", "A debug, status or admin console is reachable", Severity.HIGH, 489,
         "Remove the console from production builds or put it behind authentication on an internal interface.",
         "Content discovery: a debug or status console (Werkzeug console, Spring actuator, server-status, "
         "phpinfo, Symfony profiler...) answers with its own content."),
    Rule("leaks/api-description", "The API description is public", Severity.INFO, 200,
         "Serve the OpenAPI/Swagger description only to those who need it, or set leaks.api_descriptions: "
         "false when it is public on purpose.",
         "Content discovery: an OpenAPI/Swagger description or Swagger UI answers at its well-known path."),
    Rule("leaks/secret-in-app-log", "The application logs a secret", Severity.HIGH, 532,
         "Never log passwords, tokens, session cookies or card numbers: log the user id, mask the rest "
         "(a logging filter that redacts them is a second line of defence).",
         "leaks.app_logs: a log record the application wrote during the run (in process), or a line of "
         "leaks.log_file, holds an identity's password, token or session cookie, or a card number."),
    Rule("leaks/host-header-injection", "A foreign Host or X-Forwarded-Host is reflected into URLs", Severity.MEDIUM,
         644, "Build absolute URLs from a configured canonical host, not from the request (Django ALLOWED_HOSTS, "
         "Flask TRUSTED_HOSTS/SERVER_NAME, Starlette TrustedHostMiddleware); trust X-Forwarded-Host only from "
         "your proxy.",
         "With a foreign Host or X-Forwarded-Host the response carries that host in a redirect or an absolute "
         "link: password-reset links, cache poisoning and open redirects follow."),
    Rule("leaks/any-host-accepted", "The application answers any Host as its own", Severity.LOW, 346,
         "Refuse requests whose Host is not yours (Django ALLOWED_HOSTS, Flask TRUSTED_HOSTS, Starlette "
         "TrustedHostMiddleware, or a default server block in the proxy that answers 421/400).",
         "A request with a foreign Host header is answered 2xx like a request for the real site, so any "
         "host-derived URL, cache key or cookie scope is attacker-chosen."),
    Rule("leaks/server-error", "The server failed on a request (HTTP 5xx)", Severity.MEDIUM, 755,
         "Find the failing code path in the server's log and handle the input or state that breaks it; answer "
         "bad requests with a 4xx.",
         "A response the tool fetched (a checked page, an error probe, a crawled page, a passive response) is "
         "an HTTP 5xx other than 501/505: the application hit an unhandled error, and error paths are where "
         "stack traces, partial writes and denial of service hide."),
)
RULE_IDS = tuple(r.id for r in RULES)
BODY_RULES = tuple(r for r in RULE_IDS if r != "leaks/version-banner")  # what a response body can break
ERROR_RULES = ("leaks/server-error", *STACK_TRACES)  # what error_audit reports on another area's responses
NOT_SERVER_ERRORS = frozenset({501, 505})  # "not implemented" / "version not supported": refusals, not failures


def server_error(status: int) -> bool:
    """Whether ``status`` says the server failed (5xx), not that it refused a method or version."""
    return 500 <= status < 600 and status not in NOT_SERVER_ERRORS

# The probes that provoke error pages; none of them can change state on a sane server.
UNKNOWN_PATH = "/pytest-secure-probe/does-not-exist"
WRONG_METHOD = "SECUREPROBE"
MALFORMED_JSON = b'{"pytest-secure": [1, 2'


@dataclass(frozen=True)
class Probe:
    name: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def banners(response: Response) -> list[tuple[str, str]]:
    """(header, value) pairs that name software with a version."""
    out = []
    for name, value in response.headers:
        if name.lower() in BANNER_HEADERS and _VERSION.search(value):
            out.append((name, value))
    return out


def trace_leaks(text: str) -> list[tuple[str, str]]:
    """(rule id, matched text) for each stack-trace and debug-page family in ``text``."""
    out = [(rule_id, match.group(0)) for rule_id, pattern in _COMPILED.items() if (match := pattern.search(text))]
    # a framework's own page also contains a Python traceback; report the framework only
    if len(out) > 1:
        out = [o for o in out if o[0] != "leaks/stack-trace-python"]
    return out


def body_leaks(response: Response) -> list[tuple[str, str]]:
    """(rule id, matched text) for each stack-trace/debug-page family and directory listings in the body."""
    if not response.body:
        return []
    text = response.body[:SCAN_BYTES].decode("utf-8", "replace")
    out = trace_leaks(text)
    match = _DIRECTORY.search(text)
    if match:
        out.append(("leaks/directory-listing", match.group(0)))
    for rule_id, named in (("leaks/default-page", _DEFAULT_PAGES), ("leaks/debug-toolbar", _DEBUG_TOOLBARS)):
        for name, pattern in named:
            match = pattern.search(text)
            if match:
                out.append((rule_id, f"{name}: {match.group(0)}"))
                break
    match = _BODY_VERSION.search(text)
    if match:
        out.append(("leaks/version-in-body", match.group(0)))
    return out


PAGE_RULES = frozenset({"leaks/default-page", "leaks/debug-toolbar", "leaks/version-in-body"})  # what a page is


@dataclass(frozen=True)
class LeakPolicy:
    banners: bool = True
    bodies: bool = True
    server_errors: bool = True
    page_content: bool = True  # PAGE_RULES; off for error probes (the page checks report them)

    @classmethod
    def from_section(cls, section: dict[str, Any] | None) -> LeakPolicy:
        section = section or {}
        return cls(banners=section.get("banners", True), bodies=section.get("error_pages", True),
                   server_errors=section.get("server_errors", True))

    def audit(self, response: Response, *, location: str | None = None) -> list[Finding]:
        location = location or f"{response.method} {response.path}"
        findings = []
        if self.banners:
            for name, value in banners(response):
                findings.append(Finding("leaks/version-banner", f"{name} reveals {value!r}", location,
                                        evidence=f"{name}: {value}", request=response.request, key=name.lower()))
        if self.bodies:
            leaks = [leak for leak in body_leaks(response) if self.page_content or leak[0] not in PAGE_RULES]
            findings.extend(body_findings(response, leaks, location))
        if self.server_errors and server_error(response.status):
            ctype = response.header("content-type") or "no Content-Type"
            findings.append(Finding("leaks/server-error", f"HTTP {response.status}: the server failed on this request",
                                    location, evidence=f"HTTP {response.status} ({ctype}, {len(response.body)} bytes)",
                                    request=response.request, key="server-error"))
        return findings


FOREIGN_HOST = "pytest-secure-foreign.invalid"  # reserved: header text only, never resolved or contacted
HOST_PROBES = (("foreign-host", "Host"), ("forwarded-host", "X-Forwarded-Host"))
_URL_HEADERS = ("location", "content-location", "refresh", "link")
_IN_URL = re.compile(r"//" + re.escape(FOREIGN_HOST) + r"(?![\w.-])", re.IGNORECASE)


def host_reflection(response: Response) -> str:
    """Where the foreign host shows up as the host of a URL ("" when it does not). Bodies count
    on 2xx answers only: an error page that repeats the request URL (a debug page) serves no link."""
    for name, value in response.headers:
        if name.lower() in _URL_HEADERS and _IN_URL.search(value):
            return f"the {name} header ({value[:120]})"
    if not 200 <= response.status < 300:
        return ""
    text = response.body[:SCAN_BYTES].decode("utf-8", "replace")
    match = _IN_URL.search(text)
    if match:
        start = max(0, match.start() - 40)
        return "an absolute URL in the body (" + " ".join(text[start:match.end() + 20].split()) + ")"
    return ""


def host_findings(kind: str, header: str, response: Response, location: str) -> list[Finding]:
    """The host-header problems of one answer to a request sent with ``header: FOREIGN_HOST``."""
    findings = []
    where = host_reflection(response)
    if where:
        findings.append(Finding("leaks/host-header-injection", f"{header}: {FOREIGN_HOST} is reflected into {where}",
                                location, evidence=f"{header}: {FOREIGN_HOST} -> HTTP {response.status}",
                                request=response.request, key=kind))
    elif kind == "foreign-host" and 200 <= response.status < 300:
        findings.append(Finding("leaks/any-host-accepted", f"Host: {FOREIGN_HOST} is answered HTTP {response.status} "
                                "like the real site", location, evidence=f"Host: {FOREIGN_HOST} -> HTTP "
                                f"{response.status}", request=response.request, key=kind))
    return findings


def _body_message(rule_id: str, status: int, snippet: str) -> str:
    if rule_id in STACK_TRACES:
        return f"HTTP {status} response shows {STACK_TRACES[rule_id][0]}"
    return {"leaks/directory-listing": f"HTTP {status} response is a directory listing",
            "leaks/default-page": f"HTTP {status} response is {snippet.split(':', 1)[0]}",
            "leaks/debug-toolbar": f"HTTP {status} response carries the {snippet.split(':', 1)[0]}",
            }.get(rule_id, f"HTTP {status} response names its software and version ({snippet[:80]})")


def policy_of(baseline: Baseline) -> LeakPolicy:
    return LeakPolicy.from_section(baseline.section(AREA))


def error_audit(response: Response, baseline: Baseline) -> list[Finding]:
    """The server-error and stack-trace findings of a response another area fetched (an authz
    cell's): ``leaks/server-error`` for a 5xx, and the stack-trace and debug-page families in its
    body, as the baseline's ``leaks`` section sets them. Nothing without a ``leaks`` section; the
    banner, version and default-page rules stay with the pages the leaks area checks itself."""
    if baseline.section(AREA) is None:
        return []
    policy = policy_of(baseline)
    findings = LeakPolicy(banners=False, bodies=False, server_errors=policy.server_errors).audit(response)
    if policy.bodies and response.body:
        traces = trace_leaks(response.body[:SCAN_BYTES].decode("utf-8", "replace"))
        findings.extend(body_findings(response, traces, f"{response.method} {response.path}"))
    return findings


def body_findings(response: Response, leaks: list[tuple[str, str]], location: str) -> list[Finding]:
    """One finding per (rule id, matched text) of ``response``'s body."""
    findings = []
    for rule_id, text in leaks:
        snippet = " ".join(text.split())[:160]
        findings.append(Finding(rule_id, _body_message(rule_id, response.status, snippet), location,
                                evidence=f"body contains: {snippet}", request=response.request, key=rule_id))
    return findings


def probes(section: dict[str, Any], first_path: str) -> list[Probe]:
    """The error-provoking requests: the defaults around ``first_path`` plus the baseline's own."""
    found = [
        Probe("unknown-path", "GET", UNKNOWN_PATH),
        Probe("wrong-method", WRONG_METHOD, first_path),
        Probe("malformed-body", "POST", first_path, MALFORMED_JSON, {"Content-Type": "application/json"}),
    ]
    for i, spec in enumerate(section.get("probes") or []):
        method, path = split_request(spec["request"])
        body = spec.get("body")
        headers = {"Content-Type": spec.get("content_type", "application/json")} if body is not None else {}
        headers.update(spec.get("headers") or {})
        found.append(Probe(spec.get("name", f"probe-{i + 1}"), method, path,
                           body.encode() if isinstance(body, str) else None, headers))
    return found


def collect(baseline: Baseline) -> list[Check]:
    section = baseline.section(AREA) or {}
    policy = LeakPolicy.from_section(section)
    identity = section.get("identity", "anonymous")
    pages = page_requests(baseline, section)
    checks = []
    for method, path in pages:
        checks.append(Check(area=AREA, name=f"{method} {path}", rules=RULE_IDS,
                            run=page_audit(policy.audit, method, path, identity), path=path))
    # a probe reports the error it provoked; what a page is (a welcome page, a generator tag) is the
    # page checks' finding, once, not again on every probe that was answered the same page
    probe_policy = dataclasses.replace(policy, page_content=False)
    if section.get("error_pages", True):
        first = pages[0][1]
        for probe in probes(section, first):
            checks.append(Check(area=AREA, name=f"probe:{probe.name} {probe.method} {probe.path}", rules=RULE_IDS,
                                run=_probe_runner(probe_policy, probe, identity),
                                path=probe.path))
    if section.get("host_header", False):
        method, path = pages[0]
        for kind, header in HOST_PROBES:
            checks.append(Check(area=AREA, name=f"host:{kind} {method} {path}", rules=RULE_IDS,
                                run=_host_runner(probe_policy, kind, header, method, path, identity), path=path))
    if section.get("discovery", False) or section.get("discovery_paths"):
        from .discovery import Discovery

        discovery = Discovery(api_descriptions=section.get("api_descriptions", True),
                              extra=tuple(section.get("discovery_paths") or ()),
                              pages=tuple(p for m, p in pages if m == "GET"))
        checks.append(Check(area=AREA, name="discovery", rules=RULE_IDS, run=_discovery_runner(discovery, identity),
                            path="/"))
    if section.get("app_logs", False) or section.get("log_file"):
        from .app_logs import AppLogCheck, LogCapture

        log_file = section.get("log_file")
        run = AppLogCheck(LogCapture() if section.get("app_logs", False) else None,
                          baseline.path.parent / log_file if log_file else None)
        checks.append(Check(area=AREA, name="app-logs", rules=("leaks/secret-in-app-log",), run=run, path="/"))
    for path in section.get("directory_listing") or []:
        checks.append(Check(area=AREA, name=f"listing:{path}", rules=("leaks/directory-listing",),
                            run=page_audit(LeakPolicy(banners=False).audit, "GET", path, identity), path=path))
    return checks


def raised_findings(policy: LeakPolicy, exc: AppRaised, location: str, on: str = "") -> list[Finding]:
    """In process, the exception an application raised on a probe: the 500 a server would send."""
    if not policy.server_errors:
        return []
    return [Finding("leaks/server-error", f"the application raised an exception{on} (a server answers HTTP 500)",
                    location, evidence=f"raised {exc.raised[:200]}", key="server-error")]


def _probe_runner(policy: LeakPolicy, probe: Probe, identity: str) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        from ..core.errors import AppRaised, SetupError, TargetError

        try:
            response = session.identity(identity).request(probe.method, probe.path, headers=probe.headers,
                                                          content=probe.body, follow_redirects=False)
        except AppRaised as exc:
            # In process the exception reaches us, not a client: a server answers 500 with its
            # own page (which the same probe against a live target examines for traces).
            return raised_findings(policy, exc, f"{probe.method} {probe.path}")
        except TargetError as exc:
            raise SetupError(f"probe {probe.name} failed: {exc}") from None
        refused = unreached(response)
        if refused:
            raise SetupError(_unreached_message(probe, identity, refused))
        return policy.audit(response, location=f"{probe.method} {probe.path}")

    return run


def _discovery_runner(discovery: Any, identity: str) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        from ..core.errors import SetupError, TargetError

        who = session.identity(identity)
        first = True

        def get(path: str) -> Response:
            nonlocal first
            try:
                response = who.request("GET", path, follow_redirects=False)
            except TargetError as exc:
                raise SetupError(f"content discovery GET {path} failed: {exc}") from None
            refused = unreached(response) if first else ""
            first = False
            if refused:
                raise SetupError(f"content discovery cannot tell a served file from a refusal: a random path was "
                                 f"answered {refused} as {identity}; set leaks.identity to an identity that can "
                                 "log in, or remove leaks.discovery")
            return response

        return discovery.run(get)

    return run


def _host_runner(policy: LeakPolicy, kind: str, header: str, method: str, path: str, identity: str
                 ) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        from ..core.errors import AppRaised, SetupError, TargetError

        location = f"{method} {path}"
        try:
            response = session.identity(identity).request(method, path, headers={header: FOREIGN_HOST},
                                                          follow_redirects=False)
        except AppRaised as exc:  # in process: the 500 a server would send
            return raised_findings(policy, exc, location, f" on {header}: {FOREIGN_HOST}")
        except TargetError as exc:
            raise SetupError(f"host-header probe {kind} ({header}: {FOREIGN_HOST}) failed: {exc}") from None
        # a debug page for the disallowed host (Django's DisallowedHost with DEBUG on) is a leak too
        return host_findings(kind, header, response, location) + policy.audit(response, location=location)

    return run


_LOGIN_PAGE = re.compile(r"log-?in|sign-?in|auth|sso|account", re.IGNORECASE)
_CSRF = re.compile(r"csrf|xsrf", re.IGNORECASE)


def unreached(response: Response) -> str:
    """Why a probe's response never came from the application's handler (so an error page
    behind it went unseen), or "" when it did: HTTP 401, HTTP 403 (a CSRF rejection aside: that
    is the framework's own error path), or a redirect to a login page."""
    if response.status == 401:
        return "HTTP 401: the authentication layer refused it"
    if response.status == 403 and not _CSRF.search(response.body[:4096].decode("utf-8", "replace")):
        return "HTTP 403: the access layer refused it"
    location = response.header("location") or ""
    if 300 <= response.status < 400 and _LOGIN_PAGE.search(location.split("?", 1)[0]):
        return f"HTTP {response.status} to the login page {location.split('?', 1)[0]}"
    return ""


def _unreached_message(probe: Probe, identity: str, refused: str) -> str:
    fix = ("set leaks.identity to an identity that can log in (see identities:), so that the probe reaches "
           "the application" if identity == "anonymous" else
           f"check the credentials of identity {identity!r} (or set leaks.identity to one the application accepts)")
    return (f"probe {probe.name} ({probe.method} {probe.path}) never reached the application's handler: as "
            f"{identity} it was answered {refused}, so an error page or stack trace behind it would go unseen; "
            f"{fix}, or remove the probe")


def _plugin(config: Any) -> Any:
    """With leaks.app_logs: start capturing the application's log records before any item runs."""
    from ..core.state import STATE

    session = config.stash[STATE]
    section = session.baseline.section(AREA) or {}
    if not (section.get("app_logs") or section.get("log_file")):
        return None
    from .app_logs import AppLogPlugin

    return AppLogPlugin(lambda: session.checks)


area = SectionArea(AREA, RULES, collect, _plugin)
