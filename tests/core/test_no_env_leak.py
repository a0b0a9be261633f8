"""No proxy and no netrc from the environment, in any area (docs/safety.md, "Scope guard").

``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` point at a canary listener on 127.0.0.1 that
counts the connections it gets, and ``NETRC`` at a file with a canary password for 127.0.0.1
(and as the default for every host). A run of every area against a live loopback service that
records the credentials it receives must make zero connections to the canary and bring the
canary password nowhere. The runs are subprocesses with that environment; the servers of this
test process (the app, the ZAP emulator) do not see it.
"""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.paths import ROOT
from tests.servers import Canary, serve_asgi, serve_raw, serve_wsgi

CANARY_PASSWORD = "canary-netrc-pw-5e1f"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture
def canary_env(tmp_path):
    """(environment for the run, canary listener)."""
    canary = Canary()
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1\n  login canary\n  password {CANARY_PASSWORD}\n"
                     f"default\n  login canary\n  password {CANARY_PASSWORD}\n")
    netrc.chmod(0o600)
    with serve_raw(canary.handle) as proxy:
        env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "pytest_addopts")}
        env.update({name: proxy for name in PROXY_VARIABLES}, NETRC=str(netrc), PYTHONPATH=str(ROOT))
        yield env, canary


class WsgiRecorder:
    """WSGI middleware that keeps the credentials of every request the app receives."""

    def __init__(self, app) -> None:
        self.app = app
        self.credentials: list[str] = []

    def __call__(self, environ, start_response):
        self.credentials += [environ.get("HTTP_AUTHORIZATION", ""), environ.get("HTTP_PROXY_AUTHORIZATION", "")]
        return self.app(environ, start_response)


class AsgiRecorder:
    def __init__(self, app) -> None:
        self.app = app
        self.credentials: list[str] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.credentials += [v.decode("latin-1") for k, v in scope["headers"]
                                 if k.lower() in (b"authorization", b"proxy-authorization")]
        await self.app(scope, receive, send)


def canary_in(credentials: list[str]) -> list[str]:
    found = []
    for value in credentials:
        decoded = value
        if value.lower().startswith("basic "):
            with contextlib.suppress(ValueError):
                decoded = base64.b64decode(value[6:]).decode("utf-8", "replace")
        if CANARY_PASSWORD in decoded or "canary:" in decoded:
            found.append(value)
    return found


def run(path, env, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--secure",
                           "--secure-json=report.json", "-q", *args],
                          cwd=path, env=env, capture_output=True, text=True, timeout=300)


def areas_run(path) -> set[str]:
    """The areas with an item that ran to a verdict (not a setup error)."""
    report = json.loads((path / "report.json").read_text())
    return {check["area"] for check in report["checks"] if check["outcome"] != "error"}


