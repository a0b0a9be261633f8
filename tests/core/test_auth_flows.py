"""Identities log in and send credentials the way real apps expect (issue 19).

Each app in tests/core/auth_apps accepts ONLY one flow, so an identity that sends its token in
the wrong place, with the wrong scheme, or writes without the CSRF token, is refused. Every
flow is run in-process and on a loopback server. Before issue 19 a token could only be sent
as ``Authorization: Bearer`` and read from the login's JSON: every test below that is not
``Bearer`` + JSON failed (401 on every request, or a load error for the new keys).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import textwrap

import pytest

from pytest_secure.core.baseline.model import IdentityConfig, LoginConfig, OAuth2Config, TokenPlacement, TokenSource
from pytest_secure.core.errors import SetupError
from pytest_secure.core.identities import Identities
from pytest_secure.core.redaction import Redactor
from pytest_secure.core.target import InProcessTarget, LiveTarget

# imported here, outside pytester's in-process runs, whose module snapshot would otherwise drop
# Django's configured settings between the in-process and the loopback variants
from tests.authz.apps import django_notes
from tests.core.auth_apps import drf_tokens, flask_tokens, flask_wtf_totp, oauth_server
from tests.paths import ROOT
from tests.servers import serve_wsgi

PLACEMENTS = {
    "x-auth-token": TokenPlacement("header", "X-Auth-Token", None),
    "jwt-scheme": TokenPlacement("header", "Authorization", "JWT"),
    "bare": TokenPlacement("header", "Authorization", None),
    "query": TokenPlacement("query", "api_key", None),
    "cookie": TokenPlacement("cookie", "auth", None),
}
SOURCES = {"json": TokenSource("json", "data.token"), "header": TokenSource("header", "X-Auth-Token"),
           "cookie": TokenSource("cookie", "auth")}


@pytest.fixture(params=["in-process", "loopback"])
def serve(request):
    """``serve(app)`` -> a Target for the app, in-process or on a loopback server."""
    with contextlib.ExitStack() as stack:
        def make(app):
            if request.param == "in-process":
                return InProcessTarget(app, base_url="http://localhost", scope=["localhost"])  # Authlib: https or loopback
            return LiveTarget(stack.enter_context(serve_wsgi(app)), ["127.0.0.1"])

        yield make


def token_identity(target, user, source, placement, redactor=None, path="/login"):
    login = LoginConfig("POST", path, json={"username": user, "password": f"{user}-pw"}, token_source=source)
    config = IdentityConfig(user, login=login, send_token=placement)
    return Identities({user: config}, target, redactor or Redactor())[user]


@pytest.mark.parametrize("accept", list(PLACEMENTS))
def test_the_token_is_sent_where_the_app_reads_it(serve, accept):
    target = serve(flask_tokens.create_app(accept))
    alice = token_identity(target, "alice", SOURCES["json"], PLACEMENTS[accept])
    assert alice.request("GET", "/me").json() == {"user": "alice"}
    assert alice.request("POST", "/notes", json={"text": "hello"}).status == 201
    # the app accepts only this flow: the default placement (Authorization: Bearer) is refused
    bearer = token_identity(target, "alice", SOURCES["json"], TokenPlacement())
    assert bearer.request("GET", "/me").status == 401


@pytest.mark.parametrize("issue", ["header", "cookie"])
def test_the_token_is_read_from_a_response_header_or_cookie(serve, issue):
    target = serve(flask_tokens.create_app("x-auth-token", issue=issue))
    bob = token_identity(target, "bob", SOURCES[issue], PLACEMENTS["x-auth-token"])
    assert bob.request("GET", "/me").json() == {"user": "bob"}
    assert bob.token and bob.headers["X-Auth-Token"] == bob.token
    # looking in the JSON body instead is a setup error that says what came back
    wrong = token_identity(target, "bob", SOURCES["json"], PLACEMENTS["x-auth-token"])
    with pytest.raises(SetupError, match=r"its JSON has no 'data.token' \(its keys: user\)"):
        wrong.request("GET", "/me")


def test_a_missing_header_token_names_the_header(serve):
    target = serve(flask_tokens.create_app("x-auth-token", issue="json"))
    bob = token_identity(target, "bob", SOURCES["header"], PLACEMENTS["x-auth-token"])
    with pytest.raises(SetupError, match=r"login as 'bob' failed: POST /login answered 200 \(application/json, "
                                         r"\d+ bytes\) without a X-Auth-Token header; fix identities.bob.login.token"):
        bob.ensure_logged_in()


# -- whole runs: authz matrix, sessions, JWT probes and fuzzing through each flow -----------------

TOKEN_BASELINE = """
    version: 1
    target: {{{target}, openapi: /openapi.json}}
    identities:
      alice:
        login: {{request: POST /login, json: {{username: alice, password: "${{secret:ALICE_PW}}"}}, token: {source}}}
        send_token: {placement}
      bob:
        login: {{request: POST /login, json: {{username: bob, password: bob-pw}}, token: {source}}}
        send_token: {placement}
    authz:
      destructive: true
      expect: {{anonymous: unauthenticated}}
      rules:
        - {{request: GET /me, allow: [alice, bob]}}
        - {{request: GET /admin, allow: [alice]}}
        - {{request: POST /notes, json: {{text: hi}}, allow: [alice, bob]}}
      sessions: {{identities: [alice], logout: POST /logout, probe: GET /me, fixation: false}}
    jwt: {{probe: GET /me, identities: [alice], attacks: [alg-none, signature]}}
    fuzz: {{operations: [GET /notes], identity: bob, max_examples: 5, seed: 0, oracles: [server-error]}}
    gates: {{fail_on: low}}
    """


def run_secure(pytester, monkeypatch, baseline, live_app=None, *extra):
    """``pytest --secure`` on the baseline in a subprocess: these runs log in, fuzz and serve
    through real framework apps, and a separate process keeps each run's threads, sockets and
    imported apps out of the test process (and out of a pytest-xdist worker)."""
    monkeypatch.setenv("ALICE_PW", "alice-pw")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(baseline)})
    args = ["--secure", "-p", "no:cacheprovider", "-rA", "--secure-json=report.json", *extra]
    if live_app is not None:
        with serve_wsgi(live_app) as url:
            result = pytester.runpytest_subprocess(*args, f"--secure-target={url}", timeout=300)
    else:
        result = pytester.runpytest_subprocess(*args, timeout=300)
    # a run that never got to its checks (usage error, nothing collected, a crash) must not look quiet
    assert result.ret in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED), result.stdout.str()[-3000:]
    report = json.loads((pytester.path / "report.json").read_text())
    assert report["checks"], "the run collected no pytest-secure checks"
    return result, report


def outcomes(report):
    """{item name: (outcome, [rule ids])}"""
    return {f"{c['area']}[{c['check']}]": (c["outcome"], sorted({f["rule_id"] for f in c["findings"]}))
            for c in report["checks"]}


def app_module(pytester, source):
    """Write a module exposing ``app``; returns 'module:app' (names unique: pytester runs in-process)."""
    name = f"flowapp{next(_names)}"
    pytester.makepyfile(**{name: source})
    return f"{name}:app"


_names = itertools.count()


TOKEN_CASES = [("query", "json", "{query: api_key}", "data.token"),
               ("cookie", "cookie", "{cookie: auth}", "{cookie: auth}"),
               ("jwt-scheme", "header", "{header: Authorization, scheme: JWT}", "{header: X-Auth-Token}")]


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
@pytest.mark.parametrize(("accept", "issue", "placement", "source"), TOKEN_CASES, ids=[c[0] for c in TOKEN_CASES])
@pytest.mark.parametrize("bugs", [(), ("alg_none", "logout", "search_500")], ids=["hardened", "planted"])
def test_token_flows_through_authz_sessions_jwt_and_fuzz(pytester, monkeypatch, live, accept, issue, placement,
                                                         source, bugs):
    make = f"from tests.core.auth_apps.flask_tokens import create_app\napp = create_app({accept!r}, {issue!r}, {set(bugs)!r})\n"
    target = app_module(pytester, make)
    baseline = TOKEN_BASELINE.format(target=f'app: "{target}"', placement=placement, source=source)
    live_app = flask_tokens.create_app(accept, issue, set(bugs)) if live else None
    result, report = run_secure(pytester, monkeypatch, baseline, live_app)
    got = outcomes(report)
    errors = {name: c for name, c in got.items() if c[0] == "error"}
    assert not errors, (errors, result.stdout.str()[-3000:])
    matrix = {k: v for k, v in got.items() if k.startswith("authz[") and "session" not in k}
    assert len(matrix) == 9 and all(v == ("passed", []) for v in matrix.values()), matrix
    assert got["authz[session lifetime::alice]"] == ("passed", [])
    if bugs:  # the fuzzer reached the signed-in search: it sent bob's token where the app reads it
        assert got["fuzz[GET /notes]"] == ("failed", ["fuzz/server-error"])
        assert got["jwt[alg-none::alice]"] == ("failed", ["jwt/alg-none-accepted"])
        assert got["authz[session logout::alice]"] == ("failed", ["authz/logout-session-alive"])
    else:
        assert got["fuzz[GET /notes]"] == ("passed", [])
        assert got["jwt[alg-none::alice]"] == ("passed", [])
        assert got["authz[session logout::alice]"] == ("passed", [])
    assert got["jwt[signature::alice]"] == ("passed", [])
    assert "alice-pw" not in result.stdout.str()


# -- OAuth2 (Authlib's authorization server) ------------------------------------------------------

def oauth_identities(target, client_auth="basic", expires_in=None, app_auth="client_secret_basic"):
    svc = IdentityConfig("svc", oauth2=OAuth2Config("/oauth/token", "client_credentials", "svc", "svc-secret-8e2f41",
                                                    client_auth, "read write"))
    alice = IdentityConfig("alice", oauth2=OAuth2Config("/oauth/token", "password", "webapp", "webapp-secret-5b7c90",
                                                        client_auth, "read", "alice", "alice-pw"))
    return Identities({"svc": svc, "alice": alice}, target, Redactor())


@pytest.mark.parametrize(("client_auth", "app_auth"), [("basic", "client_secret_basic"), ("body", "client_secret_post")])
def test_oauth2_grants_with_the_one_client_authentication_the_server_accepts(serve, client_auth, app_auth):
    app = oauth_server.create_app(app_auth)
    who = oauth_identities(serve(app), client_auth)
    assert who["svc"].request("GET", "/me").json() == {"user": "client:svc", "scope": "read write"}
    assert who["svc"].request("POST", "/reports").status == 201
    assert who["alice"].request("GET", "/admin").json() == {"admin": True}
    assert app.oauth.grants == {"client_credentials": 1, "password": 1}
    # the other client authentication is refused by the server: a setup error naming the OAuth2 error
    other = oauth_identities(serve(app), "body" if client_auth == "basic" else "basic")
    with pytest.raises(SetupError, match=r"login as 'svc' failed: POST /oauth/token answered 401 with the OAuth2 "
                                         r"error 'invalid_client'; check identities.svc.oauth2"):
        other["svc"].request("GET", "/me")


def test_an_expiring_access_token_is_refreshed_before_it_is_sent(serve):
    app = oauth_server.create_app(expires_in=2)  # inside the renewal leeway: every request renews it first
    alice = oauth_identities(serve(app))["alice"]
    for _ in range(3):
        assert alice.request("GET", "/me").json()["user"] == "alice"
    assert app.oauth.grants == {"password": 1, "refresh_token": 3}  # refreshed, never a new password grant


def test_a_refused_token_is_refreshed_and_a_dead_refresh_token_means_a_new_grant(serve):
    app = oauth_server.create_app()
    alice = oauth_identities(serve(app))["alice"]
    assert alice.request("GET", "/me").status == 200
    app.oauth.revoke_access()  # the server ends the access token: 401, then the refresh token
    assert alice.request("GET", "/me").status == 200
    assert app.oauth.grants == {"password": 1, "refresh_token": 1}
    app.oauth.revoke_access()
    app.oauth.revoke_refresh()  # both dead: the password grant again
    assert alice.request("GET", "/me").status == 200
    assert app.oauth.grants == {"password": 2, "refresh_token": 1}


OAUTH_BASELINE = """
    version: 1
    target: {{{target}, openapi: /openapi.json}}
    identities:
      svc:
        oauth2: {{token_url: /oauth/token, client_id: svc, client_secret: "${{secret:SVC_SECRET}}", scope: read write}}
      alice:
        oauth2:
          token_url: /oauth/token
          grant: password
          client_id: webapp
          client_secret: "${{secret:WEBAPP_SECRET}}"
          client_auth: {client_auth}
          username: alice
          password: "${{secret:ALICE_PW}}"
          scope: read
    authz:
      destructive: true
      expect: {{anonymous: unauthenticated}}
      rules:
        - {{request: GET /me, allow: [svc, alice]}}
        - {{request: GET /admin, allow: [alice]}}
        - {{request: POST /reports, allow: [svc]}}
      sessions: {{identities: [alice], logout: POST /logout, probe: GET /me, fixation: false}}
    fuzz: {{operations: [GET /reports], identity: svc, max_examples: 5, seed: 0, oracles: [server-error]}}
    gates: {{fail_on: low}}
    """


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
@pytest.mark.parametrize("bugs", [(), ("logout", "long_lived", "search_500")], ids=["hardened", "planted"])
def test_oauth2_flows_through_authz_sessions_and_fuzz(pytester, monkeypatch, live, bugs):
    monkeypatch.setenv("SVC_SECRET", "svc-secret-8e2f41")
    monkeypatch.setenv("WEBAPP_SECRET", "webapp-secret-5b7c90")
    auth = "client_secret_basic" if live else "client_secret_post"
    make = (f"from tests.core.auth_apps.oauth_server import create_app\n"
            f"app = create_app({auth!r}, bugs={set(bugs)!r})\n")
    target = app_module(pytester, make)
    baseline = OAUTH_BASELINE.format(target=f'app: "{target}"', client_auth="basic" if live else "body")
    if live:  # svc authenticates with the default (basic) on both; alice's client_auth follows the server
        live_app = oauth_server.create_app(auth, bugs=set(bugs))
    else:
        baseline = baseline.replace("scope: read write}", "scope: read write, client_auth: body}")
        live_app = None
    result, report = run_secure(pytester, monkeypatch, baseline, live_app)
    got = outcomes(report)
    errors = {name: c for name, c in got.items() if c[0] == "error"}
    assert not errors, (errors, result.stdout.str()[-3000:])
    matrix = {k: v for k, v in got.items() if k.startswith("authz[") and "session" not in k}
    assert len(matrix) == 9 and all(v == ("passed", []) for v in matrix.values()), matrix
    if bugs:
        assert got["fuzz[GET /reports]"] == ("failed", ["fuzz/server-error"])
        assert got["authz[session logout::alice]"] == ("failed", ["authz/logout-session-alive"])
        assert got["authz[session lifetime::alice]"] == ("failed", ["authz/session-lifetime"])
    else:
        assert got["fuzz[GET /reports]"] == ("passed", [])
        assert got["authz[session logout::alice]"] == ("passed", [])
        assert got["authz[session lifetime::alice]"] == ("passed", [])
    output = result.stdout.str() + (pytester.path / "report.json").read_text()
    for secret in ("svc-secret-8e2f41", "webapp-secret-5b7c90", "alice-pw"):
        assert secret not in output


# -- Django REST framework TokenAuthentication ----------------------------------------------------

DRF_BASELINE = """
    version: 1
    target: {{{target}}}
    identities:
      alice:
        login: {{request: POST /api/login, json: {{username: alice, password: "${{secret:ALICE_PW}}"}}, token: data.token}}
        send_token: {{header: Authorization, scheme: {scheme}}}
      bob:
        login: {{request: POST /api/login, json: {{username: bob, password: bob-pw}}, token: data.token}}
        send_token: {{header: Authorization, scheme: {scheme}}}
    authz:
      destructive: true
      expect: {{anonymous: unauthenticated}}
      rules:
        - {{request: GET /api/me, allow: [alice, bob]}}
        - {{request: GET /api/admin, allow: [alice]}}
        - {{request: POST /api/notes, json: {{text: hi}}, allow: [alice, bob]}}
      sessions: {{identities: [alice], logout: POST /api/logout, probe: GET /api/me, fixation: false}}
    gates: {{fail_on: low}}
    """


def test_drf_token_authentication_only_accepts_its_own_scheme(serve):

    target = serve(drf_tokens.create_app())
    token = TokenPlacement("header", "Authorization", "Token")
    alice = token_identity(target, "alice", TokenSource("json", "data.token"), token, path="/api/login")
    assert alice.request("GET", "/api/me").json() == {"user": "alice"}
    assert alice.request("POST", "/api/notes", json={"text": "x"}).status == 201
    bearer = token_identity(target, "alice", TokenSource("json", "data.token"), TokenPlacement(), path="/api/login")
    assert bearer.request("GET", "/api/me").status == 401  # DRF ignores a Bearer header: not authenticated


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
@pytest.mark.parametrize(("scheme", "bugs"), [("Token", ()), ("Token", ("logout",)), ("Bearer", ())],
                         ids=["hardened", "planted", "wrong-scheme"])
def test_drf_token_flow_through_authz_and_sessions(pytester, monkeypatch, live, scheme, bugs):

    make = f"from tests.core.auth_apps.drf_tokens import create_app\napp = create_app({set(bugs)!r})\n"
    baseline = DRF_BASELINE.format(target=f'app: "{app_module(pytester, make)}"', scheme=scheme)
    result, report = run_secure(pytester, monkeypatch, baseline, drf_tokens.create_app(set(bugs)) if live else None)
    got = outcomes(report)
    matrix = {k: v for k, v in got.items() if k.startswith("authz[") and "session" not in k}
    assert len(matrix) == 9
    if scheme == "Bearer":  # what every identity sent before issue 19: the allow cells cannot be trusted
        assert got["authz[GET /api/me::alice]"][0] == "error"
        result.stdout.fnmatch_lines(["*alice was refused GET /api/me (HTTP 401*cannot be trusted*"])
        return
    assert all(v == ("passed", []) for v in matrix.values()), (matrix, result.stdout.str()[-3000:])
    logout = ("failed", ["authz/logout-session-alive"]) if bugs else ("passed", [])
    assert got["authz[session logout::alice]"] == logout


# -- multi-step login with TOTP, CSRF on writes (Flask-WTF) ---------------------------------------

def totp_login(user, seed):
    from pytest_secure.core.baseline.model import Extract, LoginStep

    return LoginConfig("GET", "/login", extra={"session_cookie": "session"}, steps=(
        LoginStep("GET", "/login", extract={"csrf": Extract("input", "csrf_token")}),
        LoginStep("POST", "/login", form={"username": user, "password": f"{user}-pw", "csrf_token": "{csrf}"},
                  extract={"csrf2": Extract("input", "csrf_token")}),
        LoginStep("POST", "/login/totp", form={"code": "{totp}", "csrf_token": "{csrf2}"}, totp=seed),
    ))


def wtf_identity(target, user="bob", seed=None, csrf=True):
    from pytest_secure.core.baseline.model import CsrfConfig
    from tests.core.auth_apps.flask_wtf_totp import SEEDS

    config = IdentityConfig(user, login=totp_login(user, seed or SEEDS[user]),
                            csrf=CsrfConfig(header="X-CSRFToken", page="GET /notes/new", input="csrf_token")
                            if csrf else None)
    return Identities({user: config}, target, Redactor())[user]


def test_a_multi_step_login_with_a_totp_code(serve):

    app = flask_wtf_totp.create_app()
    bob = wtf_identity(serve(app))
    assert bob.request("GET", "/me").json() == {"user": "bob"}
    assert list(app.secure_state["live"].values()) == ["bob"]
    # the password alone is not a login: the wrong TOTP secret stops at the second step
    wrong = wtf_identity(serve(app), seed="KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU")
    with pytest.raises(SetupError, match=r"identities.bob.login.steps\[2\] \(POST /login/totp\) answered 401, "
                                         r"expected one of .*and that the totp secret is the account's"):
        wrong.ensure_logged_in()


def test_writes_carry_the_csrf_token_and_a_csrf_refusal_is_a_setup_error(serve):

    app = flask_wtf_totp.create_app()
    bob = wtf_identity(serve(app))
    assert bob.request("POST", "/notes", json={"text": "json write"}).status == 201
    assert bob.request("POST", "/notes", data={"text": "form write"}).status == 201
    assert bob.request("POST", "/notes/purge").status == 204
    headers, cookies = bob.credentials()  # what fuzzing and session replays send: the token included
    assert headers["X-CSRFToken"] and "session" in cookies
    assert app.secure_state["notes"]["bob"] == ["json write", "form write"]
    carol = wtf_identity(serve(app), "carol", csrf=False)  # no `csrf:`: every write is refused by CSRFProtect
    assert carol.request("GET", "/me").status == 200
    with pytest.raises(SetupError, match=r"POST /notes/purge as carol was refused by the app's CSRF protection "
                                         r"\(HTTP 400: 'CSRF token is missing'\), not by its access rules; "
                                         r"set identities.carol.csrf"):
        carol.request("POST", "/notes/purge")  # a 400 that is no deny: carol's cell must not pass


WTF_BASELINE = """
    version: 1
    target: {{{target}, openapi: /openapi.json}}
    identities:
      bob:
        login:
          steps:
            - {{request: GET /login, extract: {{csrf: {{input: csrf_token}}}}}}
            - request: POST /login
              form: {{username: bob, password: "${{secret:BOB_PW}}", csrf_token: "{{csrf}}"}}
              extract: {{csrf2: {{input: csrf_token}}}}
            - {{request: POST /login/totp, form: {{code: "{{totp}}", csrf_token: "{{csrf2}}"}}, totp: "${{secret:BOB_TOTP_SEED}}"}}
          session_cookie: session
        {csrf}
      carol:
        login:
          steps:
            - {{request: GET /login, extract: {{csrf: {{input: csrf_token}}}}}}
            - request: POST /login
              form: {{username: carol, password: carol-pw, csrf_token: "{{csrf}}"}}
              extract: {{csrf: {{input: csrf_token}}}}  # the session was cleared: a new form, a new token
            - {{request: POST /login/totp, form: {{code: "{{totp}}", csrf_token: "{{csrf}}"}}, totp: "${{secret:CAROL_TOTP_SEED}}"}}
          session_cookie: session
        {csrf}
    authz:
      destructive: true
      identities: [bob, carol]
      rules:
        - {{request: GET /me, allow: [bob, carol]}}
        - {{request: POST /notes, json: {{text: hi}}, allow: [bob, carol]}}
        - {{request: POST /notes/purge, allow: [bob]}}
      sessions: {{identities: [bob], logout: POST /logout, probe: GET /me, fixation: false}}
    fuzz: {{operations: [GET /notes], identity: carol, max_examples: 5, seed: 0, oracles: [server-error]}}
    gates: {{fail_on: low}}
    """
WTF_CSRF = "csrf: {page: GET /notes/new, input: csrf_token, header: X-CSRFToken}"


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
@pytest.mark.parametrize("bugs", [(), ("logout", "search_500")], ids=["hardened", "planted"])
def test_totp_login_and_csrf_writes_through_authz_sessions_and_fuzz(pytester, monkeypatch, live, bugs):

    monkeypatch.setenv("BOB_PW", "bob-pw")
    monkeypatch.setenv("BOB_TOTP_SEED", flask_wtf_totp.SEEDS["bob"])
    monkeypatch.setenv("CAROL_TOTP_SEED", flask_wtf_totp.SEEDS["carol"])
    make = f"from tests.core.auth_apps.flask_wtf_totp import create_app\napp = create_app({set(bugs)!r})\n"
    baseline = WTF_BASELINE.format(target=f'app: "{app_module(pytester, make)}"', csrf=WTF_CSRF)
    result, report = run_secure(pytester, monkeypatch, baseline, flask_wtf_totp.create_app(set(bugs)) if live else None)
    got = outcomes(report)
    errors = {name: c for name, c in got.items() if c[0] == "error"}
    assert not errors, (errors, result.stdout.str()[-3000:])
    matrix = {k: v for k, v in got.items() if k.startswith("authz[") and "session" not in k}
    assert len(matrix) == 6 and all(v == ("passed", []) for v in matrix.values()), matrix
    planted = {"fuzz[GET /notes]": ("failed", ["fuzz/server-error"]),
               "authz[session logout::bob]": ("failed", ["authz/logout-session-alive"])}
    for name, outcome in planted.items():
        assert got[name] == (outcome if bugs else ("passed", [])), name
    output = result.stdout.str() + (pytester.path / "report.json").read_text()
    assert flask_wtf_totp.SEEDS["bob"] not in output and "bob-pw" not in output


def test_without_csrf_a_refused_write_is_a_setup_error_never_a_passing_deny(pytester, monkeypatch):

    monkeypatch.setenv("BOB_PW", "bob-pw")
    monkeypatch.setenv("BOB_TOTP_SEED", flask_wtf_totp.SEEDS["bob"])
    monkeypatch.setenv("CAROL_TOTP_SEED", flask_wtf_totp.SEEDS["carol"])
    make = "from tests.core.auth_apps.flask_wtf_totp import create_app\napp = create_app()\n"
    baseline = WTF_BASELINE.format(target=f'app: "{app_module(pytester, make)}"', csrf="")
    result, report = run_secure(pytester, monkeypatch, baseline)
    got = outcomes(report)
    # carol's purge cell is a deny cell: before issue 19 CSRFProtect's 400 passed it as a deny
    assert got["authz[POST /notes/purge::carol]"][0] == "error"
    assert got["authz[POST /notes::bob]"][0] == "error"
    assert got["authz[GET /me::bob]"] == ("passed", [])
    result.stdout.fnmatch_lines(["*POST /notes as carol was refused by the app's CSRF protection (HTTP 400: "
                                 "'CSRF token is missing'), not by its access rules; set identities.carol.csrf*",
                                 "*ERROR at setup of authz[[]POST /notes/purge::carol[]]*",
                                 "*authz[[]POST /notes::carol[]] did not pass, so this result cannot be trusted*"])


def test_a_login_step_refused_for_its_csrf_token_says_how_to_send_one(serve):
    from pytest_secure.core.baseline.model import Extract, LoginStep

    steps = (LoginStep("GET", "/login", extract={"csrf": Extract("input", "csrf_token")}),
             LoginStep("POST", "/login", form={"username": "carol", "password": "carol-pw", "csrf_token": "{csrf}"}),
             LoginStep("POST", "/login/totp", form={"code": "{totp}", "csrf_token": "{csrf}"},
                       totp=flask_wtf_totp.SEEDS["carol"]))  # the token of a session the password step cleared
    config = IdentityConfig("carol", login=LoginConfig("GET", "/login", steps=steps))
    carol = Identities({"carol": config}, serve(flask_wtf_totp.create_app()), Redactor())["carol"]
    with pytest.raises(SetupError, match=r"steps\[2\] \(POST /login/totp\) was refused by the app's CSRF protection "
                                         r"\(HTTP 400: 'CSRF tokens do not match'\); take the token from the page"):
        carol.ensure_logged_in()


# -- Django's CSRF middleware: the csrftoken cookie in X-CSRFToken on every write -----------------

DJANGO_BASELINE = """
    version: 1
    target: {{{target}}}
    identities:
      alice:
        login:
          steps:
            - {{request: GET /login}}
            - {{request: POST /login, form: {{username: alice, password: "${{secret:ALICE_PW}}"}}}}
          session_cookie: sessionid
        {csrf}
      dave:
        login:
          steps:
            - {{request: GET /login}}
            - {{request: POST /login, form: {{username: dave, password: dave-pw}}}}
          session_cookie: sessionid
        {csrf}
    authz:
      destructive: true
      identities: [alice, dave]
      rules:
        - {{request: GET /dashboard, allow: [alice, dave]}}
        - {{request: POST /notes, json: {{text: hi}}, allow: [alice, dave]}}
        - {{request: "POST /admin/users/{{name}}/role", params: {{name: frank}}, json: {{role: viewer}}, allow: [dave]}}
    gates: {{fail_on: low}}
    """


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_django_csrf_cookie_is_sent_on_every_write(pytester, monkeypatch, live):

    make = "from tests.authz.apps.django_notes import create_app\napp = create_app()\n"
    baseline = DJANGO_BASELINE.format(target=f'app: "{app_module(pytester, make)}"',
                                      csrf="csrf: {cookie: csrftoken, header: X-CSRFToken}")
    result, report = run_secure(pytester, monkeypatch, baseline, django_notes.create_app() if live else None)
    got = outcomes(report)
    assert len(got) == 6 and all(v == ("passed", []) for v in got.values()), (got, result.stdout.str()[-3000:])


def test_django_without_csrf_names_the_fix(pytester, monkeypatch):
    make = "from tests.authz.apps.django_notes import create_app\napp = create_app()\n"
    baseline = DJANGO_BASELINE.format(target=f'app: "{app_module(pytester, make)}"', csrf="")
    result, report = run_secure(pytester, monkeypatch, baseline)
    assert {v[0] for v in outcomes(report).values()} == {"error"}
    result.stdout.fnmatch_lines(["*login as 'alice' failed: identities.alice.login.steps[[]1[]] (POST /login) was "
                                 "refused by the app's CSRF protection (HTTP 403: 'CSRF verification failed')*"])


# -- the baseline: typed model, placed load errors, the docs' snippets ----------------------------

def _load(tmp_path, text, environ=None):
    from pytest_secure.core.baseline.loader import load_baseline

    path = tmp_path / "security-baseline.yaml"
    path.write_text("version: 1\ntarget: {base_url: 'http://api.localhost'}\n" + text)
    return load_baseline(path, environ=environ or {})


def test_the_new_keys_load_into_typed_config(tmp_path):
    from pytest_secure.core.baseline.model import CsrfConfig, Extract

    baseline = _load(tmp_path, """
