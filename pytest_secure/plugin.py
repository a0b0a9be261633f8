"""pytest hooks of pytest-secure, and nothing else.

Without ``--secure`` the plugin only adds its options and markers and skips tests marked
``secure``: it imports nothing heavy and does no I/O, so installing it costs nothing.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from .core.state import STATE, WHOLE_FILE_DISTRIBUTIONS, WHOLE_FILE_KEY

SEVERITIES = ("critical", "high", "medium", "low", "info")
pytest_plugins = (
    "pytest_secure.authz.pytest_api",  # @pytest.mark.authz, authz_identity, authz_matrix
    "pytest_secure.fuzz.marker",  # @pytest.mark.fuzz
)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from .runner import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("secure", "security regression testing (pytest-secure)")
    group.addoption("--secure", action="store_true", default=False,
                    help="collect the security baseline's checks and run tests marked 'secure'.")
    group.addoption("--secure-baseline", metavar="PATH", default=None,
                    help="baseline file (default: the secure_baseline ini value, "
                         "else security-baseline.yaml at the rootdir).")
    group.addoption("--secure-target", metavar="URL", default=None,
                    help="test the live service at URL instead of the baseline's target.")
    group.addoption("--secure-fail-on", choices=SEVERITIES, default=None,
                    help="lowest severity that fails a check (overrides gates.fail_on).")
    group.addoption("--secure-sarif", metavar="PATH", default=None, help="write a SARIF 2.1.0 report to PATH.")
    group.addoption("--secure-json", metavar="PATH", default=None, help="write a JSON report to PATH.")
    group.addoption("--secure-html", metavar="PATH", default=None,
                    help="write a self-contained HTML report to PATH (docs/reports.md).")
    group.addoption("--secure-min-grade", metavar="GRADE", default=None,
                    choices=("A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"),
                    help="fail when the offline HTTP-Observatory grade of grade.path (default /) is below GRADE.")
    group.addoption("--secure-dast", action="store_true", default=False,
                    help="with --secure: also run the DAST area (the baseline's dast: engine, builtin or zap).")
    group.addoption("--secure-dast-new-only", action="store_true", default=False,
                    help="with --secure-dast: findings in the known-findings file (dast.known) are xfailed; "
                         "only new ones fail.")
    group.addoption("--secure-dast-accept", action="store_true", default=False,
                    help="with --secure-dast: write this run's findings to the known-findings file (dast.known).")
    group.addoption("--secure-max-items", metavar="N", type=int, default=None,
                    help="most checks the baseline may expand to (overrides limits.max_items, default 10000).")
    group.addoption("--secure-zap-plan", metavar="PATH", default=None,
                    help="with --secure: write the equivalent ZAP Automation Framework plan to PATH.")
    parser.addini("secure_baseline", "path of the security baseline file, relative to the rootdir",
                  default="security-baseline.yaml")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "secure: a security test; runs only with --secure.")
    given = [str(a) for a in config.invocation_params.args] + os.environ.get("PYTEST_ADDOPTS", "").split()
    if any(a.startswith("--secure-") and "=" not in a for a in given):
        from .runner import rootdir

        rootdir.check(config)  # `--secure-json PATH` (a space) must not move the rootdir unnoticed
    if not config.getoption("secure"):
        return
    from .runner.collect import plan_area_checks
    from .runner.startup import start

    start(config)
    plan_area_checks(config, config.stash[STATE].baseline)  # the item cap, before the DAST scan


@pytest.hookimpl(trylast=True)  # after the area plugins' session start (the DAST scan)
def pytest_sessionstart(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is not None:
        from .runner.collect import start_run

        start_run(session.config, state)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("secure"):
        skip = pytest.mark.skip(reason="security test: run with --secure")
        for item in items:
            if item.get_closest_marker("secure") is not None:
                item.add_marker(skip)
        return
    from .runner.items import BaselineFile

    state = config.stash[STATE]
    node = BaselineFile.from_parent(session, path=state.baseline.path.resolve())
    collected = list(node.collect())
    config.hook.pytest_collectreport(report=pytest.CollectReport(node.nodeid, "passed", None, collected))
    items.extend(collected)


# Run before the keyword/mark deselection and inside the --lf/--ff wrappers.
pytest_collection_modifyitems = pytest.hookimpl(tryfirst=True)(pytest_collection_modifyitems)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist's controller, for each worker: whether it gets every item of a file."""
    node.workerinput[WHOLE_FILE_KEY] = node.config.getoption("dist", "no") in WHOLE_FILE_DISTRIBUTIONS


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """Baseline checks run pytest's protocol without the passing setup report (runner/items.py)."""
    if item.config.stash.get(STATE, None) is None:
        return None
    from .runner.items import run_lean, runs_lean

    if not runs_lean(item):
        return None
    run_lean(item, nextitem)  # type: ignore[arg-type]  # runs_lean: a SecureItem
    return True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    state = item.config.stash.get(STATE, None)
    if state is None:
        return report
    if call.when in ("setup", "call"):
        from .runner.items import SecureItem, attach_record

        if isinstance(item, SecureItem):
            attach_record(item, call.when, report)
    # what the app under test printed or logged, and failures of tests that used the session
    report.sections = [(title, state.redactor.clean(text)) for title, text in report.sections]
    if report.failed and "secure" in getattr(item, "fixturenames", ()):
        report.longrepr = state.redactor.clean(str(report.longrepr))
    return report


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None:
        from .core.redaction import remove_log_redaction

        state.close()
        remove_log_redaction()


@pytest.fixture
def secure(request: pytest.FixtureRequest) -> Any:
    """The running :class:`~pytest_secure.core.session.SecureSession`: target, identities, baseline.

    Tests that use it are skipped without ``--secure``.
    """
    state = request.config.stash.get(STATE, None)
    if state is None:
        pytest.skip("security test: run with --secure")
    return state

