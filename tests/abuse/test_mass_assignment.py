"""Mass assignment judged like a user would (issue 12 item 8): nested field paths, the read-back
as another identity or as the account just registered (logged in through a login template), and
the record found by the id in the request or by a lookup in a list.

The app is tests/authz/apps/teamhub.py (FastAPI, OpenAPI document): its sign-up and project
creates answer no id; each planted binding is found, the fixed twin is quiet, in process and on
a loopback server."""

import json

import pytest

from tests.authz.apps import teamhub
from tests.core.project import app_target
from tests.servers import serve_asgi

IDENTITIES = """identities:
  alice: {login: {request: POST /login, json: {username: alice, password: alice-pw}, token: token}}
  admin: {login: {request: POST /login, json: {username: admin, password: admin-pw}, token: token}}
  newcomer: {login: {request: POST /login, json: {username: template, password: template}, token: token}}
"""
PROBES = """abuse:
  mass_assignment:
    - request: POST /register
      json: {username: "eve{unique}", password: "Eve-{unique}-pw", profile: {display: Eve}}
      fields: {profile.role: admin}
      read:
        request: GET /me
        as: {identity: newcomer, login: {username: "{sent.username}", password: "{sent.password}"}}
        record: data
    - request: POST /register
      json: {username: "mal{unique}", password: "Mal-{unique}-pw"}
      fields: {admin: true}
      read: {request: "GET /users/{sent.username}", as: admin, record: data}
    - request: POST /projects
      identity: alice
      json: {name: "proj-{unique}", meta: {color: blue}}
      fields: {meta.approved: true}
      read: {request: GET /projects, as: admin, find: {list: items, where: {name: "{sent.name}"}}}
"""
ITEMS = ["mass-assignment::POST /register", "mass-assignment::POST /register#2",
         "mass-assignment::POST /projects::alice"]


def baseline(target: str, probes: str = PROBES) -> str:
    return (f"version: 1\ngates: {{fail_on: low}}\ntarget:\n  {target}\n  openapi: /openapi.json\n"
            + IDENTITIES + probes)


def run(pytester, app, live: bool, probes: str = PROBES):
    with app_target(pytester, app, live, serve_asgi) as target:
        pytester.makefile(".yaml", **{"security-baseline": baseline(target, probes)})
        result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "--secure-json=report.json")
    assert result.ret in (0, 1), result.stdout.str()[-3000:] + result.stderr.str()[-2000:]
    report = json.loads((pytester.path / "report.json").read_text())
    checks = {c["check"]: c for c in report["checks"] if c["area"] == "abuse"}
    assert sorted(checks) == sorted(ITEMS), checks  # every probe ran: the verdicts below are not vacuous
    return result, checks


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_each_planted_binding_is_found(pytester, live):
    result, checks = run(pytester, teamhub.create_app(fixed=False), live)
    found = {name: [(f["rule_id"], f["key"]) for f in c["findings"]] for name, c in checks.items()}
    assert found == {
        "mass-assignment::POST /register": [("abuse/mass-assignment", "profile.role")],  # as the new account
        "mass-assignment::POST /register#2": [("abuse/mass-assignment", "admin")],  # as admin, id in the request
        "mass-assignment::POST /projects::alice": [("abuse/mass-assignment", "meta.approved")],  # by lookup
    }, result.stdout.str()[-3000:]
    assert {c["outcome"] for c in checks.values()} == {"failed"}
    out = result.stdout.str()
    assert "read back with GET /me as the account just made (login template 'newcomer')" in out
    assert "Traceback" not in out and "alice-pw" not in out
    assert "Eve-psec" not in out  # the new account's password, a login field: masked like any password


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_the_fixed_twin_is_quiet(pytester, live):
    result, checks = run(pytester, teamhub.create_app(fixed=True), live)
    assert {name: (c["outcome"], c["findings"]) for name, c in checks.items()} == \
        {name: ("passed", []) for name in ITEMS}, result.stdout.str()[-3000:]


def test_a_lookup_that_finds_nothing_is_a_setup_error_not_a_pass(pytester):
    """alice cannot see other users' projects; read as alice with a wrong `where`, the probe
    would be blind, so it errors instead of passing."""
    probes = PROBES.replace('where: {name: "{sent.name}"}', 'where: {name: "other-{unique}"}')
    _, checks = run(pytester, teamhub.create_app(fixed=True), False, probes)
    check = checks["mass-assignment::POST /projects::alice"]
    assert check["outcome"] == "error"
    assert "is not in GET /projects" in check["error"] and "none with name='other-psec" in check["error"]


@pytest.mark.parametrize(("probe", "place", "says"), [
    ("    - {request: POST /register, json: {profile: basic}, fields: {profile.role: admin}, read: GET /me}\n",
     "9:80", "abuse.mass_assignment[0].fields.profile.role: profile is 'basic' in `json`, not an object"),
    ("    - {request: POST /register, json: {username: x}, fields: {admin: true}, "
     "read: \"GET /users/{sent.name}\"}\n",
     "9:83", "{sent.name}: the request body has no field 'name'"),
    ("    - {request: POST /register, json: {username: x}, fields: {admin: true}, read: {request: GET /me, "
     "as: {identity: newcomer, login: {user: \"{sent.username}\"}}}}\n",
     "9:141", "the login of identity 'newcomer' has no field 'user' to fill (it has password, username)"),
    ("    - {request: POST /register, fields: {admin: true}, read: {request: GET /me, as: admn}}\n",
     "9:", "unknown identity 'admn' (did you mean 'admin'?)"),
    ("    - {request: POST /register, fields: {admin: true}, read: {request: GET /me, find: {list: items}}}\n",
     "9:", "missing required key 'where'"),
])
def test_mass_assignment_mistakes_are_placed_baseline_errors(pytester, probe, place, says):
    pytester.makepyfile(app="def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'']\n")
    text = "version: 1\ntarget: {app: 'app:app'}\n" + IDENTITIES + "abuse:\n  mass_assignment:\n" + probe
    pytester.makefile(".yaml", **{"security-baseline": text})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert f"security-baseline.yaml:{place}" in err and says in err, err
    assert "Traceback" not in err


def test_a_privilege_set_on_an_existing_record_is_put_back(pytester):
    """PATCH /me with role: admin on the planted accounts service: found, and the old role is put
    back, so the second, identical probe finds alice without the privilege again (without the
    restore it would be a setup error: 'GET /me already shows role set')."""
    from tests.abuse.abuse_apps import vulnerable_accounts
    from tests.core.project import in_process_target

    target = in_process_target(pytester, vulnerable_accounts())
    probe = "    - {request: PATCH /me, identity: alice, fields: {role: admin}, read: GET /me}\n"
    pytester.makefile(".yaml", **{"security-baseline": (
        f"version: 1\ngates: {{fail_on: low}}\ntarget: {{{target}}}\nidentities:\n"
        "  alice: {login: {request: POST /login, json: {username: alice, password: alice-pw-1}, "
        "token: access_token}}\nabuse:\n  mass_assignment:\n" + probe * 2)})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "--secure-json=report.json")
    checks = json.loads((pytester.path / "report.json").read_text())["checks"]
    assert [(c["check"], c["outcome"]) for c in checks] == [
        ("mass-assignment::PATCH /me::alice", "failed"), ("mass-assignment::PATCH /me::alice#2", "failed")], \
        result.stdout.str()[-3000:]
    for check in checks:
        [finding] = check["findings"]
        assert "the old values were put back" in finding["evidence"]
