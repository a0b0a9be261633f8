"""The DAST area's pytest hooks (registered by the core with ``--secure``).

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

from ..errors import SecureError
from ..state import STATE

WORKER_KEY = "secure_dast_result"


class DastPlugin:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.payload: str | None = None

    def _option(self, name: str) -> Any:
        return self.config.getoption(name, default=None)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        state = self.config.stash.get(STATE, None)
        if state is None:
            return
        from ..checks.dast import checks_from_result
        from .result import ScanResult

        workerinput = getattr(self.config, "workerinput", None)
        if workerinput is not None:  # an xdist worker: the controller has scanned already
            payload = workerinput.get(WORKER_KEY)
            if payload:
                self._install(state, ScanResult.from_json(payload), checks_from_result)
            return
        try:
            self._controller(state, checks_from_result)
        except SecureError as exc:
            raise pytest.UsageError(state.redactor.clean(f"dast: {exc}")) from None

    def _controller(self, state: Any, checks_from_result: Any) -> None:
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
            write_plan(path, state, settings, rules)
            self._write_line(f"dast: wrote the ZAP Automation Framework plan {path}")
        new_only, accept = self._option("secure_dast_new_only"), self._option("secure_dast_accept")
        if not self._option("secure_dast"):
            if new_only or accept:
                raise SecureError("--secure-dast-new-only and --secure-dast-accept need --secure-dast")
            return
        if self.config.option.collectonly:  # listing items must not scan a target
            self._write_line("dast: --collect-only: no scan, so no dast items (they come from a scan's results)")
            return
        if new_only and accept:
            raise SecureError("--secure-dast-new-only and --secure-dast-accept exclude each other: accept a run "
                              "first, then compare later runs with it")
        known = read_known(settings.known) if new_only else []
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        progress = Progress(terminal, state.redactor.clean)
        if not settings.declared:
            progress.note("no dast: section in the baseline; using the built-in engine with its defaults")
        from .engines import run_engine

        result = run_engine(state, settings, rules, progress)
        result.known = [{**entry, "path": str(settings.known)} for entry in known]
        if accept:
            count = write_known(settings.known, result.all_findings(), result.engine, state.today)
            progress.note(f"wrote {count} known finding(s) to {settings.known}; review and commit it")
        self.payload = result.to_json()
        self._install(state, result, checks_from_result)

    def _install(self, state: Any, result: Any, checks_from_result: Any) -> None:
        from .known import known_waivers

        state.checks.extend(checks_from_result(result))
        state.baseline.waivers.extend(known_waivers(result.known))

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """pytest-xdist: hand the scan's result to each worker before it collects."""
        if self.payload is not None:
            node.workerinput[WORKER_KEY] = self.payload

    def _write_line(self, text: str) -> None:
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            terminal.write_line(text)
