"""The grade refuses a page the Observatory refuses (any status but 2xx, 3xx, 401 and 403):
the item errors and says what to do, instead of grading an error page (issue 17, point 8)."""

import pytest

from pytest_secure.hygiene.observatory import NotGradable, grade_response

from .responses import resp

APP = """
from flask import Flask, abort
app = Flask(__name__)

@app.get("/")
def index():
    return "<p>hi"

@app.get("/locked")
def locked():
    abort(401)
"""


@pytest.mark.parametrize("status", [404, 500, 199])
def test_refused_statuses(status):
    with pytest.raises(NotGradable, match=f"answered {status}"):
        grade_response(resp([("Content-Type", "text/html")], status=status))


@pytest.mark.parametrize("status", [200, 204, 301, 401, 403])
def test_graded_statuses(status):
    grade = grade_response(resp([("Content-Type", "text/html")], status=status))
    assert (grade.score, grade.grade) == (30, "D")  # -25 CSP, -20 HSTS, -20 XFO, -5 XCTO


def test_a_missing_grade_page_errors_with_what_to_do(pytester):
    pytester.makepyfile(statusapp=APP)
    pytester.makefile(".yaml", **{"security-baseline": "version: 1\ntarget: {app: 'statusapp:app'}\n"
                                  "grade: {min: B, path: /nowhere}\n"})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    out = result.stdout.str()
    assert "the page answered 404" in out and "set grade.path to a page that answers" in out
    assert "Traceback" not in out
    assert result.ret != 0


def test_a_401_page_is_graded(pytester):
    pytester.makepyfile(statusapp=APP)
    pytester.makefile(".yaml", **{"security-baseline": "version: 1\ntarget: {app: 'statusapp:app'}\n"
                                  "grade: {min: B, path: /locked}\n"})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*grade/below-minimum*"])
