"""The HTTP Observatory's scoring, computed offline from one response (and its redirect chain).

The reference is MDN's scanner, ``@mdn/mdn-http-observatory`` (algorithm version 4): each
test below follows its analyzer (``src/analyzer/tests/*.js``) and its score table, and
``tests/hygiene/test_observatory_side_by_side.py`` grades the same pages with both. Start at
100, subtract every penalty; only if the result is 90 or more are the bonuses added; the
minimum is 0. Grades use the Observatory's bands (100+ A+, 90 A, 85 A-, 80 B+, 70 B, 65 B-,
60 C+, 50 C, 45 C-, 40 D+, 30 D, 25 D-, below F).

The differences that remain are on purpose and listed in docs/response-hygiene.md
("Observatory grade"): it runs on localhost and any port; it grades the page you name (the
scanner grades a host's ``/`` over https); HSTS preloading cannot be checked offline; the
http-to-https redirection is graded only when the graded response shows it; the registrable
domain for subresource integrity is the last two host labels (no public-suffix list); an HSTS
max-age that is not a number is invalid here (the scanner reads it as "at least six months").
"""

from __future__ import annotations

import html.parser
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core.errors import NotGradable
from .parsers import parse_set_cookie

if TYPE_CHECKING:
    from ..core.target import Response

