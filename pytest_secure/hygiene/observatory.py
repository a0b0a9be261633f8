"""The HTTP Observatory's published scoring, computed offline from one response.

Start at 100, subtract every penalty; only if the result is 90 or more are the bonuses
added; the minimum is 0. Grades use the Observatory's bands (100+ A+, 90 A, 85 A-, 80 B+,
70 B, 65 B-, 60 C+, 50 C, 45 C-, 40 D+, 30 D, 25 D-, below F). Test names and modifiers are
those of the Observatory's "Tests & Scoring" page, so a result reads like the Observatory's.

Differences, on purpose: it runs on localhost and any port (the hosted Observatory refuses
both); HSTS preloading cannot be checked offline, so ``hsts-preloaded`` is never awarded; the
HTTP-to-HTTPS redirection is graded only when the graded response shows it (a redirect chain,
or a plain-http URL with no redirect), else it is ``redirection-not-tested`` (0); COOP, COEP
and CORP are not scored, because the published tables disagree about them.
"""

from __future__ import annotations

import html.parser
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .parsers import parse_csp, parse_hsts, parse_referrer_policy, parse_set_cookie, parse_xcto, parse_xfo
from .parsers.hsts import SIX_MONTHS
from .parsers.referrer import PRIVATE, UNSAFE

if TYPE_CHECKING:
    from ..core.target import Response

BANDS = ((100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"), (50, "C"), (45, "C-"),
         (40, "D+"), (30, "D"), (25, "D-"), (0, "F"))
GRADES = tuple(g for _, g in BANDS)
MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90
SESSION_HINTS = ("sess", "sid", "auth", "login")
CSRF_HINTS = ("csrf", "xsrf")


@dataclass(frozen=True)
class TestResult:
    test: str
    result: str
    modifier: int
    note: str = ""


@dataclass
class Grade:
    score: int
    grade: str
    results: list[TestResult] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"score {self.score} [{self.grade}]"]
        lines += [f"  {r.modifier:+4d} {r.test}: {r.result}" + (f" ({r.note})" if r.note else "") for r in self.results]
        return "\n".join(lines)


def grade_of(score: int) -> str:
    return next(g for floor, g in BANDS if score >= floor)


def meets(grade: str, minimum: str) -> bool:
    """Whether ``grade`` is at least ``minimum`` (A+ > A > A- > ... > F)."""
    return GRADES.index(grade) <= GRADES.index(minimum)


def score(results: list[TestResult]) -> Grade:
    total = 100 + sum(r.modifier for r in results if r.modifier < 0)
    if total >= MINIMUM_SCORE_FOR_EXTRA_CREDIT:
        total += sum(r.modifier for r in results if r.modifier > 0)
    total = max(0, total)
    return Grade(total, grade_of(total), results)


def grade_response(response: Response, cors_probe: Response | None = None) -> Grade:
    """Grade one page; ``cors_probe`` is the same page fetched with an unrelated ``Origin``."""
    return score([
        _csp(response), _cookies(response), _cors(response, cors_probe), _redirection(response),
        _referrer(response), _hsts(response), _sri(response), _xcto(response), _xfo(response),
    ])


# -- the tests ---------------------------------------------------------------------------------

_ACTIVE = ("script-src", "style-src", "object-src", "connect-src", "frame-src", "worker-src", "font-src", "child-src",
           "manifest-src")
_PASSIVE = ("img-src", "media-src")


