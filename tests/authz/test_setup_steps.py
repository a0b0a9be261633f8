"""authz setup steps (issue 12 item 7): a rule makes what it needs first, per cell, through a
request sequence, each step as a chosen identity; ids come from the answer's Location header or
from the body the step sent (creates that answer 201 with an empty body); ``{unique}`` keeps the
values of cells and runs apart. Writes are judged by reading the object back.

The app is tests/authz/apps/teamhub.py (FastAPI, OpenAPI document): every planted defect is
found at its cells, the fixed twin (whose scoped PUT answers 204 to everyone) is quiet, in
process and on a loopback server."""

import json

import pytest

from tests.authz.apps import teamhub
from tests.authz.helpers import problems, run_secure
from tests.core.project import app_target
from tests.servers import serve_asgi

IDENTITIES = """identities:
  alice: {login: {request: POST /login, json: {username: alice, password: alice-pw}, token: token}}
  bob: {login: {request: POST /login, json: {username: bob, password: bob-pw}, token: token}}
  admin: {login: {request: POST /login, json: {username: admin, password: admin-pw}, token: token}}
"""
DOC_SETUP = """      setup:
        - {request: POST /docs, as: alice, json: {title: "doc-{unique}", body: original}, extract: {id: {location: true}}}
      teardown:
        - {request: "DELETE /docs/{id}"}
"""
AUTHZ = """authz:
  destructive: true
  expect: {anonymous: unauthenticated}
  rules:
    - request: "DELETE /users/{name}"
      allow: [admin]
      setup:
        - {request: POST /users, as: admin, json: {username: "tmp{unique}", password: "Tmp-{unique}-pw"}, extract: {name: {sent: username}}}
      effect: {read: "GET /users/{name}", as: admin}
      teardown:
        - {request: "DELETE /users/{name}", as: admin}
    - request: "GET /docs/{id}"
      allow: [admin]
      expect: {alice: allow}
""" + DOC_SETUP + """    - request: "PUT /docs/{id}"
      allow: [admin]
      expect: {alice: allow}
      json: {title: changed, body: overwritten}
      effect: {read: "GET /docs/{id}", field: body}
""" + DOC_SETUP

PLANTED = {
    "DELETE /users/{name}::alice": ("failed", ["authz/forbidden-action"]),
    "DELETE /users/{name}::bob": ("failed", ["authz/forbidden-action"]),
    "GET /docs/{id}::bob": ("failed", ["authz/forbidden-access"]),
    "PUT /docs/{id}::bob": ("failed", ["authz/forbidden-action"]),
}


def created_objects(pytester) -> list:
    [report] = pytester.path.glob("report*.json")  # the one run's JSON report (run_secure names it)
    return json.loads(report.read_text())["created_objects"]


def baseline(target: str, authz: str = AUTHZ) -> str:
    return (f"version: 1\ngates: {{fail_on: low}}\ntarget:\n  {target}\n  openapi: /openapi.json\n"
            + IDENTITIES + authz)


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
@pytest.mark.parametrize("fixed", [False, True], ids=["planted", "fixed"])
def test_setup_steps_find_each_planted_defect_and_the_twin_is_quiet(pytester, live, fixed):
    with app_target(pytester, teamhub.create_app(fixed), live, serve_asgi) as target:
        pytester.makefile(".yaml", **{"security-baseline": baseline(target)})
        result, checks = run_secure(pytester, min_checks=12)
    assert problems(checks) == ({} if fixed else PLANTED), result.stdout.str()[-3000:]
    made = created_objects(pytester)
    # one throwaway per cell that ran setup (4 identities x 3 rules), every one removed by teardown
    assert len(made) == 12 and all(o["deleted"] for o in made), made
    assert len({o["id"] for o in made}) == 12  # {unique}: no two cells share a user name or a doc


def test_an_effect_that_does_not_show_is_a_setup_error_not_a_pass(pytester):
    """admin may PUT, but the effect read looks at a field the PUT does not change: blind."""
    authz = AUTHZ.replace("effect: {read: \"GET /docs/{id}\", field: body}",
                          "effect: {read: \"GET /docs/{id}\", field: owner}")
    with app_target(pytester, teamhub.create_app(True), False, serve_asgi) as target:
        pytester.makefile(".yaml", **{"security-baseline": baseline(target, authz)})
        _, checks = run_secure(pytester, min_checks=12)
    outcome, _, error = checks["PUT /docs/{id}::admin"]
    assert outcome == "error" and "left no trace" in error


