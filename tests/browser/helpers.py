"""Run a baseline's browser checks against an app, in process or on a loopback server, and get
the findings back as data; and the CI rule: without a browser these tests skip on a developer's
machine, but fail under ``CI`` (where .ci/run installs Chromium), never silently skip."""

from __future__ import annotations

import contextlib
import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_secure.areas import RULES
from pytest_secure.browser.area import BrowserCheck
from pytest_secure.browser.driver import INSTALL_PLAYWRIGHT, find_browser, playwright_available
from pytest_secure.core.baseline import load_baseline
from pytest_secure.core.errors import BrowserUnavailable, SecureError
from pytest_secure.core.findings import Finding
from pytest_secure.core.redaction import Redactor
from pytest_secure.core.session import SecureSession
from pytest_secure.core.target import InProcessTarget, LiveTarget, is_asgi_app
from pytest_secure.runner.collect import collect_checks
from tests.servers import serve_asgi, serve_wsgi


def require_browser() -> None:
    """Skip without Playwright or Chromium; under CI that is a failure instead."""
    reason = None if playwright_available() else INSTALL_PLAYWRIGHT
    if reason is None:
        try:
            find_browser()
        except BrowserUnavailable as exc:
            reason = str(exc)
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the browser tests (.ci/run installs Chromium; the README's test "
                        "command installs the browser extra)")
        pytest.skip(reason)


def write_baseline(folder: Path, text: str) -> Any:
    path = folder / "security-baseline.yaml"
    path.write_text(textwrap.dedent(text))
    return load_baseline(path, environ={})


def run_browser_checks(baseline: Any, target: Any) -> dict[str, list[Finding]]:
    """Every browser item's findings, by item name; an item that errors fails the test."""
    session = SecureSession(baseline, target, Redactor(baseline.secrets), RULES)
    session.start_run(collect_checks(baseline))
    checks = [c for c in session.checks if isinstance(c, BrowserCheck)]
    assert checks, "the baseline expanded to no browser checks: a quiet result would judge nothing"
    results: dict[str, list[Finding]] = {}
    try:
        for check in checks:
            try:
                results[check.item_name] = session.run_check(check)
            except SecureError as exc:
                raise AssertionError(f"{check.item_name} errored: {exc}") from None
    finally:
        for check in checks:
            if check.browser is not None:
                check.browser.close()
        session.close()
    return results


@contextlib.contextmanager
def served(app: Any, ssl_context: Any = None) -> Iterator[str]:
    if is_asgi_app(app):
        with serve_asgi(app) as url:
            yield url
    else:
        with serve_wsgi(app, ssl_context=ssl_context) as url:
            yield url


def browser_audit(app: Any, text: str, folder: Path, *, live: bool, base_url: str = "http://localhost",
                  ssl_context: Any = None, verify: Any = True) -> dict[str, list[Finding]]:
    """The browser findings of baseline ``text`` (written in ``folder``) against ``app``."""
    baseline = write_baseline(folder, text)
    if not live:
        host = base_url.split("://", 1)[1]
        return run_browser_checks(baseline, InProcessTarget(app, base_url=base_url, scope=[host]))
    with served(app, ssl_context) as url:
        return run_browser_checks(baseline, LiveTarget(url, ["127.0.0.1"], verify=verify))


def rules_by_item(results: dict[str, list[Finding]]) -> dict[str, set[str]]:
    return {item: {f.rule_id for f in findings} for item, findings in results.items()}
