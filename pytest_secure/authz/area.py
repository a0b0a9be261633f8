"""Authorization: the identities x requests matrix, object ownership, sessions, coverage.

The work lives in :mod:`pytest_secure.authz`; this module is the area's entry in
:mod:`pytest_secure.areas`. Item ids are ``authz[<request>::<identity>]``, e.g.
``authz[GET /reports/{id}/export.csv::viewer]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.area import Check, SectionArea
from .rules import RULES

if TYPE_CHECKING:
    import pytest

    from ..core.baseline.model import Baseline

AREA = "authz"


def collect(baseline: Baseline) -> list[Check]:
    import pytest

    from ..core.errors import BaselineError
    from . import client_roles
    from .config import parse
    from .matrix import build

    try:
        return build(parse(baseline)) + client_roles.collect(baseline)
    except BaselineError as exc:  # meaning errors (unknown identity...), with file:line:col
        raise pytest.UsageError("invalid security baseline:\n" + str(exc)) from None


def _plugin(config: pytest.Config) -> object:
    from .runtime import cleanup_plugin

    return cleanup_plugin(config)


area = SectionArea(AREA, RULES, collect, make_plugin=_plugin)
