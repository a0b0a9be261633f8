"""Information leaks: version banners, framework debug pages and stack traces, directory listings.

Stack traces rarely show on the happy path, so the check provokes errors on purpose, with
requests that change nothing: an unknown path, a method no route knows, and a malformed JSON
body. Each response (and every page in ``paths``) is searched for the signatures of the
debug pages of Django, Flask/Werkzeug, Starlette/FastAPI, Express, Rails, Java servlet
containers, ASP.NET and PHP, plus a bare Python traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.area import Check, SectionArea, page_audit, page_requests, split_request
from ..core.findings import Finding, Severity
from ..core.rules import Rule

if TYPE_CHECKING:
    from ..core.baseline.model import Baseline
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
         r"<b>\s*Stack Trace:\s*</b>", r"Version Information:\s*</b>\s*Microsoft \.NET")),
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
)
RULE_IDS = tuple(r.id for r in RULES)
BODY_RULES = tuple(r for r in RULE_IDS if r != "leaks/version-banner")  # what a response body can break

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


def body_leaks(response: Response) -> list[tuple[str, str]]:
    """(rule id, matched text) for each stack-trace/debug-page family and directory listings in the body."""
    if not response.body:
        return []
    text = response.body[:SCAN_BYTES].decode("utf-8", "replace")
    out = []
    for rule_id, pattern in _COMPILED.items():
        match = pattern.search(text)
        if match:
            out.append((rule_id, match.group(0)))
    # a framework's own page also contains a Python traceback; report the framework only
    if len(out) > 1:
        out = [o for o in out if o[0] != "leaks/stack-trace-python"]
    match = _DIRECTORY.search(text)
    if match:
        out.append(("leaks/directory-listing", match.group(0)))
    return out


@dataclass(frozen=True)
class LeakPolicy:
    banners: bool = True
    bodies: bool = True

    @classmethod
    def from_section(cls, section: dict[str, Any] | None) -> LeakPolicy:
        section = section or {}
        return cls(banners=section.get("banners", True), bodies=section.get("error_pages", True))

    def audit(self, response: Response, *, location: str | None = None) -> list[Finding]:
        location = location or f"{response.method} {response.path}"
        findings = []
        if self.banners:
            for name, value in banners(response):
                findings.append(Finding("leaks/version-banner", f"{name} reveals {value!r}", location,
                                        evidence=f"{name}: {value}", request=response.request, key=name.lower()))
        if self.bodies:
            for rule_id, text in body_leaks(response):
                snippet = " ".join(text.split())[:160]
                findings.append(Finding(rule_id, f"HTTP {response.status} response shows {STACK_TRACES[rule_id][0]}"
                                        if rule_id in STACK_TRACES else f"HTTP {response.status} response is a "
                                        "directory listing", location, evidence=f"body contains: {snippet}",
                                        request=response.request, key=rule_id))
        return findings


def policy_of(baseline: Baseline) -> LeakPolicy:
    return LeakPolicy.from_section(baseline.section(AREA))


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
        found.append(Probe(spec.get("name", f"probe-{i + 1}"), method, path,
                           body.encode() if isinstance(body, str) else None,
                           {"Content-Type": spec.get("content_type", "application/json")} if body is not None else {}))
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
    if section.get("error_pages", True):
        first = pages[0][1]
        for probe in probes(section, first):
            checks.append(Check(area=AREA, name=f"probe:{probe.name} {probe.method} {probe.path}", rules=RULE_IDS,
                                run=_probe_runner(policy, probe, identity), path=probe.path))
    for path in section.get("directory_listing") or []:
        checks.append(Check(area=AREA, name=f"listing:{path}", rules=("leaks/directory-listing",),
                            run=page_audit(LeakPolicy(banners=False).audit, "GET", path, identity), path=path))
    return checks


def _probe_runner(policy: LeakPolicy, probe: Probe, identity: str) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        from ..core.errors import SetupError, TargetError

        try:
            response = session.identity(identity).request(probe.method, probe.path, headers=probe.headers,
                                                          content=probe.body, follow_redirects=False)
        except TargetError as exc:
            if "application raised" in str(exc):
                # In process the exception reaches us, not a client: a server answers with its own
                # page, which the same probe against a live target examines.
                return []
            raise SetupError(f"probe {probe.name} failed: {exc}") from None
        refused = unreached(response)
        if refused:
            raise SetupError(_unreached_message(probe, identity, refused))
        return policy.audit(response, location=f"{probe.method} {probe.path}")

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


area = SectionArea(AREA, RULES, collect)