def test_a_create_without_an_id_and_a_wrong_extract_is_a_setup_error(pytester):
    authz = AUTHZ.replace("extract: {id: {location: true}}", "extract: {id: id}")
    with app_target(pytester, teamhub.create_app(True), False, serve_asgi) as target:
        pytester.makefile(".yaml", **{"security-baseline": baseline(target, authz)})
        _, checks = run_secure(pytester, min_checks=12)
    outcome, _, error = checks["GET /docs/{id}::bob"]
    assert outcome == "error"
    assert "answered 201 without the json 'id'" in error and "{location: true}" in error


OBJECTS = """authz:
  destructive: true
  expect: {anonymous: unauthenticated}
  identities: [anonymous, alice, bob]
  objects:
    doc:
      create: {request: POST /docs, json: {title: "d-{unique}", body: mine}, id: {location: true}}
      owners: [alice, bob]
      read: "GET /docs/{id}"
      delete: "DELETE /docs/{id}"
  rules:
    - {request: "GET /docs/{id}", owner: id}
    - {request: "PUT /docs/{id}", owner: id, json: {body: overwritten}, effect: {field: body}}
"""


@pytest.mark.parametrize("fixed", [False, True], ids=["planted", "fixed"])
def test_object_kinds_whose_create_answers_no_id(pytester, fixed):
    """objects.<kind>.create.id from the Location header: BOLA found on the planted app, the
    twin quiet, and every object deleted at the end of the run."""
    with app_target(pytester, teamhub.create_app(fixed), False, serve_asgi) as target:
        pytester.makefile(".yaml", **{"security-baseline": baseline(target, OBJECTS)})
        result, checks = run_secure(pytester, min_checks=6)
    planted = {f"GET /docs/{{id}}::{u}": ("failed", ["authz/object-access"]) for u in ("alice", "bob")}
    planted |= {f"PUT /docs/{{id}}::{u}": ("failed", ["authz/object-write"]) for u in ("alice", "bob")}
    assert problems(checks) == ({} if fixed else planted), result.stdout.str()[-3000:]
    made = created_objects(pytester)
    assert made and all(o["deleted"] for o in made), made


@pytest.mark.parametrize(("authz", "expected"), [
    ("authz:\n  destructive: true\n  rules:\n    - request: \"DELETE /users/{name}\"\n      allow: [admin]\n"
     "      setup:\n        - {request: POST /users, as: admin, json: {username: \"t{unique}\"}, "
     "extract: {name: {sent: username}}}\n",
     ":10:7: authz.rules[0].effect: DELETE /users/{name} with `setup` is judged by its effect"),
    ("authz:\n  destructive: true\n  rules:\n    - request: \"GET /docs/{id}\"\n      setup:\n"
     "        - {request: \"POST /docs/{doc}\", as: alice}\n",
     ":12:21: authz.rules[0].setup[0].request: {doc} has no value here"),
    ("authz:\n  destructive: true\n  rules:\n    - request: \"GET /docs/{id}\"\n      setup:\n"
     "        - {request: POST /docs, as: alicia, extract: {id: {location: true}}}\n",
     "unknown identity 'alicia' (did you mean 'alice'?)"),
    ("authz:\n  rules:\n    - request: \"GET /docs/{id}\"\n      setup:\n"
     "        - {request: POST /docs, as: alice, extract: {id: {location: true}}}\n",
     ":11:21: authz.rules[0].setup[0].request: POST /docs changes state; set `authz.destructive: true`"),
    ("authz:\n  destructive: true\n  rules:\n    - request: \"GET /docs/{id}\"\n      setup:\n"
     "        - {request: POST /docs, as: alice, extract: {id: {locaton: true}}}\n",
     "authz.rules[0].setup[0].extract.id.locaton: unknown key 'locaton' (did you mean 'location'?)"),
    ("authz:\n  destructive: true\n  rules:\n    - request: \"GET /docs/{id}\"\n      setup:\n"
     "        - {request: POST /docs, as: alice, extract: {id: {regex: \"/docs/(\\\\d+)\"}}}\n",
     "authz.rules[0].setup[0].extract.id: expected exactly one of json, header, location or sent, got regex"),
    ("authz:\n  destructive: true\n  rules:\n    - request: GET /docs\n      teardown:\n"
     "        - {request: DELETE /docs/1}\n",
     ":12:9: authz.rules[0].teardown: `teardown` removes what `setup` made; give `setup` too"),
])
def test_setup_mistakes_are_placed_baseline_errors(pytester, authz, expected):
    pytester.makepyfile(app="def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'']\n")
    head = "version: 1\ntarget: {app: 'app:app'}\n" + IDENTITIES
    pytester.makefile(".yaml", **{"security-baseline": head + authz})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert expected in err, err
    assert "security-baseline.yaml:" in err and "Traceback" not in err


