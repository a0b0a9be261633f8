"""Response header policy: drHEADer's rule keys plus parser-based analyses.

Two layers, each with its own rule ids:

* **rules** (``headers.rules`` and per-path ``headers.groups``) are drHEADer's keys with
  drHEADer's meaning, matched against *parsed tokens* instead of substrings. Findings are
  ``headers/<header>-missing`` (a required header is absent), ``headers/<header>-present`` (a
  forbidden header is sent) and ``headers/<header>-value`` (the value breaks a value rule),
  where ``<header>`` is a short name for well-known headers and ``other`` for the rest.
* **analysis** (``headers.analysis``) judges what a browser would enforce, through the
  parsers of :mod:`pytest_secure.hygiene.parsers`: ``headers/csp-unsafe-inline`` only when inline
  script really runs (not when a nonce, a hash or ``'strict-dynamic'`` voids
  ``'unsafe-inline'``), fallback to ``default-src``, several policies combined, report-only
  policies never counted as enforcement, X-Frame-Options against ``frame-ancestors``, and so on.

Headers a browser applies only to pages (CSP, X-Frame-Options, Permissions-Policy, COOP,
X-XSS-Protection) and the csp, framing and permissions analyses judge HTML responses only
(:func:`is_document`); a stylesheet, script or image cannot be framed (docs/headers.md).

One check per (request, header rule) and per (request, analysis); all of a request's checks
share one cached response. :class:`HeaderPolicy` is the same policy applied to any single
response (passive mode, assertions, the DAST engine).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.area import Check, SectionArea, split_request
from ..core.findings import Finding, Severity
from ..core.rules import Rule, rules_from
from .parsers import (
    parse_cache_control,
    parse_coep,
    parse_coop,
    parse_corp,
    parse_csp,
    parse_hsts,
    parse_permissions_policy,
    parse_referrer_policy,
    parse_xfo,
)
from .parsers.hsts import SIX_MONTHS
from .parsers.referrer import PRIVATE

if TYPE_CHECKING:
    from ..core.baseline.model import Baseline
    from ..core.session import SecureSession
    from ..core.target import Response

AREA = "headers"

# header (lower case) -> (slug, title, severity when missing, severity of a bad value, CWE, fix)
_KNOWN: dict[str, tuple[str, str, str, str, int, str]] = {
    "content-security-policy": ("csp", "Content-Security-Policy", "high", "high", 693,
        "Send a Content-Security-Policy without 'unsafe-inline'/'unsafe-eval', e.g. default-src 'self'."),
    "strict-transport-security": ("hsts", "Strict-Transport-Security", "high", "medium", 319,
        "Send Strict-Transport-Security: max-age=31536000; includeSubDomains on HTTPS responses."),
    "x-content-type-options": ("x-content-type-options", "X-Content-Type-Options", "medium", "medium", 693,
        "Send X-Content-Type-Options: nosniff."),
    "x-frame-options": ("x-frame-options", "X-Frame-Options", "medium", "medium", 1021,
        "Send X-Frame-Options: DENY (or CSP frame-ancestors 'none')."),
    "referrer-policy": ("referrer-policy", "Referrer-Policy", "low", "low", 200,
        "Send Referrer-Policy: strict-origin-when-cross-origin (or stricter)."),
    "x-powered-by": ("x-powered-by", "X-Powered-By", "low", "low", 200,
        "Remove the X-Powered-By header; it advertises the framework and version."),
    "server": ("server", "Server", "low", "low", 200, "Remove version details from the Server header."),
    "cache-control": ("cache-control", "Cache-Control", "medium", "medium", 525,
        "Send Cache-Control: no-store on responses that carry personal or session data."),
    "pragma": ("pragma", "Pragma", "low", "low", 525,
        "Send Pragma: no-cache for HTTP/1.0 caches, beside Cache-Control."),
    "permissions-policy": ("permissions-policy", "Permissions-Policy", "low", "low", 693,
        "Send a Permissions-Policy that disables the features the page does not use, e.g. camera=()."),
    "cross-origin-opener-policy": ("coop", "Cross-Origin-Opener-Policy", "low", "low", 1021,
        "Send Cross-Origin-Opener-Policy: same-origin."),
    "cross-origin-embedder-policy": ("coep", "Cross-Origin-Embedder-Policy", "low", "low", 693,
        "Send Cross-Origin-Embedder-Policy: require-corp (or credentialless)."),
    "cross-origin-resource-policy": ("corp", "Cross-Origin-Resource-Policy", "low", "low", 693,
        "Send Cross-Origin-Resource-Policy: same-origin (or same-site)."),
    "x-xss-protection": ("x-xss-protection", "X-XSS-Protection", "low", "low", 693,
        "Send X-XSS-Protection: 0 (the XSS auditor is gone and its block mode leaked data); rely on CSP."),
    "x-aspnet-version": ("x-aspnet-version", "X-AspNet-Version", "low", "low", 200,
        "Remove X-AspNet-Version (httpRuntime enableVersionHeader=false)."),
    "x-generator": ("x-generator", "X-Generator", "low", "low", 200, "Remove the X-Generator header."),
    "x-client-ip": ("x-client-ip", "X-Client-IP", "low", "low", 200, "Do not echo X-Client-IP in responses."),
    "x-forwarded-for": ("x-forwarded-for", "X-Forwarded-For", "low", "low", 200,
        "Do not echo X-Forwarded-For in responses; it reveals internal addresses."),
}
_OTHER = ("other", "Header", "medium", "medium", 693, "Change the header to meet the baseline's rule.")
_DISCLOSING = {"x-powered-by", "server", "x-aspnet-version", "x-generator", "x-client-ip", "x-forwarded-for"}

# Item delimiters drHEADer uses to split values into items (key=value items also count by key).
_DELIMITERS = {
    "cache-control": ",", "clear-site-data": ",", "content-security-policy": ";", "feature-policy": ";",
    "permissions-policy": ",", "referrer-policy": ",", "set-cookie": ";", "strict-transport-security": ";",
    "x-forwarded-for": ",", "x-xss-protection": ";",
}
# Headers a browser applies only to a document it renders (a page, or a frame): on a stylesheet,
# a script or an image they change nothing, so their rules and analyses skip such responses.
DOCUMENT_HEADERS = frozenset({"content-security-policy", "x-frame-options", "permissions-policy", "feature-policy",
                              "cross-origin-opener-policy", "x-xss-protection"})
DOCUMENT_ANALYSES = frozenset({"csp", "framing", "permissions"})
DOCUMENT_TYPES = ("text/html", "application/xhtml+xml")


def is_document(response: Response) -> bool:
    """Whether a browser would render this response as a page it can frame: HTML or XHTML.

    A response without a Content-Type counts as a document: browsers sniff it, and without
    ``X-Content-Type-Options: nosniff`` markup in it renders as HTML.
    """
    content_type = (response.header("content-type") or "").split(";", 1)[0].strip().lower()
    return not content_type or content_type in DOCUMENT_TYPES


_DIRECTIVE_HEADERS = {"content-security-policy", "permissions-policy", "feature-policy", "strict-transport-security",
                      "cache-control", "x-xss-protection"}


def _slug(header: str) -> str:
    return _KNOWN.get(header.lower(), _OTHER)[0]


def _rule_ids(header: str) -> tuple[str, str, str]:
    slug = _slug(header)
    return f"headers/{slug}-missing", f"headers/{slug}-present", f"headers/{slug}-value"


_ANALYSIS_RULES = [
    ("headers/csp-unsafe-inline", "CSP lets inline scripts run", "high", 79,
     "Remove 'unsafe-inline' from script-src (and default-src), or add nonces/hashes; move inline scripts to files."),
    ("headers/csp-unsafe-inline-style", "CSP lets inline styles apply", "low", 79,
     "Remove 'unsafe-inline' from style-src (and default-src), or use nonces/hashes for inline styles."),
    ("headers/csp-unsafe-eval", "CSP lets scripts call eval()", "medium", 95,
     "Remove 'unsafe-eval' from script-src (and default-src); replace eval/new Function/string timers."),
    ("headers/csp-wide-source", "CSP admits scripts from any host or scheme", "high", 829,
     "Replace *, https:, http:, data: in script-src with 'self', specific hosts, or nonces with 'strict-dynamic'."),
    ("headers/csp-invalid", "CSP is malformed", "medium", 693,
     "Fix the Content-Security-Policy syntax: known directive names, each once, valid keywords."),
    ("headers/csp-report-only", "CSP is only reported, not enforced", "medium", 693,
     "Send the policy as Content-Security-Policy; Report-Only never blocks anything."),
    ("headers/hsts-invalid", "Strict-Transport-Security is malformed", "medium", 319,
     "Send exactly one Strict-Transport-Security header with max-age=<seconds> (and includeSubDomains)."),
    ("headers/hsts-max-age-short", "Strict-Transport-Security max-age is too short", "medium", 319,
     "Raise HSTS max-age to at least 15768000 (six months); 31536000 is usual."),
    ("headers/referrer-policy-unsafe", "Referrer-Policy sends URLs to other sites", "low", 200,
     "Use Referrer-Policy: strict-origin-when-cross-origin, same-origin or no-referrer."),
    ("headers/referrer-policy-invalid", "Referrer-Policy has no valid token", "low", 200,
     "Use a valid Referrer-Policy token such as strict-origin-when-cross-origin."),
    ("headers/framing-missing", "Page can be framed by any site (clickjacking)", "medium", 1021,
     "Send Content-Security-Policy: frame-ancestors 'none' (or 'self'), and X-Frame-Options: DENY for old browsers."),
    ("headers/x-frame-options-invalid", "X-Frame-Options is invalid or obsolete", "medium", 1021,
     "Use X-Frame-Options: DENY or SAMEORIGIN (ALLOW-FROM is ignored); use CSP frame-ancestors for allow-lists."),
    ("headers/framing-conflict", "X-Frame-Options and frame-ancestors disagree", "low", 1021,
     "Make X-Frame-Options and CSP frame-ancestors say the same thing; browsers that know frame-ancestors ignore XFO."),
    ("headers/cache-control-authenticated", "Authenticated response may be stored by caches", "medium", 525,
     "Send Cache-Control: no-store on responses to authenticated requests."),
    ("headers/cross-origin-isolation-invalid", "COOP/COEP/CORP value is invalid", "low", 693,
     "Use a valid value: COOP same-origin, COEP require-corp or credentialless, CORP same-origin or same-site."),
    ("headers/permissions-policy-invalid", "Permissions-Policy is malformed", "low", 693,
     "Write Permissions-Policy as a structured dictionary, e.g. camera=(), geolocation=(self)."),
]


def _header_rules(slug: str, title: str, sev_missing: str, sev_value: str, cwe: int, fix: str) -> tuple[Rule, ...]:
    """A header's -missing, -present and -value rules."""
    disclosing = title.lower() in _DISCLOSING
    return (
        Rule(f"headers/{slug}-missing", f"{title} header missing", Severity.parse(sev_missing), cwe, fix,
             f"A response lacks the {title} header that the baseline requires."),
        Rule(f"headers/{slug}-present", f"{title} header present",
             Severity.LOW if slug != "other" else Severity.MEDIUM,
             200 if disclosing or slug != "other" else cwe,
             fix if disclosing else f"Stop sending the {title} header.",
             f"A response carries the {title} header that the baseline forbids."),
        Rule(f"headers/{slug}-value", f"{title} header has an unsafe value", Severity.parse(sev_value), cwe, fix,
             f"The {title} value breaks a value rule of the baseline."),
    )


