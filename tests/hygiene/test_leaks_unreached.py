"""A leaks probe that never reached the application's handler says so (issue 10, item 13).

Planted: a Flask API whose every route sits behind a bearer token (401 without it) and whose
error handler puts the Python traceback in the 500 body. Sent as anonymous, the error probes
used to get 401 and pass in silence while the traceback stayed hidden behind the login.
"""

from __future__ import annotations

import traceback

import pytest
from flask import Flask, jsonify, redirect, request

from pytest_secure.areas import RULES
from pytest_secure.core.errors import SetupError
from pytest_secure.core.redaction import Redactor
from pytest_secure.core.session import SecureSession
from pytest_secure.core.target import InProcessTarget, LiveTarget
from pytest_secure.runner.collect import collect_checks
from tests.hygiene.audit import load
from tests.servers import serve_wsgi

TOKEN = "api-token-5b1e0c"


def make_api(*, leaky: bool, login_redirect: bool = False) -> Flask:
    app = Flask(f"api_{leaky}_{login_redirect}")

    @app.before_request
    def authenticate():
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            if login_redirect:
                return redirect("/accounts/login/?next=" + request.path)
            return jsonify(detail="authentication required"), 401
        return None

    @app.route("/api/items", methods=["GET", "POST"])
    def items():
        if request.method == "POST":
            return jsonify(request.get_json(force=True))  # malformed JSON raises here
        return jsonify(items=[])

    @app.errorhandler(Exception)
    def crash(exc):
        if leaky:  # the defect: the stack trace goes to the client
            return "<pre>" + traceback.format_exc() + "</pre>", 500
        return jsonify(detail="internal error"), 500

    @app.errorhandler(404)
    def missing(exc):
        return jsonify(detail="not found"), 404

    @app.errorhandler(405)
    def method(exc):
        return jsonify(detail="method not allowed"), 405

    return app


def baseline(identity: str | None) -> object:
    who = f"identity: {identity}" if identity else ""
    return load(f"""
        version: 1
        identities:
          reader: {{bearer: "{TOKEN}"}}
        leaks:
          paths: [/api/items]
          banners: false  # werkzeug's Server banner on loopback is not this test's business
          server_errors: false  # both twins answer 500 to the malformed body; the trace is the point here
          {who}
        """)


def outcomes(app: Flask, identity: str | None, live: bool) -> dict[str, object]:
    """item name -> findings (rule ids) or the error message."""
    base = baseline(identity)
    if live:
        context = serve_wsgi(app)
        url = context.__enter__()
        target = LiveTarget(url, ["127.0.0.1"])
    else:
        context, target = None, InProcessTarget(app, scope=["localhost"])
    session = SecureSession(base, target, Redactor(base.secrets), RULES)  # type: ignore[arg-type]
    session.start_run(collect_checks(base))  # type: ignore[arg-type]
    out: dict[str, object] = {}
    try:
        for check in session.checks:
            try:
                out[check.name] = sorted(f.rule_id for f in session.run_check(check))
            except SetupError as exc:
                out[check.name] = str(exc)
    finally:
        session.close()
        if context is not None:
            context.__exit__(None, None, None)
    return out


PROBE = "probe:malformed-body POST /api/items"


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_anonymous_probe_refused_by_auth_errors_and_names_the_fix(live):
    result = outcomes(make_api(leaky=True), None, live)
    message = result[PROBE]
    assert isinstance(message, str), result
    assert "never reached the application's handler" in message
    assert "HTTP 401" in message and "set leaks.identity" in message
    assert TOKEN not in message
    # every probe is refused the same way: none passes in silence
    assert all(isinstance(v, str) for k, v in result.items() if k.startswith("probe:")), result


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_login_redirect_counts_as_not_reached(live):
    message = outcomes(make_api(leaky=True, login_redirect=True), None, live)[PROBE]
    assert isinstance(message, str) and "to the login page /accounts/login/" in message


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_with_the_identity_the_probe_finds_the_traceback(live):
    result = outcomes(make_api(leaky=True), "reader", live)
    assert result[PROBE] == ["leaks/stack-trace-python"]


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_hardened_api_with_the_identity_passes(live):
    result = outcomes(make_api(leaky=False), "reader", live)
    assert result[PROBE] == [] and all(v == [] for v in result.values()), result
