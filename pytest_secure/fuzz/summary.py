"""The fuzz summary: one line per fuzzed operation (requests sent, time used against
``fuzz.max_seconds``, ``max_examples``, why it stopped early, directed payloads skipped), in
pytest's terminal summary. Registered by the fuzz area with ``--secure``.

The engine records each operation's :class:`~pytest_secure.fuzz.pacing.OperationStats`; this
plugin moves them into the test report of the item that ran them (``user_properties``), so that
they reach the controller under pytest-xdist like any report, and prints them at the end.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from .pacing import OperationStats, take_recorded

PROPERTY = "secure_fuzz_operations"


class FuzzSummary:
    def __init__(self) -> None:
        self.rows: list[OperationStats] = []

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
        outcome = yield
        if call.when == "call":
            taken = take_recorded()
            if taken:
                outcome.get_result().user_properties.append((PROPERTY, [s.to_dict() for s in taken]))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in getattr(report, "user_properties", ()):
            if name == PROPERTY:
                self.rows += [OperationStats.from_dict(data) for data in value]

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.rows:
            return
        terminalreporter.write_sep("-", "fuzz budget per operation")
        for stats in self.rows:
            terminalreporter.write_line(stats.line(), yellow=bool(stats.stopped or stats.skipped))
        total = sum(s.requests for s in self.rows)
        seconds = sum(s.seconds for s in self.rows)
        terminalreporter.write_line(f"fuzz: {len(self.rows)} operations, {total} requests, {seconds:.1f}s")


def make_plugin(config: pytest.Config) -> FuzzSummary:
    return FuzzSummary()
