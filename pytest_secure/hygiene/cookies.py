"""Cookie policy: Secure, HttpOnly, SameSite, prefixes, lifetime and Domain scope.

Rules are keyed by cookie-name patterns (fnmatch, case-insensitive); a cookie gets every
matching rule merged, the most general pattern first and exact names last, so
``"*": {secure: true}`` then ``csrftoken: {httponly: false}`` reads naturally. Every
``Set-Cookie`` a checked response carries counts, redirect hops included, and so do the
cookies that the identities' login requests set (``logins: true``, the default): each is a
fresh login through the identity's whole flow (CSRF token, Referer, hook), as a second browser.

Some problems are checked whatever the rules say, because browsers act on them: a
``SameSite=None`` cookie without Secure is rejected, and so is a ``__Host-``/``__Secure-``
cookie that breaks its prefix's conditions.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.area import Check, SectionArea, page_audit, page_requests
from ..core.durations import parse_duration
from ..core.errors import SetupError
from ..core.findings import Finding, Severity
from ..core.rules import Rule, rules_from
from .parsers.set_cookie import SetCookie, parse_set_cookie

if TYPE_CHECKING:
    from ..core.baseline.model import Baseline
    from ..core.session import SecureSession
    from ..core.target import Response

AREA = "cookies"

_RULES = [
    ("cookies/missing-secure", "Cookie without the Secure attribute", "medium", 614,
     "Set the Secure attribute so the cookie is never sent over plain HTTP."),
    ("cookies/missing-httponly", "Cookie readable by JavaScript (no HttpOnly)", "medium", 1004,
     "Set the HttpOnly attribute so scripts (and XSS) cannot read the cookie."),
    ("cookies/samesite-missing", "Cookie without a SameSite attribute", "low", 1275,
     "Set SameSite=Lax (or Strict) explicitly; browsers differ in their default."),
    ("cookies/samesite-not-allowed", "Cookie SameSite value not allowed by the baseline", "medium", 1275,
     "Set SameSite to one of the values the baseline allows (Lax or Strict)."),
    ("cookies/samesite-invalid", "Cookie SameSite value is invalid", "low", 1275,
     "Use SameSite=Strict, Lax or None; other values are treated as Lax by some browsers and ignored by others."),
    ("cookies/samesite-none-insecure", "SameSite=None cookie without Secure", "high", 1275,
     "Add Secure to SameSite=None cookies; browsers reject them otherwise (and they travel cross-site)."),
    ("cookies/prefix-violated", "__Host-/__Secure- cookie breaks its prefix rules", "high", 784,
     "__Secure- needs Secure; __Host- needs Secure, Path=/ and no Domain. Browsers reject the cookie otherwise."),
    ("cookies/prefix-missing", "Cookie lacks the name prefix the baseline requires", "low", 784,
     "Rename the cookie with the __Host- prefix (or __Secure-) so browsers enforce its scope."),
    ("cookies/lifetime-too-long", "Cookie lives longer than the baseline allows", "medium", 613,
     "Shorten Max-Age/Expires (sessions: at most 12 hours), or make it a session cookie."),
    ("cookies/domain-too-broad", "Cookie is shared with every subdomain (Domain attribute)", "medium", 668,
     "Drop the Domain attribute so the cookie stays on this host (or use the __Host- prefix)."),
    ("cookies/required-missing", "Cookie the baseline requires is not set", "low", 693,
     "Set the cookie the baseline names, or drop the requirement."),
    ("cookies/forbidden", "Cookie the baseline forbids is set", "medium", 693,
     "Stop setting this cookie."),
    ("cookies/invalid", "Set-Cookie header is malformed", "low", 693,
     "Send Set-Cookie as name=value; attributes."),
]
RULES: tuple[Rule, ...] = rules_from(_RULES)
RULE_IDS = tuple(r.id for r in RULES)


@dataclass(frozen=True)
class CookieRule:
    """The merged rule for one cookie name; None means "not constrained"."""

    secure: bool | None = None
    httponly: bool | None = None
    samesite: tuple[str, ...] | None = None
    max_age: float | None = None  # seconds
    prefix: str | None = None
    host_only: bool | None = None
    required: bool | str | None = None
    severity: Severity | None = None

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> CookieRule:
        samesite = spec.get("samesite")
        if isinstance(samesite, str):
            samesite = [samesite]
        max_age = spec.get("max-age")
        domain = spec.get("domain")
        return cls(
            secure=spec.get("secure"),
            httponly=spec.get("httponly"),
            samesite=tuple(s.capitalize() for s in samesite) if samesite is not None else None,
            max_age=parse_duration(str(max_age).replace("<=", "").strip()) if max_age is not None else None,
            prefix=spec.get("prefix"),
            host_only=None if domain is None else domain == "host-only",
            required=spec.get("required"),
            severity=Severity.parse(spec["severity"]) if spec.get("severity") else None,
        )

    def over(self, base: CookieRule) -> CookieRule:
        """This rule's settings on top of ``base``'s."""
        return CookieRule(**{k: (v if v is not None else getattr(base, k)) for k, v in vars(self).items()})


def _specificity(pattern: str) -> tuple[int, int]:
    wild = any(c in pattern for c in "*?[")
    return (0 if wild else 1, len(pattern.replace("*", "")))


@dataclass(frozen=True)
class CookiePolicy:
    rules: tuple[tuple[str, CookieRule], ...] = ()  # (pattern, rule), most general first

    @classmethod
    def from_section(cls, section: dict[str, Any] | None) -> CookiePolicy:
        rules = [(p, CookieRule.from_dict(spec or {})) for p, spec in ((section or {}).get("rules") or {}).items()]
        return cls(tuple(sorted(rules, key=lambda r: _specificity(r[0]))))

    def rule_for(self, name: str) -> CookieRule:
        merged = CookieRule()
        for pattern, rule in self.rules:
            if fnmatch.fnmatchcase(name.lower(), pattern.lower()):
                merged = rule.over(merged)
        return merged

    def judge(self, cookie: SetCookie) -> list[tuple[str, str]]:
        """(rule id, message) for each problem of one Set-Cookie."""
        if cookie.problems and not cookie.name:
            return [("cookies/invalid", f"Set-Cookie: {'; '.join(cookie.problems)}")]
        rule = self.rule_for(cookie.name)
        name = cookie.name
        out: list[tuple[str, str]] = []
        if rule.required is False:
            out.append(("cookies/forbidden", f"cookie {name} must not be set"))
        if cookie.deletes:
            return out  # a cookie being deleted (logout) carries nothing worth protecting
        out += [("cookies/prefix-violated", p) for p in cookie.prefix_problems()]
        samesite = cookie.samesite
        if samesite == "None" and not cookie.secure:
            out.append(("cookies/samesite-none-insecure", f"cookie {name} has SameSite=None without Secure"))
        if rule.secure and not cookie.secure and not any(r == "cookies/prefix-violated" for r, _ in out):
            out.append(("cookies/missing-secure", f"cookie {name} lacks the Secure attribute"))
        if rule.httponly and not cookie.httponly:
            out.append(("cookies/missing-httponly", f"cookie {name} lacks the HttpOnly attribute"))
        if rule.samesite is not None:
            if samesite is None:
                out.append(("cookies/samesite-missing", f"cookie {name} has no SameSite attribute "
                            f"(expected {' or '.join(rule.samesite)})"))
            elif samesite not in ("Strict", "Lax", "None"):
                out.append(("cookies/samesite-invalid", f"cookie {name} has SameSite={samesite}"))
            elif samesite not in rule.samesite:
                out.append(("cookies/samesite-not-allowed", f"cookie {name} has SameSite={samesite}, "
                            f"expected {' or '.join(rule.samesite)}"))
        if rule.max_age is not None:
            lifetime = cookie.lifetime_seconds()
            if lifetime is not None and lifetime > rule.max_age + 60:  # a minute of slack for Expires clocks
                out.append(("cookies/lifetime-too-long", f"cookie {name} lives {_human(lifetime)}, "
                            f"more than {_human(rule.max_age)}"))
        if rule.prefix and not name.lower().startswith(rule.prefix.lower()):
            out.append(("cookies/prefix-missing", f"cookie {name} lacks the {rule.prefix} prefix"))
        if rule.host_only and cookie.domain is not None:
            out.append(("cookies/domain-too-broad", f"cookie {name} has Domain={cookie.domain}, "
                        "so every subdomain receives it"))
        return out

    def audit(self, response: Response, *, location: str | None = None) -> list[Finding]:
        """Findings for every cookie the response (and its redirect hops) set."""
        location = location or f"{response.method} {response.path}"
        findings: list[Finding] = []
        seen: set[str] = set()
        for _url, header in response.all_set_cookies():
            cookie = parse_set_cookie(header)
            seen.add(cookie.name)
            severity = self.rule_for(cookie.name).severity
            for rule_id, message in self.judge(cookie):
                findings.append(Finding(rule_id, message, location, evidence="Set-Cookie: " + _masked(cookie),
                                        severity=severity, request=response.request, key=cookie.name))
        for pattern, rule in self.rules:
            if rule.required is True and not any(c in pattern for c in "*?[") and pattern not in seen:
                findings.append(Finding("cookies/required-missing", f"cookie {pattern} is not set", location,
                                        evidence="cookies set: " + (", ".join(sorted(seen)) or "none"),
                                        severity=rule.severity, request=response.request, key=pattern))
        return findings


def _masked(cookie: SetCookie) -> str:
    _, sep, attrs = cookie.raw.partition(";")
    return f"{cookie.name}=[REDACTED]" + (sep + attrs if sep else "")


def _human(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds:.0f} s"


def policy_of(baseline: Baseline) -> CookiePolicy:
    return CookiePolicy.from_section(baseline.section(AREA))


def collect(baseline: Baseline) -> list[Check]:
    section = baseline.section(AREA) or {}
    policy = CookiePolicy.from_section(section)
    identity = section.get("identity", "anonymous")
    checks = []
    for method, path in page_requests(baseline, section):
        checks.append(Check(area=AREA, name=f"{method} {path}", rules=RULE_IDS,
                            run=page_audit(policy.audit, method, path, identity), path=path))
    if section.get("logins", True):
        for name, config in baseline.identities.items():
            if config.login is not None:
                checks.append(Check(area=AREA, name=f"login:{name}", rules=RULE_IDS,
                                    run=_login_runner(policy, name), path=config.login.path))
    return checks


def _login_runner(policy: CookiePolicy, name: str) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        login = session.baseline.identities[name].login
        assert login is not None
        # a fresh copy of the identity (an empty jar, a second browser) runs its whole login
        # flow: the CSRF token and Referer its login adds, the hook, the expected status; the
        # cookies its login answer sets are seen as a browser sees them
        fresh = session.identity(name).fresh()
        fresh.ensure_logged_in()  # a failure is a setup error that names the identity and its cause
        response = fresh.login_response
        if response is None:
            raise SetupError(f"identity {name!r} logged in without a login request, so there is no login "
                             "answer whose cookies could be checked")
        return policy.audit(response, location=f"{login.method} {login.path}")

    return run


area = SectionArea(AREA, RULES, collect)
