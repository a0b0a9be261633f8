"""The one mapping from a gate :class:`~.gate.Verdict` to a pytest outcome.

Baseline items, ``@pytest.mark.authz`` tests and passive mode all go through
:func:`pytest_outcome`; only how they apply it differs (raise in the test, or rewrite a report
after the test ran).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from .gate import FAILED, XFAILED, Verdict, format_verdict, waiver_reasons
from .redaction import Redactor
from .rules import RuleTable


@dataclass(frozen=True)
class Outcome:
    """``kind`` is the verdict's outcome, which is pytest's word for it (passed, failed,
    xfailed); ``text`` says why."""

    kind: str
    text: str = ""


def pytest_outcome(verdict: Verdict, rules: RuleTable, redactor: Redactor) -> Outcome:
    if verdict.outcome == FAILED:
        return Outcome(FAILED, format_verdict(verdict, rules, redactor))
    if verdict.outcome == XFAILED:
        return Outcome(XFAILED, waiver_reasons(verdict, redactor))
    return Outcome(verdict.outcome)


def apply_verdict(verdict: Verdict, rules: RuleTable, redactor: Redactor) -> None:
    """End the running test as the verdict says: fail, xfail, or return (passed)."""
    outcome = pytest_outcome(verdict, rules, redactor)
    if outcome.kind == FAILED:
        pytest.fail(outcome.text, pytrace=False)
    if outcome.kind == XFAILED:
        pytest.xfail(outcome.text)
