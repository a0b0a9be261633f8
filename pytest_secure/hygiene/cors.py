"""CORS: which origins the service lets read its responses.

For each path the check sends a few requests that differ only in their ``Origin`` header
(none at all, an unrelated origin, ``null``, look-alikes of each allowed origin) and a
preflight, and reads ``Access-Control-Allow-*`` from the answers. ``*`` together with
credentials is a finding whatever request showed it; :class:`CorsPolicy` applies that passive
half to any one response (passive mode, the DAST engine). The Origin values name hosts under the
reserved ``.invalid`` domain; nothing is ever sent to them, they are only header text.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.area import Check, SectionArea, page_requests
from ..core.errors import SetupError, TargetError
from ..core.findings import Finding, Severity
from ..core.rules import Rule, rules_from

if TYPE_CHECKING:
    from ..core.baseline.model import Baseline
    from ..core.session import SecureSession
    from ..core.target import Response

AREA = "cors"
PROBE_ORIGIN = "https://attacker.pytest-secure.invalid"

_RULES = [
    ("cors/origin-reflected", "Any Origin is echoed in Access-Control-Allow-Origin", "medium", 942,
     "Compare Origin against an allow-list of exact origins; never echo it back."),
    ("cors/origin-reflected-credentials", "Any Origin may read responses with the user's cookies", "high", 942,
     "Echo only allow-listed origins when Access-Control-Allow-Credentials is true."),
    ("cors/null-origin", "Origin: null is allowed", "medium", 942,
     "Never allow the null origin (sandboxed iframes and file: pages send it)."),
    ("cors/wildcard-credentials", "Access-Control-Allow-Origin * together with credentials", "medium", 942,
     "Drop Access-Control-Allow-Credentials or replace * with allow-listed origins."),
    ("cors/origin-validation-bypass", "A look-alike of an allowed origin is accepted", "high", 942,
     "Match origins exactly (scheme, host and port), not by prefix, suffix or substring."),
    ("cors/untrusted-origin", "An origin outside cors.allowed_origins is allowed", "medium", 942,
     "Allow only the origins listed in cors.allowed_origins."),
    ("cors/preflight-permissive", "Preflight allows an unrelated origin to send unsafe methods", "medium", 942,
     "Answer preflights only for allow-listed origins, with the methods and headers they need."),
]
RULES: tuple[Rule, ...] = rules_from(_RULES)
RULE_IDS = tuple(r.id for r in RULES)


def _allow(response: Response) -> tuple[str | None, bool]:
    origin = response.header("access-control-allow-origin")
    credentials = (response.header("access-control-allow-credentials") or "").strip().lower() == "true"
    return (origin.strip() if origin else None), credentials


Problem = tuple[str, str, "Severity | None"]


def judge_origin_response(sent: str, response: Response, allowed: tuple[str, ...], kind: str) -> list[Problem]:
    """Problems in the answer to one request sent with ``Origin: sent``; ``kind`` says what ``sent`` is."""
    origin, credentials = _allow(response)
    if origin is None:
        return []
    with_creds = " with Access-Control-Allow-Credentials: true" if credentials else ""
    out: list[Problem] = []
    if origin == "*":
        if credentials:
            out.append(("cors/wildcard-credentials", "Access-Control-Allow-Origin: * with credentials "
                        "(browsers refuse it, so the configuration is wrong either way)", None))
        return out
    if origin.lower() != sent.lower():
        if allowed and kind == "unrelated" and origin.lower() not in {a.lower() for a in allowed}:
            message = f"Access-Control-Allow-Origin: {origin} is not in cors.allowed_origins"
            out.append(("cors/untrusted-origin", message, None))
        return out
    if kind == "null":
        out.append(("cors/null-origin", f"Origin: null is allowed{with_creds}", Severity.HIGH if credentials else None))
    elif kind == "look-alike":
        out.append(("cors/origin-validation-bypass", f"the look-alike origin {sent} is allowed{with_creds}", None))
    elif credentials:
        out.append(("cors/origin-reflected-credentials", f"the unrelated origin {sent} is echoed{with_creds}", None))
    else:
        out.append(("cors/origin-reflected", f"the unrelated origin {sent} is echoed", None))
    return out


def judge_any_response(response: Response, allowed: tuple[str, ...]) -> list[Problem]:
    """Problems an answer shows whatever the request carried (no Origin, or one we did not choose):
    ``*`` with credentials, ``null`` allowed, or a fixed origin outside ``cors.allowed_origins``."""
    origin, credentials = _allow(response)
    if origin is None:
        return []
    with_creds = " with Access-Control-Allow-Credentials: true" if credentials else ""
    if origin == "*":
        return [("cors/wildcard-credentials", "Access-Control-Allow-Origin: * with credentials (browsers refuse "
                 "it, so the configuration is wrong either way)", None)] if credentials else []
    if origin.lower() == "null":
        return [("cors/null-origin", f"Access-Control-Allow-Origin: null{with_creds}",
                 Severity.HIGH if credentials else None)]
    if allowed and origin.lower() not in {a.lower() for a in allowed}:
        return [("cors/untrusted-origin", f"Access-Control-Allow-Origin: {origin} is not in cors.allowed_origins",
                 None)]
    return []


@dataclass(frozen=True)
class CorsPolicy:
    """The passive half of the CORS policy: what one response shows, whatever asked for it (the
    passive audit and the DAST engine apply it; the ``cors`` items also send hostile Origins)."""

    allowed: tuple[str, ...] = ()

    def audit(self, response: Response, *, location: str | None = None) -> list[Finding]:
        location = location or f"{response.method} {response.path}"
        sent = _sent_origin(response)
        return [Finding(rule_id, message, location, evidence=_evidence(sent, response), severity=severity,
                        request=response.request, key=rule_id)
                for rule_id, message, severity in judge_any_response(response, self.allowed)]


def policy_of(baseline: Baseline) -> CorsPolicy:
    return CorsPolicy(tuple((baseline.section(AREA) or {}).get("allowed_origins") or ()))


def _sent_origin(response: Response) -> str | None:
    for name, value in (response.request.headers or {}).items():
        if name.lower() == "origin":
            return value
    return None


def look_alikes(origin: str) -> list[str]:
    """Origins that naive prefix/suffix/substring checks mistake for ``origin``."""
    parts = urllib.parse.urlsplit(origin)
    host = parts.hostname or ""
    if not host:
        return []
    scheme = parts.scheme or "https"
    return [f"{scheme}://{host}.pytest-secure.invalid", f"{scheme}://not{host}", f"{scheme}://{host}-pytest-secure.invalid"]


def audit_path(send: Callable[[str, str, dict[str, str]], Response], method: str, path: str,
               allowed: tuple[str, ...], preflight: bool) -> list[Finding]:
    """All CORS probes for one path; ``send(method, path, headers)`` performs a request."""
    location = f"{method} {path}"
    findings: list[Finding] = []
    seen: set[str] = set()

    def add(rule_id: str, message: str, severity: Severity | None, sent: str | None, response: Response) -> None:
        # * with credentials is one problem however many probes show it
        key = rule_id if rule_id == "cors/wildcard-credentials" else f"{rule_id}:{sent or '(no Origin)'}"
        if key not in seen:
            seen.add(key)
            findings.append(Finding(rule_id, message, location, evidence=_evidence(sent, response),
                                    severity=severity, request=response.request, key=key))

    # without an Origin first: some servers fall back to * (with credentials) when none is sent
    response = send(method, path, {})
    for rule_id, message, severity in judge_any_response(response, allowed):
        add(rule_id, f"{message} (no Origin sent)", severity, None, response)
    probes = [(PROBE_ORIGIN, "unrelated"), ("null", "null")]
    for origin in allowed:
        probes += [(o, "look-alike") for o in look_alikes(origin)]
    for sent, kind in probes:
        response = send(method, path, {"Origin": sent})
        for rule_id, message, severity in judge_origin_response(sent, response, allowed, kind):
            add(rule_id, message, severity, sent, response)
    if preflight:
        response = send("OPTIONS", path, {"Origin": PROBE_ORIGIN, "Access-Control-Request-Method": "PUT",
                                          "Access-Control-Request-Headers": "x-pytest-secure"})
        answered, _ = _allow(response)
        methods = {m.strip().upper() for m in (response.header("access-control-allow-methods") or "").split(",")}
        if answered in (PROBE_ORIGIN, "*") and ({"PUT", "*"} & methods):
            allowed_methods = response.header("access-control-allow-methods")
            findings.append(Finding("cors/preflight-permissive", f"a preflight from {PROBE_ORIGIN} may send PUT "
                                    f"(Access-Control-Allow-Methods: {allowed_methods})",
                                    f"OPTIONS {path}", evidence=_evidence(PROBE_ORIGIN, response),
                                    request=response.request, key="preflight"))
    return findings


def _evidence(sent: str | None, response: Response) -> str:
    asked = f"Origin: {sent}" if sent is not None else "no Origin"
    shown = [f"{asked} -> HTTP {response.status}"]
    shown += [f"{k}: {v}" for k, v in response.headers if k.lower().startswith("access-control-")]
    return "; ".join(shown)


def collect(baseline: Baseline) -> list[Check]:
    section: dict[str, Any] = baseline.section(AREA) or {}
    identity = section.get("identity", "anonymous")
    allowed = tuple(section.get("allowed_origins") or ())
    preflight = section.get("preflight", True)
    return [Check(area=AREA, name=f"{m} {p}", rules=RULE_IDS, run=_runner(m, p, identity, allowed, preflight), path=p)
            for m, p in page_requests(baseline, section)]


def _runner(method: str, path: str, identity: str, allowed: tuple[str, ...], preflight: bool
            ) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        who = session.identity(identity)

        def send(m: str, p: str, headers: dict[str, str]) -> Response:
            try:
                return who.request(m, p, headers=headers, follow_redirects=False)
            except TargetError as exc:
                raise SetupError(f"CORS probe {m} {p} failed: {exc}") from None

        return audit_path(send, method, path, allowed, preflight)

    return run


area = SectionArea(AREA, RULES, collect)
