"""DAST: a ZAP scan, or the built-in crawler, as pytest items (run with ``--secure-dast``).

Unlike the other areas, the DAST items cannot be known before the scan: there is one item
per rule that raised something (``dast[zap-10038 Content Security Policy (CSP) Header Not
Set]``), plus ``dast[scan]`` for the scan itself. So :func:`collect` returns nothing, and
:func:`make_plugin` gives the core a pytest plugin (:mod:`pytest_secure.dast.plugin`) that
scans once at session start, only with ``--secure-dast``, and adds the items then.

Rule ids: ``dast/zap-<plugin id>`` for ZAP alerts (the known ones are listed in
docs/rules.md; others take their title from the alert); the built-in engine reports under
the headers/cookies/leaks areas' own rule ids.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import SetupError
from ..findings import Finding, register_rule
from . import Check

if TYPE_CHECKING:
    import pytest

    from ..baseline.model import Baseline
    from ..dast.result import ScanResult
    from ..session import SecureSession

AREA = "dast"
SCAN_ITEM = "dast[scan]"


def _register() -> None:
    from ..dast import zap_rules

    for plugin_id, (title, severity, cwe, fix) in zap_rules.KNOWN.items():
        register_rule(f"dast/zap-{plugin_id}", title, severity, cwe, fix, f"ZAP scan rule {plugin_id}: {title}.")


_register()


def collect(baseline: Baseline) -> list[Check]:
    """Nothing at collection: the items come from the scan (see the module docstring)."""
    return []


def make_plugin(config: pytest.Config) -> Any:
    """The pytest plugin that runs the scan; the core registers it with ``--secure``."""
    from ..dast.plugin import DastPlugin

    return DastPlugin(config)


def checks_from_result(result: ScanResult) -> list[Check]:
    """``dast[scan]`` and one check per rule group of the scan."""
    checks = [Check(area=AREA, name="scan", rules=(), run=_scan_runner(result))]
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