SEQUENCE = """authz:
  destructive: true
  identities: [anonymous, alice, bob]
  sequences:
    - name: doc-edit
      owners: [alice, bob]
      steps:
        - {request: POST /docs, json: {title: "doc-{unique}", body: original}, extract: {id: {location: true}}}
        - {request: "PUT /docs/{id}", json: {title: "doc-{unique}", body: "edited by {unique}"}}
      check: "GET /docs/{id}"
      field: body
"""


@pytest.mark.parametrize("fixed", [False, True], ids=["planted", "fixed"])
def test_sequences_take_ids_from_the_location_header(pytester, fixed):
    """A sequence whose create answers 201 with only a Location header: every other identity
    replays it with the owner's id; the planted PUT changes the owner's doc, the twin's does not."""
    with app_target(pytester, teamhub.create_app(fixed), False, serve_asgi) as target:
        pytester.makefile(".yaml", **{"security-baseline": baseline(target, SEQUENCE)})
        result, checks = run_secure(pytester, min_checks=3)
    planted = {"sequence doc-edit::alice": ("failed", ["authz/object-write"]),
               "sequence doc-edit::bob": ("failed", ["authz/object-write"])}
    assert problems(checks) == ({} if fixed else planted), result.stdout.str()[-3000:]


@pytest.mark.parametrize(("spec", "headers", "body", "sent", "value"), [
    ("data.id", [], b'{"data": {"id": 17}}', None, "17"),
    ({"json": "items.0.slug"}, [], b'{"items": [{"slug": "a-b"}]}', None, "a-b"),
    ({"header": "X-Object-Id"}, [("X-Object-Id", "42")], b"", None, "42"),
    ({"header": "Link", "regex": r"/docs/(\d+)>"}, [("Link", "</docs/9>; rel=self")], b"", None, "9"),
    ({"location": True}, [("Location", "http://127.0.0.1/users/caf%C3%A9/")], b"", None, "café"),
    ({"sent": "user.name"}, [], b"", {"user": {"name": "tmp7"}}, "tmp7"),
    ({"sent": "user.name"}, [], b"", {"user": {}}, None),
    ("id", [], b"", None, None),  # 201 with an empty body: no JSON id
    ("id", [], b'{"id": {"nested": 1}}', None, None),  # an object is no id
])
def test_where_a_step_value_comes_from(spec, headers, body, sent, value):
    from pytest_secure.authz.config import Source
    from pytest_secure.authz.setup import take
    from pytest_secure.core.findings import Request
    from pytest_secure.core.target import Response

    response = Response("POST", "http://127.0.0.1/x", 201, headers, body, 0.0, Request("POST", "http://127.0.0.1/x", {}))
    assert take(Source.parse(spec), response, sent) == value


def test_setup_cells_under_xdist(pytester):
    """-n 2: each worker has its own {unique} token; the same findings, and the controller lists
    every worker's throwaways, all removed, no two alike."""
    with app_target(pytester, teamhub.create_app(False), True, serve_asgi) as target:
        pytester.makefile(".yaml", **{"security-baseline": baseline(target)})
        result, checks = run_secure(pytester, "-n", "2", subprocess=True, min_checks=12)
    assert problems(checks) == PLANTED, result.stdout.str()[-3000:]
    made = created_objects(pytester)
    # at least one per cell (a worker re-runs an allow cell another worker ran, as its preflight)
    assert len(made) >= 12 and all(o["deleted"] for o in made) and len({o["id"] for o in made}) == len(made), made
