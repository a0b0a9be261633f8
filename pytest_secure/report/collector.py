"""The controller-side reporter: gathers check records and writes every report once."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from ..core.baseline.model import Waiver
from ..core.gate import unneeded_waivers
from ..core.records import CheckRecord, FindingRecord
from ..core.session import SecureSession


class SecureReporter:
    """Registered as a plugin on the controller (never on xdist workers)."""

    def __init__(self, config: pytest.Config, session: SecureSession) -> None:
        self.config = config
        self.session = session
        self.records: list[CheckRecord] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = getattr(report, "secure_record", None)
        if record is not None:
            self.records.append(CheckRecord.from_dict(record))

    def findings(self) -> list[FindingRecord]:
        return [f for r in self.records for f in r.findings]

    def used_places(self) -> set[str]:
        return {place for r in self.records for place in r.used_waivers}

    def unused_waivers(self) -> list[Waiver]:
        """Waivers that matched no finding in this run (listed in the summary)."""
        used = self.used_places()
        return [w for w in self.session.waivers if w.place not in used]

    def unneeded_waivers(self) -> list[Waiver]:
        """Waivers covering several checks, all judged in this run, that matched nothing: they
        fail the run (a waiver covering one check fails that check's item instead)."""
        name_of = self.session.redactor.mask_known  # how records name their checks
        coverage = {place: [name_of(n) for n in names] for place, names in self.session.waiver_coverage.items()}
        judged = {r.item_name for r in self.records if r.outcome != "error"}
        return unneeded_waivers(self.session.waivers, coverage, judged, self.used_places())

    def expiring_waivers(self, days: int = 30) -> list[Waiver]:
        limit = self.session.today + datetime.timedelta(days=days)
        return [w for w in self.session.waivers if w.expires <= limit]

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from .terminal import write_summary

        write_summary(terminalreporter, self)

    @pytest.hookimpl(tryfirst=True)  # before the terminal reporter prints the summary and the exit code is final
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.unneeded_waivers() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        for option, writer in (("secure_sarif", "sarif"), ("secure_json", "json_report")):
            target = self.config.getoption(option)
            if not target:
                continue
            path = Path(self.config.invocation_params.dir, target)
            module = __import__(f"{__package__}.{writer}", fromlist=["write"])
            path.parent.mkdir(parents=True, exist_ok=True)
            module.write(path, self)
