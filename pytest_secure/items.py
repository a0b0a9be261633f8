"""The pytest nodes that baseline checks become: one file node, one item per check."""

from __future__ import annotations

from typing import Any

import pytest

from .checks import Check
from .errors import SecureError, SetupError
from .findings import Finding
from .gate import FAILED, XFAILED, Verdict
from .redaction import Redactor
from .state import STATE


class SecureFailure(Exception):
    """Raised by an item whose findings fail the gate; its text is the whole report."""


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
        self.verdict = verdict = state.judge_check(self.check, self.findings)
        if verdict.outcome == FAILED:
            raise SecureFailure(format_verdict(verdict, state.redactor))
        if verdict.outcome == XFAILED:
            reasons = sorted({w.describe() for _, w in verdict.waived})
            pytest.xfail(state.redactor.clean("; ".join(reasons)))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, SecureFailure | SecureError):
            return self.config.stash[STATE].redactor.clean(str(excinfo.value))
        return super().repr_failure(excinfo, style)

    # setup errors are rendered through this (pytest does not call repr_failure for them)
    def _repr_failure_py(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, SecureError):
            return self.config.stash[STATE].redactor.clean(f"{type(excinfo.value).__name__}: {excinfo.value}")
        return super()._repr_failure_py(excinfo, style)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, self.name


def format_finding(finding: Finding, redactor: Redactor, heading: str = "") -> str:
    rule = finding.rule
    lines = [f"{heading}{finding.rule_id} [{finding.effective_severity.label}] {finding.message}",
             f"  at:        {finding.location}"]
    if finding.evidence:
        lines.append(f"  evidence:  {finding.evidence}")
    lines.append(f"  fix:       {rule.fix}")
    if rule.cwe:
        lines.append(f"  cwe:       CWE-{rule.cwe}")
    if finding.request is not None:
        lines.append(f"  reproduce: {finding.request.curl(redactor.header_value)}")
    return redactor.clean("\n".join(lines))


def format_verdict(verdict: Verdict, redactor: Redactor) -> str:
    parts = [format_finding(f, redactor) for f in verdict.failing]
    for finding, waiver in verdict.expired:
        parts.append(format_finding(finding, redactor, heading=f"waiver expired on {waiver.expires}: ")
                     + f"\n  waiver:    {waiver.place}: renew it with a new expiry, or fix the finding")
    for waiver in verdict.stale:
        parts.append(f"waiver no longer needed, remove it: {waiver.label} ({waiver.place}) "
                     f"matched nothing here")
    if verdict.warnings:
        parts.append(f"(and {len(verdict.warnings)} finding(s) below the fail_on threshold)")
    return redactor.clean("\n\n".join(parts))
