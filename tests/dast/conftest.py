"""Fixtures of the DAST tests: the ZAP emulator (which fails the test on any call the real API
does not have), the example reporting service on a real 127.0.0.1 server, and project files."""

from __future__ import annotations

import importlib.util

import pytest

from tests.dast.helpers import ZAP_KEY
from tests.dast.zap_emulator import ZapEmulator
from tests.paths import ROOT
from tests.servers import serve_wsgi


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