RULES: tuple[Rule, ...] = (
    *(rule for known in (*_KNOWN.values(), _OTHER) for rule in _header_rules(*known)),
    *rules_from(_ANALYSIS_RULES),
)


# --------------------------------------------------------------------------------------------
# rules (drHEADer keys)


def _as_tuple(value: Any, header: str = "") -> tuple[str, ...]:
    """drHEADer accepts a list or a delimited string for list-valued keys."""
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    delimiter = _DELIMITERS.get(header.lower())
    if delimiter and delimiter in str(value):
        return tuple(v.strip() for v in str(value).split(delimiter) if v.strip())
    return (str(value),)


@dataclass(frozen=True)
class HeaderRule:
    header: str
    required: bool | str = True
    value: tuple[str, ...] | None = None
    value_one_of: tuple[str, ...] = ()
    value_any_of: tuple[str, ...] = ()
    must_avoid: tuple[str, ...] = ()
    must_contain: tuple[str, ...] = ()
    must_contain_one: tuple[str, ...] = ()
    preserve_order: bool = False
    directives: tuple[HeaderRule, ...] = ()  # per-directive rules of policy headers (header = directive name)
    severity: Severity | None = None
    ignore: bool = False  # a group switches an inherited rule off

    @classmethod
    def from_dict(cls, header: str, spec: dict[str, Any] | None, parent: str = "") -> HeaderRule:
        spec = {k.lower(): v for k, v in (spec or {}).items()}
        host = parent or header
        required = spec.get("required", True)
        if isinstance(required, str):
            required = {"true": True, "false": False}.get(required.strip().lower(), required.strip().lower())
        return cls(
            header=header,
            required=required,
            value=_as_tuple(spec["value"], host) if "value" in spec else None,
            value_one_of=_as_tuple(spec.get("value-one-of"), host),
            value_any_of=_as_tuple(spec.get("value-any-of"), host),
            must_avoid=_as_tuple(spec.get("must-avoid"), host),
            must_contain=_as_tuple(spec.get("must-contain"), host),
            must_contain_one=_as_tuple(spec.get("must-contain-one"), host),
            preserve_order=bool(spec.get("preserve-order", False)),
            directives=tuple(cls.from_dict(d, s, parent=header) for d, s in (spec.get("directives") or {}).items()),
            severity=Severity.parse(spec["severity"]) if spec.get("severity") else None,
            ignore=bool(spec.get("ignore", False)),
        )


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _bare(token: str) -> str:
    """Compare CSP sources with or without their quotes, as drHEADer does."""
    return token.strip().strip("'\"").lower()


