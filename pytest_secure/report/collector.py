"""The controller-side reporter: gathers check records and writes every report once."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..core.area import Check
from ..core.baseline.model import Waiver
from ..core.gate import unneeded_waivers
from ..core.records import CheckRecord, FindingRecord
from ..core.session import SecureSession

_NOT_AREAS = frozenset({"version", "extends", "limits", "target", "identities", "gates", "waivers"})


@dataclass(frozen=True)
class Interruption:
    """Why a run ended before all its checks ran (Ctrl-C, ``-x``, ``--maxfail``), and what did not run."""

    reason: str
    not_run: tuple[tuple[str, str], ...]  # (item, area) of each check that did not run
    sections: tuple[str, ...] = ()  # when no check was collected yet: the baseline's area sections

    def areas(self) -> dict[str, int]:
        """Checks that did not run, per area, in item order."""
        return dict(Counter(area for _, area in self.not_run))

    def describe(self) -> str:
        areas = ", ".join(f"{area} ({n})" for area, n in self.areas().items())
        count = f"{len(self.not_run)} check{'' if len(self.not_run) == 1 else 's'}"
        left = f"{count} did not run: {areas}" if self.not_run else \
            f"no check ran (sections {', '.join(self.sections)})"
        return f"run incomplete, {self.reason}: {left}"

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "areas": self.areas(), "items": [item for item, _ in self.not_run],
                **({"sections": list(self.sections)} if self.sections else {})}


class SecureReporter:
    """Registered as a plugin on the controller (never on xdist workers)."""

    def __init__(self, config: pytest.Config, session: SecureSession) -> None:
        self.config = config
        self.session = session
        self.records: list[CheckRecord] = []
        self.planned: list[tuple[str, str, str]] | None = None  # (nodeid, name, area) of the run's secure items
        self.interruption: Interruption | None = None  # set at session finish when the run ended early
        self.finished = False  # the session finish ran (it does not after Ctrl-C during start-up)
        self.ctrl_c = False

    def pytest_configure(self, config: pytest.Config) -> None:  # historic: called although registered late
        from .html_extras import register

        register(config)  # the findings in pytest-html's report, when pytest-html writes one

    def pytest_collection_finish(self, session: pytest.Session) -> None:  # not called on the xdist controller
        self.planned = [(item.nodeid, item.name, check.area) for item in session.items
                        if isinstance(check := getattr(item, "check", None), Check)]

    def interrupted(self, session: pytest.Session, exitstatus: int) -> Interruption | None:
        """How the run ended early, or None when it ran to its end."""
        stopped = bool(session.shouldfail or session.shouldstop)  # first: pytest-xdist ends -x as interrupted
        if stopped:
            reason = f"stopped early ({session.shouldfail or session.shouldstop}; -x / --maxfail)"
        elif exitstatus == pytest.ExitCode.INTERRUPTED:
            reason = "interrupted (Ctrl-C)"
        else:
            return None
        if self.planned is not None:  # the items left after deselection (-k, -m, --lf)
            ran = {r.nodeid for r in self.records}
            not_run = [(name, area) for nodeid, name, area in self.planned if nodeid not in ran]
        else:  # under xdist: the run's checks by name
            mask = self.session.redactor.mask_known
            ran = {r.item_name for r in self.records}
            not_run = [(mask(c.item_name), c.area) for c in self.session.checks if mask(c.item_name) not in ran]
        if not not_run and (stopped or exitstatus != pytest.ExitCode.INTERRUPTED):
            return None  # -x on the last item: everything ran
        return Interruption(reason, tuple(not_run))

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
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.finished = True
        self.interruption = self.interrupted(session, exitstatus)
        if self.unneeded_waivers() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        self.write_reports()

    def pytest_keyboard_interrupt(self) -> None:
        self.ctrl_c = True

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Ctrl-C during start-up (the DAST scan runs there): pytest skips the session finish,
        so the reports are written here, marked incomplete."""
        if not self.ctrl_c or self.finished:
            return
        mask = self.session.redactor.mask_known
        sections = tuple(k for k in self.session.baseline.data if k not in _NOT_AREAS)
        self.interruption = Interruption("interrupted (Ctrl-C) during start-up",
                                         tuple((mask(c.item_name), c.area) for c in self.session.checks), sections)
        self.write_reports()
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            terminal.write_line(self.interruption.describe(), red=True)

    def write_reports(self) -> None:
        for option, writer in (("secure_sarif", "sarif"), ("secure_json", "json_report"), ("secure_html", "html")):
            target = self.config.getoption(option)
            if not target:
                continue
            path = Path(self.config.invocation_params.dir, target)
            module = __import__(f"{__package__}.{writer}", fromlist=["write"])
            path.parent.mkdir(parents=True, exist_ok=True)
            module.write(path, self)
