"""The DAST items of one scan: ``dast[scan]`` and one check per rule group."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.area import Check
from ..core.errors import SetupError
from ..core.findings import Finding
from .result import ScanResult

if TYPE_CHECKING:
    from ..core.session import SecureSession

AREA = "dast"
SCAN_ITEM = f"{AREA}[scan]"


def checks_from_result(result: ScanResult) -> list[Check]:
    """``dast[scan]`` and one check per rule group of the scan."""
    checks = [Check(area=AREA, name="scan", rules=(), run=_scan_runner(result), defines=tuple(result.rules))]
    for group in result.groups:
        checks.append(Check(
            area=AREA, name=group.label, rules=(group.rule_id,), run=_group_runner(group.findings),
            # a rule that found nothing on an incomplete scan proves nothing: it errors with the scan
            depends_on=() if group.findings else (SCAN_ITEM,),
        ))
    return checks


def _scan_runner(result: ScanResult):  # type: ignore[no-untyped-def]
    def run(session: SecureSession) -> list[Finding]:
        if result.incomplete:
            raise SetupError(
                f"the {result.engine} scan of {result.target} is incomplete, so its results are partial: "
                + "; ".join(result.incomplete)
                + ". The findings it did make are reported by the other dast items; rules that found nothing "
                "are not reported as passed")
        return []

    return run


def _group_runner(findings: list[Finding]):  # type: ignore[no-untyped-def]
    def run(session: SecureSession) -> list[Finding]:
        return list(findings)

    return run