def _csp(response: Response) -> TestResult:
    t = "content-security-policy"
    csp = parse_csp(response.header_all("content-security-policy"),
                    response.header_all("content-security-policy-report-only"))
    if not csp.enforced:
        if csp.report_only:
            return TestResult(t, "csp-not-implemented-but-reporting-enabled", -25)
        return TestResult(t, "csp-not-implemented", -25)
    if any("invalid directive name" in p or p == "empty policy" for p in csp.problems):
        return TestResult(t, "csp-header-invalid", -25, "; ".join(csp.problems))

    def sources(policy: object, directive: str) -> list[str] | None:
        found = policy.effective(directive)  # type: ignore[attr-defined]
        return None if found is None else found[1]

    def plain_http(items: list[str] | None) -> bool:
        return items is not None and any(s == "http:" or s.startswith("http://") for s in items)

    def insecure(directive: str) -> bool:
        """Some policy names plain http for it, and no policy forbids it."""
        lists = [sources(p, directive) for p in csp.enforced]
        return any(plain_http(x) for x in lists) and all(x is None or plain_http(x) for x in lists)

    script_open = csp.allows_inline("script-src-elem") or bool(csp.wide_script_sources()) or any(
        "data:" in (sources(p, "script-src") or []) for p in csp.enforced)
    object_open = all(sources(p, "object-src") is None or any(
        s in ("*", "http:", "https:", "data:") for s in sources(p, "object-src") or []) for p in csp.enforced)
    if script_open or object_open:
        why = "script-src allows inline or broad sources" if script_open else "object-src is not restricted"
        return TestResult(t, "csp-implemented-with-unsafe-inline", -20, why)
    if any(insecure(d) for d in _ACTIVE):
        return TestResult(t, "csp-implemented-with-insecure-scheme", -20)
    if csp.allows_eval():
        return TestResult(t, "csp-implemented-with-unsafe-eval", -10)
    if any(insecure(d) for d in _PASSIVE):
        return TestResult(t, "csp-implemented-with-insecure-scheme-in-passive-content-only", -10)
    if csp.allows_inline("style-src-elem"):
        return TestResult(t, "csp-implemented-with-unsafe-inline-in-style-src-only", 0)
    if all(p.directives.get("default-src") == ["'none'"] for p in csp.enforced):
        return TestResult(t, "csp-implemented-with-no-unsafe-default-src-none", 10)
    return TestResult(t, "csp-implemented-with-no-unsafe", 5)


def _is_session(name: str) -> bool:
    low = name.lower()
    return any(h in low for h in SESSION_HINTS) and not any(h in low for h in CSRF_HINTS)


def _cookies(response: Response) -> TestResult:
    t = "cookies"
    cookies = [parse_set_cookie(h) for _, h in response.all_set_cookies()]
    cookies = [c for c in cookies if c.name and not c.deletes]
    if not cookies:
        return TestResult(t, "cookies-not-found", 0)
    hsts = parse_hsts(response.header_all("strict-transport-security"))
    protected = hsts is not None and hsts.valid
    over_http = urllib.parse.urlsplit(response.url).scheme == "http"
    worst = TestResult(t, "cookies-secure-with-httponly-sessions", 0)
    candidates = []
    for c in cookies:
        session = _is_session(c.name)
        if not c.secure or over_http:
            if session:
                candidates.append(("cookies-session-without-secure-flag-but-protected-by-hsts", -10) if protected
                                  else ("cookies-session-without-secure-flag", -40))
            else:
                candidates.append(("cookies-without-secure-flag-but-protected-by-hsts", -5) if protected
                                  else ("cookies-without-secure-flag", -20))
        if session and not c.httponly:
            candidates.append(("cookies-session-without-httponly-flag", -30))
        if c.samesite is not None and c.samesite not in ("Strict", "Lax", "None"):
            candidates.append(("cookies-samesite-flag-invalid", -20))
        if any(h in c.name.lower() for h in CSRF_HINTS) and c.samesite is None:
            candidates.append(("cookies-anticsrf-without-samesite-flag", -20))
    if candidates:
        name, modifier = min(candidates, key=lambda x: x[1])
        return TestResult(t, name, modifier)
    if all(c.samesite in ("Strict", "Lax") or (c.samesite == "None" and c.secure) for c in cookies):
        return TestResult(t, "cookies-secure-with-httponly-sessions-and-samesite", 5)
    return worst


def _cors(response: Response, probe: Response | None) -> TestResult:
    t = "cross-origin-resource-sharing"
    for r in (probe, response):
        if r is None:
            continue
        origin = (r.header("access-control-allow-origin") or "").strip()
        sent = r.request.headers.get("Origin") or r.request.headers.get("origin")
        credentials = (r.header("access-control-allow-credentials") or "").strip().lower() == "true"
        if origin and sent and origin == sent and credentials:
            return TestResult(t, "cross-origin-resource-sharing-implemented-with-universal-access", -50,
                              "an unrelated Origin is echoed with credentials")
    origin = (response.header("access-control-allow-origin") or "").strip()
    if origin == "*":
        return TestResult(t, "cross-origin-resource-sharing-implemented-with-public-access", 0)
    if origin:
        return TestResult(t, "cross-origin-resource-sharing-implemented-with-restricted-access", 0)
    return TestResult(t, "cross-origin-resource-sharing-not-implemented", 0)


