"""The ``browser`` area: one item per page and check, ``browser[GET /search::csp]``.

Chromium starts on the first browser item and stops when the run ends (the area's plugin);
each item gets a fresh browser context. Without Playwright or Chromium every item skips with
the install line as its reason. In-process apps are served to the browser on 127.0.0.1 by a
loopback bridge (:mod:`.serve`); live targets are opened at ``target.base_url``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.area import Check, SectionArea, page_requests
from ..core.errors import BrowserUnavailable, SetupError
from ..core.findings import Finding, Severity
from ..core.rules import Rule
from ..core.state import STATE
from .config import BrowserConfig
from .run import BrowserRun

if TYPE_CHECKING:
    import pytest

    from ..core.baseline.model import Baseline
    from ..core.session import SecureSession

AREA = "browser"

RULES: tuple[Rule, ...] = (
    Rule("browser/csp-inline-script-ran", "Injected inline script ran in the browser", Severity.HIGH, 693,
         "Remove 'unsafe-inline' (and 'unsafe-hashes') from script-src; allow your own scripts by nonce or hash, "
         "e.g. script-src 'nonce-{random}' 'strict-dynamic'; object-src 'none'; base-uri 'none'.",
         "An inline script or event handler injected into the page (through the DOM, or a reflected parameter "
         "the baseline names) executed in headless Chromium: the policy, whatever its text, does not stop it."),
    Rule("browser/csp-offorigin-script-ran", "Injected script from another origin ran in the browser",
         Severity.HIGH, 693,
         "Do not allow other origins wholesale (*, http:, https:, broad hosts) in script-src; use nonces or "
         "hashes with 'strict-dynamic'.",
         "A parser-inserted <script src> from another origin (a loopback server of the run) executed."),
    Rule("browser/framing-allowed", "Page renders inside a frame of another site", Severity.MEDIUM, 1021,
         "Send Content-Security-Policy: frame-ancestors 'none' (or 'self') and X-Frame-Options: DENY; list pages "
         "meant to be embedded in browser.frameable.",
         "Chromium rendered the page inside an iframe of another origin (clickjacking)."),
    Rule("browser/session-cookie-readable", "Session cookie visible to scripts", Severity.HIGH, 1004,
         "Set HttpOnly on session cookies so document.cookie (and XSS) cannot read them.",
         "document.cookie lists a cookie whose name matches browser.session_cookies."),
    Rule("browser/cookie-dropped", "Browser refused a cookie the page set", Severity.MEDIUM, 565,
         "Follow Chromium's reason: Secure and __Host-/__Secure- cookies only over https, SameSite=None needs "
         "Secure, __Host- needs Path=/ and no Domain, Domain must match the host.",
         "Chromium rejected a Set-Cookie of the page (its reason is in the evidence): the feature that needs it "
         "breaks, or works only in tests that do not use a browser."),
    Rule("browser/session-cookie-cross-site", "Session cookie sent with a cross-site request", Severity.MEDIUM, 352,
         "Set SameSite=Lax (or Strict) on session cookies explicitly; without the attribute Chromium still sends "
         "fresh cookies with cross-site POSTs for two minutes.",
         "A cross-site form post or subresource request from another site carried a session cookie (CSRF)."),
    Rule("browser/dom-xss", "Payload executed in the page (XSS)", Severity.HIGH, 79,
         "Never write untrusted input with innerHTML, document.write, or into HTML unescaped; use textContent "
         "and the template engine's escaping, and a strict CSP as the second line.",
         "A payload placed in the URL fragment, a query parameter or a form field called the run's marker "
         "function: it executed, not merely reflected. The evidence has the URL to reproduce."),
    Rule("browser/mixed-content-active", "https page loads scripts or frames over http", Severity.HIGH, 319,
         "Load every script, stylesheet, frame and request over https (or relative URLs); add "
         "upgrade-insecure-requests to the CSP.",
         "An https page requested active content over plain http (Chromium blocks it: the page breaks, and an "
         "older browser runs it)."),
    Rule("browser/mixed-content-passive", "https page loads images or media over http", Severity.LOW, 319,
         "Load images and media over https; add upgrade-insecure-requests to the CSP.",
         "An https page requested passive content (images, media) over plain http."),
    Rule("browser/sri-missing", "Script or stylesheet from another origin without integrity", Severity.MEDIUM,
         353, "Add integrity=\"sha384-...\" and crossorigin=\"anonymous\" to <script src> and <link rel=stylesheet> "
         "from other origins, or serve them yourself.",
         "A <script src> or stylesheet from another origin has no integrity attribute: whoever controls that "
         "origin controls the page."),
)

RULES_OF = {
    "csp": ("browser/csp-inline-script-ran", "browser/csp-offorigin-script-ran"),
    "framing": ("browser/framing-allowed",),
    "cookies": ("browser/session-cookie-readable", "browser/cookie-dropped", "browser/session-cookie-cross-site"),
    "dom_xss": ("browser/dom-xss",),
    "mixed_content": ("browser/mixed-content-active", "browser/mixed-content-passive", "browser/sri-missing"),
}


@dataclass
class BrowserCheck(Check):
    """A browser item: a :class:`Check` that knows the run's browser, so the run can close it."""

    browser: BrowserRun | None = field(default=None, repr=False)