def _items(header: str, value: str, keys: bool = True) -> list[str]:
    """The value's items (lower case, quotes stripped for policy headers); ``key=value`` items add their key."""
    low = header.lower()
    if low in ("content-security-policy", "feature-policy"):
        out = []
        for directive in value.replace(",", ";").split(";"):
            parts = directive.split()
            if parts:
                out.append(parts[0].lower())
                out.extend(_bare(p) for p in parts[1:])
        return out
    delimiter = _DELIMITERS.get(low)
    raw = [value] if delimiter is None else value.split(delimiter)
    out = []
    for item in raw:
        item = item.strip()
        if not item:
            continue
        out.append(_norm(item))
        if keys and "=" in item:
            out.append(_norm(item.split("=", 1)[0]))
    return out


def evaluate(rule: HeaderRule, values: list[str], *, report_only: list[str] | None = None) -> list[tuple[str, str]]:
    """Judge the header's values against a drHEADer-style rule: (rule id, message) per problem."""
    missing, present, bad = _rule_ids(rule.header)
    name = rule.header
    if rule.ignore:
        return []
    if not values:
        if rule.required is True:
            note = ""
            if report_only:
                note = " (only Content-Security-Policy-Report-Only is sent, which enforces nothing)"
            return [(missing, f"{name} is missing{note}")]
        return []
    if rule.required is False:
        return [(present, f"{name} must not be sent")]
    value = ", ".join(v.strip() for v in values)
    problems = [(bad, m) for m in _value_problems(rule, name, value)]
    for directive in rule.directives:
        problems.extend((bad, m) for m in _directive_problems(rule.header, directive, value))
    return problems


