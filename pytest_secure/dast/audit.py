"""The built-in engine's passive checks: one response in, findings out.

The response-hygiene policy (the baseline's ``headers``, ``cookies`` and ``leaks``
sections) is applied by :func:`pytest_secure.passive.audit_response`, so a page the crawler
reached is judged exactly as the headers area judges its listed paths: same rule ids, same
severities, same waivers. A baseline without those sections gives the crawler nothing to
check; ``extends: recommended`` brings the seed policy.
"""

from __future__ import annotations

from collections.abc import Callable

from ..baseline.model import Baseline
from ..findings import Finding
from ..passive import audit_response
from ..target import Response

Audit = Callable[[Response], list[Finding]]


def auditor(baseline: Baseline) -> Audit:
    def audit(response: Response) -> list[Finding]:
        return audit_response(response, baseline)

    return audit


def has_policy(baseline: Baseline) -> bool:
    """Whether the baseline has any section :func:`audit_response` applies."""
    return any(baseline.section(area) is not None for area in ("headers", "cookies", "leaks"))
