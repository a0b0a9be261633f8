"""Response header policy with drHEADer's rule keys: one check per (request, header).

Rule ids are ``headers/<header>-missing`` (a required header is absent),
``headers/<header>-present`` (a forbidden header is sent) and ``headers/<header>-value``
(the value breaks a value rule), where ``<header>`` is a short name for well-known headers
and ``other`` for the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..findings import Finding, Severity, register_rule
from . import Check

if TYPE_CHECKING:
    from ..baseline.model import Baseline
    from ..session import SecureSession

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
}
_OTHER = ("other", "Header", "medium", "medium", 693, "Change the header to meet the baseline's rule.")


def _rule_ids(header: str) -> tuple[str, str, str]:
    slug = _KNOWN.get(header.lower(), _OTHER)[0]
    return f"headers/{slug}-missing", f"headers/{slug}-present", f"headers/{slug}-value"


def _register() -> None:
    for slug, title, sev_missing, sev_value, cwe, fix in (*_KNOWN.values(), _OTHER):
        register_rule(f"headers/{slug}-missing", f"{title} header missing", sev_missing, cwe, fix,
                      f"A response lacks the {title} header that the baseline requires.")
        register_rule(f"headers/{slug}-present", f"{title} header present", "low" if slug != "other" else "medium",
                      200 if slug != "other" else cwe, f"Stop sending the {title} header.",
                      f"A response carries the {title} header that the baseline forbids.")
        register_rule(f"headers/{slug}-value", f"{title} header has an unsafe value", sev_value, cwe, fix,
                      f"The {title} value breaks a value rule of the baseline.")


_register()


@dataclass(frozen=True)
class HeaderRule:
    header: str
    required: bool | str = True
    value: str | None = None
    value_one_of: tuple[str, ...] = ()
    value_any_of: tuple[str, ...] = ()
    must_avoid: tuple[str, ...] = ()
    must_contain: tuple[str, ...] = ()
    must_contain_one: tuple[str, ...] = ()
    severity: Severity | None = None

    @classmethod
    def from_dict(cls, header: str, spec: dict[str, Any]) -> HeaderRule:
        return cls(
            header=header,
            required=spec.get("required", True),
            value=spec.get("value"),
            value_one_of=tuple(spec.get("value-one-of", ())),
            value_any_of=tuple(spec.get("value-any-of", ())),
            must_avoid=tuple(spec.get("must-avoid", ())),
            must_contain=tuple(spec.get("must-contain", ())),
            must_contain_one=tuple(spec.get("must-contain-one", ())),
            severity=Severity.parse(spec["severity"]) if "severity" in spec else None,
        )


def evaluate(rule: HeaderRule, values: list[str]) -> list[tuple[str, str]]:
    """Judge the header's values against the rule: (rule id, message) per problem."""
    missing, present, bad = _rule_ids(rule.header)
    name = rule.header
    if not values:
        return [(missing, f"{name} is missing")] if rule.required is True else []
    if rule.required is False:
        return [(present, f"{name} must not be sent")]
    value = ", ".join(v.strip() for v in values)
    low = value.lower()
    items = [i.strip().lower() for i in re.split(r"[,;]", value) if i.strip()]
    problems = []
    if rule.value is not None and _norm(value) != _norm(rule.value):
        problems.append((bad, f"{name} is {value!r}, expected {rule.value!r}"))
    if rule.value_one_of and _norm(value) not in {_norm(v) for v in rule.value_one_of}:
        problems.append((bad, f"{name} is {value!r}, expected one of {', '.join(rule.value_one_of)}"))
    if rule.value_any_of:
        allowed = {v.lower() for v in rule.value_any_of}
        extra = [i for i in items if i not in allowed]
        if extra:
            problems.append((bad, f"{name} contains {', '.join(extra)}; allowed: {', '.join(rule.value_any_of)}"))
    for avoid in rule.must_avoid:
        if avoid.lower() in low:
            problems.append((bad, f"{name} contains {avoid}, which the baseline forbids"))
    for needed in rule.must_contain:
        if needed.lower() not in low:
            problems.append((bad, f"{name} lacks {needed}"))
    if rule.must_contain_one and not any(n.lower() in low for n in rule.must_contain_one):
        problems.append((bad, f"{name} contains none of {', '.join(rule.must_contain_one)}"))
    return problems


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def split_request(spec: str) -> tuple[str, str]:
    """``"GET /login"`` or ``"/login"`` -> (method, path)."""
    method, sep, path = spec.partition(" ")
    return (method.upper(), path) if sep else ("GET", spec)


def collect(baseline: Baseline) -> list[Check]:
    section = baseline.section(AREA) or {}
    identity = section.get("identity", "anonymous")
    rules = [HeaderRule.from_dict(h, spec or {}) for h, spec in (section.get("rules") or {}).items()]
    checks = []
    for spec in section.get("paths") or ["/"]:
        method, path = split_request(spec)
        for rule in rules:
            checks.append(Check(
                area=AREA, name=f"{method} {path}::{rule.header}", rules=_rule_ids(rule.header),
                run=_runner(rule, method, path, identity), path=path,
            ))
    return checks


def _runner(rule: HeaderRule, method: str, path: str, identity: str):  # type: ignore[no-untyped-def]
    def run(session: SecureSession) -> list[Finding]:
        response = session.fetch(method, path, identity)
        return [
            Finding(rule_id, message, f"{method} {path}", evidence=_evidence(rule.header, response.header_all(rule.header)),
                    severity=rule.severity, request=response.request, key=rule.header.lower())
            for rule_id, message in evaluate(rule, response.header_all(rule.header))
        ]

    return run


def _evidence(header: str, values: list[str]) -> str:
    return "; ".join(f"{header}: {v}" for v in values) if values else f"(no {header} header in the response)"