@pytest.fixture(scope="module")
def example_app():
    spec = importlib.util.spec_from_file_location("reporting_service_app_env",
                                                  ROOT / "examples" / "reporting_service" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


BASELINE = """
    version: 1
    target: {{base_url: "{url}", scope: ["{host}"], openapi: /openapi.json}}
    identities:
      viewer: {{login: {{request: POST /login, json: {{username: viewer, password: "${{VIEWER_PW:-viewer-demo-pw}}"}}, token: access_token}}}}
      analyst: {{login: {{request: POST /login, json: {{username: analyst, password: "${{ANALYST_PW:-analyst-demo-pw}}"}}, token: access_token}}}}
    headers: {{paths: [/, /login], rules: {{X-Frame-Options: {{required: true}}}}}}
    cookies: {{paths: [/login]}}
    cors: {{paths: [/]}}
    leaks: {{paths: [/], banners: false}}
    authz:
      rules:
        - {{request: GET /dashboard, allow: [viewer, analyst]}}
    fuzz: {{identity: analyst, max_examples: 5, seed: 0, exclude: [POST /logout, POST /login, POST /api/token]}}
    abuse:
      enumeration:
        - request: POST /login
          known: {{json: {{username: viewer, password: not-the-password}}}}
          unknown: {{json: {{username: nobody-here, password: not-the-password}}}}
    dast: {{engine: builtin, identity: viewer, crawl: {{max_pages: 10}}}}
    gates: {{fail_on: critical}}
    """


def test_every_area_ignores_proxy_and_netrc_from_the_environment(pytester, canary_env, example_app):
    env, canary = canary_env
    recorder = WsgiRecorder(example_app)
    with serve_wsgi(recorder) as url:
        host = url.split("://", 1)[1]
        (pytester.path / "security-baseline.yaml").write_text(textwrap.dedent(BASELINE.format(url=url, host=host)))
        result = run(pytester.path, env, "--secure-dast")
    assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr[-3000:]
    assert {"headers", "cookies", "cors", "leaks", "authz", "fuzz", "abuse", "dast"} <= areas_run(pytester.path)
    assert canary.connections == 0
    assert canary_in(recorder.credentials) == []
    # the run did reach the service, with the identities' own bearer tokens
    assert any(value.startswith("Bearer ") for value in recorder.credentials)
    assert CANARY_PASSWORD not in result.stdout


def test_the_jwt_area_ignores_proxy_and_netrc_from_the_environment(pytester, canary_env):
    from tests.abuse.jwt_apps import fixed_tokens

    env, canary = canary_env
    recorder = AsgiRecorder(fixed_tokens())
    with serve_asgi(recorder) as url:
        (pytester.path / "security-baseline.yaml").write_text(textwrap.dedent(f"""
            version: 1
            target: {{base_url: "{url}"}}
            identities:
              alice: {{login: {{request: POST /token, json: {{username: alice, password: alice-pw-1}}, token: access_token}}}}
            jwt: {{probe: GET /me}}
            """))
        result = run(pytester.path, env)
    assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr[-3000:]
    assert areas_run(pytester.path) == {"jwt"}
    assert canary.connections == 0
    assert canary_in(recorder.credentials) == []
    assert any(value.startswith("Bearer ") for value in recorder.credentials)


def test_the_zap_client_uses_its_configured_proxy_only(pytester, canary_env, example_app, monkeypatch):
    from tests.dast.helpers import ZAP_KEY, zap_project
    from tests.dast.zap_emulator import ZapEmulator

    env, canary = canary_env
    env["ZAP_API_KEY"] = ZAP_KEY
    with serve_wsgi(example_app) as url, ZapEmulator(api_key=ZAP_KEY) as zap:
        zap_project(pytester, target=url, proxy=zap.proxy)
        result = run(pytester.path, env, "--secure-dast")
    assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr[-3000:]
    assert "dast" in areas_run(pytester.path)
    assert zap.endpoints_called(), "the scan went through the configured ZAP"
    assert canary.connections == 0
    assert canary_in([headers.get("Authorization", "") for _, headers in zap.fetched]) == []


def test_the_canary_catches_a_client_that_trusts_the_environment(canary_env):
    """The canary works: a plain requests call from that environment lands on it."""
    env, canary = canary_env
    code = "import requests\ntry:\n    requests.get('http://127.0.0.1:9/x', timeout=2)\nexcept Exception:\n    pass\n"
    subprocess.run([sys.executable, "-c", code], env=env, timeout=60, check=True)
    assert canary.connections == 1


def test_fuzzing_an_in_process_asgi_app_takes_no_netrc_password(tmp_path, monkeypatch):
    """schemathesis reaches an in-process ASGI app through a requests session of its own, which
    reads netrc; the identity's requests (here anonymous) must not carry the netrc password."""
    import schemathesis

    from pytest_secure.fuzz.engine import FuzzSettings, OperationFuzzer, SendOptions

    seen: list[str] = []
    document = json.dumps({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                           "paths": {"/items": {"get": {"responses": {"200": {"description": "ok"}}}}}}).encode()

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        if scope["path"] == "/items":
            seen.append(dict(scope["headers"]).get(b"authorization", b"").decode())
        body = document if scope["path"] == "/openapi.json" else b"{}"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    netrc = tmp_path / "netrc"
    netrc.write_text(f"default\n  login canary\n  password {CANARY_PASSWORD}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    fuzzer = OperationFuzzer(schema, "GET /items", FuzzSettings(max_examples=1, families=()))
    fuzzer._send(fuzzer.operation.Case(), SendOptions(base_url="http://localhost", app=app))
    assert seen == [""]
