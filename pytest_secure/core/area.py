"""The area contract: what every area gives the runner, and the :class:`Check` it collects.

An *area* is one baseline section (``headers``, ``authz``, ``fuzz`` ...) with its rules and
its checks. It implements :class:`Area` (model: pytest-xdist's ``Scheduling`` protocol), and
:mod:`pytest_secure.areas` lists every area explicitly. Collection reads only the baseline,
never the network: a check does its I/O when its pytest item runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .findings import Finding

if TYPE_CHECKING:
    import pytest

    from .baseline.model import Baseline
    from .rules import Rule
    from .session import SecureSession
    from .target import Response

ResponseAudit = Callable[["Response", "Baseline"], list[Finding]]
"""``audit(response, baseline)``: the findings one response amounts to under the baseline's
policy. :mod:`pytest_secure.areas` hands one area's policy to another this way (areas do not
import each other): the hygiene audit to the DAST engine, the error audit to authz cells."""


@dataclass(frozen=True)
class GridCell:
    """Where a check sits in a grid report (the authz matrix): row, column, expected result."""

    row: str
    column: str
    expected: str


@dataclass
class Check:
    """One pytest item's worth of work: run it, get findings."""

    area: str
    name: str  # readable and stable: "GET /login::Content-Security-Policy"
    rules: tuple[str, ...]  # rule ids this check can report (for waiver matching and docs)
    run: Callable[[SecureSession], list[Finding]]
    path: str | None = None  # where it looks, for waivers' `where`
    depends_on: tuple[str, ...] = field(default=())  # item names that must pass first, else error
    defines: tuple[Rule, ...] = field(default=())  # rules only this run knows (a ZAP alert, a conftest's check)

    @property
    def item_name(self) -> str:
        return f"{self.area}[{self.name}]"

    @property
    def cell(self) -> GridCell | None:
        """This check's cell in a grid report, if it is one."""
        return None


class Area(Protocol):
    """What an area gives the runner. Implementations: :class:`SectionArea`, and the DAST area."""

    @property
    def name(self) -> str:
        """The baseline section the area reads; also the prefix of its items (``headers[...]``)."""

    @property
    def rules(self) -> Sequence[Rule]:
        """Every rule the area can report, as data (composed into one table by the runner)."""

    def collect(self, baseline: Baseline) -> list[Check]:
        """The checks the baseline asks of this area; no I/O. Called only when the section is present."""

    def plugin(self, config: pytest.Config) -> object | None:
        """A pytest plugin the area needs for the run (registered with ``--secure``), or None."""


@dataclass(frozen=True)
class SectionArea:
    """An :class:`Area` whose work is all in its checks (every area but DAST)."""

    name: str
    rules: tuple[Rule, ...]
    collect: Callable[[Baseline], list[Check]]
    make_plugin: Callable[[pytest.Config], object | None] | None = None

    def plugin(self, config: pytest.Config) -> object | None:
        return self.make_plugin(config) if self.make_plugin is not None else None


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