def _redirection(response: Response) -> TestResult:
    t = "redirection"
    chain = [*response.history, response]
    first = urllib.parse.urlsplit(chain[0].url)
    final = urllib.parse.urlsplit(response.url)
    if first.scheme == "https":
        return TestResult(t, "redirection-not-tested", 0, "the graded URL is already https")
    if final.scheme != "https":
        return TestResult(t, "redirection-missing" if len(chain) == 1 else "redirection-not-to-https", -20)
    second = urllib.parse.urlsplit(chain[1].url)
    if second.scheme != "https":
        return TestResult(t, "redirection-not-to-https-on-initial-redirection", -10)
    if second.hostname != first.hostname:
        return TestResult(t, "redirection-off-host-from-http", -5)
    return TestResult(t, "redirection-to-https", 0)


def _referrer(response: Response) -> TestResult:
    t = "referrer-policy"
    policy = parse_referrer_policy(response.header_all("referrer-policy"))
    if policy is None:
        return TestResult(t, "referrer-policy-not-implemented", 0)
    if policy.effective is None:
        return TestResult(t, "referrer-policy-header-invalid", -5)
    if policy.effective in PRIVATE:
        return TestResult(t, "referrer-policy-private", 5)
    if policy.effective in UNSAFE:
        return TestResult(t, "referrer-policy-unsafe", -5)
    return TestResult(t, "referrer-policy-no-referrer-when-downgrade", 0)


def _hsts(response: Response) -> TestResult:
    t = "strict-transport-security"
    hsts = parse_hsts(response.header_all("strict-transport-security"))
    if hsts is None:
        return TestResult(t, "hsts-not-implemented", -20)
    if not hsts.valid:
        return TestResult(t, "hsts-header-invalid", -20, "; ".join(hsts.problems))
    if (hsts.max_age or 0) < SIX_MONTHS:
        return TestResult(t, "hsts-implemented-max-age-less-than-six-months", -10)
    return TestResult(t, "hsts-implemented-max-age-at-least-six-months", 0,
                      "preload cannot be verified offline" if hsts.preload else "")


class _Scripts(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))


def _sri(response: Response) -> TestResult:
    t = "subresource-integrity"
    if "html" not in (response.header("content-type") or "").lower():
        return TestResult(t, "sri-not-implemented-response-not-html", 0)
    parser = _Scripts()
    try:
        parser.feed(response.text)
    except Exception:  # html.parser is lenient; anything it still cannot take is unparsable
        return TestResult(t, "html-not-parsable", -20)
    here = urllib.parse.urlsplit(response.url)
    external = []
    for script in parser.scripts:
        src = script.get("src")
        if not src:
            continue
        url = urllib.parse.urlsplit(urllib.parse.urljoin(response.url, src))
        if url.hostname != here.hostname:
            external.append((url.scheme, "integrity" in script))
    if not parser.scripts:
        return TestResult(t, "sri-not-implemented-but-no-scripts-loaded", 0)
    if not external:
        return TestResult(t, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", 0)
    insecure = any(scheme == "http" for scheme, _ in external)
    with_sri = all(sri for _, sri in external)
    if insecure:
        return TestResult(t, "sri-implemented-but-external-scripts-not-loaded-securely", -20) if with_sri \
            else TestResult(t, "sri-not-implemented-and-external-scripts-not-loaded-securely", -50)
    if with_sri:
        return TestResult(t, "sri-implemented-and-external-scripts-loaded-securely", 5)
    return TestResult(t, "sri-not-implemented-but-external-scripts-loaded-securely", -5)


def _xcto(response: Response) -> TestResult:
    t = "x-content-type-options"
    xcto = parse_xcto(response.header_all("x-content-type-options"))
    if xcto is None:
        return TestResult(t, "x-content-type-options-not-implemented", -5)
    if xcto.value is None:
        return TestResult(t, "x-content-type-options-header-invalid", -5)
    return TestResult(t, "x-content-type-options-nosniff", 0)


def _xfo(response: Response) -> TestResult:
    t = "x-frame-options"
    if parse_csp(response.header_all("content-security-policy")).frame_ancestors_restricted():
        return TestResult(t, "x-frame-options-implemented-via-csp", 5)
    xfo = parse_xfo(response.header_all("x-frame-options"))
    if xfo is None:
        return TestResult(t, "x-frame-options-not-implemented", -20)
    if xfo.value is not None:
        return TestResult(t, "x-frame-options-sameorigin-or-deny", 0)
    if "allow-from" in xfo.raw.lower():
        return TestResult(t, "x-frame-options-allow-from-origin", 0)
    return TestResult(t, "x-frame-options-header-invalid", -20)
