"""The Python API: @pytest.mark.authz runs a test once per identity and judges the response it
returns; the authz_matrix fixture checks a matrix built in code."""

import textwrap

from tests.authz.helpers import json_identities

TESTS = '''
import pytest
from tests.authz.apps.flask_notes import create_app

@pytest.mark.authz(allow=["analyst"])
def test_export(authz_identity):
    return authz_identity.request("GET", "/reports/quarterly/export.csv")

@pytest.mark.authz(allow=["viewer"], expect={"anonymous": "unauthenticated"})
def test_dashboard_with_a_test_client(authz_identity):
    authz_identity.ensure_logged_in()
    client = APP.test_client()
    return client.get("/dashboard", headers=authz_identity.headers)  # a werkzeug response is judged too

def test_matrix(authz_matrix):
    authz_matrix.rule("GET /reports/salaries/export.csv", allow=["admin"])
    authz_matrix.rule("GET /reports/{id}/export.csv", allow=["analyst"], params={"id": "public"})
    results = authz_matrix.check()
    assert len(results) == 8

def test_plain_tests_are_untouched():
    assert 1 + 1 == 2
'''


def _project(pytester, app_module, bugs, identities=None):
    target = app_module(f"from tests.authz.apps.flask_notes import create_app\napp = create_app({bugs!r})\n")
    module = target.split(":")[0]
    pytester.makefile(".yaml", **{"security-baseline": f"version: 1\ntarget: {{app: {target}}}\n"
                                                      + (identities or json_identities(("alice", "carol", "dave")))})
    pytester.makepyfile(test_api=TESTS.replace("create_app\n", f"create_app\nfrom {module} import app as APP\n"))


def test_marker_runs_once_per_identity_allowed_first(pytester, app_module):
    _project(pytester, app_module, set())
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "-v", "test_api.py")
    result.assert_outcomes(passed=10)
    names = [line.split("::")[1].split(" ")[0] for line in result.outlines if line.startswith("test_api.py::test_ex")]
    assert names == ["test_export[carol]", "test_export[dave]", "test_export[anonymous]", "test_export[alice]"]


def test_marker_and_matrix_find_the_missing_role_check(pytester, app_module):
    _project(pytester, app_module, {"export_role"})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "test_api.py")
    result.assert_outcomes(passed=8, failed=2)
    out = result.stdout.str()
    assert "FAILED test_api.py::test_export[alice]" in out
    assert "authz/forbidden-access [high] alice was allowed" in out and "CWE-863" in out
    assert "FAILED test_api.py::test_matrix" in out
    assert "[leak] alice GET /reports/salaries/export.csv: expected denied, got HTTP 200" in out
    assert "[leak] carol GET /reports/salaries/export.csv" in out
    assert "Authorization: [REDACTED]" in out and "Bearer " not in out.replace("Bearer [REDACTED]", "")


def test_failed_allow_cell_turns_the_deny_cells_into_errors(pytester, app_module):
    identities = json_identities(("alice", "carol", "dave")).replace("password: carol-pw", "password: nope")
    _project(pytester, app_module, set(), identities)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "test_api.py", "-k", "export")
    result.assert_outcomes(passed=1, failed=1, errors=2)
    out = result.stdout.str()
    assert "login as 'carol' failed" in out
    assert "ERROR test_api.py::test_export[anonymous]" in out and "ERROR test_api.py::test_export[alice]" in out
    assert "setup untrustworthy: an allowed identity of test_export failed" in out


def test_without_secure_the_marked_tests_are_skipped(pytester, app_module):
    _project(pytester, app_module, set())
    result = pytester.runpytest("-p", "no:cacheprovider", "test_api.py")
    result.assert_outcomes(passed=1, skipped=5)


def test_a_marked_test_must_take_the_identity(pytester):
    pytester.makepyfile(test_bad=textwrap.dedent('''
        import pytest

        @pytest.mark.authz(allow=["admin"])
        def test_x():
            pass
    '''))
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert "a test marked authz takes the `authz_identity` fixture" in result.stdout.str() + result.stderr.str()
