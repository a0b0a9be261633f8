"""The built-in engine's passive checks: one response in, findings out.

The response-hygiene policy (the baseline's ``headers``, ``cookies``, ``leaks`` and ``cors``
sections: a 5xx is ``leaks/server-error``, ``*`` with credentials is
``cors/wildcard-credentials``) is the hygiene area's ``audit_response``, handed to the DAST area by
:mod:`pytest_secure.areas` (areas do not import each other), so a page the crawler reached is
judged exactly as the headers area judges its listed paths: same rule ids, same severities,
same waivers; rules that act on pages only (CSP, framing, Permissions-Policy...) skip the
stylesheets, scripts and images a crawl reaches (``headers.is_document``). Findings are merged
per rule and URL pattern when the scan's groups are built (``result.merge_by_pattern``).
A baseline without those sections gives the crawler nothing to check;
``extends: recommended`` brings the seed policy.
"""

from __future__ import annotations

from ..core.baseline.model import Baseline

POLICY_SECTIONS = ("headers", "cookies", "leaks", "cors")


def has_policy(baseline: Baseline) -> bool:
    """Whether the baseline has any section the response audit applies."""
    return any(baseline.section(area) is not None for area in POLICY_SECTIONS)
