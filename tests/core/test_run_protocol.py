"""Baseline checks run pytest's protocol without the passing setup report (runner/items.py
``run_lean``): every phase still goes through pytest's hooks, so marks, session fixtures of the
project's own tests, JUnit XML and ``-x`` behave as with pytest's own protocol."""

import xml.etree.ElementTree as ET

from tests.core.project import make_project

BASELINE = """\
version: 1
target: {app: "{app}"}
gates: {fail_on: medium}
headers:
  paths: [/, /missing]
  rules:
    X-Frame-Options: {required: true, value: DENY}
    X-Powered-By: {required: false}
"""

REPORTS = """
import pytest

SEEN = []

@pytest.fixture(scope="session")
def resource(tmp_path_factory):
    yield "open"
    (tmp_path_factory.getbasetemp().parent / "closed.txt").write_text("closed")

def pytest_runtest_logreport(report):
    SEEN.append((report.nodeid.split(".yaml::", 1)[-1].split(".py::", 1)[-1], report.when, report.outcome))

def pytest_sessionfinish(session):
    import json
    (session.config.rootpath / "reports.json").write_text(json.dumps(SEEN))
"""


def run(pytester, *args, conftest=REPORTS, tests=""):
    make_project(pytester, BASELINE, headers={"X-Frame-Options": "SAMEORIGIN"})
    pytester.makeconftest(conftest)
    if tests:
        pytester.makepyfile(test_own=tests)
    result = pytester.runpytest_subprocess("--secure", "-p", "no:cacheprovider", "-p", "no:randomly", *args)
    return result


def reports(pytester):
    import json

    return [tuple(r) for r in json.loads((pytester.path / "reports.json").read_text())]


def test_a_check_logs_its_call_and_teardown_reports_and_no_passing_setup_report(pytester):
    result = run(pytester, "--junitxml=junit.xml")
    result.assert_outcomes(passed=2, failed=2)
    seen = reports(pytester)
    assert [r for r in seen if r[1] == "setup"] == []
    assert [r for r in seen if r[1] == "call"] == [
        ("headers[GET /::X-Frame-Options]", "call", "failed"),
        ("headers[GET /::X-Powered-By]", "call", "passed"),
        ("headers[GET /missing::X-Frame-Options]", "call", "failed"),
        ("headers[GET /missing::X-Powered-By]", "call", "passed"),
    ]
    assert len([r for r in seen if r[1] == "teardown"]) == 4
    cases = ET.parse(pytester.path / "junit.xml").getroot().iter("testcase")
    outcomes = {case.get("name"): [child.tag for child in case] for case in cases}
    assert outcomes == {"headers[GET /::X-Frame-Options]": ["failure"], "headers[GET /::X-Powered-By]": [],
                        "headers[GET /missing::X-Frame-Options]": ["failure"],
                        "headers[GET /missing::X-Powered-By]": []}


def test_a_failing_setup_is_an_error_with_its_setup_report(pytester):
    conftest = REPORTS + """
def pytest_collection_modifyitems(items):
    for item in items:
        if "/missing" in item.nodeid:
            item.check.depends_on = ("no-such-check",)
"""
    result = run(pytester, conftest=conftest)
    result.assert_outcomes(passed=1, failed=1, errors=2)
    assert sorted(r for r in reports(pytester) if r[1] == "setup") == [
        ("headers[GET /missing::X-Frame-Options]", "setup", "failed"),
        ("headers[GET /missing::X-Powered-By]", "setup", "failed"),
    ]
    result.stdout.fnmatch_lines(["*setup untrustworthy: no-such-check did not pass*"])


def test_skip_marks_put_on_checks_are_honoured(pytester):
    conftest = REPORTS + """
import pytest

def pytest_collection_modifyitems(items):
    for item in items:
        if "X-Frame-Options" in item.nodeid:
            item.add_marker(pytest.mark.skip(reason="not this sprint"))
"""
    result = run(pytester, "-rs", conftest=conftest)
    result.assert_outcomes(passed=2, skipped=2)
    result.stdout.fnmatch_lines(["*not this sprint*"])


def test_session_fixtures_of_the_projects_tests_are_torn_down_when_checks_run_last(pytester):
    tests = "def test_uses_the_resource(resource):\n    assert resource == 'open'\n"
    result = run(pytester, "-p", "no:randomly", tests=tests)
    result.assert_outcomes(passed=3, failed=2)
    order = [r[0] for r in reports(pytester) if r[1] == "call"]
    assert order[0] == "test_uses_the_resource" and len(order) == 5  # the checks ran after it
    assert (pytester.path / "closed.txt").read_text() == "closed"


def test_exitfirst_stops_after_the_first_failing_check(pytester):
    result = run(pytester, "-x")
    result.assert_outcomes(failed=1)
    assert [r for r in reports(pytester) if r[1] == "call"] == [("headers[GET /::X-Frame-Options]", "call", "failed")]
