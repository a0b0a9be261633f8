"""What a run checks: every area's checks for the baseline, plus what plugins add.

Areas are asked in the order of :data:`pytest_secure.areas.AREAS`; each only when the baseline
has its section. Then ``pytest_secure_collect_checks`` adds the checks of conftests and of area
plugins (the DAST scan's items), and ``pytest_secure_waivers`` the run's extra waivers (DAST's
known findings). The result is fixed once per process, at session start.
"""

from __future__ import annotations

import pytest

from ..areas import AREAS
from ..core.area import Check
from ..core.baseline.model import Baseline
from ..core.session import SecureSession


def collect_checks(baseline: Baseline) -> list[Check]:
    """All checks the baseline asks of the areas, in area order."""
    return [check for area in AREAS if baseline.section(area.name) is not None for check in area.collect(baseline)]


def register_area_plugins(config: pytest.Config) -> None:
    """Register the pytest plugin of each area that needs one (DAST scans once at session start)."""
    for area in AREAS:
        name = f"secure-{area.name}"
        if config.pluginmanager.has_plugin(name):
            continue
        plugin = area.plugin(config)
        if plugin is not None:
            config.pluginmanager.register(plugin, name)


def start_run(config: pytest.Config, session: SecureSession) -> None:
    """Fix the run's checks and waivers (called at session start, after the area plugins')."""
    baseline = session.baseline
    checks = collect_checks(baseline)
    for extra in config.hook.pytest_secure_collect_checks(baseline=baseline):
        checks.extend(extra or [])
    _refuse_duplicates(baseline, checks)
    waivers = [w for extra in config.hook.pytest_secure_waivers(baseline=baseline) for w in extra or []]
    session.start_run(checks, waivers)


def _refuse_duplicates(baseline: Baseline, checks: list[Check]) -> None:
    seen: set[str] = set()
    for check in checks:
        if check.item_name in seen:
            raise pytest.UsageError(f"{baseline.path}: two checks are named {check.item_name}; "
                                    "remove the duplicate entry from the baseline")
        seen.add(check.item_name)
