"""The oracles one by one, on small Flask apps: conceal/unauthenticated statuses, unclear
denials, body matchers, login redirects, writes judged by a fresh login, session rotation at a
privilege change, and token lifetimes read from the JWT and expires_in."""

import textwrap

import pytest

from tests.authz.helpers import problems, run_secure

APP = '''
import time
import jwt
from flask import Flask, jsonify, redirect, request

BUGS = {bugs!r}
app = Flask(__name__)
USERS = {{"alice": "alice-pw", "bob": "bob-pw"}}
SESSIONS = {{}}

def user():
    return SESSIONS.get(request.cookies.get("sid", ""))

@app.post("/login")
def login():
    body = request.get_json()
    if USERS.get(body["username"]) != body["password"]:
        return "no", 401
    sid = "s-" + body["username"] + str(len(SESSIONS))
    SESSIONS[sid] = body["username"]
    life = 7 * 86400 if "long_token" in BUGS else 3600
    token = jwt.encode({{"sub": body["username"], "iat": int(time.time()), "exp": int(time.time()) + life}}, "k" * 32)
    response = jsonify(token=token, expires_in=life)
    response.set_cookie("sid", sid)
    return response

@app.get("/vault")
def secret():
    if user() is None:
        return ("denied", 403) if "forbidden_not_401" in BUGS else ("who?", 401)
    if user() != "alice":
        if "crash" in BUGS:
            return "boom", 500
        if "soft_deny" in BUGS:
            return "<h1>Access denied</h1>", 200
        if "login_redirect" in BUGS:
            return redirect("/accounts/login?next=/vault")
        return ("forbidden", 403) if "not_concealed" in BUGS else ("not found", 404)
    return "the vault"

@app.put("/users/<name>/credentials")
def change_password(name):
    if user() is None or (user() != name and "password_owner" not in BUGS):
        return "no", 404
    USERS[name] = request.get_json()["password"]
    return "", 204

@app.post("/sudo")
def sudo():
    if user() is None:
        return "no", 401
    response = jsonify(ok=True)
    if "sudo_keeps_session" not in BUGS:
        sid = "s-" + user() + "-sudo" + str(len(SESSIONS))
        SESSIONS[sid] = user()
        response.set_cookie("sid", sid)
    return response
'''

IDENTITIES = """\
version: 1
gates: {{fail_on: info}}
target: {{app: {app}}}
identities:
  alice: {{login: {{request: POST /login, json: {{username: alice, password: alice-pw}}, session_cookie: sid}}}}
  bob: {{login: {{request: POST /login, json: {{username: bob, password: bob-pw}}, session_cookie: sid}}}}
"""


def _run(pytester, app_module, bugs, authz, *args):
    target = app_module(APP.format(bugs=set(bugs)))
    pytester.makefile(".yaml", **{"security-baseline": IDENTITIES.format(app=target) + textwrap.dedent(authz)})
    return run_secure(pytester, *args)


SECRET = """\
authz:
  expect: {anonymous: unauthenticated}
  rules:
    - {request: GET /vault, allow: [alice], deny_as: conceal}
"""


@pytest.mark.parametrize(("bugs", "expected"), [
    ((), {}),
    (("not_concealed",), {"GET /vault::bob": ("failed", ["authz/denial-status"])}),
    (("forbidden_not_401",), {"GET /vault::anonymous": ("failed", ["authz/denial-status"])}),
    (("crash",), {"GET /vault::bob": ("failed", ["authz/unclear-denial"])}),
    (("soft_deny",), {"GET /vault::bob": ("failed", ["authz/forbidden-access"])}),
    (("login_redirect",), {"GET /vault::bob": ("failed", ["authz/forbidden-access"])}),
])
def test_denial_statuses(pytester, app_module, bugs, expected):
    _, checks = _run(pytester, app_module, bugs, SECRET)
    assert problems(checks) == expected


def test_body_matcher_and_login_redirect_count_as_denials(pytester, app_module):
    authz = SECRET.replace("deny_as: conceal}", "deny_as: deny, deny_body: Access denied}")
    _, checks = _run(pytester, app_module, ("soft_deny",), authz)
    assert problems(checks) == {}
    _, checks = _run(pytester, app_module, ("login_redirect",),
                     SECRET.replace("  rules:", "  deny_redirect: /accounts/login*\n  rules:").replace(
                         "deny_as: conceal", "deny_as: deny"))
    assert problems(checks) == {}