BANDS = ((100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"), (50, "C"), (45, "C-"),
         (40, "D+"), (30, "D"), (25, "D-"), (0, "F"))
GRADES = tuple(g for _, g in BANDS)
MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90
SIX_MONTHS = 15_552_000  # the scanner's "white lie": 180 days, not 15,768,000 s
SESSION_HINTS = ("login", "sess")  # the scanner's list: a name containing one is a session cookie
CSRF_HINT = "csrf"
HTML_TYPES = ("text/html", "application/xhtml+xml")
GRADABLE = "2xx, 3xx, 401 or 403"

MODIFIERS: dict[str, int] = {
    "csp-implemented-with-no-unsafe-default-src-none": 10, "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10, "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20, "csp-implemented-with-insecure-scheme": -20,
    "csp-implemented-but-duplicate-directives": 0, "csp-header-invalid": -25, "csp-not-implemented": -25,
    "csp-not-implemented-but-reporting-enabled": -25,
    "cookies-secure-with-httponly-sessions-and-samesite": 5, "cookies-secure-with-httponly-sessions": 0,
    "cookies-not-found": 0, "cookies-without-secure-flag-but-protected-by-hsts": -5,
    "cookies-session-without-secure-flag-but-protected-by-hsts": -10, "cookies-without-secure-flag": -20,
    "cookies-samesite-flag-invalid": -20, "cookies-anticsrf-without-samesite-flag": -20,
    "cookies-session-without-httponly-flag": -30, "cookies-session-without-secure-flag": -40,
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    "redirection-to-https": 0, "redirection-not-to-https": -20, "redirection-not-to-https-on-initial-redirection": -10,
    "redirection-missing": -20, "redirection-off-host-from-http": -5, "redirection-not-tested": 0,
    "referrer-policy-private": 5, "referrer-policy-unsafe": -5, "referrer-policy-not-implemented": 0,
    "referrer-policy-header-invalid": -5,
    "hsts-implemented-max-age-at-least-six-months": 0, "hsts-implemented-max-age-less-than-six-months": -10,
    "hsts-not-implemented": -20, "hsts-header-invalid": -20, "hsts-not-implemented-no-https": -20,
    "sri-implemented-and-all-scripts-loaded-securely": 5, "sri-implemented-and-external-scripts-loaded-securely": 5,
    "sri-implemented-but-external-scripts-not-loaded-securely": -20,
    "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
    "sri-not-implemented-but-external-scripts-loaded-securely": -5, "sri-not-implemented-but-no-scripts-loaded": 0,
    "sri-not-implemented-response-not-html": 0, "html-not-parseable": -20,
    "x-content-type-options-nosniff": 0, "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    "x-frame-options-sameorigin-or-deny": 0, "x-frame-options-allow-from-origin": 0,
    "x-frame-options-implemented-via-csp": 5, "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    "corp-not-implemented": 0, "corp-implemented-with-same-origin": 10, "corp-implemented-with-same-site": 10,
    "corp-implemented-with-cross-origin": 0, "corp-header-invalid": -5,
}


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


def gradable(status: int) -> bool:
    """The scanner grades 2xx, 3xx, 401 and 403 answers and refuses every other status."""
    return 200 <= status < 400 or status in (401, 403)


def grade_response(response: Response, cors_probe: Response | None = None) -> Grade:
    """Grade one page; ``cors_probe`` is the page's CORS preflight (OPTIONS with an unrelated
    ``Origin``), as the scanner sends it. Raises :class:`NotGradable` for a status the scanner
    refuses (``GRADABLE``)."""
    if not gradable(response.status):
        raise NotGradable(f"the page answered {response.status}; the Observatory grades only a page that answers "
                          f"{GRADABLE}")
    page = _Page.of(response)
    csp = _csp(page)
    return score([csp.result, _cookies(page), _cors(response, cors_probe), _redirection(response),
                  _referrer(page), _hsts(page), _sri(page), _xcto(page), _xfo(page, csp), _corp(page)])


def _result(test: str, result: str, note: str = "") -> TestResult:
    return TestResult(test, result, MODIFIERS[result], note)


# -- the page as the scanner sees it -------------------------------------------------------

class _Meta(html.parser.HTMLParser):
    """``<meta http-equiv=content-security-policy>``, ``<meta name=referrer>`` and the scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.csp: list[str] = []
        self.referrer: list[str] = []
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k.lower(): v for k, v in attrs}
        if tag == "script":
            self.scripts.append(found)
        elif tag == "meta":
            equiv, content = found.get("http-equiv"), found.get("content")
            if equiv is not None and content is not None:
                if equiv.strip().lower() == "content-security-policy" and content:
                    self.csp.append(content)
            elif (found.get("name") or "").strip().lower() == "referrer" and content:
                self.referrer = [content]


@dataclass
class _Page:
    response: Response
    https: bool
    html: bool
    meta: _Meta
    parsed: bool

    @classmethod
    def of(cls, response: Response) -> _Page:
        mime = (_joined(response, "content-type") or "").split(";")[0]
        meta, parsed = _Meta(), True
        if mime in HTML_TYPES and response.body:
            try:
                meta.feed(response.text)
                meta.close()
            except Exception:  # html.parser is lenient; anything it still cannot take is unparsable
                parsed = False
        return cls(response, urllib.parse.urlsplit(response.url).scheme == "https", mime in HTML_TYPES, meta, parsed)

    def header(self, name: str) -> str | None:
        return _joined(self.response, name)


def _joined(response: Response, name: str) -> str | None:
    """A repeated header as Node.js hands it to the scanner: the values joined by ", "."""
    values = response.header_all(name)
    if not values:
        return None
    if name.lower() in ("content-type", "location"):  # Node keeps the first of these
        return values[0]
    return ", ".join(values)


# -- content security policy ---------------------------------------------------------------

_BROAD = {"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"}
_BROAD_OR_INLINE = _BROAD | {"'unsafe-inline'", "data:"}
_PASSIVE = ("img-src", "media-src")
_NONCE_OR_HASH = ("'sha256-", "'sha384-", "'sha512-", "'nonce-")
_ALLOWED_DUPLICATES = {"report-uri", "report-to"}
_NOT_IN_META = ("frame-ancestors", "report-uri", "sandbox")


class _InvalidCsp(ValueError):
    pass


@dataclass
class _Source:
    source: str
    index: int
    keep: bool


def _parse_csp(policies: list[str]) -> tuple[dict[str, set[str]], bool]:
    """The scanner's ``parseCsp``: one merged map of directive -> sources, and whether a
    report-uri/report-to was repeated. Raises :class:`_InvalidCsp` where it throws."""
    clean = [re.sub(r"[\r\n]", "", p).strip() for p in policies]
    if not clean:
        return {}, False
    if any(len(p) < len("img-src") - 1 for p in clean):
        raise _InvalidCsp("a policy shorter than the shortest directive")
    csp: dict[str, list[_Source]] = {}
    duplicates = False
    for index, policy in enumerate(clean):
        seen: set[str] = set()
        for entry in policy.split(";"):
            parts = entry.strip().split()
            if not parts:
                continue
            directive, values = parts[0].lower(), parts[1:]
            if directive in seen:
                if directive not in _ALLOWED_DUPLICATES:
                    raise _InvalidCsp(f"duplicate directive {directive}")
                duplicates = True
            seen.add(directive)
            keep = index == 0
            sources = [_Source(v.strip().lower(), index, keep) for v in values]
            if not values and directive.endswith("-src"):
                sources = [_Source("'none'", index, keep)]
            combined = sources if index == 0 else [*csp.get(directive, []), *sources]
            combined.sort(key=lambda s: s.source)
            for i in range(1, len(combined)):
                here, prev = combined[i], combined[i - 1]
                if here.index == prev.index and here.source.startswith(prev.source):
                    here.keep = False
                if here.index != prev.index and _path_part_match(prev.source, here.source):
                    here.keep = True
            csp[directive] = [s for s in combined if s.keep]
            if index == 0 and len(policies) > 1:
                for s in csp[directive]:
                    s.keep = False
    return {d: ({s.source for s in sources} or {"'none'"}) for d, sources in csp.items()}, duplicates


def _path_part_match(a: str, b: str) -> bool:
    if not a:
        return True
    if a == "/" and not b:
        return True
    exact = not a.endswith("/")
    pa, pb = a.split("/"), b.split("/")
    if len(pa) > len(pb) or (exact and len(pa) != len(pb)):
        return False
    if not exact:
        pa.pop()
    return all(urllib.parse.unquote(x) == urllib.parse.unquote(y) for x, y in zip(pa, pb, strict=False))


@dataclass
class _CspOutcome:
    result: TestResult
    directives: dict[str, set[str]] | None = None  # the merged policy, when the test ran to its end


def _csp(page: _Page) -> _CspOutcome:
    t = "content-security-policy"
    header = page.header("content-security-policy")
    http_policies = [header] if header is not None else []
    meta_policies = page.meta.csp
    try:
        csp, duplicates = _parse_csp([*http_policies, *meta_policies])
    except _InvalidCsp as exc:
        return _CspOutcome(_result(t, "csp-header-invalid", str(exc)))
    try:
        http_only, _ = _parse_csp(http_policies)
    except _InvalidCsp:
        http_only = {}
    try:
        meta_only, _ = _parse_csp(meta_policies)
        for directive in _NOT_IN_META:
            meta_only.pop(directive, None)
    except _InvalidCsp:
        meta_only = {}
    if not http_only and not meta_only:
        if page.header("content-security-policy-report-only"):
            return _CspOutcome(_result(t, "csp-not-implemented-but-reporting-enabled"))
        return _CspOutcome(_result(t, "csp-not-implemented"))
    default = csp.get("default-src")
    script = set(csp.get("script-src") or default or {"*"})
    style = set(csp.get("style-src") or default or {"*"})
    objects = csp.get("object-src") or default or {"*"}
    for sources in (script, style):
        if any(s.startswith(_NONCE_OR_HASH) for s in sources):
            sources.discard("'unsafe-inline'")
    result: str | None = None
    if any(s.startswith(_NONCE_OR_HASH) for s in script) and "'strict-dynamic'" in script:
        script = {s for s in script if not (s.startswith(tuple(_BROAD)) or s in ("'self'", "'unsafe-inline'"))}
    elif "'strict-dynamic'" in script:
        result = "csp-header-invalid"
    active = [s for d, sources in csp.items() if d not in _PASSIVE and d != "script-src" for s in sources]
    active += list(script)
    passive = [s for d in _PASSIVE for s in (csp.get(d) or default or set())]

    def insecure(sources: list[str]) -> bool:
        return page.https and any(s.startswith(("http:", "ftp:")) for s in sources)

    checks = (
        (bool(script & _BROAD_OR_INLINE) or bool(objects & _BROAD), "csp-implemented-with-unsafe-inline"),
        (insecure(active), "csp-implemented-with-insecure-scheme"),
        ("'unsafe-eval'" in script | style, "csp-implemented-with-unsafe-eval"),
        (insecure(passive), "csp-implemented-with-insecure-scheme-in-passive-content-only"),
        (bool(style & _BROAD_OR_INLINE), "csp-implemented-with-unsafe-inline-in-style-src-only"),
        (default == {"'none'"}, "csp-implemented-with-no-unsafe-default-src-none"),
        (True, "csp-implemented-with-no-unsafe"),
    )
    result = result or next(name for hit, name in checks if hit)
    passing = ("csp-implemented-with-no-unsafe", "csp-implemented-with-no-unsafe-default-src-none",
               "csp-implemented-with-unsafe-inline-in-style-src-only",
               "csp-implemented-with-insecure-scheme-in-passive-content-only")
    if result in passing and duplicates:
        result = "csp-implemented-but-duplicate-directives"
    return _CspOutcome(_result(t, result, "" if header is not None else "from <meta http-equiv>"), csp)


# -- cookies -------------------------------------------------------------------------------

_COOKIE_ORDER = ("cookies-without-secure-flag-but-protected-by-hsts", "cookies-without-secure-flag",
                 "cookies-session-without-secure-flag-but-protected-by-hsts", "cookies-samesite-flag-invalid",
                 "cookies-anticsrf-without-samesite-flag", "cookies-session-without-httponly-flag",
                 "cookies-session-without-secure-flag")


def _worse(new: str, old: str | None, order: tuple[str, ...]) -> str:
    return new if old is None or order.index(new) > order.index(old) else old


def _samesite_invalid(raw: str) -> bool:
    for part in raw.strip().split(";"):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "samesite":
            return not value or value.strip().lower() not in ("lax", "strict", "none")
    return False


def _cookies(page: _Page) -> TestResult:
    t = "cookies"
    result: str | None = None
    if any(_samesite_invalid(raw) for raw in page.response.header_all("set-cookie")):
        result = "cookies-samesite-flag-invalid"
    jar: dict[str, object] = {}  # what the scanner's cookie jar keeps: the last cookie of each name, deletions gone
    for _, raw in page.response.all_set_cookies():
        cookie = parse_set_cookie(raw)
        if not cookie.name:
            continue
        jar.pop(cookie.name, None)
        if not cookie.deletes:
            jar[cookie.name] = cookie
    cookies = [parse_set_cookie(c.raw) for c in jar.values()]  # type: ignore[attr-defined]
    if not cookies:
        return _result(t, "cookies-not-found")
    hsts = _hsts(page).result in ("hsts-implemented-max-age-at-least-six-months",)
    missing_samesite = False
    for c in cookies:
        low = c.name.lower()
        session = any(h in low for h in SESSION_HINTS)
        samesite = (c.samesite or "").lower()
        samesite = samesite if samesite in ("strict", "lax", "none") else ""
        if not c.secure and samesite == "none":
            result = _worse("cookies-samesite-flag-invalid", result, _COOKIE_ORDER)
        if not c.secure:
            result = _worse("cookies-without-secure-flag-but-protected-by-hsts" if hsts
                            else "cookies-without-secure-flag", result, _COOKIE_ORDER)
        if CSRF_HINT in low and not samesite:
            result = _worse("cookies-anticsrf-without-samesite-flag", result, _COOKIE_ORDER)
        if session and not c.secure:
            result = _worse("cookies-session-without-secure-flag-but-protected-by-hsts" if hsts
                            else "cookies-session-without-secure-flag", result, _COOKIE_ORDER)
        if session and not c.httponly:
            result = _worse("cookies-session-without-httponly-flag", result, _COOKIE_ORDER)
        missing_samesite = missing_samesite or not samesite
    if result is None:
        result = "cookies-secure-with-httponly-sessions" if missing_samesite \
            else "cookies-secure-with-httponly-sessions-and-samesite"
    return _result(t, result)


# -- the other tests -----------------------------------------------------------------------

def _cors(response: Response, probe: Response | None) -> TestResult:
    t = "cross-origin-resource-sharing"
    r = probe if probe is not None else response
    acao = _joined(r, "access-control-allow-origin")
    if not acao:
        return _result(t, "cross-origin-resource-sharing-not-implemented")
    if acao.strip().lower() == "*":
        return _result(t, "cross-origin-resource-sharing-implemented-with-public-access")
    sent = next((v for k, v in r.request.headers.items() if k.lower() == "origin"), None)
    credentials = (_joined(r, "access-control-allow-credentials") or "").strip().lower() == "true"
    if sent and sent == acao and credentials:
        return _result(t, "cross-origin-resource-sharing-implemented-with-universal-access",
                       "an unrelated Origin is echoed with credentials")
    return _result(t, "cross-origin-resource-sharing-implemented-with-restricted-access")


def _redirection(response: Response) -> TestResult:
    t = "redirection"
    route = [urllib.parse.urlsplit(r.url) for r in (*response.history, response)]
    if route[0].scheme == "https":
        return _result(t, "redirection-not-tested", "the graded URL is already https")
    if len(route) == 1:
        return _result(t, "redirection-missing")
    if route[-1].scheme != "https":
        return _result(t, "redirection-not-to-https")
    if route[1].scheme == "http":
        return _result(t, "redirection-not-to-https-on-initial-redirection")
    if route[0].hostname != route[1].hostname:
        return _result(t, "redirection-off-host-from-http")
    return _result(t, "redirection-to-https")


_REFERRER_PRIVATE = ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin")
_REFERRER_UNSAFE = ("origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade")


def _referrer(page: _Page) -> TestResult:
    t = "referrer-policy"
    values = [*page.response.header_all("referrer-policy"), *page.meta.referrer]
    if not values:
        return _result(t, "referrer-policy-not-implemented")
    valid = [v.strip().lower() for v in ", ".join(values).split(",")
             if v.strip().lower() in _REFERRER_PRIVATE + _REFERRER_UNSAFE]
    policy = valid[-1] if valid else ""
    if policy in _REFERRER_PRIVATE:
        return _result(t, "referrer-policy-private")
    if policy in _REFERRER_UNSAFE:
        return _result(t, "referrer-policy-unsafe")
    return _result(t, "referrer-policy-header-invalid")


def _hsts(page: _Page) -> TestResult:
    t = "strict-transport-security"
    if not page.https:  # browsers ignore HSTS received over plain http, and so does the scanner
        return _result(t, "hsts-not-implemented-no-https", "the graded response came over plain http")
    header = page.header("strict-transport-security")
    if header is None:
        return _result(t, "hsts-not-implemented")
    header = header[:1024]
    if "," in header:
        return _result(t, "hsts-header-invalid", "the header is set more than once")
    max_age: int | None = None
    preload = False
    for parameter in (p.strip().lower() for p in header.split(";")):
        if parameter.startswith("max-age="):
            digits = re.match(r"\s*[+-]?\d+", parameter[8:128])
            if digits is None:  # the scanner reads this as NaN and passes it; a browser ignores the header
                return _result(t, "hsts-header-invalid", "max-age is not a number")
            max_age = int(digits.group())
        elif parameter == "preload":
            preload = True
    if max_age is None:
        return _result(t, "hsts-header-invalid", "max-age is missing")
    if max_age < SIX_MONTHS:
        return _result(t, "hsts-implemented-max-age-less-than-six-months")
    return _result(t, "hsts-implemented-max-age-at-least-six-months",
                   "preload cannot be verified offline" if preload else "")


def _site(host: str | None) -> str | None:
    """The registrable domain, approximated as the last two labels (None for an IP or one label)."""
    if not host or re.fullmatch(r"[\d.]+|\[?[0-9a-f:]+\]?", host) or "." not in host:
        return None
    return ".".join(host.split(".")[-2:])


_SRI_ORDER = ("sri-implemented-and-all-scripts-loaded-securely", "sri-implemented-and-external-scripts-loaded-securely",
              "sri-implemented-but-external-scripts-not-loaded-securely",
              "sri-not-implemented-but-external-scripts-loaded-securely",
              "sri-not-implemented-and-external-scripts-not-loaded-securely", "sri-not-implemented-response-not-html")


def _sri(page: _Page) -> TestResult:
    t = "subresource-integrity"
    if not page.html:
        return _result(t, "sri-not-implemented-response-not-html")
    if not page.parsed:
        return _result(t, "html-not-parseable")
    result: str | None = None
    foreign = False
    site = _site(urllib.parse.urlsplit(page.response.url).hostname)
    for script in page.meta.scripts:
        src = (script.get("src") or "").strip()
        if not src:
            continue
        integrity = script.get("integrity")
        relative_protocol = bool(re.match(r"^//[^/]", src))
        full = bool(re.match(r"^https?://", src))
        relative_origin = not relative_protocol and not full
        same_site = relative_protocol or relative_origin or _site(urllib.parse.urlsplit(src).hostname) == site
        secure_origin = relative_origin or (same_site and not relative_protocol)
        scheme = urllib.parse.urlsplit(src).scheme if full else None
        secure_scheme = scheme == "https" or (relative_origin and page.https)
        if not secure_origin:
            foreign = True
            if integrity and not secure_scheme:
                result = _worse("sri-implemented-but-external-scripts-not-loaded-securely", result, _SRI_ORDER)
            elif not integrity and secure_scheme:
                result = _worse("sri-not-implemented-but-external-scripts-loaded-securely", result, _SRI_ORDER)
            elif not integrity:
                result = _worse("sri-not-implemented-and-external-scripts-not-loaded-securely", result, _SRI_ORDER)
        elif integrity and secure_scheme and result is None:
            result = "sri-implemented-and-all-scripts-loaded-securely"
    if not page.meta.scripts:
        return _result(t, "sri-not-implemented-but-no-scripts-loaded")
    if result is None:
        result = "sri-implemented-and-external-scripts-loaded-securely" if foreign \
            else "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"
    return _result(t, result)


def _xcto(page: _Page) -> TestResult:
    t = "x-content-type-options"
    header = page.header("x-content-type-options")
    if header is None:
        return _result(t, "x-content-type-options-not-implemented")
    if header[:256].strip().lower() == "nosniff":
        return _result(t, "x-content-type-options-nosniff")
    return _result(t, "x-content-type-options-header-invalid")


def _xfo(page: _Page, csp: _CspOutcome) -> TestResult:
    t = "x-frame-options"
    if csp.directives is not None and "frame-ancestors" in csp.directives:
        return _result(t, "x-frame-options-implemented-via-csp")
    header = page.header("x-frame-options")
    if header is None:
        return _result(t, "x-frame-options-not-implemented")
    value = header[:1024].strip().lower()
    if value in ("deny", "sameorigin"):
        return _result(t, "x-frame-options-sameorigin-or-deny")
    if value.startswith("allow-from"):
        return _result(t, "x-frame-options-allow-from-origin")
    return _result(t, "x-frame-options-header-invalid")


def _corp(page: _Page) -> TestResult:
    t = "cross-origin-resource-policy"
    header = page.header("cross-origin-resource-policy")
    if not header:
        return _result(t, "corp-not-implemented")
    value = header[:256].strip().lower()
    results = {"same-site": "corp-implemented-with-same-site", "same-origin": "corp-implemented-with-same-origin",
               "cross-origin": "corp-implemented-with-cross-origin"}
    return _result(t, results.get(value, "corp-header-invalid"))