def _value_problems(rule: HeaderRule, name: str, value: str) -> list[str]:
    problems = []
    items = _items(rule.header, value, keys=False)
    all_items = set(_items(rule.header, value))
    if rule.value is not None:
        if len(rule.value) == 1:
            ok = _norm(value) == _norm(rule.value[0])
        else:
            expected = [_norm(v) for v in rule.value]
            ok = items == expected if rule.preserve_order else set(items) == set(expected)
        if not ok:
            shown = rule.value[0] if len(rule.value) == 1 else "; ".join(rule.value)
            problems.append(f"{name} is {value!r}, expected {shown!r}")
    if rule.value_one_of and _norm(value) not in {_norm(v) for v in rule.value_one_of}:
        problems.append(f"{name} is {value!r}, expected one of {', '.join(rule.value_one_of)}")
    if rule.value_any_of:
        allowed = {_norm(v) for v in rule.value_any_of}
        extra = [i for i in items if i not in allowed]
        if extra:
            problems.append(f"{name} contains {', '.join(extra)}; allowed: {', '.join(rule.value_any_of)}")
    for avoid in rule.must_avoid:
        if _bare(avoid) in all_items or _norm(avoid) in all_items:
            problems.append(f"{name} contains {avoid}, which the baseline forbids")
    for needed in rule.must_contain:
        if _bare(needed) not in all_items and _norm(needed) not in all_items:
            problems.append(f"{name} lacks {needed}")
    if rule.must_contain_one and not any(_bare(n) in all_items or _norm(n) in all_items for n in rule.must_contain_one):
        problems.append(f"{name} contains none of {', '.join(rule.must_contain_one)}")
    return problems