def page_paths(baseline: Baseline, config: BrowserConfig) -> list[str]:
    """GET pages only (a browser opens pages), at most browser.max_pages."""
    return [path for method, path in page_requests(baseline, baseline.section(AREA) or {})
            if method == "GET"][: config.max_pages]


def collect(baseline: Baseline) -> list[Check]:
    config = BrowserConfig.of(baseline.section(AREA) or {})
    browser = BrowserRun(config)
    checks: list[Check] = []
    for path in page_paths(baseline, config):
        for kind in config.checks:
            checks.append(BrowserCheck(AREA, f"GET {path}::{kind}", RULES_OF[kind], _runner(browser, kind, path),
                                       path=path, browser=browser))
    return checks


def _runner(browser: BrowserRun, kind: str, path: str) -> Callable[[SecureSession], list[Finding]]:
    from .checks import CHECKS, PageCheck

    def run(session: SecureSession) -> list[Finding]:
        import pytest

        try:
            visit = browser.visit(session)
        except BrowserUnavailable as exc:
            pytest.skip(str(exc))
        from playwright.sync_api import Error

        check = PageCheck(visit, path, name=f"{kind}-{path}")
        try:
            try:
                CHECKS[kind](check)
            except Error as exc:  # a crashed tab, a step past browser.page_timeout
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise SetupError(f"the browser failed on {path} ({kind}): {first}") from None
            if visit.refused:
                check.findings = [_with_refused(f, visit.refused) for f in check.findings]
            if check.screenshot is not None:
                check.findings = [_with_screenshot(f, check.screenshot) for f in check.findings]
        finally:
            visit.close()
        return check.findings

    return run


def _with_screenshot(finding: Finding, shot: str) -> Finding:
    """The screenshot travels in the evidence's last line, ``screenshot: <path>`` (reports embed it)."""
    finding.evidence = f"{finding.evidence}\nscreenshot: {shot}"
    return finding


def _with_refused(finding: Finding, refused: list[str]) -> Finding:
    finding.evidence = f"{finding.evidence}\nrequests outside target.scope not sent: {', '.join(refused[:5])}"
    return finding


class BrowserPlugin:
    """Closes the run's browser and loopback servers when the session ends."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_sessionfinish(self, session: Any) -> None:
        state = self.config.stash.get(STATE, None)
        if state is None:
            return
        closed: set[int] = set()
        for check in state.checks:
            if isinstance(check, BrowserCheck) and check.browser is not None and id(check.browser) not in closed:
                closed.add(id(check.browser))
                check.browser.close()


area = SectionArea(AREA, RULES, collect, make_plugin=BrowserPlugin)
