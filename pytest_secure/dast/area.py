"""DAST: a ZAP scan, or the built-in crawler, as pytest items (run with ``--secure-dast``).

Unlike the other areas, the DAST items cannot be known before the scan: there is one item
per rule that raised something (``dast[zap-10038 Content Security Policy (CSP) Header Not
Set]``), plus ``dast[scan]`` for the scan itself. So :meth:`DastArea.collect` returns nothing,
and :meth:`DastArea.plugin` gives the runner a pytest plugin (:mod:`pytest_secure.dast.plugin`)
that scans once at session start, only with ``--secure-dast``, and adds the items through the
``pytest_secure_collect_checks`` hook.

Rule ids: ``dast/zap-<plugin id>`` for ZAP alerts (the known ones are declared here and listed
in docs/rules.md; the others travel with the scan's checks, taking their title from the
alert); the built-in engine reports under the headers/cookies/leaks areas' own rule ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.area import Check
from ..core.errors import SetupError
from ..core.findings import Finding
from .audit import ResponseAudit
from .zap_rules import RULES

if TYPE_CHECKING:
    import pytest

    from ..core.baseline.model import Baseline
    from ..core.rules import Rule
    from ..core.session import SecureSession
    from .result import ScanResult

AREA = "dast"
SCAN_ITEM = "dast[scan]"


@dataclass(frozen=True)
class DastArea:
    """The DAST :class:`~pytest_secure.core.area.Area`; ``audit`` is the response policy of the
    built-in engine (the hygiene area's, handed in by :mod:`pytest_secure.areas`)."""

    audit: ResponseAudit
    name: str = AREA
    rules: tuple[Rule, ...] = RULES

    def collect(self, baseline: Baseline) -> list[Check]:
        """Nothing at collection: the items come from the scan (see the module docstring)."""
        return []

    def plugin(self, config: pytest.Config) -> object | None:
        from .plugin import DastPlugin

        return DastPlugin(config, self.audit)


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