def _directive_map(header: str, value: str) -> dict[str, str]:
    """Directive name -> its value text, for policy and key=value headers (first occurrence wins)."""
    low = header.lower()
    out: dict[str, str] = {}
    if low in ("content-security-policy", "feature-policy"):
        for directive in value.replace(",", ";").split(";"):
            parts = directive.split(None, 1)
            if parts:
                out.setdefault(parts[0].lower(), parts[1] if len(parts) > 1 else "")
        return out
    delimiter = ";" if low in ("strict-transport-security", "x-xss-protection") else ","
    for item in value.split(delimiter):
        key, _, val = item.strip().partition("=")
        if key.strip():
            out.setdefault(key.strip().lower(), val.strip())
    return out


def _directive_problems(header: str, rule: HeaderRule, value: str) -> list[str]:
    directives = _directive_map(header, value)
    name = f"{header} directive {rule.header}"
    dvalue = directives.get(rule.header.lower())
    if dvalue is None:
        return [f"{name} is missing"] if rule.required is True else []
    if rule.required is False:
        return [f"{name} must not be present"]
    tokens = [_bare(t) for t in re.split(r"[\s]+", dvalue.strip("() ")) if t.strip()]
    problems = []
    if rule.value is not None:
        expected = [_bare(v) for v in rule.value]
        same = tokens == expected if rule.preserve_order else set(tokens) == set(expected)
        if not same:
            problems.append(f"{name} is {dvalue!r}, expected {' '.join(rule.value)!r}")
    if rule.value_one_of and " ".join(tokens) not in {_bare(v) for v in rule.value_one_of}:
        problems.append(f"{name} is {dvalue!r}, expected one of {', '.join(rule.value_one_of)}")
    if rule.value_any_of:
        extra = [t for t in tokens if t not in {_bare(v) for v in rule.value_any_of}]
        if extra:
            problems.append(f"{name} contains {', '.join(extra)}; allowed: {', '.join(rule.value_any_of)}")
    for avoid in rule.must_avoid:
        if _bare(avoid) in tokens:
            problems.append(f"{name} contains {avoid}, which the baseline forbids")
    for needed in rule.must_contain:
        if _bare(needed) not in tokens:
            problems.append(f"{name} lacks {needed}")
    if rule.must_contain_one and not any(_bare(n) in tokens for n in rule.must_contain_one):
        problems.append(f"{name} contains none of {', '.join(rule.must_contain_one)}")
    return problems


# --------------------------------------------------------------------------------------------
# analyses (what a browser enforces)

ANALYSES = ("csp", "hsts", "referrer", "framing", "caching", "isolation", "permissions")
Analysis = Callable[["Response", dict[str, Any], bool], list[tuple[str, str, str]]]  # -> (rule id, message, header)


def analyse_csp(response: Response, options: dict[str, Any], authenticated: bool) -> list[tuple[str, str, str]]:
    enforced = response.header_all("content-security-policy")
    report_only = response.header_all("content-security-policy-report-only")
    csp = parse_csp(enforced, report_only)
    header = "Content-Security-Policy"
    out: list[tuple[str, str, str]] = []
    if not csp.enforced:
        if csp.report_only:
            out.append(("headers/csp-report-only", "only Content-Security-Policy-Report-Only is sent; "
                        "it reports violations but blocks nothing", header))
        return out  # a missing policy is the rules' business (required: true)
    for problem in csp.problems:
        out.append(("headers/csp-invalid", f"Content-Security-Policy: {problem}", header))
    if csp.allows_inline("script-src-elem") or csp.allows_inline("script-src-attr"):
        out.append(("headers/csp-unsafe-inline", _inline_reason(csp, "script"), header))
    if csp.allows_inline("style-src-elem") or csp.allows_inline("style-src-attr"):
        out.append(("headers/csp-unsafe-inline-style", _inline_reason(csp, "style"), header))
    if csp.allows_eval():
        where = _governing(csp, "script-src")
        out.append(("headers/csp-unsafe-eval", f"eval() and new Function() are allowed ({where})", header))
    wide = csp.wide_script_sources()
    if wide:
        out.append(("headers/csp-wide-source", f"script-src admits {', '.join(wide)}, so scripts load from any such "
                    "host; inline-blocking is easy to bypass", header))
    return out


