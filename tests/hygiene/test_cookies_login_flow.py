"""cookies[login:*] logs in through the identity's whole login flow (issue 10, item 2).

On a Django site behind the CSRF middleware (tests/hygiene/django_login.py), in-process and
on a loopback server: re-posting the login form without the CSRF token and Referer got 403
("login answered 403") and the session cookie was never checked. A fresh copy of the identity
now logs in with its own flow, and the Set-Cookie of that login is judged: the hardened site
passes, the planted ``remember_js`` cookie (no HttpOnly) is found.
"""

import itertools
import json

import pytest

from tests.core.project import app_target, in_process_target
from tests.hygiene import django_login
from tests.servers import serve_wsgi

_keys = itertools.count()

BASELINE = """\
version: 1
gates: {{fail_on: low}}
target: {{{target}}}
identities:
  alice: {{login: {{request: POST /login, form: {{username: alice, password: alice-pw}}, session_cookie: sessionid,
          csrf: {{field: csrfmiddlewaretoken, cookie: csrftoken, header: X-CSRFToken}}}}}}
cookies:
  paths: [/account]
  rules:
    "*": {{httponly: true, samesite: [Lax, Strict]}}
    csrftoken: {{httponly: false}}
"""


def run(pytester, bugs, live):
    app = django_login.create_app(bugs)
    report = pytester.path / f"report{next(_keys)}.json"

    def secure(target):
        pytester.makefile(".yaml", **{"security-baseline": BASELINE.format(target=target)})
        return pytester.runpytest("--secure", "-p", "no:cacheprovider", f"--secure-json={report}")

    with app_target(pytester, app, live, serve_wsgi) as target:
        result = secure(target)
    checks = {r["check"]: (r["outcome"], sorted({f["rule_id"] for f in r["findings"]}), r.get("error"))
              for r in json.loads(report.read_text())["checks"] if r["area"] == "cookies"}
    return result, checks


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_login_cookies_checked_through_the_csrf_login_flow(pytester, live):
    result, checks = run(pytester, set(), live)
    out = result.stdout.str()
    assert "answered 403" not in out
    assert checks == {"GET /account": ("passed", [], None), "login:alice": ("passed", [], None)}, out[-3000:]


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_planted_script_readable_login_cookie_is_found(pytester, live):
    result, checks = run(pytester, {"remember_js"}, live)
    out = result.stdout.str()
    assert checks["login:alice"][:2] == ("failed", ["cookies/missing-httponly"]), out[-3000:]
    assert "cookie remember_me lacks the HttpOnly attribute" in out
    assert "remember_me=[REDACTED]; Max-Age=28800" in out or "remember_me=[REDACTED];" in out
    assert checks["GET /account"] == ("passed", [], None)  # anonymous: no login, no cookie


def test_a_failed_login_names_the_identity_and_cause(pytester):
    target = in_process_target(pytester, django_login.create_app())
    pytester.makefile(".yaml", **{"security-baseline": BASELINE.format(target=target).replace(
        "password: alice-pw", "password: wrong-pw")})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    assert "login as 'alice' failed: POST /login answered 401" in result.stdout.str()
