"""The DAST area's pytest hooks (registered by the runner with ``--secure``, from
:meth:`DastArea.plugin <pytest_secure.dast.area.DastArea.plugin>`).

The scan runs ONCE per test run, at session start, in the process that is not a
pytest-xdist worker (the controller under xdist, the only process otherwise), before any
worker is started. Its result travels to the workers in ``workerinput``, and every process
builds the same items from it, so ``-n 8`` does not mean eight scans.

* ``--secure-dast``: scan and add the items.
* ``--secure-dast-new-only``: findings listed in the known-findings file are xfailed.
* ``--secure-dast-accept``: write the known-findings file from this run.
* ``--secure-zap-plan PATH``: write the equivalent ZAP Automation Framework plan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..core.area import ResponseAudit
from ..core.errors import SecureError
from ..core.state import STATE
from .result import ScanResult

WORKER_KEY = "secure_dast_result"


class DastPlugin:
    def __init__(self, config: pytest.Config, audit: ResponseAudit) -> None:
        self.config = config
        self.audit = audit
        self.result: ScanResult | None = None
        self.payload: str | None = None

    def _option(self, name: str) -> Any:
        return self.config.getoption(name, default=None)

    @pytest.hookimpl(tryfirst=True)  # the scan's items must exist before the runner fixes the run's checks
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        state = self.config.stash.get(STATE, None)
        if state is None:
            return
        workerinput = getattr(self.config, "workerinput", None)
        if workerinput is not None:  # an xdist worker: the controller has scanned already
            payload = workerinput.get(WORKER_KEY)
            if payload:
                self.result = ScanResult.from_json(payload)
            return
        try:
            self.result = self._controller(state)
        except SecureError as exc:
            raise pytest.UsageError(state.redactor.clean(f"dast: {exc}")) from None
        if self.result is not None:
            self.payload = self.result.to_json()

    def _controller(self, state: Any) -> ScanResult | None:
        from .config import dast_settings
        from .known import read_known, write_known
        from .progress import Progress
        from .rules_file import RulesFile, read_rules_file

        settings = dast_settings(state.baseline)
        plan_path = self._option("secure_zap_plan")
        rules = read_rules_file(settings.rules) if settings.rules else RulesFile()
        if plan_path:
            from .plan import write_plan

            path = Path(self.config.invocation_params.dir, plan_path)
            for warning in write_plan(path, state, settings, rules):
                self._write_line(f"dast: WARNING (plan): {warning}")
            self._write_line(f"dast: wrote the ZAP Automation Framework plan {path}")
        new_only, accept = self._option("secure_dast_new_only"), self._option("secure_dast_accept")
        if not self._option("secure_dast"):
            if new_only or accept:
                raise SecureError("--secure-dast-new-only and --secure-dast-accept need --secure-dast")
            return None
        if self.config.option.collectonly:  # listing items must not scan a target
            self._write_line("dast: --collect-only: no scan, so no dast items (they come from a scan's results)")
            return None
        if new_only and accept:
            raise SecureError("--secure-dast-new-only and --secure-dast-accept exclude each other: accept a run "
                              "first, then compare later runs with it")
        known = read_known(settings.known) if new_only else []
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        progress = Progress(terminal, state.redactor.clean)
        if not settings.declared:
            progress.note("no dast: section in the baseline; using the built-in engine with its defaults")
        from .engines import run_engine

        result = run_engine(state, settings, rules, progress, self.audit)
        result.known = [{**entry, "path": str(settings.known)} for entry in known]
        if accept:
            count = write_known(settings.known, result.all_findings(), result.engine, state.today)
            progress.note(f"wrote {count} known finding(s) to {settings.known}; review and commit it")
        return result

    # -- what the scan adds to the run (asked by the runner at session start) ----------------------
    def pytest_secure_collect_checks(self, baseline: Any) -> list[Any]:
        from .checks import checks_from_result

        return checks_from_result(self.result) if self.result is not None else []

    def pytest_secure_waivers(self, baseline: Any) -> list[Any]:
        from .known import known_waivers

        return known_waivers(self.result.known) if self.result is not None else []

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """pytest-xdist: hand the scan's result to each worker before it collects."""
        if self.payload is not None:
            node.workerinput[WORKER_KEY] = self.payload

    def _write_line(self, text: str) -> None:
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            terminal.write_line(text)
