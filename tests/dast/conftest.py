"""Fixtures of the DAST tests: the ZAP emulator (which fails the test on any call the real API
does not have), the example reporting service on a real 127.0.0.1 server, and project files."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import pytest
from servers import serve_wsgi
from zap_emulator import ZapEmulator

ROOT = Path(__file__).resolve().parents[2]
ZAP_KEY = "zap-key-3f9a7c21"


@pytest.fixture
def zap(monkeypatch):
    """A ZAP emulator on 127.0.0.1; the test fails if the driver used anything the real API lacks.

    ZAP_API_KEY holds its key, as in a nightly job's environment.
    """
    monkeypatch.setenv("ZAP_API_KEY", ZAP_KEY)
    with ZapEmulator(api_key=ZAP_KEY) as emulator:
        yield emulator
    if emulator.violations:
        pytest.fail("the driver called the ZAP API wrongly:\n" + "\n".join(emulator.violations))


@pytest.fixture(scope="session")
def example_app():
    spec = importlib.util.spec_from_file_location("reporting_service_app",
                                                  ROOT / "examples" / "reporting_service" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


@pytest.fixture
def example_url(example_app):
    """The example reporting service on a real server (ZAP must reach it over the network)."""
    with serve_wsgi(example_app) as url:
        yield url


def zap_project(pytester, *, target: str, proxy: str, zap: dict | None = None,
                dast: dict | None = None, rules: str | None = None, top: dict | None = None) -> Path:
    """Write a baseline for a ZAP scan of ``target`` (scope 127.0.0.1), as the viewer, and a rules file.

    ``zap``, ``dast`` and ``top`` are merged into the dast.zap section, the dast section and the
    top level. The API key is read from the environment as ${ZAP_API_KEY}, like a real nightly.
    """
    import yaml

    if rules is not None:
        (pytester.path / "rules.tsv").write_text(textwrap.dedent(rules).lstrip("\n"))
    document = {
        "version": 1,
        "target": {"base_url": target, "scope": ["127.0.0.1"], "openapi": "/openapi.json"},
        "identities": {"viewer": {"login": {"request": "POST /login", "token": "access_token",
                                            "json": {"username": "viewer",
                                                     "password": "${VIEWER_PW:-viewer-demo-pw}"}}}},
        "dast": {"engine": "zap", "identity": "viewer", **({"rules": "rules.tsv"} if rules is not None else {}),
                 **(dast or {}),
                 "zap": {"proxy": proxy, "api_key": "${ZAP_API_KEY}", "poll_interval": 0.01, "timeout": 5,
                         **(zap or {})}},
        "gates": {"fail_on": "medium"},
        **(top or {}),
    }
    path = pytester.path / "security-baseline.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def literal(patterns):
    """fnmatch patterns in which [ and ] are plain characters."""
    return [p.replace("[", "\x00").replace("]", "[]]").replace("\x00", "[[]") for p in patterns]