identities:
  alice:
    login:
      steps:
        - {request: GET /login, extract: {csrf: {input: csrf_token}, sid: {cookie: s}}}
        - {request: POST /login/totp, form: {code: "{totp}"}, totp: "${secret:SEED}", follow_redirects: false}
      token: {header: X-Auth-Token}
    send_token: {header: Authorization, scheme: JWT}
    csrf: {cookie: csrftoken, header: X-CSRFToken}
  svc:
    oauth2: {token_url: /oauth/token, client_id: svc, client_secret: "${SVC}", client_auth: body}
  drf:
    login: {request: POST /api/login, json: {username: u}, token: data.token}
    send_token: {header: X-Key}
""", {"SEED": "JBSWY3DPEHPK3PXP", "SVC": "svc-secret-value"})
    alice, svc, drf = (baseline.identities[n] for n in ("alice", "svc", "drf"))
    assert alice.login.token_from == TokenSource("header", "X-Auth-Token")
    assert (alice.login.method, alice.login.path) == ("GET", "/login")
    assert alice.login.steps[0].extract == {"csrf": Extract("input", "csrf_token"), "sid": Extract("cookie", "s")}
    assert alice.login.steps[1].totp == "JBSWY3DPEHPK3PXP" and alice.login.steps[1].follow_redirects is False
    assert alice.send_token == TokenPlacement("header", "Authorization", "JWT")
    assert alice.csrf == CsrfConfig(header="X-CSRFToken", cookie="csrftoken")
    assert svc.oauth2 == OAuth2Config("/oauth/token", "client_credentials", "svc", "svc-secret-value", "body")
    assert drf.login.token_from == TokenSource("json", "data.token") and drf.send_token == TokenPlacement(
        "header", "X-Key", None)
    assert {"JBSWY3DPEHPK3PXP", "svc-secret-value"} <= baseline.secrets
    assert all(cfg.has_token for cfg in (alice, svc, drf)) and not baseline.identities["anonymous"].has_token


MISTAKES = [
    ("  a:\n    send_token: {body: token}\n", ":5:17: identities.a.send_token: expected a mapping with one of header, "
                                               "query or cookie"),
    ("  a:\n    send_token: {header: X, query: y}\n", ":5:17: identities.a.send_token: expected a mapping with one "
                                                      "of header, query or cookie"),
    ("  a:\n    login: {request: POST /x, token: {body: t}}\n", ":5:38: identities.a.login.token: expected a dotted "
                                                                "JSON path, or a mapping with one of json, header or cookie"),
    ("  a:\n    login: {request: POST /x, steps: [{request: GET /a}]}\n", ":5:22: identities.a.login.request: "
                                                                          "expected no `request` beside `steps`"),
    ("  a:\n    login: {json: {password: hunter22}}\n", ":5:12: identities.a.login: missing required key 'request': "
                                                        "add `request: POST /login` (a one-request login) or `steps:`"),
    ("  a:\n    login:\n      steps: [{request: GET /a, extract: {v: {xpath: a}}}]\n",
     ":6:47: identities.a.login.steps[0].extract.v.xpath: unknown key 'xpath'"),
    ("  a:\n    oauth2: {token_url: /t, client_id: c, grant: password}\n", ":5:13: identities.a.oauth2: missing "
                                                                           "required key 'username'"),
    ("  a:\n    oauth2: {token_url: /t, client_id: c, grant: implicit}\n", ":5:50: identities.a.oauth2.grant: "
                                                                           "expected one of client_credentials, password"),
    ("  a:\n    oauth2: {token_url: /t, client_id: c}\n    login: {request: POST /x, json: {password: hunter22}}\n",
     ":5:5: identities.a: expected no `login`, `bearer` or `basic` beside `oauth2`"),
    ("  a:\n    csrf: {header: X-CSRFToken}\n", ":5:11: identities.a.csrf: expected a mapping with `cookie`"),
    ("  a:\n    csrf: {input: csrf_token, header: X}\n", ":5:11: identities.a.csrf: missing required key 'page': add `page: GET /a-form`"),
]


@pytest.mark.parametrize(("text", "message"), MISTAKES, ids=[m[1].split(": ")[1] + str(i)
                                                             for i, m in enumerate(MISTAKES)])
def test_mistakes_are_placed_load_errors_that_print_no_secret(tmp_path, text, message):
    from pytest_secure.core.errors import BaselineError

    with pytest.raises(BaselineError) as failed:
        _load(tmp_path, "identities:\n" + text)
    assert message in str(failed.value), str(failed.value)
    assert "hunter22" not in str(failed.value)


def test_the_docs_identity_snippets_load(tmp_path):
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "authz.md").read_text()
    section = text[text.index("## Identities"):text.index("## Expected outcomes")]
    snippets = re.findall(r"```yaml\n(identities:\n.*?)```", section, re.S)
    assert len(snippets) == 4
    environ = {k: "x" * 8 for k in ("ALICE_PW", "BOB_PW", "CAROL_PW", "DAVE_PW", "SVC_SECRET", "WEBAPP_SECRET")}
    environ["BOB_TOTP_SEED"] = "JBSWY3DPEHPK3PXP"
    for snippet in snippets:
        assert _load(tmp_path, snippet, environ).identities


def test_step_variables_totp_secrets_and_extraction():
    from pytest_secure.core.auth_flows import extract, fill, totp_code
    from pytest_secure.core.baseline.model import Extract
    from pytest_secure.core.target import Request, Response

    assert fill({"a": "{x}-{{lit}}", "b": ["{x}"], "n": 3}, {"x": "1"}, "w") == {"a": "1-{lit}", "b": ["1"], "n": 3}
    with pytest.raises(SetupError, match=r"steps\[1\]: no variable \{y\} \(known: x\); take it from an earlier step"):
        fill("{y}", {"x": "1"}, "steps[1]")
    import pyotp

    seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert pyotp.TOTP(seed).verify(totp_code(seed.lower(), "w"))
    for bad, why in (("JBSWY3DPEHPK3PXP", "at least 112 bits after decoding"), ("not base32!", "Non-base32 digit")):
        with pytest.raises(SetupError, match=f"w: the totp secret cannot make codes \\(.*{why}.*\\)") as failed:
            totp_code(bad, "w")
        assert bad not in str(failed.value)
    answer = Response("GET", "http://localhost/x", 200, [("Content-Type", "application/json"), ("X-Next", "n1"),
                                                         ("Set-Cookie", "sid=s1; Path=/")],
                      b'{"data": {"id": 7, "nonce": "abc"}, "list": ["z"]}', 0.0,
                      Request("GET", "http://localhost/x", {}, None))
    got = {kind: extract(Extract(kind, name), answer, {}, "w") for kind, name in
           (("json", "data.nonce"), ("header", "X-Next"), ("cookie", "sid"), ("regex", r'"id": (\d+)'))}
    assert got == {"json": "abc", "header": "n1", "cookie": "s1", "regex": "7"}
    assert extract(Extract("json", "data.id"), answer, {}, "w") == "7"
    assert extract(Extract("json", "list.0"), answer, {}, "w") == "z"
    with pytest.raises(SetupError, match=r"w answered 200 \(application/json, \d+ bytes\) without the input 'csrf'"):
        extract(Extract("input", "csrf"), answer, {}, "w")
