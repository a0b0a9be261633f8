"""Authorization: the identities x requests matrix, object ownership, sessions, coverage.

The work lives in :mod:`pytest_secure.authz`; this module is the area's entry in
:mod:`pytest_secure.areas`. Item ids are ``authz[<request>::<identity>]``, e.g.
``authz[GET /reports/{id}/export.csv::viewer]``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.area import Check, ResponseAudit
from .rules import RULES

if TYPE_CHECKING:
    import pytest

    from ..core.baseline.model import Baseline
    from ..core.rules import Rule

AREA = "authz"


@dataclass(frozen=True)
class AuthzArea:
    """The authz :class:`~pytest_secure.core.area.Area`; ``error_audit`` judges each cell's
    response for server errors and stack traces (the leaks policy, handed in by
    :mod:`pytest_secure.areas`: a 5xx on a cell is a finding, not only an unclear denial)."""

    error_audit: ResponseAudit | None = None
    error_rules: tuple[str, ...] = ()  # the rule ids error_audit reports
    name: str = AREA
    rules: tuple[Rule, ...] = RULES

    def collect(self, baseline: Baseline) -> list[Check]:
        import pytest

        from ..core.errors import BaselineError
        from . import client_roles
        from .config import parse
        from .matrix import build

        try:
            config = dataclasses.replace(parse(baseline), error_audit=self.error_audit, error_rules=self.error_rules)
            return build(config) + client_roles.collect(baseline)
        except BaselineError as exc:  # meaning errors (unknown identity...), with file:line:col
            raise pytest.UsageError("invalid security baseline:\n" + str(exc)) from None

    def plugin(self, config: pytest.Config) -> object | None:
        from .runtime import cleanup_plugin

        return cleanup_plugin(config)
