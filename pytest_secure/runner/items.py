"""The pytest nodes that baseline checks become: one file node, one item per check, and the
record each item's report carries to the reporters."""

from __future__ import annotations

from typing import Any

import pytest

from ..core.area import Check
from ..core.errors import SecureError, SetupError
from ..core.findings import Finding
from ..core.gate import Verdict
from ..core.outcome import apply_verdict
from ..core.records import CheckRecord
from ..core.state import STATE


class BaselineFile(pytest.File):
    """The baseline file as a collector of check items."""

    def collect(self) -> Any:
        state = self.config.stash[STATE]
        for check in state.checks:
            name = state.redactor.mask_known(check.item_name)  # a secret in a baseline path must not name a test
            # An explicit nodeid is parsed like the ids pytest reads back from its cache
            # (name + "[params]"), so --lf/--ff/--sw find these items again.
            yield SecureItem.from_parent(self, name=name, nodeid=f"{self.nodeid}::{name}", check=check)


class SecureItem(pytest.Item):
    def __init__(self, *, check: Check, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.findings: list[Finding] = []
        self.verdict: Verdict | None = None
        self.add_marker(pytest.mark.secure)

    def setup(self) -> None:
        state = self.config.stash[STATE]
        for dep in self.check.depends_on:
            if not state.trusted(dep):
                raise SetupError(f"setup untrustworthy: {dep} did not pass, so this result cannot be trusted")
        self.findings = state.run_check(self.check)

    def runtest(self) -> None:
        state = self.config.stash[STATE]
        for finding in self.findings:
            self.ihook.pytest_secure_finding(finding=finding, nodeid=self.nodeid)
        self.verdict = state.judge_check(self.check, self.findings)
        apply_verdict(self.verdict, state.rules, state.redactor)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, SecureError):
            return self.config.stash[STATE].redactor.clean(str(excinfo.value))
        return super().repr_failure(excinfo, style)

    # setup errors are rendered through this (pytest does not call repr_failure for them)
    def _repr_failure_py(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, SecureError):
            return self.config.stash[STATE].redactor.clean(f"{type(excinfo.value).__name__}: {excinfo.value}")
        return super()._repr_failure_py(excinfo, style)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        """The baseline's section of the check (pytest needs a line to report a skip mark's place)."""
        line, _ = self.config.stash[STATE].baseline.positions.of((self.check.area,), key=True)
        return self.path, line - 1, self.name


def attach_record(item: SecureItem, when: str, report: pytest.TestReport) -> None:
    """Put the item's :class:`CheckRecord` on its report (as a dict: it may cross to the xdist controller)."""
    state = item.config.stash[STATE]
    redactor, check = state.redactor, item.check
    name = redactor.mask_known(check.name)  # a name, not a credential
    verdict = item.verdict
    if when == "setup" or verdict is None:  # a setup error, or the gate itself did not run
        if when == "setup" and not report.failed:
            return
        record = CheckRecord(item.nodeid, check.area, name, "error", error=redactor.clean(str(report.longrepr)))
    else:
        record = CheckRecord.of_verdict(item.nodeid, check.area, name, verdict, state.rules, redactor,
                                        finding_area=check.area)
    report.secure_record = record.to_dict()  # type: ignore[attr-defined]


def runs_lean(item: pytest.Item) -> bool:
    """Whether :func:`run_lean` runs ``item``: a baseline check, in a run without ``--pdb`` (whose
    interaction on a failing phase only pytest's own protocol has)."""
    return isinstance(item, SecureItem) and not item.config.option.usepdb


def run_lean(item: SecureItem, nextitem: pytest.Item | None) -> None:
    """pytest's run protocol for one baseline check, without the setup report nobody reads.

    pytest runs every item in three phases (setup, call, teardown) and makes and logs a report
    for each. A check's setup (its fetch and analysis) that passes says nothing: no reporter
    shows it. Here every phase still runs through pytest's hooks (setup state, capture, logging,
    skip and xfail marks, other plugins' wrappers), and the call and teardown reports are made
    and logged as pytest does (pytest-html ends a row on the teardown report, JUnit XML writes
    captured output then); the setup report only when the setup did not pass. The same items,
    outcomes and reports for the terminal, ``-x``, ``--lf``, xdist, JUnit XML, pytest-html and our
    own reports, for less per item (docs/performance.md).
    """
    ihook = item.ihook
    reraise: tuple[type[BaseException], ...] = (pytest.exit.Exception, KeyboardInterrupt)
    ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    setup = pytest.CallInfo.from_call(lambda: ihook.pytest_runtest_setup(item=item), "setup", reraise=reraise)
    if setup.excinfo is None or _logged(item, setup).passed:
        _logged(item, pytest.CallInfo.from_call(lambda: ihook.pytest_runtest_call(item=item), "call", reraise=reraise))
    _logged(item, pytest.CallInfo.from_call(lambda: ihook.pytest_runtest_teardown(item=item, nextitem=nextitem),
                                            "teardown", reraise=reraise))
    ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)


def _logged(item: SecureItem, call: pytest.CallInfo[None]) -> pytest.TestReport:
    report: pytest.TestReport = item.ihook.pytest_runtest_makereport(item=item, call=call)
    item.ihook.pytest_runtest_logreport(report=report)
    return report