def _governing(csp: Any, directive: str) -> str:
    names = {p.effective(directive)[0] if p.effective(directive) else None for p in csp.enforced}
    if names == {None}:
        return f"no {directive} or default-src restricts it"
    return "through " + ", ".join(sorted(n for n in names if n))


def _inline_reason(csp: Any, kind: str) -> str:
    # the sub-directive that lets inline code run: <script> elements first, then attributes
    directive = f"{kind}-src-elem" if csp.allows_inline(f"{kind}-src-elem") else f"{kind}-src-attr"
    where = _governing(csp, directive)
    if "no " in where:
        return f"inline {kind}s run: {_governing(csp, f'{kind}-src')}"
    return f"inline {kind}s run: 'unsafe-inline' without a nonce or hash ({where})"


def analyse_hsts(response: Response, options: dict[str, Any], authenticated: bool) -> list[tuple[str, str, str]]:
    hsts = parse_hsts(response.header_all("strict-transport-security"))
    header = "Strict-Transport-Security"
    if hsts is None:
        return []
    out = [("headers/hsts-invalid", f"Strict-Transport-Security: {p}", header) for p in hsts.problems]
    minimum = int(options.get("min_max_age", SIX_MONTHS))
    if hsts.max_age is not None and hsts.max_age < minimum:
        out.append(("headers/hsts-max-age-short", f"max-age={hsts.max_age} is below {minimum} seconds", header))
    return out


def analyse_referrer(response: Response, options: dict[str, Any], authenticated: bool) -> list[tuple[str, str, str]]:
    policy = parse_referrer_policy(response.header_all("referrer-policy"))
    header = "Referrer-Policy"
    if policy is None:
        return []
    if policy.effective is None:
        return [("headers/referrer-policy-invalid", f"no valid token in {', '.join(policy.tokens) or '(empty)'}; "
                 "browsers fall back to their default", header)]
    if policy.effective not in PRIVATE:
        return [("headers/referrer-policy-unsafe", f"the effective policy is {policy.effective} "
                 "(the last valid token wins), which sends the URL or origin to other sites", header)]
    return []


def analyse_framing(response: Response, options: dict[str, Any], authenticated: bool) -> list[tuple[str, str, str]]:
    csp = parse_csp(response.header_all("content-security-policy"))
    xfo = parse_xfo(response.header_all("x-frame-options"))
    out = []
    if xfo is not None and xfo.problem:
        out.append(("headers/x-frame-options-invalid", xfo.problem, "X-Frame-Options"))
    restricted = csp.frame_ancestors_restricted()
    if not restricted and (xfo is None or xfo.value is None):
        ancestors = [a for p in csp.enforced if (a := p.frame_ancestors()) is not None]
        why = f"frame-ancestors {' '.join(ancestors[0])} allows everyone" if ancestors else "no frame-ancestors"
        out.append(("headers/framing-missing", f"any site can frame this page: {why} and no valid X-Frame-Options",
                    "X-Frame-Options"))
    elif xfo is not None and xfo.value is not None:
        ancestors = [a for p in csp.enforced if (a := p.frame_ancestors()) is not None]
        for sources in ancestors:
            says_deny = sources in (["'none'"], [])  # an empty source list matches nothing: 'none'
            if (xfo.value == "deny") != says_deny or (not restricted):
                out.append(("headers/framing-conflict", f"X-Frame-Options {xfo.raw} but frame-ancestors "
                            f"{' '.join(sources) or '(empty)'}; browsers that know frame-ancestors follow it",
                            "X-Frame-Options"))
                break
    return out


