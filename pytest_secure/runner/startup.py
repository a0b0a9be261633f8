"""Start-up with ``--secure``: load the baseline, build target and session, or stop with a
usage error that names the file, the place and the fix."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from ..areas import RULES
from ..core.baseline import Overrides, load_baseline, overridden
from ..core.baseline.model import Baseline
from ..core.errors import AppImportError, BaselineError, MissingExtra, TargetError
from ..core.redaction import Redactor, install_log_redaction
from ..core.session import SecureSession, make_target
from ..core.state import STATE, WHOLE_FILE_KEY
from .collect import active_areas, register_area_plugins


def baseline_path(config: pytest.Config) -> Path:
    option = config.getoption("secure_baseline")
    if option:
        return Path(config.invocation_params.dir, option)
    return Path(config.rootpath, config.getini("secure_baseline"))


def is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def runs_every_check(config: pytest.Config) -> bool:
    """Whether this process runs every check of the baseline: no xdist worker, or one that got
    the whole baseline file (xdist resets ``--dist`` in its workers: the controller says it in
    the worker's input, :func:`pytest_secure.plugin.pytest_configure_node`)."""
    return not is_xdist_worker(config) or bool(config.workerinput.get(WHOLE_FILE_KEY))  # type: ignore[attr-defined]


def start(config: pytest.Config) -> None:
    baseline = _load(config)
    active_areas(baseline, config)  # import the areas the baseline uses; a missing pip extra stops here, before any I/O
    redactor = Redactor(baseline.secrets)
    install_log_redaction(redactor)
    try:
        target = make_target(baseline, config.rootpath)
    except AppImportError as exc:
        raise pytest.UsageError(f"{baseline.place('target', 'app')}: target.app: {exc}; "
                                "fix the import path or run pytest from the project's root") from None
    except TargetError as exc:
        raise pytest.UsageError(f"{baseline.path}: {exc}") from None
    except MissingExtra as exc:
        raise pytest.UsageError(str(exc)) from None
    if not target.scope.allows(target.base_url):
        raise pytest.UsageError(
            f"{baseline.place('target', 'scope')}: the target {target.base_url} is outside target.scope "
            f"({', '.join(target.scope.entries)}); add its host to target.scope or fix the target URL")

    session = SecureSession(baseline, target, redactor, RULES, login_hook=_login_hook(config))
    session.runs_every_check = runs_every_check(config)
    if (baseline.target.base_url and not baseline.target.app and not is_xdist_worker(config)
            and not config.option.collectonly):  # listing the items sends nothing
        _preflight(session)
    config.stash[STATE] = session
    register_area_plugins(config, baseline)
    if not is_xdist_worker(config):
        from ..report.collector import SecureReporter

        config.pluginmanager.register(SecureReporter(config, session), "secure-reporter")
        if getattr(target, "verify", True) is False:
            config.pluginmanager.register(UnverifiedTlsNote(target.base_url), "secure-unverified-tls")


def _load(config: pytest.Config) -> Baseline:
    """The baseline file, with the command-line options that change it applied (a new baseline)."""
    url = config.getoption("secure_target")
    if url and urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise pytest.UsageError(f"--secure-target {url}: expected an http:// or https:// URL")
    overrides = Overrides(base_url=url, fail_on=config.getoption("secure_fail_on"),
                          min_grade=config.getoption("secure_min_grade"))
    try:
        return overridden(load_baseline(baseline_path(config)), overrides)
    except BaselineError as exc:
        raise pytest.UsageError("invalid security baseline:\n" + str(exc)) from None


def _preflight(session: SecureSession) -> None:
    """One request to the live target, so that an unreachable one stops the run at once."""
    try:
        response = session.target.request("GET", "/", follow_redirects=False)
    except TargetError as exc:
        raise pytest.UsageError(
            f"{session.baseline.place('target', 'base_url')}: target {session.target.base_url} is unreachable "
            f"({session.redactor.clean(str(exc))}); start the service, or fix target.base_url / --secure-target"
        ) from None
    upgrade = https_upgrade(response.request.url, response.status, response.header("location"))
    if upgrade:
        raise pytest.UsageError(
            f"{session.baseline.place('target', 'base_url')}: target {session.target.base_url} answers every "
            f"request with a redirect to HTTPS (HTTP {response.status} to {upgrade}), as an app behind a "
            "TLS-terminating proxy does (Django SECURE_SSL_REDIRECT, flask-talisman force_https, "
            "HTTPS-redirect middleware), so no check would reach the app. Either test the HTTPS address "
            f"(target.base_url: {upgrade} or --secure-target), or tell the app that TLS ended at a proxy: "
            "target.headers: {X-Forwarded-Proto: https} (when the app trusts that header, e.g. Django "
            "SECURE_PROXY_SSL_HEADER, werkzeug ProxyFix)")


def https_upgrade(url: str, status: int, location: str | None) -> str:
    """The https URL an http ``url`` redirects to when it is the same URL over https on the same
    host ("" otherwise): the sign of an app that sends everything to HTTPS."""
    if not 300 <= status < 400 or not location:
        return ""
    base = urllib.parse.urlsplit(url)
    moved = urllib.parse.urlsplit(urllib.parse.urljoin(url, location))
    if base.scheme != "http" or moved.scheme != "https" or moved.hostname != base.hostname:
        return ""
    if (moved.path.rstrip("/") or "/") != (base.path.rstrip("/") or "/"):
        return ""  # a redirect to a login page (or elsewhere) over https is not an upgrade of every URL
    return urllib.parse.urlunsplit(("https", moved.netloc, moved.path.rstrip("/"), "", ""))


class UnverifiedTlsNote:
    """With ``target.verify: false`` the run says once, in its summary, that certificates went
    unchecked (urllib3's per-request InsecureRequestWarning is silenced for the target's host)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_line(
            f"pytest-secure: TLS verification is off (target.verify: false): the certificate of {self.base_url} "
            "was not checked; give target.verify the path of a CA bundle to check it")


def _login_hook(config: pytest.Config):  # type: ignore[no-untyped-def]
    def login(identity):  # type: ignore[no-untyped-def]
        return config.hook.pytest_secure_login(identity=identity)

    return login
