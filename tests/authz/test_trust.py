"""Trust preflight: a failed login is a setup error naming the identity; when an identity is
refused what it should be allowed, its deny cells report an error, never a pass."""

from tests.authz.helpers import json_identities, notes_authz, notes_baseline, problems, run_secure

APP = "from tests.authz.apps.flask_notes import create_app\napp = create_app()\n"
AUTHZ = notes_authz(sessions=False, revocation=False, sequences=False, coverage="off")


def test_failed_login_is_an_error_naming_the_identity(pytester, app_module):
    identities = json_identities().replace("password: alice-pw", "password: wrong-password")
    pytester.makefile(".yaml", **{"security-baseline": notes_baseline(f"app: {app_module(APP)}", AUTHZ, identities)})
    result, checks = run_secure(pytester)
    bad = problems(checks)
    alice = {name for name in checks if name.endswith("::alice")}
    # cells that need alice's notes (other identities' object and list cells) cannot be trusted either
    needs_alice_notes = {name for name in checks if name.split("::")[0] in (
        "GET /notes/{id}", "GET /notes", "PUT /notes/{id}", "DELETE /notes/{id}")}
    assert alice and set(bad) == alice | needs_alice_notes
    for outcome, error in bad.values():
        assert outcome == "error"
        assert "login as 'alice' failed" in error or "did not pass" in error, error
    assert any("login as 'alice' failed: POST /login answered 401" in bad[n][1] for n in alice)
    assert "setup untrustworthy: alice's note objects could not be made: login as 'alice' failed" \
        in bad["GET /notes/{id}::bob"][1]
    assert "wrong-password" not in result.stdout.str()  # the secret never shows
    assert result.ret == 1


def test_refused_allow_cell_makes_the_identitys_deny_cells_errors(pytester, app_module):
    # the baseline wrongly expects alice to export salaries: her allow cell is refused (403) ...
    authz = AUTHZ.replace("{request: GET /reports/salaries/export.csv, allow: [admin]}",
                          "{request: GET /reports/salaries/export.csv, allow: [admin, alice]}")
    pytester.makefile(".yaml", **{"security-baseline": notes_baseline(f"app: {app_module(APP)}", authz)})
    result, checks = run_secure(pytester)
    bad = problems(checks)
    allow_cell = bad.pop("GET /reports/salaries/export.csv::alice")
    assert allow_cell[0] == "error" and "setup untrustworthy: alice was refused GET /reports/salaries/export.csv" \
        in allow_cell[1]
    # ... so every other alice cell that depends on it is an error too, not a pass
    assert bad and all(name.endswith("::alice") and outcome == "error" for name, (outcome, _) in bad.items())
    assert "GET /reports/{id}/export.csv::alice" in bad and "POST /admin/users/{name}/role::alice" in bad
    assert all("authz[GET /reports/salaries/export.csv::alice] did not pass" in error
               for name, (_, error) in bad.items() if name in ("GET /reports/{id}/export.csv::alice",))
    assert checks["GET /reports/{id}/export.csv::bob"][0] == "passed"  # other identities unaffected


def test_a_credential_that_does_not_work_is_caught_by_the_preflight(pytester, app_module):
    # a static bearer token the app does not know: without the preflight every deny cell would "pass"
    identities = json_identities(("bob", "carol", "dave")) + "  alice: {roles: [viewer], bearer: not-a-real-token}\n"
    pytester.makefile(".yaml", **{"security-baseline": notes_baseline(f"app: {app_module(APP)}", AUTHZ, identities)})
    _, checks = run_secure(pytester)
    alice = {name: outcome for name, (outcome, _, _) in checks.items() if name.endswith("::alice")}
    assert alice and set(alice.values()) == {"error"}


def test_wrong_token_path_is_a_setup_error(pytester, app_module):
    identities = json_identities().replace("token: token}}\n  bob", "token: data.token}}\n  bob")
    pytester.makefile(".yaml", **{"security-baseline": notes_baseline(f"app: {app_module(APP)}", AUTHZ, identities)})
    _, checks = run_secure(pytester, "-k", "dashboard")
    outcome, error = problems(checks)["GET /dashboard::alice"]
    assert outcome == "error" and "has no 'data.token' (its keys: token); fix identities.alice.login.token" in error
