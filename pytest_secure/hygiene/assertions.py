"""Plain assertion functions for hand-written tests, no ``--secure`` needed::

    from pytest_secure import assert_secure_cookies, assert_secure_headers

    def test_login_page(client):
        response = client.get("/login")
        assert_secure_headers(response)            # the `recommended` preset's header policy
        assert_secure_cookies(client.post("/login", data=...))

``response`` may come from requests, httpx, Starlette's TestClient, the Flask/werkzeug test
client or Django's test client. The policy is, in this order: ``rules=``/``analysis=`` given
here, else the ``headers``/``cookies`` section of ``baseline=`` (a path or a loaded
:class:`~pytest_secure.core.baseline.Baseline`), else the ``preset=`` (``recommended``).
"""

from __future__ import annotations

import fnmatch
import functools
from pathlib import Path
from typing import Any

from ..core.findings import Finding, Severity
from ..core.public import hides_internals
from ..core.rules import RuleTable

__all__ = ["assert_secure_cookies", "assert_secure_headers", "audit_cookies", "audit_headers"]


def _section(area: str, baseline: Any, preset: str) -> dict[str, Any]:
    if baseline is not None:
        if isinstance(baseline, str | Path):
            from ..core.baseline import load_baseline

            baseline = load_baseline(baseline)
        return baseline.section(area) or {}
    from ..core.baseline.loader import load_preset

    return load_preset(preset).get(area) or {}


@hides_internals
def audit_headers(response: Any, baseline: Any = None, *, rules: dict[str, Any] | None = None,
                  analysis: dict[str, Any] | None = None, preset: str = "recommended",
                  authenticated: bool | None = None) -> list[Finding]:
    """The header findings for one response (no assertion)."""
    from ..core.adapters import to_response
    from .headers import HeaderPolicy

    section = dict(_section("headers", baseline, preset))
    if rules is not None or analysis is not None:
        section = {"rules": rules or {}, "analysis": analysis or {}}
    return HeaderPolicy.from_section(section).audit(to_response(response), authenticated=authenticated)


@hides_internals
def audit_cookies(response: Any, baseline: Any = None, *, rules: dict[str, Any] | None = None,
                  preset: str = "recommended") -> list[Finding]:
    """The cookie findings for one response, redirect hops included (no assertion)."""
    from ..core.adapters import to_response
    from .cookies import CookiePolicy

    section = {"rules": rules} if rules is not None else _section("cookies", baseline, preset)
    return CookiePolicy.from_section(section).audit(to_response(response))


@hides_internals
def assert_secure_headers(response: Any, baseline: Any = None, *, rules: dict[str, Any] | None = None,
                          analysis: dict[str, Any] | None = None, preset: str = "recommended",
                          authenticated: bool | None = None, ignore: tuple[str, ...] | list[str] = (),
                          fail_on: str = "info") -> list[Finding]:
    """Fail (AssertionError listing every problem) unless the response meets the header policy.

    ``ignore`` holds rule-id patterns to leave out (``headers/hsts-*``); findings below
    ``fail_on`` are returned but do not fail. Returns the findings.
    """
    __tracebackhide__ = True
    findings = audit_headers(response, baseline, rules=rules, analysis=analysis, preset=preset,
                             authenticated=authenticated)
    return _assert(findings, ignore, fail_on, "headers", _secrets(baseline))


@hides_internals
def assert_secure_cookies(response: Any, baseline: Any = None, *, rules: dict[str, Any] | None = None,
                          preset: str = "recommended", ignore: tuple[str, ...] | list[str] = (),
                          fail_on: str = "info") -> list[Finding]:
    """Fail unless every cookie the response sets meets the cookie policy. Returns the findings."""
    __tracebackhide__ = True
    return _assert(audit_cookies(response, baseline, rules=rules, preset=preset), ignore, fail_on, "cookies",
                   _secrets(baseline))


@functools.cache
def _rules() -> RuleTable:
    """The rules audit_headers/audit_cookies report."""
    from . import cookies, headers

    return RuleTable((*headers.RULES, *cookies.RULES))


def _secrets(baseline: Any) -> frozenset[str]:
    """The ``${VAR}`` values of a loaded baseline, so that the failure message masks them too."""
    if isinstance(baseline, str | Path):
        from ..core.baseline import load_baseline

        baseline = load_baseline(baseline)
    return frozenset(getattr(baseline, "secrets", None) or ())


def _assert(findings: list[Finding], ignore: tuple[str, ...] | list[str], fail_on: str, what: str,
            secrets: frozenset[str] = frozenset()) -> list[Finding]:
    __tracebackhide__ = True
    from ..core.gate import FAILING, Judged, default_severity, format_finding
    from ..core.redaction import Redactor

    rules = _rules()
    kept = [f for f in findings if not any(fnmatch.fnmatchcase(f.rule_id, p) for p in ignore)]
    threshold = Severity.parse(fail_on)
    judged = [Judged(f, default_severity(f, rules), FAILING) for f in kept]
    failing = [j for j in judged if j.severity >= threshold]
    if failing:
        redactor = Redactor(secrets)
        text = "\n\n".join(format_finding(j, rules, redactor) for j in failing)
        raise AssertionError(f"{len(failing)} {what} problem(s):\n{text}")
    return kept
