"""The same planted bugs in real FastAPI (bearer tokens) and Django (CSRF-protected form login,
server-side sessions) apps: each bug is found at its cells, the correct apps report nothing."""

import pytest

from tests.authz.helpers import form_csrf_identities, json_identities, notes_authz, notes_baseline, problems, run_secure

EXPORT = {cell: ["authz/forbidden-access"] for cell in (
    "GET /reports/{id}/export.csv::alice", "GET /reports/{id}/export.csv::bob",
    "GET /reports/salaries/export.csv::alice", "GET /reports/salaries/export.csv::bob",
    "GET /reports/salaries/export.csv::carol")}
EXPORT["revocation GET /reports/public/export.csv::erin"] = ["authz/revocation-delay"]
CORE = {
    "export_role": EXPORT,
    "note_owner": {f"GET /notes/{{id}}::{u}": ["authz/object-access"] for u in ("alice", "bob", "carol")},
    "list_leak": {f"GET /notes::{u}": ["authz/list-leak"] for u in ("alice", "bob", "carol")},
    "admin_action": {f"POST /admin/users/{{name}}/role::{u}": ["authz/forbidden-action"] for u in ("alice", "bob", "carol")},
    "note_write": {f"{m} /notes/{{id}}::{u}": ["authz/object-write"]
                   for m in ("PUT", "DELETE") for u in ("alice", "bob", "carol", "dave")},
    "write_own": {},  # answers 204 but acts on the caller's own note: no leak, nothing to report
}
DJANGO_ONLY = {"fixation": {"session fixation::alice": ["authz/session-fixation"]},
               "logout": {"session logout::alice": ["authz/logout-session-alive"]}}

FRAMEWORKS = {
    "fastapi": dict(module="tests.authz.apps.fastapi_notes", identities=json_identities(), openapi=True,
                    authz=dict(sessions=False, sequences=False)),
    "django": dict(module="tests.authz.apps.django_notes", identities=form_csrf_identities(), openapi=False,
                   authz=dict(sequences=False, anonymous="deny", session_cookie="sessionid", coverage="off")),
}
CASES = [(fw, bug, cells) for fw in FRAMEWORKS for bug, cells in
         {"correct": {}, **CORE, **(DJANGO_ONLY if fw == "django" else {})}.items()]


@pytest.mark.parametrize(("framework", "bug", "cells"), CASES, ids=[f"{f}-{b}" for f, b, _ in CASES])
def test_planted_bug_found_and_correct_app_quiet(pytester, app_module, framework, bug, cells):
    spec = FRAMEWORKS[framework]
    bugs = set() if bug == "correct" else {bug}
    target = app_module(f"from {spec['module']} import create_app\napp = create_app({bugs!r})\n")
    baseline = notes_baseline(f"app: {target}", notes_authz(**spec["authz"]), identities=spec["identities"],
                              openapi=spec["openapi"])
    pytester.makefile(".yaml", **{"security-baseline": baseline})
    result, checks = run_secure(pytester)
    assert len(checks) > 30
    assert problems(checks) == {cell: ("failed", rules) for cell, rules in cells.items()}, result.stdout.str()[-3000:]
    assert result.ret == (1 if cells else 0)
