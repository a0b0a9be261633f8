"""Every area of pytest-secure, listed explicitly, and the rule table composed from them.

This is the one module that knows all areas (model: pytest-xdist's ``scheduler/__init__.py``).
Adding an area is writing its folder and adding one :class:`Entry` line to :data:`ENTRIES`;
the order below is the order of its items in a run.

Nothing here imports an area: an entry names the module that holds the area's ``area`` and
``RULES``, and a run imports only the areas its baseline uses (``pytest --secure`` on a
headers-only baseline never imports authz, fuzz or DAST; docs/performance.md). The rule table
:data:`RULES` loads an area's rules the first time one of its ids is looked up. :data:`AREAS`
(every area, loaded) is for docs and tests.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .core.rules import Rule, RuleTable

if TYPE_CHECKING:
    import pytest

    from .core.area import Area
    from .core.baseline.model import Baseline


@dataclass(frozen=True)
class Entry:
    """One area: its name (the baseline section), the module holding its ``area`` and ``RULES``,
    and what it needs beyond that."""

    name: str
    module: str  # relative to this package: ".hygiene.headers"
    build: Callable[[], Area] | None = None  # when the area is made with another area's policy
    extra: str | None = None  # the pip extra it needs (pytest_secure.core.extras): always, or ...
    extra_if: Callable[[Baseline], tuple[str | int, ...] | None] | None = None  # ... only for the key found here
    active: Callable[[Baseline, pytest.Config | None], bool] | None = None  # default: the section is present

    def is_active(self, baseline: Baseline, config: pytest.Config | None = None) -> bool:
        if self.active is not None:
            return self.active(baseline, config)
        return baseline.section(self.name) is not None

    def needs_extra(self, baseline: Baseline) -> tuple[str | int, ...] | None:
        """The key path of what needs :attr:`extra` in this baseline (None: nothing does)."""
        if self.extra is None:
            return None
        return self.extra_if(baseline) if self.extra_if is not None else (self.name,)

    def _module(self) -> Any:
        return importlib.import_module(self.module, __package__)

    def rules(self) -> tuple[Rule, ...]:
        return tuple(getattr(self._module(), "RULES", ()))

    def load(self) -> Area:
        return self.build() if self.build is not None else self._module().area  # type: ignore[no-any-return]


def _authz() -> Area:
    from .authz.area import AuthzArea
    from .hygiene import leaks

    return AuthzArea(error_audit=leaks.error_audit, error_rules=leaks.ERROR_RULES)  # 5xx and traces on cells


def _dast() -> Area:
    from .dast.area import DastArea
    from .hygiene import passive

    return DastArea(audit=passive.audit_response)  # the built-in engine applies the hygiene policy


def _authz_explore(baseline: Baseline) -> tuple[str | int, ...] | None:
    """``explore`` (property search with Hypothesis) is the one authz feature that needs the fuzz extra."""
    section = baseline.section("authz") or {}
    if section.get("explore"):
        return ("authz", "explore")
    for i, rule in enumerate(section.get("rules") or ()):
        if isinstance(rule, dict) and rule.get("explore"):
            return ("authz", "rules", i, "explore")
    return None


DAST_OPTIONS = ("secure_dast", "secure_zap_plan", "secure_dast_new_only", "secure_dast_accept")


def _dast_active(baseline: Baseline, config: pytest.Config | None) -> bool:
    """DAST runs with its built-in defaults even without a ``dast:`` section (``--secure-dast``)."""
    options = config is not None and any(config.getoption(name, None) for name in DAST_OPTIONS)
    return baseline.section("dast") is not None or bool(options)


ENTRIES: tuple[Entry, ...] = (
    Entry("abuse", ".abuse.controls"),
    Entry("authz", ".authz.area", build=_authz, extra="fuzz", extra_if=_authz_explore),
    Entry("browser", ".browser.area"),  # Playwright and Chromium missing: its items skip, never fail
    Entry("cookies", ".hygiene.cookies"),
    Entry("cors", ".hygiene.cors"),
    Entry("dast", ".dast.area", build=_dast, active=_dast_active),
    Entry("fuzz", ".fuzz.area", extra="fuzz"),
    Entry("grade", ".hygiene.grade"),
    Entry("headers", ".hygiene.headers"),
    Entry("jwt", ".abuse.jwt"),
    Entry("leaks", ".hygiene.leaks"),
    Entry("tls", ".hygiene.tls"),
    Entry("passive", ".hygiene.passive"),  # no items: a plugin that audits the user's own tests
)

_LOADED: dict[str, Area] = {}


def load(entry: Entry) -> Area:
    """The entry's area, built once per process."""
    area = _LOADED.get(entry.name)
    if area is None:
        area = _LOADED[entry.name] = entry.load()
    return area


RULES = RuleTable(lazy={entry.name: entry.rules for entry in ENTRIES})
"""Every rule an area declares, composed once; an area's rules are loaded on first use."""


def __getattr__(name: str) -> Any:
    if name == "AREAS":  # every area, loaded: for docs and tests (a run loads only the ones it uses)
        return tuple(load(entry) for entry in ENTRIES)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
