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
        return self.path, None, self.name


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
