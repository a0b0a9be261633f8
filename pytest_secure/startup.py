"""Start-up with ``--secure``: load the baseline, build target and session, or stop with a
usage error that names the file, the place and the fix."""

from __future__ import annotations

import dataclasses
import urllib.parse
from pathlib import Path

import pytest

from .baseline import load_baseline
from .checks import area_modules, collect_checks
from .errors import AppImportError, BaselineError, TargetError
from .findings import Severity
from .redaction import Redactor, install_log_redaction
from .session import SecureSession, make_target
from .state import STATE


def baseline_path(config: pytest.Config) -> Path:
    option = config.getoption("secure_baseline")
    if option:
        return Path(config.invocation_params.dir, option)
    return Path(config.rootpath, config.getini("secure_baseline"))


def is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def start(config: pytest.Config) -> None:
    path = baseline_path(config)
    try:
        baseline = load_baseline(path)
    except BaselineError as exc:
        raise pytest.UsageError("invalid security baseline:\n" + str(exc)) from None
    redactor = Redactor(baseline.secrets)
    install_log_redaction(redactor)

    url = config.getoption("secure_target")
    if url:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise pytest.UsageError(f"--secure-target {url}: expected an http:// or https:// URL")
        baseline = baseline.with_target(url)
    if config.getoption("secure_fail_on"):
        baseline.gates = dataclasses.replace(baseline.gates, fail_on=Severity.parse(config.getoption("secure_fail_on")))
    if config.getoption("secure_min_grade"):  # the grade area reads it from the baseline
        baseline.data["grade"] = {**(baseline.section("grade") or {}), "min": config.getoption("secure_min_grade")}
    try:
        target = make_target(baseline, config.rootpath)
    except AppImportError as exc:
        raise pytest.UsageError(f"{baseline.place('target', 'app')}: target.app: {exc}; "
                                "fix the import path or run pytest from the project's root") from None
    except TargetError as exc:
        raise pytest.UsageError(f"{baseline.path}: {exc}") from None
    if not target.scope.allows(target.base_url):
        raise pytest.UsageError(
            f"{baseline.place('target', 'scope')}: the target {target.base_url} is outside target.scope "
            f"({', '.join(target.scope.entries)}); add its host to target.scope or fix the target URL")

    session = SecureSession(baseline, target, redactor, login_hook=_login_hook(config))
    if baseline.target.base_url and not baseline.target.app and not is_xdist_worker(config):
        _preflight(session)
    session.checks = collect_checks(baseline)
    for extra in config.hook.pytest_secure_collect_checks(baseline=baseline):
        session.checks.extend(extra or [])
    _refuse_duplicates(session)
    config.stash[STATE] = session
    if baseline.section("passive"):
        from .passive import PassivePlugin

        config.pluginmanager.register(PassivePlugin(session), "secure-passive")
    _register_area_plugins(config)
    if not is_xdist_worker(config):
        from .report.collector import SecureReporter

        config.pluginmanager.register(SecureReporter(config, session), "secure-reporter")


def _register_area_plugins(config: pytest.Config) -> None:
    """An area whose work needs pytest hooks of its own (dast scans once at session start)
    provides ``make_plugin(config)``; its plugin lives only in runs with --secure."""
    for module in area_modules():
        make_plugin = getattr(module, "make_plugin", None)
        if make_plugin is not None and not config.pluginmanager.has_plugin(f"secure-{module.AREA}"):
            config.pluginmanager.register(make_plugin(config), f"secure-{module.AREA}")


def _preflight(session: SecureSession) -> None:
    """One request to the live target, so that an unreachable one stops the run at once."""
    try:
        session.target.request("GET", "/", follow_redirects=False)
    except TargetError as exc:
        raise pytest.UsageError(
            f"{session.baseline.place('target', 'base_url')}: target {session.target.base_url} is unreachable "
            f"({session.redactor.clean(str(exc))}); start the service, or fix target.base_url / --secure-target"
        ) from None


def _login_hook(config: pytest.Config):  # type: ignore[no-untyped-def]
    def login(identity):  # type: ignore[no-untyped-def]
        return config.hook.pytest_secure_login(identity=identity)

    return login


def _refuse_duplicates(session: SecureSession) -> None:
    seen: set[str] = set()
    for check in session.checks:
        if check.item_name in seen:
            raise pytest.UsageError(f"{session.baseline.path}: two checks are named {check.item_name}; "
                                    "remove the duplicate entry from the baseline")
        seen.add(check.item_name)

