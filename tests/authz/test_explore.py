"""Property search: a leak that only a query parameter opens (GET /notes/<id>?preview=true skips
the ownership check) is missed by the fixed probes, found by hypothesis through schemathesis
from the OpenAPI document, and shrunk to a minimal example shown as a redacted curl line."""

from tests.authz.helpers import notes_authz, notes_baseline, problems, run_secure

APP = "from tests.authz.apps.flask_notes import create_app\napp = create_app({bugs!r})\n"


def _run(pytester, app_module, bugs, explore):
    target = app_module(APP.format(bugs=bugs))
    authz = notes_authz(explore=explore, sessions=False, revocation=False, sequences=False)
    pytester.makefile(".yaml", **{"security-baseline": notes_baseline(f"app: {target}", authz)})
    return run_secure(pytester, "-k", "notes")


def test_fixed_probes_miss_the_query_parameter_leak(pytester, app_module):
    _, checks = _run(pytester, app_module, {"preview"}, explore=False)
    assert problems(checks) == {}


def test_explore_finds_and_shrinks_the_leak(pytester, app_module):
    result, checks = _run(pytester, app_module, {"preview"}, explore=True)
    assert problems(checks) == {f"GET /notes/{{id}}::{u}": ("failed", ["authz/object-access"])
                                for u in ("alice", "bob", "carol", "erin")}
    out = result.stdout.str()
    # shrunk: the owner's id and preview=true, nothing else
    assert "(minimal example: id='10" in out and "preview='true')" in out
    curl_lines = [line for line in out.splitlines() if "reproduce: curl" in line and "preview=true" in line]
    assert curl_lines and all("Authorization: [REDACTED]" in line for line in curl_lines)
    assert all("?preview=true'" in line for line in curl_lines), curl_lines  # no other parameter survived
    # the bearer tokens of the identities never appear
    assert "Bearer " not in out.replace("Bearer [REDACTED]", "")


def test_explore_stays_quiet_on_the_correct_app(pytester, app_module):
    _, checks = _run(pytester, app_module, set(), explore=True)
    assert problems(checks) == {}
    assert any(name.startswith("GET /notes/{id}::") for name in checks)
