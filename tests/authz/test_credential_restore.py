"""Checks that change credentials put them back (issue 10, item 4), on the accounts API
(tests/authz/apps/accounts.py, FastAPI), in-process and on a loopback server.

* Correctly built: ``PUT /users/{name}/password`` changes the caller's OWN password and answers
  204. That is no violation for the victim; the attacker's changed password is put back, so no
  later cell breaks and the next attacker is not blamed: zero findings, every cell passes.
* Vulnerable twin (``any_password``): anyone changes anyone's password. Found for every
  (attacker, victim) pair, and each victim's password is put back, so the later cells pass.
* Without ``effect.restore``, changed credentials are a setup error that says so, never a
  silent break of the cells after it; a victim that cannot log in before the write is a setup
  error too (the check would be blind).
"""

import pytest

from tests.authz.apps import accounts
from tests.authz.helpers import problems, run_secure
from tests.core.project import app_target, in_process_target
from tests.servers import serve_asgi

USERS = ("alice", "bob", "carol")
RESTORE = ', restore: {request: "PUT /users/{name}/password", json: {password: "{login.password}"}}'


def baseline(target: str, *, restore: bool = True) -> str:
    identities = "".join(f"  {u}: {{login: {{request: POST /login, json: {{username: {u}, password: {u}-pw}}, "
                         "token: token}}\n" for u in USERS)
    return (
        f"version: 1\ngates: {{fail_on: low}}\ntarget: {{{target}}}\nidentities:\n{identities}"
        "authz:\n"
        "  destructive: true\n"
        "  concurrency: 1\n"
        "  expect: {anonymous: unauthenticated}\n"
        "  objects:\n"
        "    account: {ids: {alice: [alice], bob: [bob], carol: [carol]}}\n"
        "  rules:\n"
        '    - {request: "PUT /users/{name}/password", owner: name, json: {password: attacker-chosen}, '
        f"effect: {{login: true{RESTORE if restore else ''}}}}}\n"
        '    - {request: "GET /users/{name}", owner: name, deny_as: conceal}\n'
    )


def run(pytester, app, live: bool, *, restore: bool = True):
    with app_target(pytester, app, live, serve_asgi) as target:
        pytester.makefile(".yaml", **{"security-baseline": baseline(target, restore=restore)})
        return run_secure(pytester)


def initial_passwords():
    return {u: f"{u}-pw" for u in accounts.USERS}


@pytest.mark.parametrize("bugs", [(), ("keep_sessions",)], ids=["sessions-end", "sessions-kept"])
@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_own_account_change_is_no_violation_and_breaks_no_later_cell(pytester, live, bugs):
    app = accounts.create_app(set(bugs))
    result, checks = run(pytester, app, live)
    # before the fix, sessions kept: three critical false positives (bob and carol were blamed
    # for the password alice, then bob, had changed on their own accounts); sessions ended: six
    # setup errors, the later read cells included
    assert problems(checks) == {}, result.stdout.str()[-3000:]
    assert len([c for c in checks if c.startswith("GET /users/{name}::")]) == 4  # alice, bob, carol, anonymous
    assert app.state.passwords == initial_passwords()


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_anyone_changing_anyone_is_found_and_the_victims_are_restored(pytester, live):
    app = accounts.create_app({"any_password"})
    result, checks = run(pytester, app, live)
    expected = {f"PUT /users/{{name}}/password::{u}": ("failed", ["authz/object-write"]) for u in USERS}
    assert problems(checks) == expected, result.stdout.str()[-3000:]
    out = result.stdout.str()
    assert "alice's PUT on bob's account bob, bob can no longer log in" in out
    assert "put back afterwards" in out
    assert app.state.passwords == initial_passwords()  # every victim restored: the read cells passed too
    assert "bob-pw" not in out and "carol-pw" not in out  # the restore's body never shows


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_sessions_kept_at_a_password_change_restore_with_the_held_session(pytester, live):
    """An app that keeps tokens at a password change: the restore goes out with the session the
    identity held before the write, no login with the new password needed."""
    app = accounts.create_app({"any_password", "keep_sessions"})
    result, checks = run(pytester, app, live)
    expected = {f"PUT /users/{{name}}/password::{u}": ("failed", ["authz/object-write"]) for u in USERS}
    assert problems(checks) == expected, result.stdout.str()[-3000:]
    assert app.state.passwords == initial_passwords()


def test_without_restore_changed_credentials_are_a_clear_setup_error(pytester):
    app = accounts.create_app()
    _, checks = run(pytester, app, False, restore=False)
    outcome, error = problems(checks)["PUT /users/{name}/password::alice"]
    assert outcome == "error"
    assert "changed alice's OWN credentials (the app applies it to the caller, which is no violation)" in error
    assert "could not be put back: the rule has no effect.restore" in error and "effect.restore" in error
    # the cells after it name the real cause, the check that changed alice's password
    outcome, error = problems(checks)["GET /users/{name}::alice"]
    assert outcome == "error"
    # (the redactor's credential-shaped pattern may mask the "password::alice" of the item name)
    assert "an earlier check changed its credentials (authz[PUT /users/{name}/password:" in error
    outcome, error = problems(checks)["PUT /users/{name}/password::bob"]
    assert outcome == "error" and "alice is the victim of bob's write" in error
    assert "an earlier check changed its credentials (authz[PUT /users/{name}/password:" in error


def test_a_victim_that_cannot_log_in_before_the_write_is_a_setup_error(pytester):
    app = accounts.create_app()
    app.state.passwords["carol"] = "changed-elsewhere"  # carol's baseline password does not work
    _, checks = run(pytester, app, False)
    outcome, error = problems(checks)["PUT /users/{name}/password::alice"]
    assert outcome == "error"
    assert "carol is the victim of alice's write on its account carol (PUT /users/{name}/password) but cannot " \
           "log in before it" in error


@pytest.mark.parametrize(("effect", "expected"), [
    ('{field: text, restore: {request: "PUT /users/{name}/password"}}',
     "authz.rules[0].effect.restore: `restore` puts back credentials that a write changed; it needs "
     "`effect: {login: true}`"),
    ('{login: true, restore: {request: "PUT /users/{who}/password"}}',
     "authz.rules[0].effect.restore.request: {who} has no value; use the rule's `owner` or `params`, or "
     "{login.FIELD}"),
    ("{login: true, restore: {request: PUT /pw, jsn: {}}}",
     "authz.rules[0].effect.restore.jsn: unknown key 'jsn'"),
])
def test_restore_mistakes_are_usage_errors_with_their_place(pytester, effect, expected):
    text = baseline(in_process_target(pytester, accounts.create_app())).replace(
        "effect: {login: true" + RESTORE + "}", "effect: " + effect)
    pytester.makefile(".yaml", **{"security-baseline": text})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "security-baseline.yaml:" in err and expected in err, err
