"""What a run checks: every area's checks for the baseline, plus what plugins add.

Areas are asked in the order of :data:`pytest_secure.areas.ENTRIES`; each only when the baseline
has its section, and only then imported (an area whose pip extra is not installed stops the run
with the install line). Then ``pytest_secure_collect_checks`` adds the checks of conftests and of area
plugins (the DAST scan's items), and ``pytest_secure_waivers`` the run's extra waivers (DAST's
known findings). The result is fixed once per process, at session start.
"""

from __future__ import annotations

from collections import Counter

import pytest

from .. import areas
from ..core.area import Area, Check
from ..core.baseline.model import Baseline
from ..core.errors import MissingExtra
from ..core.extras import require
from ..core.session import SecureSession


def active_areas(baseline: Baseline, config: pytest.Config | None = None) -> list[Area]:
    """The areas this run uses, in entry order, imported now; a missing pip extra is a usage error."""
    used = []
    for entry in areas.ENTRIES:
        if not entry.is_active(baseline, config):
            continue
        needs = entry.needs_extra(baseline)
        if needs is not None and entry.extra is not None:
            line, col = baseline.positions.of(needs, key=True)
            try:
                require(entry.extra, f"{baseline.path}:{line}:{col}: {'.'.join(str(part) for part in needs)}")
            except MissingExtra as exc:
                raise pytest.UsageError(str(exc)) from None
        used.append(areas.load(entry))
    return used


def collect_checks(baseline: Baseline) -> list[Check]:
    """All checks the baseline asks of the areas, in area order."""
    return [check for area in active_areas(baseline) if baseline.section(area.name) is not None
            for check in area.collect(baseline)]


def register_area_plugins(config: pytest.Config, baseline: Baseline) -> None:
    """Register the pytest plugin of each area the run uses that needs one (DAST scans once at session start)."""
    for area in active_areas(baseline, config):
        name = f"secure-{area.name}"
        if config.pluginmanager.has_plugin(name):
            continue
        plugin = area.plugin(config)
        if plugin is not None:
            config.pluginmanager.register(plugin, name)


def start_run(config: pytest.Config, session: SecureSession) -> None:
    """Fix the run's checks and waivers (called at session start, after the area plugins')."""
    baseline = session.baseline
    planned = config.stash.get(AREA_CHECKS, None)
    checks = list(planned) if planned is not None else collect_checks(baseline)
    cap = max_items(config, baseline)
    refuse_too_many(baseline, checks, cap)
    for extra in config.hook.pytest_secure_collect_checks(baseline=baseline):
        checks.extend(extra or [])
    refuse_too_many(baseline, checks, cap)
    _refuse_duplicates(baseline, checks)
    if not checks:
        _refuse_empty(baseline)
    waivers = [w for extra in config.hook.pytest_secure_waivers(baseline=baseline) for w in extra or []]
    session.start_run(checks, waivers)


DEFAULT_MAX_ITEMS = 10_000  # limits.max_items (docs/baseline.md)
AREA_CHECKS = pytest.StashKey[list[Check]]()  # the areas' checks, collected once at start-up


def plan_area_checks(config: pytest.Config, baseline: Baseline) -> None:
    """Collect the areas' checks at start-up and refuse a baseline that expands beyond the item cap
    there, before any area plugin's session start (the DAST scan) and before any check runs."""
    checks = collect_checks(baseline)
    refuse_too_many(baseline, checks, max_items(config, baseline))
    config.stash[AREA_CHECKS] = checks



def max_items(config: pytest.Config, baseline: Baseline) -> int:
    """The most checks this run may have: ``--secure-max-items``, else ``limits.max_items``."""
    option = config.getoption("secure_max_items", None)
    if option is not None:
        if option < 1:
            raise pytest.UsageError(f"--secure-max-items {option}: expected a whole number of at least 1")
        return int(option)
    return int((baseline.section("limits") or {}).get("max_items", DEFAULT_MAX_ITEMS))


def refuse_too_many(baseline: Baseline, checks: list[Check], cap: int) -> None:
    """Stop a baseline that expands beyond ``cap`` checks, naming the section that makes the most."""
    if len(checks) <= cap:
        return
    by_area = Counter(check.area for check in checks)
    biggest, count = by_area.most_common(1)[0]
    line, col = baseline.positions.of((biggest,), key=True)
    place = f"{baseline.path}:{line}:{col}"
    shares = ", ".join(f"{area} {n}" for area, n in by_area.most_common())
    raise pytest.UsageError(
        f"{place}: the baseline expands to {len(checks)} checks, more than the limit of {cap} ({shares}); "
        f"the {biggest} section makes the most ({count}). Narrow it (fewer paths, or rules that apply to "
        f"a few paths), or raise the limit: limits.max_items: {len(checks)} in the baseline, or "
        f"--secure-max-items {len(checks)} for one run (docs/baseline.md)")


def _refuse_duplicates(baseline: Baseline, checks: list[Check]) -> None:
    seen: set[str] = set()
    for check in checks:
        if check.item_name in seen:
            raise pytest.UsageError(f"{baseline.path}: two checks are named {check.item_name}; "
                                    "remove the duplicate entry from the baseline")
        seen.add(check.item_name)


_NOTHING_TO_CHECK = {
    "headers": "lists no rules and no analysis, so its paths are fetched for nothing",
    "cookies": "lists no rules",
    "leaks": "turns every check off (no paths, no error_pages, no directory_listing)",
}
_NO_ITEMS_OF_THEIR_OWN = ("passive", "dast")  # they watch the user's tests / scan with --secure-dast


def _refuse_empty(baseline: Baseline) -> None:
    """A baseline whose sections yield no check at all would end in pytest's "no tests ran"
    (exit 5): say which section is empty and how to fill it. A baseline with no area section
    (identities for marker tests, the ``secure`` fixture) or with passive mode is left alone."""
    sections = [e.name for e in areas.ENTRIES if baseline.section(e.name) is not None]
    if not sections or any(name in sections for name in _NO_ITEMS_OF_THEIR_OWN):
        return
    why = "; ".join(f"{name}: {_NOTHING_TO_CHECK.get(name, 'yields no check')}" for name in sections)
    raise pytest.UsageError(
        f"{baseline.place(sections[0])}: the baseline defines no checks ({why}). Add rules to the section "
        "(e.g. headers.rules: {X-Frame-Options: {required: true}}, see docs/headers.md) or start from a preset with "
        "`extends: recommended` (docs/presets.md)")
