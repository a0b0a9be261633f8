"""Secrets in the application's own logs (issue 13, item 7): a Flask login that logs the
password, a card number logged in full and a FastAPI middleware that logs the Authorization
header are found, in process and with the app on a loopback server; the twins are quiet; the
finding never shows the value; pytest-secure's own log redaction does not hide the leak; a live
target's log file is searched too."""

from __future__ import annotations

import logging

import pytest

from pytest_secure.areas import RULES
from pytest_secure.core.redaction import Redactor, install_log_redaction, remove_log_redaction
from pytest_secure.core.session import SecureSession
from pytest_secure.core.target import InProcessTarget, LiveTarget
from pytest_secure.hygiene.app_logs import AppLogCheck, card_numbers
from pytest_secure.runner.collect import collect_checks

from . import depth_apps
from .audit import load, served

PASSWORD = "viewer-pass-8c1f"
TOKEN = "api-token-3f9a77e1"
FLASK = f"""
    version: 1
    identities:
      viewer: {{login: {{request: POST /login, form: {{username: viewer, password: "{PASSWORD}"}}}}}}
    leaks:
      paths: [/]
      identity: viewer
      banners: false
      app_logs: true
      probes: [{{request: POST /pay, name: pay, body: '{{"card": "4111 1111 1111 1111"}}'}}]
    """
FASTAPI = f"""
    version: 1
    identities:
      reader: {{bearer: "{TOKEN}"}}
    leaks: {{paths: [/], identity: reader, banners: false, error_pages: false, app_logs: true}}
    """


def run(app, text, live):
    """Every check, the app-logs one last (as the plugin orders it), with the tool's own log
    redaction installed as in a real run."""
    baseline = load(text)
    redactor = Redactor(baseline.secrets)
    install_log_redaction(redactor)
    context = served(app) if live else None
    target = LiveTarget(context.__enter__(), ["127.0.0.1"]) if context else InProcessTarget(app, scope=["localhost"])
    session = SecureSession(baseline, target, redactor, RULES)
    session.start_run(collect_checks(baseline))
    [logs] = [c for c in session.checks if isinstance(c.run, AppLogCheck)]
    logs.run.capture.install()
    try:
        for check in session.checks:
            if check is not logs:
                session.run_check(check)
        return session.run_check(logs)
    finally:
        logs.run.capture.uninstall()
        remove_log_redaction()
        session.close()
        if context:
            context.__exit__(None, None, None)


def kinds(findings):
    return sorted(f.message.rsplit(" wrote ", 1)[-1] for f in findings if f.rule_id == "leaks/secret-in-app-log")


CREDENTIAL = "a credential pytest-secure holds (password, token or cookie)"


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_flask_password_and_card_in_log_are_found_twin_quiet(live):
    findings = run(depth_apps.flask_logging_app(planted=True), FLASK, live)
    assert kinds(findings) == ["a card number", CREDENTIAL]
    shown = " ".join(f"{f.message} {f.evidence}" for f in findings)
    assert PASSWORD not in shown and "4111" not in shown
    assert kinds(run(depth_apps.flask_logging_app(planted=False), FLASK, live)) == []


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_fastapi_authorization_header_in_log_is_found_twin_quiet(live):
    assert kinds(run(depth_apps.fastapi_logging_app(planted=True), FASTAPI, live)) == [CREDENTIAL]
    assert kinds(run(depth_apps.fastapi_logging_app(planted=False), FASTAPI, live)) == []


def test_redaction_still_masks_what_handlers_see(caplog):
    """The capture reads the raw message; every handler still gets the redacted one."""
    with caplog.at_level(logging.INFO):
        run(depth_apps.flask_logging_app(planted=True), FLASK, live=False)
    assert "password=" in caplog.text and PASSWORD not in caplog.text


def test_live_log_file_is_searched(tmp_path):
    log = tmp_path / "app.log"
    text = FLASK.replace("app_logs: true", f"log_file: {log}")
    with served(depth_apps.flask_logging_app(planted=True, log_file=log)) as url:
        baseline = load(text)
        session = SecureSession(baseline, LiveTarget(url, ["127.0.0.1"]), Redactor(baseline.secrets), RULES)
        session.start_run(collect_checks(baseline))
        try:
            for check in session.checks:
                found = session.run_check(check)
        finally:
            session.close()
    assert session.checks[-1].name == "app-logs"
    assert kinds(found) == ["a card number", CREDENTIAL]
    assert all(f.location == "log file app.log" for f in found)


def test_card_numbers():
    assert card_numbers("card 4111 1111 1111 1111 and 5500-0000-0000-0004") == 2
    assert card_numbers("order 1234567890123 id 4111111111111112 phone 0000000000000") == 0


PLUGIN_APP = '''
import logging
from flask import Flask, jsonify, request

app = Flask(__name__)
log = logging.getLogger("shop.auth")
log.setLevel(logging.INFO)

@app.post("/login")
def login():
    log.info("login %s with %s", request.form["username"], request.form["password"])  # the defect
    return jsonify(ok=True)

@app.get("/")
def index():
    return "<!doctype html><title>Home</title>"
'''


def test_pytest_run_captures_from_the_start_and_runs_the_log_item_last(pytester):
    pytester.makepyfile(shopapp=PLUGIN_APP)
    pytester.makefile(".yaml", **{"security-baseline": f"""
version: 1
target: {{app: "shopapp:app"}}
identities:
  viewer: {{login: {{request: POST /login, form: {{username: viewer, password: "{PASSWORD}"}}}}}}
leaks: {{paths: [/], identity: viewer, banners: false, app_logs: true}}
"""})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "-v", "-W", "ignore")
    out = result.stdout.str()
    ran = [line for line in out.splitlines() if "::leaks[" in line and ("PASSED" in line or "FAILED" in line)]
    assert "leaks[app-logs]" in ran[-1] and "FAILED" in ran[-1], out
    assert "leaks/secret-in-app-log" in out and PASSWORD not in out
