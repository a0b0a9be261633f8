"""Run a baseline's hygiene checks against an app in process or behind a real server, without
pytest items: the findings come back as data so tests can compare whole sets."""

from __future__ import annotations

import contextlib
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pytest_secure.areas import RULES
from pytest_secure.core.baseline import load_baseline
from pytest_secure.core.errors import SecureError
from pytest_secure.core.findings import Finding
from pytest_secure.core.redaction import Redactor
from pytest_secure.core.session import SecureSession
from pytest_secure.core.target import InProcessTarget, LiveTarget, is_asgi_app
from pytest_secure.runner.collect import collect_checks
from tests.servers import serve_asgi, serve_wsgi


def load(text: str) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "security-baseline.yaml")
        path.write_text(textwrap.dedent(text))
        return load_baseline(path, environ={})


def run_checks(baseline: Any, target: Any) -> list[Finding]:
    session = SecureSession(baseline, target, Redactor(baseline.secrets), RULES)
    session.start_run(collect_checks(baseline))
    assert session.checks, "the baseline expanded to no checks: a quiet result would judge nothing"
    findings: list[Finding] = []
    try:
        for check in session.checks:
            try:
                findings.extend(session.run_check(check))
            except SecureError as exc:
                raise AssertionError(f"{check.item_name} errored: {exc}") from None
    finally:
        session.close()
    return findings


@contextlib.contextmanager
def served(app: Any) -> Iterator[str]:
    with (serve_asgi(app) if is_asgi_app(app) else serve_wsgi(app)) as url:
        yield url


def audit(app: Any, text: str, *, live: bool, base_url: str = "https://localhost") -> list[Finding]:
    """The findings of baseline ``text`` against ``app``: in process (called as ``base_url``, by
    default https, as behind a TLS-terminating proxy) or on a plain-http loopback server."""
    baseline = load(text)
    if not live:
        return run_checks(baseline, InProcessTarget(app, base_url=base_url, scope=["localhost"]))
    with served(app) as url:
        return run_checks(baseline, LiveTarget(url, ["127.0.0.1"]))


def summary(findings: list[Finding]) -> set[tuple[str, str]]:
    return {(f.rule_id, f.location) for f in findings}