def test_allow_body_is_the_success_oracle(pytester, app_module):
    authz = SECRET.replace("deny_as: conceal}", "allow_body: the vault}")
    _, checks = _run(pytester, app_module, ("soft_deny",), authz)
    assert problems(checks) == {}  # a 200 without "the vault" is a denial


PASSWORD = """\
authz:
  destructive: true
  objects:
    account: {ids: {alice: [alice], bob: [bob]}}
  rules:
    - {request: "PUT /users/{name}/credentials", owner: name, json: {password: attacker-chosen}, effect: {login: true,
       restore: {request: "PUT /users/{name}/credentials", json: {password: "{login.password}"}}}}
"""


def test_password_change_judged_by_logging_in_again(pytester, app_module):
    _, checks = _run(pytester, app_module, (), PASSWORD)
    assert problems(checks) == {} and len(checks) == 3
    # alice changes bob's password: found because a fresh login with bob's credentials fails;
    # bob's password is put back (effect.restore), so bob's own cell is judged too
    _, checks = _run(pytester, app_module, ("password_owner",), PASSWORD)
    assert problems(checks) == {"PUT /users/{name}/credentials::alice": ("failed", ["authz/object-write"]),
                                "PUT /users/{name}/credentials::bob": ("failed", ["authz/object-write"])}
    # without a restore, the changed password is a setup error that says so, never a silent break
    _, checks = _run(pytester, app_module, ("password_owner",), PASSWORD.replace(
        ',\n       restore: {request: "PUT /users/{name}/credentials", json: {password: "{login.password}"}}', ""))
    outcome, error = problems(checks)["PUT /users/{name}/credentials::alice"]
    assert outcome == "error" and "changed bob's credentials, a violation (authz/object-write)" in error
    assert "effect.restore" in error


SESSIONS = """\
authz:
  rules:
    - {request: GET /vault, allow: [alice], deny_as: conceal}
  sessions:
    identities: [alice]
    cookie: sid
    privilege_change: POST /sudo
    max_lifetime: 12h
"""


def test_session_must_rotate_at_a_privilege_change(pytester, app_module):
    _, checks = _run(pytester, app_module, ("sudo_keeps_session",), SESSIONS, "-k", "session")
    assert problems(checks) == {"session fixation::alice": ("failed", ["authz/session-fixation"])}
    _, checks = _run(pytester, app_module, (), SESSIONS, "-k", "session")
    assert problems(checks) == {}


def test_token_lifetime_from_jwt_exp_and_expires_in(pytester, app_module):
    authz = SESSIONS.replace("    identities: [alice]\n", "    identities: [alice]\n").replace(
        "identities:\n  alice: {login: {request: POST /login, json: {username: alice, password: alice-pw}, "
        "session_cookie: sid}}", "")
    pytester_authz = authz
    target = app_module(APP.format(bugs={"long_token"}))
    identities = IDENTITIES.format(app=target).replace("session_cookie: sid}}", "token: token}}")
    pytester.makefile(".yaml", **{"security-baseline": identities + textwrap.dedent(pytester_authz)})
    result, checks = run_secure(pytester, "-k", "lifetime")
    assert problems(checks) == {"session lifetime::alice": ("failed", ["authz/session-lifetime"])}
    out = result.stdout.str()
    assert "alice's token (JWT exp) lives 7 d, longer than the cap of 12 h" in out
    assert "alice's token (expires_in) lives 7 d" in out
    assert "eyJ" not in out  # the JWT itself never shows


def test_session_checks_with_nothing_to_look_at_are_skipped_not_passed(pytester, app_module):
    # FastAPI notes: opaque bearer tokens, no cookie, no expiry in the answer
    target = app_module("from tests.authz.apps.fastapi_notes import create_app\napp = create_app()\n")
    baseline = ("version: 1\ntarget: {app: " + target + "}\nidentities:\n"
                "  alice: {login: {request: POST /login, json: {username: alice, password: alice-pw}, token: token}}\n"
                "authz:\n  rules:\n    - {request: GET /dashboard, allow: [alice]}\n"
                "  sessions: {identities: [alice]}\n")
    pytester.makefile(".yaml", **{"security-baseline": baseline})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=2, skipped=2)
    out = result.stdout.str()
    assert "no session cookie to fixate" in out and "its lifetime cannot be read" in out
