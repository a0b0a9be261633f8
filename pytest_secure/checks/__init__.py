"""The check registry.

An area is one module in this package that defines ``AREA`` (the baseline section it reads)
and ``collect(baseline) -> list[Check]``. Collection reads only the baseline, never the
network: the checks do their I/O when their pytest item runs. Adding an area is adding a
module; nothing else changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..findings import Finding

if TYPE_CHECKING:
    from ..baseline.model import Baseline
    from ..session import SecureSession


@dataclass
class Check:
    """One pytest item's worth of work: run it, get findings."""

    area: str
    name: str  # readable and stable: "GET /login::Content-Security-Policy"
    rules: tuple[str, ...]  # rule ids this check can report (for waiver matching and docs)
    run: Callable[[SecureSession], list[Finding]]
    path: str | None = None  # where it looks, for waivers' `where`
    depends_on: tuple[str, ...] = field(default=())  # item names that must pass first, else error

    @property
    def item_name(self) -> str:
        return f"{self.area}[{self.name}]"


def split_request(spec: str) -> tuple[str, str]:
    """``"GET /login"`` or ``"/login"`` -> (method, path)."""
    method, sep, path = spec.partition(" ")
    return (method.upper(), path) if sep else ("GET", spec)


def page_requests(baseline: Baseline, section: dict[str, Any]) -> list[tuple[str, str]]:
    """The (method, path) requests a response-reading area looks at: its own ``paths``, else
    the headers area's, else ``GET /``."""
    specs = section.get("paths") or (baseline.section("headers") or {}).get("paths") or ["/"]
    return [split_request(spec) for spec in specs]


def page_audit(audit: Callable[..., list[Finding]], method: str, path: str, identity: str
               ) -> Callable[[SecureSession], list[Finding]]:
    """A check's ``run``: ``audit(response, location=...)`` on the cached response to
    ``method path`` as ``identity``."""
    def run(session: SecureSession) -> list[Finding]:
        return audit(session.fetch(method, path, identity), location=f"{method} {path}")

    return run


def area_modules() -> list[ModuleType]:
    """Every area module of this package, sorted by name."""
    modules = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "AREA") and hasattr(module, "collect"):
            modules.append(module)
    return modules


def collect_checks(baseline: Baseline) -> list[Check]:
    """All checks the baseline asks for, in area order."""
    checks: list[Check] = []
    for module in area_modules():
        if baseline.section(module.AREA) is not None:
            checks.extend(module.collect(baseline))
    return checks