def analyse_caching(response: Response, options: dict[str, Any], authenticated: bool) -> list[tuple[str, str, str]]:
    if not authenticated:
        return []
    cache = parse_cache_control(response.header_all("cache-control"))
    if cache is not None and cache.prevents_storage:
        return []
    shown = ", ".join(response.header_all("cache-control")) or "no Cache-Control"
    return [("headers/cache-control-authenticated", f"a response to an authenticated request may be stored ({shown}); "
             "it needs no-store", "Cache-Control")]


def analyse_isolation(response: Response, options: dict[str, Any], authenticated: bool) -> list[tuple[str, str, str]]:
    out = []
    for header, parse in (("Cross-Origin-Opener-Policy", parse_coop), ("Cross-Origin-Embedder-Policy", parse_coep),
                          ("Cross-Origin-Resource-Policy", parse_corp)):
        parsed = parse(response.header_all(header))
        if parsed is not None and parsed.problem:
            out.append(("headers/cross-origin-isolation-invalid", parsed.problem + " (browsers ignore it)", header))
    return out


def analyse_permissions(response: Response, options: dict[str, Any], authenticated: bool) -> list[tuple[str, str, str]]:
    policy = parse_permissions_policy(response.header_all("permissions-policy"))
    if policy is None:
        return []
    return [("headers/permissions-policy-invalid", f"Permissions-Policy: {p}", "Permissions-Policy")
            for p in policy.problems]


_ANALYSERS: dict[str, Analysis] = {
    "csp": analyse_csp, "hsts": analyse_hsts, "referrer": analyse_referrer, "framing": analyse_framing,
    "caching": analyse_caching, "isolation": analyse_isolation, "permissions": analyse_permissions,
}
ANALYSIS_RULE_IDS: dict[str, tuple[str, ...]] = {
    "csp": ("headers/csp-unsafe-inline", "headers/csp-unsafe-inline-style", "headers/csp-unsafe-eval",
            "headers/csp-wide-source", "headers/csp-invalid", "headers/csp-report-only"),
    "hsts": ("headers/hsts-invalid", "headers/hsts-max-age-short"),
    "referrer": ("headers/referrer-policy-unsafe", "headers/referrer-policy-invalid"),
    "framing": ("headers/framing-missing", "headers/x-frame-options-invalid", "headers/framing-conflict"),
    "caching": ("headers/cache-control-authenticated",),
    "isolation": ("headers/cross-origin-isolation-invalid",),
    "permissions": ("headers/permissions-policy-invalid",),
}


# --------------------------------------------------------------------------------------------
# the policy: rules + groups + analyses, for any response


@dataclass(frozen=True)
class PathGroup:
    paths: tuple[str, ...]
    methods: tuple[str, ...] = ()
    rules: dict[str, HeaderRule] = field(default_factory=dict)

    def matches(self, method: str, path: str) -> bool:
        if self.methods and method.upper() not in self.methods:
            return False
        return any(fnmatch.fnmatchcase(path, p) for p in self.paths)


