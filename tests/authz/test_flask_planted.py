"""Planted authorization bugs in a real Flask app: each is found at its cell, and the correct
app produces no finding (in-process through WSGI)."""

import pytest

from tests.authz.helpers import notes_authz, notes_baseline, problems, run_secure

APP = "from tests.authz.apps.flask_notes import create_app\napp = create_app({bugs!r})\n"

# bug -> the cells that must fail, with the rule each reports
PLANTED = {
    "export_role": {"GET /reports/{id}/export.csv::alice": ["authz/forbidden-access"],
                    "GET /reports/{id}/export.csv::bob": ["authz/forbidden-access"],
                    "GET /reports/salaries/export.csv::alice": ["authz/forbidden-access"],
                    "GET /reports/salaries/export.csv::bob": ["authz/forbidden-access"],
                    "GET /reports/salaries/export.csv::carol": ["authz/forbidden-access"],
                    # the revoked analyst keeps exporting: with no role check, revoking the role changes nothing
                    "revocation GET /reports/public/export.csv::erin": ["authz/revocation-delay"]},
    "note_owner": {"GET /notes/{id}::alice": ["authz/object-access"],
                   "GET /notes/{id}::bob": ["authz/object-access"],
                   "GET /notes/{id}::carol": ["authz/object-access"]},
    "list_leak": {"GET /notes::alice": ["authz/list-leak"], "GET /notes::bob": ["authz/list-leak"],
                  "GET /notes::carol": ["authz/list-leak"]},
    "admin_action": {"POST /admin/users/{name}/role::alice": ["authz/forbidden-action"],
                     "POST /admin/users/{name}/role::bob": ["authz/forbidden-action"],
                     "POST /admin/users/{name}/role::carol": ["authz/forbidden-action"]},
    "note_write": {"PUT /notes/{id}::alice": ["authz/object-write"], "PUT /notes/{id}::bob": ["authz/object-write"],
                   "PUT /notes/{id}::carol": ["authz/object-write"], "PUT /notes/{id}::dave": ["authz/object-write"],
                   "DELETE /notes/{id}::alice": ["authz/object-write"],
                   "DELETE /notes/{id}::bob": ["authz/object-write"],
                   "DELETE /notes/{id}::carol": ["authz/object-write"],
                   "DELETE /notes/{id}::dave": ["authz/object-write"]},
    "order_items": {"sequence order-items::alice": ["authz/object-write"],
                    "sequence order-items::bob": ["authz/object-write"],
                    "sequence order-items::carol": ["authz/object-write"],
                    "sequence order-items::dave": ["authz/object-write"]},
    "stale_role": {"revocation GET /reports/public/export.csv::erin": ["authz/revocation-delay"]},
    "fixation": {"session fixation::alice": ["authz/session-fixation"]},
    "logout": {"session logout::alice": ["authz/logout-session-alive"]},
    "lifetime": {"session lifetime::alice": ["authz/session-lifetime"]},
}


def test_correct_app_has_no_finding(pytester, app_module):
    target = app_module(APP.format(bugs=set()))
    pytester.makefile(".yaml", **{"security-baseline": notes_baseline(f"app: {target}", notes_authz())})
    result, checks = run_secure(pytester)
    assert problems(checks) == {}, result.stdout.str()[-3000:]
    assert len(checks) > 40
    assert result.ret == 0


@pytest.mark.parametrize("bug", sorted(PLANTED))
def test_planted_bug_is_found_at_its_cells(pytester, app_module, bug):
    target = app_module(APP.format(bugs={bug}))
    pytester.makefile(".yaml", **{"security-baseline": notes_baseline(f"app: {target}", notes_authz())})
    result, checks = run_secure(pytester)
    expected = {cell: ("failed", rules) for cell, rules in PLANTED[bug].items()}
    assert problems(checks) == expected, result.stdout.str()[-3000:]
    assert result.ret == 1
