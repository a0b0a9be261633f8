"""Authorization: the identities x requests matrix, object ownership, sessions, coverage.

The work lives in :mod:`pytest_secure.authz`; this module is the area's entry in the check
registry. Item ids are ``authz[<request>::<identity>]``, e.g.
``authz[GET /reports/{id}/export.csv::viewer]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..authz.rules import register_all  # importing registers the area's rules
from . import Check

if TYPE_CHECKING:
    from ..baseline.model import Baseline

AREA = "authz"


def collect(baseline: Baseline) -> list[Check]:
    import pytest

    from ..authz.config import parse
    from ..authz.matrix import build
    from ..errors import BaselineError

    register_all()  # again: a fresh rule registry (pytester's in-process runs) must know them too
    try:
        return build(parse(baseline))
    except BaselineError as exc:  # meaning errors (unknown identity...), with file:line:col
        raise pytest.UsageError("invalid security baseline:\n" + str(exc)) from None
