"""The Observatory-style grade of a page as one item, failing below ``grade.min``.

``--secure-min-grade`` sets (or overrides) ``grade.min``; the scoring itself lives in
:mod:`pytest_secure.hygiene.observatory`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..core.area import Check, SectionArea
from ..core.findings import Finding, Severity
from ..core.rules import Rule

if TYPE_CHECKING:
    from ..core.baseline.model import Baseline
    from ..core.session import SecureSession

AREA = "grade"

RULES: tuple[Rule, ...] = (
    Rule("grade/below-minimum", "Observatory-style grade below the minimum", Severity.HIGH, 693,
         "Fix the tests with negative modifiers in the evidence (each names the Observatory result).",
         "The page's HTTP Observatory score, computed offline, is below grade.min / --secure-min-grade."),
)


def collect(baseline: Baseline) -> list[Check]:
    from ..core.area import split_request

    section = baseline.section(AREA) or {}
    if not section.get("min"):
        return []
    method, path = split_request(section.get("path", "/"))
    return [Check(AREA, f"{method} {path}", ("grade/below-minimum",), _runner(method, path, section["min"]), path)]


def _runner(method: str, path: str, minimum: str) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        from ..core.errors import SetupError, TargetError
        from .cors import PROBE_ORIGIN
        from .observatory import NotGradable, grade_response, meets

        response = session.fetch(method, path)
        try:  # the CORS preflight the Observatory sends, from an unrelated site, for the CORS test
            probe = session.identity("anonymous").request(
                "OPTIONS", response.url, headers={"Origin": PROBE_ORIGIN, "Access-Control-Request-Method": "GET"},
                follow_redirects=False)
        except TargetError as exc:
            raise SetupError(f"grading {method} {path}: {exc}") from None
        try:
            grade = grade_response(response, probe)
        except NotGradable as exc:
            raise SetupError(f"grading {method} {path}: {exc}; set grade.path to a page that answers") from None
        if meets(grade.grade, minimum):
            return []
        return [Finding("grade/below-minimum", f"grade {grade.grade} (score {grade.score}) is below the minimum "
                        f"{minimum}", f"{method} {path}", evidence=grade.summary(), request=response.request,
                        key="grade")]

    return run


area = SectionArea(AREA, RULES, collect)
