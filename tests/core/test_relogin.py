"""A failed re-login does not poison an identity, and every login error names its real cause
(issue 10, item 3).

On the accounts API (tests/authz/apps/accounts.py, FastAPI, bearer tokens; a password change
ends the user's tokens; ``login_200``: a failed login answers 200 with an HTML error page),
in-process and on a loopback server. Before: once a legitimate password change had made a
re-login fail, the failure was kept for the run and every later item as that identity
errored with "... has no 'token'; fix identities.alice.login.token".
"""

import itertools
import json

import pytest

from pytest_secure.core.baseline.model import IdentityConfig, LoginConfig
from pytest_secure.core.errors import SetupError
from pytest_secure.core.identities import MAX_FAILED_RELOGINS, Identities
from pytest_secure.core.redaction import Redactor
from pytest_secure.core.target import InProcessTarget, LiveTarget
from tests.authz.apps import accounts
from tests.core.project import app_target
from tests.servers import serve_asgi

_keys = itertools.count()


def configs(token="token", **passwords):
    def login(user):
        return LoginConfig("POST", "/login", json={"username": user, "password": passwords.get(user, f"{user}-pw")},
                           token=token)

    return {u: IdentityConfig(u, login=login(u)) for u in ("alice", "dave")}


@pytest.fixture(params=["in-process", "loopback"])
def serve(request):
    """Build the accounts app with these bugs and return a Target for it."""
    live = request.param == "loopback"
    stack = []

    def make(bugs=()):
        app = accounts.create_app(set(bugs))
        if not live:
            return app, InProcessTarget(app, base_url="http://accounts.localhost", scope=["accounts.localhost"])
        server = serve_asgi(app)
        url = server.__enter__()
        stack.append(server)
        return app, LiveTarget(url, ["127.0.0.1"])

    yield make
    for server in stack:
        server.__exit__(None, None, None)


def test_a_failed_relogin_names_its_cause_and_is_retried(serve):
    app, target = serve({"login_200"})
    who = Identities(configs(), target, Redactor())
    alice, dave = who["alice"], who["dave"]
    assert alice.request("GET", "/dashboard").status == 200
    assert alice.request("PUT", "/me/password", json={"password": "changed-pw"}).status == 204  # a legit test
    alice.changed_by = "authz[PUT /me/password::alice]"
    with pytest.raises(SetupError) as failed:
        alice.request("GET", "/dashboard")
    message = str(failed.value)
    assert message.startswith("identity 'alice' logged in at the start of the run, but logging in again after "
                              "HTTP 401 on GET /dashboard failed: POST /login answered 200 (text/html; "
                              "charset=utf-8, "), message
    assert "which is not JSON, so there is no token at 'token'" in message
    assert "an earlier check may have changed its credentials (authz[PUT /me/password::alice])" in message
    assert "fix identities.alice.login.token" not in message  # the token path worked at the start
    # the credentials are put back (here by an admin): the next request logs in again, no poison
    assert dave.request("POST", "/admin/users/alice/password-reset").status == 204
    assert alice.request("GET", "/dashboard").json() == {"user": "alice"}


def test_failed_relogins_are_bounded(serve):
    app, target = serve()
    alice = Identities(configs(), target, Redactor())["alice"]
    alice.ensure_logged_in()
    assert alice.request("PUT", "/me/password", json={"password": "changed-pw"}).status == 204
    errors = []
    for _ in range(MAX_FAILED_RELOGINS + 2):
        with pytest.raises(SetupError) as failed:
            alice.request("GET", "/dashboard")
        errors.append(str(failed.value))
    assert all("answered 401, expected one of" in e for e in errors)
    assert f"(gave up after {MAX_FAILED_RELOGINS} attempts)" in errors[-1]
    app.state.passwords["alice"] = "alice-pw"
    with pytest.raises(SetupError, match="gave up"):  # no more logins are tried: bounded
        alice.request("GET", "/dashboard")


def test_a_failed_first_login_is_a_configuration_problem_kept_for_the_run(serve):
    app, target = serve()
    alice = Identities(configs(alice="wrong-pw"), target, Redactor())["alice"]
    with pytest.raises(SetupError, match=r"^login as 'alice' failed: POST /login answered 401"):
        alice.request("GET", "/dashboard")
    app.state.passwords["alice"] = "wrong-pw"
    with pytest.raises(SetupError, match=r"^login as 'alice' failed"):  # remembered: one clear error per item
        alice.request("GET", "/dashboard")


def test_a_login_answer_without_the_token_says_what_came_back(serve):
    _, target = serve()
    alice = Identities(configs(token="data.access_token"), target, Redactor())["alice"]
    with pytest.raises(SetupError) as failed:
        alice.ensure_logged_in()
    message = str(failed.value)
    assert "POST /login answered 200 (application/json, " in message
    assert "its JSON has no 'data.access_token' (its keys: token)" in message
    assert "fix identities.alice.login.token" in message  # at the start, the token path may be wrong


BASELINE = """\
version: 1
target: {{{target}}}
identities:
  alice: {{login: {{request: POST /login, json: {{username: alice, password: alice-pw}}, token: token}}}}
authz:
  destructive: true
  concurrency: 1
  identities: [alice]
  rules:
    - {{request: PUT /me/password, json: {{password: changed-pw}}, allow: [alice]}}
    - {{request: GET /dashboard, allow: [alice]}}
    - {{request: GET /users/alice, allow: [alice]}}
"""


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_items_after_a_password_change_name_the_real_cause(pytester, live):
    app = accounts.create_app({"login_200"})
    report = pytester.path / f"report{next(_keys)}.json"

    def secure(target):
        pytester.makefile(".yaml", **{"security-baseline": BASELINE.format(target=target)})
        return pytester.runpytest("--secure", "-p", "no:cacheprovider", f"--secure-json={report}")

    with app_target(pytester, app, live, serve_asgi) as target:
        result = secure(target)
    checks = {r["check"]: (r["outcome"], r.get("error") or "") for r in json.loads(report.read_text())["checks"]}
    assert checks["PUT /me/password::alice"][0] == "passed", result.stdout.str()[-3000:]
    for path in ("/dashboard", "/users/alice"):  # the second item tried to log in again too (not cached)
        outcome, error = checks[f"GET {path}::alice"]
        assert outcome == "error"
        assert ("identity 'alice' logged in at the start of the run, but logging in again after HTTP 401 on "
                "GET /dashboard failed: POST /login answered 200 (text/html") in error
        assert "an earlier check may have changed its credentials" in error
        assert "login.token" not in error and "gave up" not in error
