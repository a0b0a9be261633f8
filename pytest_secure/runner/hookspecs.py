"""Hooks that users implement in ``conftest.py`` to extend pytest-secure.

They are registered through ``pytest_addhooks``; a conftest that implements them works
whether or not ``--secure`` is given (they are simply not called without it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..core.area import Check
    from ..core.baseline.model import Baseline, Waiver
    from ..core.findings import Finding
    from ..core.identities import Identity


@pytest.hookspec()
def pytest_secure_collect_checks(baseline: Baseline) -> list[Check] | None:
    """Return extra checks to run beside the baseline's (each becomes a pytest item).

    Called once per process, at session start. It must not do I/O: build
    :class:`~pytest_secure.core.area.Check` objects whose ``run(session)`` does the requests when
    the item runs. A check declares the rules only it reports in ``Check.defines``.
    """


@pytest.hookspec(firstresult=True)
def pytest_secure_login(identity: Identity) -> dict[str, Any] | None:
    """Log ``identity`` in programmatically, before any baseline ``login:`` request.

    Return ``{"headers": {...}, "cookies": {...}}`` to add credentials, or None to leave
    the identity as it is. Raise :class:`~pytest_secure.core.errors.SetupError` when the login
    fails: the identity's checks then report an error, never a pass. Values returned here
    are treated as secrets.
    """


@pytest.hookspec()
def pytest_secure_finding(finding: Finding, nodeid: str) -> None:
    """Called for every finding a check reports, before the gate judges it.

    Useful to forward findings elsewhere. To change how findings are judged, use the
    baseline's ``gates.severity`` overrides.
    """


@pytest.hookspec()
def pytest_secure_waivers(baseline: Baseline) -> list[Waiver] | None:
    """Return waivers to apply in this run beside the baseline's own.

    The DAST area uses it for ``--secure-dast-new-only``: each finding of the known-findings
    file becomes a waiver. Called once per process, at session start.
    """
