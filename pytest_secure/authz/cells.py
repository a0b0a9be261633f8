"""What every kind of authz check shares: :class:`CellCheck` (a check that is one cell of the
grid) and :func:`untrustworthy` (the error of a refused allow cell).

The modules of the kinds of cells (matrix, objects, sequences, revocation, sessions,
coverage) import this one; only :mod:`.matrix` imports them all (its ``build``), so the
imports of the area form no cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.area import Check, GridCell
from ..core.errors import SetupError
from .config import ALLOW, ANONYMOUS
from .outcome import describe_expectation, path_of, snippet, status_of


@dataclass
class CellCheck(Check):
    """A check that is one cell of the grid (terminal summary and JSON report)."""

    row: str = ""  # the request, as the baseline writes it
    column: str = ""  # the identity
    expected: str = ""  # allow, deny, conceal, unauthenticated, own (object level), ...
    rule_index: int | None = None  # the authz.rules entry of a plain matrix cell

    @property
    def cell(self) -> GridCell | None:
        """This check's cell in the grid (None for the checks of no identity, e.g. coverage)."""
        return GridCell(self.row, self.column, self.expected) if self.column else None


def cell_name(row: str, identity: str) -> str:
    return f"{row}::{identity}"


def untrustworthy(identity: str, method: str, response: object, expected: str = ALLOW) -> SetupError:
    """The error of an allow cell that was refused: nothing about this identity can be trusted."""
    who = "anonymous" if identity == ANONYMOUS else identity
    return SetupError(
        f"setup untrustworthy: {who} was refused {method} {path_of(response)} (HTTP {status_of(response)}: "
        f"{snippet(response)}), which the baseline says is {describe_expectation(expected)}; the deny cells of "
        f"{who} cannot be trusted. Check {who}'s credentials and login, or the rule's allow list"
    )
