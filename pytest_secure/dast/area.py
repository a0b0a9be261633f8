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

from ..core.area import Check, ResponseAudit
from .checks import AREA
from .zap_rules import RULES

if TYPE_CHECKING:
    import pytest

    from ..core.baseline.model import Baseline
    from ..core.rules import Rule


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
