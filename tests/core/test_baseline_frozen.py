"""The loaded baseline is read-only; command-line options build a new, validated baseline."""

import copy

import pytest

from pytest_secure.core.baseline import Overrides, load_baseline, overridden
from pytest_secure.core.errors import BaselineError
from pytest_secure.core.findings import Severity

BASELINE = """\
version: 1
target: {app: "myapp:app", scope: [localhost], headers: {X-Env: test}}
identities:
  viewer: {headers: {X-Role: viewer}, roles: [reader],
           login: {request: POST /login, json: {username: viewer, password: pw}, token: access_token}}
headers: {paths: [/, /login]}
gates: {fail_on: high, severity: {headers/server-*: low}}
grade: {min: B}
waivers:
  - {rule: headers/csp-*, reason: legacy, owner: web, expires: 2030-01-01}
"""


@pytest.fixture
def baseline(write_baseline):
    return load_baseline(write_baseline(BASELINE))


def test_sections_refuse_changes(baseline):
    with pytest.raises(TypeError, match="read-only"):
        baseline.data["grade"] = {}
    with pytest.raises(TypeError, match="read-only"):
        baseline.section("headers")["paths"].append("/admin")
    with pytest.raises(TypeError, match="read-only"):
        baseline.identities["mallory"] = None  # type: ignore[assignment]
    with pytest.raises(AttributeError):
        baseline.gates = None  # type: ignore[misc]
    for typed_part in (baseline.target.headers, baseline.gates.severity, baseline.identities["viewer"].headers,
                       baseline.identities["viewer"].login.json, baseline.identities["viewer"].extra):
        with pytest.raises(TypeError, match="read-only"):
            typed_part["x"] = "y"
    assert isinstance(baseline.waivers, tuple)
    thawed = copy.deepcopy(baseline.data)
    thawed["headers"]["paths"].append("/admin")  # a deep copy is the caller's own
    assert baseline.section("headers")["paths"] == ["/", "/login"]


def test_options_build_a_new_baseline_and_leave_the_loaded_one_alone(baseline):
    new = overridden(baseline, Overrides(base_url="http://127.0.0.1:9000", fail_on="low", min_grade="A"))
    assert new is not baseline
    assert (new.target.base_url, new.target.app, new.gates.fail_on, new.section("grade")["min"]) == (
        "http://127.0.0.1:9000", None, Severity.LOW, "A")
    assert (baseline.target.app, baseline.gates.fail_on, baseline.section("grade")["min"]) == (
        "myapp:app", Severity.HIGH, "B")
    assert new.waivers == baseline.waivers and new.section("headers") == baseline.section("headers")
    assert overridden(baseline, Overrides()) is baseline


def test_an_option_the_schema_refuses_is_a_placed_error(baseline):
    with pytest.raises(BaselineError) as info:
        overridden(baseline, Overrides(min_grade="Z"))
    [problem] = info.value.problems
    assert "(with command-line options)" in problem and "grade.min" in problem and "expected one of" in problem
