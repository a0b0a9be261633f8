"""Passive mode: audit every response the user's own tests receive.

:func:`audit_response` is the stable entry point that applies the baseline's response
hygiene policy (headers, cookies, leaks in headers and body) to ONE
:class:`~pytest_secure.target.Response`; the DAST engine and the passive plugin both call
it. With ``passive: true`` in the baseline and ``--secure``, :class:`PassivePlugin` wraps
the HTTP clients tests use (requests, httpx and so Starlette's TestClient, the
Flask/werkzeug test client, Django's test client) and reports each problem once per rule and
path, as a failure of the first test that received it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .findings import Finding

if TYPE_CHECKING:
    from .baseline.model import Baseline
    from .target import Response


def audit_response(response: Response, baseline: Baseline) -> list[Finding]:
    """Every header, cookie and leak finding the baseline's policy implies for one response.

    Only the sections the baseline has are applied. No request is sent; the response is
    judged as it is (its redirect ``history`` counts for cookies).
    """
    from .checks import cookies, headers, leaks

    findings: list[Finding] = []
    if baseline.section(headers.AREA) is not None:
        findings.extend(headers.policy_of(baseline).audit(response))
    if baseline.section(cookies.AREA) is not None:
        findings.extend(cookies.policy_of(baseline).audit(response))
    if baseline.section(leaks.AREA) is not None:
        findings.extend(leaks.policy_of(baseline).audit(response))
    return findings
