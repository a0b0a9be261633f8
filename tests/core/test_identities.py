"""Identities: CSRF form login (token from the page or a cookie), session-cookie login,
re-login when a session or JWT expires (bounded), role inheritance."""

import time

import jwt
import pytest
from flask import Flask, jsonify, make_response, request

from pytest_secure.core.baseline.model import IdentityConfig, LoginConfig
from pytest_secure.core.errors import SetupError
from pytest_secure.core.identities import Identity, find_input_value, role_closure
from pytest_secure.core.redaction import Redactor
from pytest_secure.core.target import InProcessTarget


def identity(app, login=None, name="alice", **config):
    target = InProcessTarget(app, base_url="http://app.localhost", scope=["app.localhost"])
    return Identity(IdentityConfig(name, login=login, **config), target, Redactor())


def login(path="/login", **extra):
    json = extra.pop("json", None)
    form = extra.pop("form", {"username": "alice", "password": "pw"} if json is None else None)
    token = extra.pop("token", None)
    return LoginConfig("POST", path, json=json, form=form, token=token, extra=extra)


def xsrf_app():
    """An SPA-style app: the CSRF token only in a cookie, echoed in a header (Angular's XSRF-TOKEN)."""
    app = Flask(__name__)
    state = {"logins": 0}

    @app.get("/login")
    def page():
        response = make_response("no form here")
        response.set_cookie("XSRF-TOKEN", "xsrf-value-123")
        return response

    @app.post("/login")
    def do_login():
        if request.headers.get("X-XSRF-TOKEN") != request.cookies.get("XSRF-TOKEN") or not request.cookies.get(
                "XSRF-TOKEN"):
            return "csrf", 403
        state["logins"] += 1
        response = make_response("", 204)
        response.set_cookie("session", f"s{state['logins']}")
        return response

    @app.post("/act")
    def act():
        ok = request.cookies.get("session") and request.headers.get("X-XSRF-TOKEN") == "xsrf-value-123"
        return ("done", 200) if ok else ("no", 403)

    return app, state


def test_csrf_token_from_a_cookie_sent_back_in_a_header():
    app, state = xsrf_app()
    who = identity(app, login(csrf={"cookie": "XSRF-TOKEN", "header": "X-XSRF-TOKEN"}, session_cookie="session"))
    assert who.request("POST", "/act").status == 200  # the header rides on later requests too
    assert state["logins"] == 1 and who.cookies["session"] == "s1"
    assert "xsrf-value-123" in who.redactor.secrets


def test_csrf_token_from_the_page_and_a_missing_token_is_a_setup_error():
    assert find_input_value("<form><input type=hidden name=csrf value='t0k3n'></form>", "csrf") == "t0k3n"
    assert find_input_value("<input value=x name=other>", "csrf") is None
    app, _ = xsrf_app()
    who = identity(app, login(csrf={"field": "csrfmiddlewaretoken"}))
    with pytest.raises(SetupError, match=r"login as 'alice' failed: GET /login answered 200 without a CSRF token "
                                         r"\(no <input name='csrfmiddlewaretoken'> in the page\)"):
        who.request("GET", "/")


def test_login_that_sets_no_session_cookie_is_a_setup_error():
    app, _ = xsrf_app()
    who = identity(app, login(csrf={"cookie": "XSRF-TOKEN", "header": "X-XSRF-TOKEN"}, session_cookie="sessionid"))
    with pytest.raises(SetupError, match="did not set the session cookie 'sessionid'.*identity 'alice'"):
        who.ensure_logged_in()


def expiring_app(uses_per_token: int | None, jwt_lifetimes=()):
    """Tokens that stop working after a number of uses, or JWTs with the given lifetimes."""
    app = Flask(__name__)
    state = {"logins": 0, "uses": {}}

    @app.post("/login")
    def do_login():
        state["logins"] += 1
        if jwt_lifetimes:
            life = jwt_lifetimes[min(state["logins"], len(jwt_lifetimes)) - 1]
            token = jwt.encode({"sub": "alice", "exp": int(time.time()) + life, "n": state["logins"]}, "k" * 32)
        else:
            token = f"t{state['logins']}"
        state["uses"][token] = 0
        return jsonify(token=token)

    @app.get("/me")
    def me():
        token = request.headers.get("Authorization", "")[7:]
        if token not in state["uses"]:
            return "who?", 401
        state["uses"][token] += 1
        if uses_per_token is not None and state["uses"][token] > uses_per_token:
            return "expired", 401
        return jsonify(token=token)

    return app, state


def test_relogin_when_the_session_expires():
    app, state = expiring_app(uses_per_token=3)
    who = identity(app, login(json={"u": "alice"}, form=None, token="token"))
    assert [who.request("GET", "/me").status for _ in range(10)] == [200] * 10
    assert state["logins"] == 4  # 3 uses per token: logged in again on each expiry, retried once


def test_relogin_is_bounded_when_401_is_the_real_answer():
    app, state = expiring_app(uses_per_token=0)  # every token is refused at once
    who = identity(app, login(json={"u": "alice"}, form=None, token="token"))
    assert [who.request("GET", "/me").status for _ in range(10)] == [401] * 10
    assert state["logins"] == 3  # first login + two useless re-logins, then the 401 is taken as the answer


def test_jwt_past_its_exp_is_renewed_before_it_is_sent():
    app, state = expiring_app(uses_per_token=None, jwt_lifetimes=(2, 3600))  # the first expires within leeway
    who = identity(app, login(json={"u": "alice"}, form=None, token="token"))
    first = who.request("GET", "/me")
    assert first.status == 200 and state["logins"] == 2
    assert jwt.decode(first.json()["token"], "k" * 32, algorithms=["HS256"])["n"] == 2
    who.request("GET", "/me")
    assert state["logins"] == 2


def test_refresh_on_empty_list_turns_relogin_off():
    app, state = expiring_app(uses_per_token=1)
    who = identity(app, login(json={"u": "alice"}, form=None, token="token", refresh_on=[]))
    assert [who.request("GET", "/me").status for _ in range(3)] == [200, 401, 401]
    assert state["logins"] == 1


def test_request_without_login_and_fresh_copies():
    app, state = expiring_app(uses_per_token=None)
    who = identity(app, login(json={"u": "alice"}, form=None, token="token"))
    assert who.request("GET", "/me", login=False).status == 401 and state["logins"] == 0
    who.ensure_logged_in()
    other = who.fresh()
    assert other.request("GET", "/me").status == 200 and state["logins"] == 2
    assert other.headers["Authorization"] != who.headers["Authorization"]


def test_role_inheritance_is_transitive_and_cycle_safe():
    configs = {
        "viewer": IdentityConfig("viewer"),
        "analyst": IdentityConfig("analyst", extra={"roles": ["viewer"]}),
        "admin": IdentityConfig("admin", extra={"roles": ["analyst"]}),
        "alice": IdentityConfig("alice", extra={"roles": ["viewer", "auditor"]}),
        "loop": IdentityConfig("loop", extra={"roles": ["loop2"]}),
        "loop2": IdentityConfig("loop2", extra={"roles": ["loop"]}),
    }
    roles = role_closure(configs)
    assert roles["admin"] == {"admin", "analyst", "viewer"}
    assert roles["alice"] == {"alice", "viewer", "auditor"}
    assert roles["viewer"] == {"viewer"}
    assert roles["loop"] == {"loop", "loop2"}