@dataclass(frozen=True)
class HeaderPolicy:
    """The header section of a baseline, ready to judge responses."""

    rules: dict[str, HeaderRule] = field(default_factory=dict)  # lower-case header -> rule
    groups: tuple[PathGroup, ...] = ()
    analysis: dict[str, dict[str, Any]] = field(default_factory=dict)  # enabled analyses -> options

    @classmethod
    def from_section(cls, section: dict[str, Any] | None) -> HeaderPolicy:
        section = section or {}
        rules = {h.lower(): HeaderRule.from_dict(h, spec) for h, spec in (section.get("rules") or {}).items()}
        groups = tuple(
            PathGroup(paths=tuple(g.get("paths") or ()), methods=tuple(m.upper() for m in g.get("methods") or ()),
                      rules={h.lower(): HeaderRule.from_dict(h, spec) for h, spec in (g.get("rules") or {}).items()})
            for g in section.get("groups") or ()
        )
        analysis: dict[str, dict[str, Any]] = {}
        for name, setting in (section.get("analysis") or {}).items():
            if setting is True:
                analysis[name] = {}
            elif isinstance(setting, dict) and setting.get("enabled", True):
                analysis[name] = {k: v for k, v in setting.items() if k != "enabled"}
        return cls(rules, groups, analysis)

    def rules_for(self, method: str, path: str) -> list[HeaderRule]:
        """The rules that apply to ``method path``: the section's, overridden by matching groups in order."""
        merged = dict(self.rules)
        for group in self.groups:
            if group.matches(method, path):
                merged.update(group.rules)
        return [r for r in merged.values() if not r.ignore]

    def check_rule(self, rule: HeaderRule, response: Response, location: str) -> list[Finding]:
        if rule.header.lower() in DOCUMENT_HEADERS and not is_document(response):
            return []  # a stylesheet, script or image: the header would change nothing there
        values = response.header_all(rule.header)
        report_only = response.header_all("content-security-policy-report-only") \
            if rule.header.lower() == "content-security-policy" else None
        return [
            Finding(rule_id, message, location, evidence=_evidence(rule.header, values), severity=rule.severity,
                    request=response.request, key=rule.header.lower())
            for rule_id, message in evaluate(rule, values, report_only=report_only)
        ]

    def check_analysis(self, name: str, response: Response, location: str, authenticated: bool) -> list[Finding]:
        if name in DOCUMENT_ANALYSES and not is_document(response):
            return []  # CSP, framing and Permissions-Policy only act on documents
        options = self.analysis.get(name, {})
        severity = Severity.parse(options["severity"]) if options.get("severity") else None
        return [
            Finding(rule_id, message, location, evidence=_evidence(header, response.header_all(header)),
                    severity=severity, request=response.request, key=f"{name}:{header.lower()}")
            for rule_id, message, header in _ANALYSERS[name](response, options, authenticated)
        ]

    def audit(self, response: Response, *, authenticated: bool | None = None, location: str | None = None
              ) -> list[Finding]:
        """Every header finding for one response (all rules for its path, then every enabled analysis)."""
        location = location or f"{response.method} {response.path}"
        if authenticated is None:
            authenticated = is_authenticated(response)
        findings: list[Finding] = []
        for rule in self.rules_for(response.method, response.path):
            findings.extend(self.check_rule(rule, response, location))
        for name in self.analysis:
            findings.extend(self.check_analysis(name, response, location, authenticated))
        return findings


def is_authenticated(response: Response) -> bool:
    """Whether the request carried credentials (an Authorization header or a cookie)."""
    return any(k.lower() in ("authorization", "cookie") and v.strip() for k, v in response.request.headers.items())


def policy_of(baseline: Baseline) -> HeaderPolicy:
    return HeaderPolicy.from_section(baseline.section(AREA))


def collect(baseline: Baseline) -> list[Check]:
    section = baseline.section(AREA) or {}
    identity = section.get("identity", "anonymous")
    policy = HeaderPolicy.from_section(section)
    checks = []
    for spec in section.get("paths") or ["/"]:
        method, path = split_request(spec)
        for rule in policy.rules_for(method, path):
            checks.append(Check(
                area=AREA, name=f"{method} {path}::{rule.header}", rules=_rule_ids(rule.header),
                run=_rule_runner(policy, rule, method, path, identity), path=path,
            ))
        for name in policy.analysis:
            checks.append(Check(
                area=AREA, name=f"{method} {path}::{name}", rules=ANALYSIS_RULE_IDS[name],
                run=_analysis_runner(policy, name, method, path, identity), path=path,
            ))
    return checks


def _rule_runner(policy: HeaderPolicy, rule: HeaderRule, method: str, path: str, identity: str
                 ) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        return policy.check_rule(rule, session.fetch(method, path, identity), f"{method} {path}")

    return run


def _analysis_runner(policy: HeaderPolicy, name: str, method: str, path: str, identity: str
                     ) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        response = session.fetch(method, path, identity)
        # the identity decides: anonymous keeps cookies a page set, which are no credentials
        return policy.check_analysis(name, response, f"{method} {path}", identity != "anonymous")

    return run


def _evidence(header: str, values: list[str]) -> str:
    if header.lower() == "set-cookie":
        return "; ".join("Set-Cookie: " + mask_cookie(v) for v in values) or "(no Set-Cookie header)"
    return "; ".join(f"{header}: {v}" for v in values) if values else f"(no {header} header in the response)"


def mask_cookie(header: str) -> str:
    """A Set-Cookie value with the cookie's value masked (names and attributes stay readable)."""
    pair, sep, attrs = header.partition(";")
    name = pair.split("=", 1)[0].strip()
    return f"{name}=[REDACTED]" + (sep + attrs if sep else "")


area = SectionArea(AREA, RULES, collect)
