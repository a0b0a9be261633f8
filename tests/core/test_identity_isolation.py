"""Each identity is isolated (issue 10, item 1): anonymous keeps no cookie a page sets and sends
no credential, ever; every identity, and every fresh copy, has its own jar.

The planted app is a Flask shop that opens a guest session on the first visit
(tests/authz/apps/guest_shop.py): a client that replays that cookie is not anonymous any more
(``/account`` answers 403 "log in first" instead of 401), and its responses count as
authenticated (``headers/cache-control-authenticated`` on a public, cacheable page).
"""

import itertools
import json

import pytest

from pytest_secure.core.baseline.model import IdentityConfig, LoginConfig
from pytest_secure.core.identities import Identities
from pytest_secure.core.redaction import Redactor
from pytest_secure.core.target import InProcessTarget, LiveTarget
from pytest_secure.hygiene.headers import is_authenticated
from tests.authz.apps import guest_shop
from tests.core.project import app_target
from tests.servers import serve_wsgi

_keys = itertools.count()


def identities(target):
    login = LoginConfig("POST", "/login", json={"username": "alice", "password": "alice-pw"},
                        extra={"session_cookie": "sid"})
    bob = LoginConfig("POST", "/login", json={"username": "bob", "password": "bob-pw"},
                      extra={"session_cookie": "sid"})
    configs = {"alice": IdentityConfig("alice", login=login), "bob": IdentityConfig("bob", login=bob),
               # credentials given to anonymous are never sent
               "anonymous": IdentityConfig("anonymous", headers={"Authorization": "Bearer nope", "X-Trace": "1"},
                                           cookies={"sid": "planted"})}
    return Identities(configs, target, Redactor())


@pytest.fixture(params=["in-process", "loopback"])
def target(request):
    app = guest_shop.create_app()
    if request.param == "in-process":
        yield InProcessTarget(app, base_url="http://shop.localhost", scope=["shop.localhost"])
        return
    with serve_wsgi(app) as url:
        live = LiveTarget(url, [url.split("//")[1].split(":")[0]])
        yield live
        live.close()


def test_anonymous_keeps_no_cookie_a_page_sets(target):
    who = identities(target)
    anonymous = who["anonymous"]
    first = anonymous.request("GET", "/")
    assert first.header("set-cookie") and "sid=" in first.header("set-cookie")
    assert anonymous.cookies == {} and anonymous.credentials() == ({"X-Trace": "1"}, {})
    later = anonymous.request("GET", "/products")
    assert not any(k.lower() in ("cookie", "authorization") for k in later.request.headers)
    assert not is_authenticated(later)  # a public page stays a public page
    assert anonymous.request("GET", "/account").status == 401  # a first visit, every time


def test_each_identity_and_each_fresh_copy_has_its_own_jar(target):
    who = identities(target)
    alice, bob = who["alice"], who["bob"]
    assert alice.request("GET", "/account").json() == {"user": "alice"}
    assert bob.request("GET", "/account").json() == {"user": "bob"}
    assert alice.cookies["sid"] != bob.cookies["sid"]
    fresh = alice.fresh()
    assert fresh.cookies == {} and fresh.request("GET", "/account", login=False).status == 401
    assert fresh.request("GET", "/account").json() == {"user": "alice"}  # its own login, its own session
    assert fresh.cookies["sid"] != alice.cookies["sid"]
    assert who["anonymous"].request("GET", "/account").status == 401  # nothing leaked to anonymous


BASELINE = """\
version: 1
gates: {{fail_on: low}}
target: {{{target}}}
identities:
  alice: {{login: {{request: POST /login, json: {{username: alice, password: alice-pw}}, session_cookie: sid}}}}
headers:
  paths: [/, /products]
  analysis: {{caching: {{}}}}
authz:
  concurrency: 1
  expect: {{anonymous: unauthenticated}}
  rules:
    - {{request: GET /, allow: "*"}}
    - {{request: GET /products, allow: "*"}}
    - {{request: GET /account, allow: [alice]}}
"""


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_anonymous_cells_and_page_checks_are_a_first_visit(pytester, live):
    app = guest_shop.create_app()
    report = pytester.path / f"report{next(_keys)}.json"

    def secure(target):
        pytester.makefile(".yaml", **{"security-baseline": BASELINE.format(target=target)})
        return pytester.runpytest("--secure", "-p", "no:cacheprovider", f"--secure-json={report}")

    with app_target(pytester, app, live, serve_wsgi) as target:
        result = secure(target)
    checks = {f"{r['area']}[{r['check']}]": (r["outcome"], sorted({f["rule_id"] for f in r["findings"]}))
              for r in json.loads(report.read_text())["checks"]}
    bad = {name: v for name, v in checks.items() if v != ("passed", [])}
    # before: anonymous replayed the guest cookie GET / had set, so GET /account answered 403
    # (authz/denial-status: "refused with 403, expected 401")
    assert checks["authz[GET /account::anonymous]"] == ("passed", []), result.stdout.str()[-3000:]
    assert bad == {}, result.stdout.str()[-3000:]
