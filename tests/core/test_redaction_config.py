"""Redaction masks secrets, not configuration (issue 10, item 11).

A ``${VAR}`` in ``target.base_url`` or the scope made the target URL ``[REDACTED]`` in every
curl line and in the JSON report. Now credentials (identities' passwords and tokens,
credential-named headers) and values marked ``${secret:VAR}`` are masked; configuration stays
readable; cookie evidence keeps its attributes with only the value masked.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from pytest_secure.core.baseline import load_baseline
from pytest_secure.core.baseline.interpolate import is_secret_place
from pytest_secure.core.redaction import MASK, Redactor
from tests.servers import serve_wsgi

TOKEN = "tok-9d1c7e52aa41"
RESET = "reset-code-3318f0"
COOKIE_VALUE = "sess-77ab10c4e5"

APP = textwrap.dedent(f"""
    from flask import Flask, make_response, request

    app = Flask(__name__)

    @app.get("/")
    def index():
        response = make_response("<p>hello</p>")
        response.set_cookie("sid", "{COOKIE_VALUE}", path="/", samesite="Lax")  # no Secure, no HttpOnly
        return response

    @app.get("/reset")
    def reset():
        return "<p>reset</p>"
    """)

BASELINE = """
    version: 1
    target: {%s, scope: ["${APP_HOST}"], headers: {X-Forwarded-Proto: "${PROTO}", X-Api-Key: "${API_KEY}"}}
    identities:
      admin: {bearer: "${API_TOKEN}"}
    headers:
      identity: admin
      paths: [/, "/reset?code=${secret:RESET_CODE}"]
      rules:
        Content-Security-Policy: {required: true}
    cookies:
      paths: [/]
      rules:
        "*": {secure: true, httponly: true}
    gates: {fail_on: low}
    """


def run(pytester, monkeypatch, live: bool, name: str):
    pytester.makepyfile(**{name: APP})
    monkeypatch.setenv("API_TOKEN", TOKEN)
    monkeypatch.setenv("RESET_CODE", RESET)
    monkeypatch.setenv("API_KEY", "key-51d0aa90b2")
    monkeypatch.setenv("PROTO", "https")
    args = ["--secure", "-p", "no:cacheprovider", "-rA", "--secure-json=out.json", "--secure-sarif=out.sarif"]
    if live:
        import importlib.util

        spec = importlib.util.spec_from_file_location(name, pytester.path / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        with serve_wsgi(module.app) as url:
            monkeypatch.setenv("APP_URL", url)
            monkeypatch.setenv("APP_HOST", "127.0.0.1")
            pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE % 'base_url: "${APP_URL}"')})
            result = pytester.runpytest(*args)
    else:
        url = "https://shop.internal.test"
        monkeypatch.setenv("APP_URL", url)
        monkeypatch.setenv("APP_HOST", "shop.internal.test")
        pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(
            BASELINE % f'app: "{name}:app", base_url: "${{APP_URL}}"')})
        result = pytester.runpytest(*args)
    outputs = {"stdout": result.stdout.str(), "stderr": result.stderr.str(),
               "json": (pytester.path / "out.json").read_text(), "sarif": (pytester.path / "out.sarif").read_text()}
    return result, url, outputs


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_configuration_stays_readable_and_secrets_stay_masked(pytester, monkeypatch, live):
    result, url, outputs = run(pytester, monkeypatch, live, f"redactcfg{int(live)}")
    assert result.ret == 1  # CSP missing, cookie without Secure/HttpOnly: real failures
    stdout = outputs["stdout"]
    # the target URL from ${APP_URL} is configuration: readable in curl lines and reports
    assert f"reproduce: curl -i -X GET {url}/" in stdout
    assert f"{url}/" in outputs["json"] and f"{url}/" in outputs["sarif"]
    assert "X-Forwarded-Proto: https" in stdout  # a plain header value from ${PROTO}
    for name, text in outputs.items():
        for secret in (TOKEN, RESET, COOKIE_VALUE, "key-51d0aa90b2"):
            assert secret not in text, f"{secret} leaked into {name}"
    assert f"/reset?code={MASK}" in stdout  # marked ${secret:...}
    assert "Authorization: [REDACTED]" in stdout and "X-Api-Key: [REDACTED]" in stdout
    # cookie evidence: the value masked, the attributes readable (docs/cookies.md)
    assert "Set-Cookie: sid=[REDACTED]; Path=/; SameSite=Lax" in stdout
    evidence = [f["evidence"] for r in json.loads(outputs["json"])["checks"] for f in r["findings"]
                if f["rule_id"].startswith("cookies/")]
    assert evidence and all(e.startswith("Set-Cookie: sid=[REDACTED]; Path=/") for e in evidence), evidence


@pytest.mark.parametrize(("path", "secret"), [
    (("target", "base_url"), False),
    (("target", "scope", 0), False),
    (("target", "headers", "X-Forwarded-Proto"), False),
    (("target", "headers", "Authorization"), True),
    (("target", "headers", "X-Api-Key"), True),
    (("dast", "zap", "api_key"), True),
    (("jwt", "signing_key"), True),
    (("identities", "admin", "bearer"), True),
    (("identities", "admin", "basic", "password"), True),
    (("identities", "admin", "basic", "username"), False),
    (("identities", "admin", "login", "json", "password"), True),
    (("identities", "admin", "login", "json", "email"), False),
    (("identities", "admin", "login", "request"), False),
    (("identities", "admin", "headers", "X-Tenant"), True),
    (("identities", "admin", "cookies", "session"), True),
    (("headers", "paths", 0), False),
])
def test_secret_places(path, secret):
    assert is_secret_place(path) is secret


def test_loader_records_only_secrets(tmp_path):
    path = tmp_path / "security-baseline.yaml"
    path.write_text(textwrap.dedent("""
        version: 1
        target: {base_url: "${URL}", scope: ["${HOST}"], headers: {Authorization: "Token ${T}"}}
        identities: {a: {basic: {username: "${U}", password: "${P}"}}}
        headers: {paths: ["/x?k=${secret:K:-fallback-k}"], rules: {X-Frame-Options: {}}}
        """))
    env = {"URL": "http://127.0.0.1:8000", "HOST": "127.0.0.1", "T": "tok-abc-123", "U": "alice", "P": "pw-xyz-987",
           "K": "kkk-555"}
    baseline = load_baseline(path, environ=env)
    assert {"tok-abc-123", "Token tok-abc-123", "pw-xyz-987", "kkk-555"} <= baseline.secrets
    assert not {"http://127.0.0.1:8000", "127.0.0.1", "alice"} & baseline.secrets
    assert baseline.section("headers")["paths"] == ["/x?k=kkk-555"]
    assert "fallback-k" not in baseline.secrets
    redactor = Redactor(baseline.secrets)
    assert redactor.clean("curl -i -X GET http://127.0.0.1:8000/x?k=kkk-555") == \
        f"curl -i -X GET http://127.0.0.1:8000/x?k={MASK}"


def test_cookie_values_masked_attributes_kept():
    r = Redactor()
    assert r.clean("Set-Cookie: sid=abc123; Path=/; HttpOnly") == f"Set-Cookie: sid={MASK}; Path=/; HttpOnly"
    assert r.clean("evidence: Set-Cookie: csrftoken=xyz987; Secure") == f"evidence: Set-Cookie: csrftoken={MASK}; Secure"
    assert r.clean("-H 'Cookie: a=1234; b=5678'") == f"-H 'Cookie: a={MASK}; b={MASK}'"
    assert r.clean("Cookie: opaque-value") == f"Cookie: {MASK}"
    assert r.clean("the Cookie: header is missing") == "the Cookie: header is missing"
