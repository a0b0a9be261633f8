"""The matrix grid in the terminal summary and the JSON report, SARIF results tagged with the
authz CWEs, no secret in any of them, and the same results under pytest-xdist -n 2."""

import json

from tests.authz.helpers import notes_authz, notes_baseline, problems, run_secure
from tests.paths import ROOT

APP = "from tests.authz.apps.flask_notes import create_app\napp = create_app({bugs!r})\n"
AUTHZ = notes_authz(sessions=False, revocation=False, sequences=False, coverage="off")


def _project(pytester, app_module, bugs):
    pytester.makefile(".yaml", **{"security-baseline": notes_baseline(f"app: {app_module(APP.format(bugs=bugs))}",
                                                                      AUTHZ)})


def test_grid_in_terminal_and_json_and_sarif_tags(pytester, app_module):
    _project(pytester, app_module, {"note_owner", "export_role"})
    sarif = pytester.path / "out.sarif"
    result, checks = run_secure(pytester, f"--secure-sarif={sarif}")
    report = next(pytester.path.glob("report*.json"))
    out = result.stdout.str()
    assert "authz matrix (expected result per identity)" in out
    row = next(line for line in out.splitlines() if line.startswith("GET /notes/{id} "))
    assert row.split()[2:] == ["none", "ok", "own", "FAIL", "own", "FAIL", "none", "FAIL", "all", "ok", "none", "FAIL"]
    grid = json.loads(report.read_text())["authz_grid"]
    assert grid["identities"] == ["anonymous", "alice", "bob", "carol", "dave", "erin"]
    cells = {r["request"]: r["cells"] for r in grid["rows"]}
    assert cells["GET /notes/{id}"]["bob"] == {"expected": "own", "result": "FAIL", "outcome": "failed",
                                              "rules": ["authz/object-access"],
                                              "nodeid": "security-baseline.yaml::authz[GET /notes/{id}::bob]"}
    assert cells["GET /reports/salaries/export.csv"]["dave"]["result"] == "ok"
    assert cells["GET /reports/{id}/export.csv"]["alice"]["expected"] == "deny"
    assert grid["violations"] == len([c for c in checks.values() if c[0] == "failed"]) == 10
    rules = {r["id"]: r for r in json.loads(sarif.read_text())["runs"][0]["tool"]["driver"]["rules"]}
    assert "external/cwe/cwe-639" in rules["authz/object-access"]["properties"]["tags"]
    assert "external/cwe/cwe-863" in rules["authz/forbidden-access"]["properties"]["tags"]
    tokens = [line for line in out.splitlines() if "Authorization:" in line]
    assert tokens and all("Authorization: [REDACTED]" in line for line in tokens)
    for text in (out, sarif.read_text(), report.read_text()):
        assert "alice-pw" not in text and "Bearer " not in text.replace("Bearer [REDACTED]", "")


def test_sarif_cwe_tags_of_every_access_control_rule():
    from pytest_secure.areas import RULES

    cwes = {RULES[r].cwe for r in ("authz/unauthenticated-access", "authz/forbidden-access",
                                      "authz/forbidden-action", "authz/object-access", "authz/object-write",
                                      "authz/list-leak", "authz/uncovered-operation", "authz/revocation-delay")}
    assert cwes == {285, 639, 862, 863}


def test_same_results_under_xdist(pytester, app_module, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the xdist workers are subprocesses: they import tests.authz.apps too
    _project(pytester, app_module, {"list_leak", "admin_action"})
    _, single = run_secure(pytester)
    result, parallel = run_secure(pytester, "-n", "2", subprocess=True)
    assert "2 workers" in result.stdout.str() or "created: 2/2 workers" in result.stdout.str()
    assert parallel == single
    assert set(problems(parallel)) == {f"GET /notes::{u}" for u in ("alice", "bob", "carol", "erin")} | {
        f"POST /admin/users/{{name}}/role::{u}" for u in ("alice", "bob", "carol", "erin")}
