"""authz keeps its own side effects contained (issue 10, items 6 and 7).

Item 6: prefetch sends ahead only requests known to be safe. A GET that resets the database
(tests/authz/apps/ledger.py) used to be sent ahead of its item with the other read-only
cells, so the cells before it met a wiped session and errored ("setup untrustworthy ...
answered 403"), blaming the login. It now keeps its place in item order: by its path (a word of
the documented list) or by the rule's ``prefetch: false``.

Item 7: objects that ``authz.objects.<kind>.create`` made are deleted at the end of the run
with the kind's ``delete`` request, as their owner, and judged by effect (``read`` no longer
finds them); what could not be deleted is listed in the JSON report (``created_objects``) and
in the terminal summary.
"""

import json
import textwrap

import pytest

from tests.authz.apps import ledger
from tests.authz.helpers import run_secure
from tests.servers import serve_wsgi

IDENTITIES = "".join(
    f"  {name}: {{login: {{request: POST /login, json: {{username: {name}, password: {name}-pw}}, token: token}}}}\n"
    for name in ("alice", "bob", "root"))


def _baseline(target: str, authz: str) -> str:
    return (f"version: 1\ngates: {{fail_on: low}}\ntarget:\n  {target}\nidentities:\n{IDENTITIES}"
            + textwrap.dedent(authz))


# -- item 6: prefetch ------------------------------------------------------------------------------

PREFETCH_AUTHZ = """
    authz:
      destructive: true                 # POST /orders/search
      concurrency: 4
      expect: {anonymous: unauthenticated}
      rules:
        - {request: GET /profile, allow: [alice, bob, root]}
        - {request: GET /orders, allow: [alice, bob, root]}
        - {request: GET /invoices, allow: [alice, bob, root]}
        - {request: GET /settings, allow: [alice, bob, root]}
        - {request: POST /orders/search, json: {q: widget}, allow: [alice, bob, root]}
        - {request: GET /messages, allow: [alice, bob, root]}
        - {request: GET WIPE, allow: [root]MARK}
    """


@pytest.mark.parametrize(("wipe_path", "mark"), [
    ("/reset-db", ""),                       # the path says it: never prefetched
    ("/housekeeping", ", prefetch: false"),  # the path does not: the rule opts out
])
def test_a_state_changing_get_never_races_the_other_cells(pytester, wipe_path, mark):
    app = ledger.make(wipe_path=wipe_path)
    authz = PREFETCH_AUTHZ.replace("WIPE", wipe_path).replace("MARK", mark)
    with serve_wsgi(app) as url:
        pytester.makefile(".yaml", **{"security-baseline": _baseline(f"base_url: {url}", authz)})
        result, checks = run_secure(pytester)
    errors = {name: error for name, (outcome, _, error) in checks.items() if outcome == "error"}
    assert errors == {}, result.stdout.str()[-3000:]
    assert all(outcome == "passed" for outcome, _, _ in checks.values()), checks
    assert len(checks) == 7 * 4
    # the wipe reached the app once, as root, after every request that needed a session
    seen = app.config["seen"]
    wipes = [i for i, (method, path, who) in enumerate(seen) if path == wipe_path and who == "root"]
    assert len(wipes) == 1
    assert all(who is None or path == wipe_path for _, path, who in seen[wipes[0] + 1:])


def test_prefetchable_reads_paths_params_and_the_rule_mark(write_baseline):
    from pytest_secure.authz.config import parse
    from pytest_secure.authz.prefetch import looks_state_changing, prefetchable
    from pytest_secure.core.baseline import load_baseline

    path = write_baseline(_baseline("base_url: http://127.0.0.1:9", """
        authz:
          rules:
            - {request: GET /reports, allow: [alice]}
            - {request: GET /reset-db, allow: [root]}
            - {request: GET /api/resetDatabase, allow: [root]}
            - {request: GET /account/log-out, allow: [alice]}
            - {request: GET /session/sign_out, allow: [alice]}
            - {request: "GET /admin/{action}", params: {action: [stats, purge]}, allow: [root]}
            - {request: GET /cache, query: {do: clear}, allow: [root]}
            - {request: GET /housekeeping, allow: [root], prefetch: false}
            - {request: GET /audit/reset-history, allow: [root], prefetch: true}
            - {request: GET /resettlement, allow: [alice]}
        """))
    rules = parse(load_baseline(path)).rules
    assert [prefetchable(r) for r in rules] == [True, False, False, False, False, False, False, False, True, True]
    assert looks_state_changing(rules[8])  # prefetch: true wins over the look of the path


def test_prefetch_must_be_a_boolean(pytester):
    pytester.makefile(".yaml", **{"security-baseline": _baseline("base_url: http://127.0.0.1:9", """
        authz:
          rules:
            - {request: GET /reports, allow: [alice], prefetch: sometimes}
        """)})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    assert result.ret == 4
    assert "security-baseline.yaml:" in result.stderr.str() + result.stdout.str()
    assert "Traceback" not in result.stderr.str()


# -- item 7: created objects are deleted, or listed ------------------------------------------------

OBJECTS_AUTHZ = """
    authz:
      destructive: true
      expect: {anonymous: unauthenticated}
      objects:
        note:
          create: {request: POST /notes, json: {text: made by pytest-secure}, id: id}
          owners: [alice, bob]
          read: GET /notes/{id}
          DELETE
      rules:
        - {request: GET /profile, allow: [alice, bob, root]}
        - {request: "GET /notes/{id}", owner: id, allow: [], deny_as: conceal}
    """


@pytest.fixture(params=["in-process", "live"])
def ledger_target(request):
    """Yields a function (deletable) -> (target spec, apps made for the run)."""
    import contextlib

    with contextlib.ExitStack() as stack:
        def target(deletable: bool = True):
            if request.param == "in-process":
                ledger.LAST.clear()
                factory = "make" if deletable else "undeletable"
                return f'app: "tests.authz.apps.ledger:{factory}()"', ledger.LAST
            app = ledger.make(deletable=deletable)
            return f"base_url: {stack.enter_context(serve_wsgi(app))}", [app]
        yield target


def _created(pytester) -> list[dict]:
    reports = sorted(pytester.path.glob("report*.json"))
    return json.loads(reports[-1].read_text())["created_objects"]


def test_created_objects_are_deleted_as_their_owner(pytester, ledger_target):
    target, apps = ledger_target(deletable=True)
    authz = OBJECTS_AUTHZ.replace("DELETE", "delete: DELETE /notes/{id}")
    pytester.makefile(".yaml", **{"security-baseline": _baseline(target, authz)})
    result, checks = run_secure(pytester)
    assert all(outcome == "passed" for outcome, _, _ in checks.values()), checks
    created = _created(pytester)
    assert sorted((o["kind"], o["owner"], o["deleted"]) for o in created) == [
        ("note", "alice", True), ("note", "bob", True)]
    assert all(app.config["notes"] == {} for app in apps)  # nothing left on the app
    deletes = [(who, path) for app in apps for method, path, who in app.config["seen"] if method == "DELETE"]
    assert sorted(who for who, _ in deletes) == ["alice", "bob"]  # each by its owner
    assert "could not delete" not in result.stdout.str()


@pytest.mark.parametrize(("delete", "why"), [
    ("delete: DELETE /notes/{id}", "DELETE /notes/{id} answered 405"),  # the API has no delete route
    ("", "no authz.objects.note.delete request"),
])
def test_objects_it_cannot_delete_are_listed_in_the_reports(pytester, ledger_target, delete, why):
    target, apps = ledger_target(deletable=False)
    pytester.makefile(".yaml", **{"security-baseline": _baseline(target, OBJECTS_AUTHZ.replace("DELETE", delete))})
    result, _ = run_secure(pytester)
    created = _created(pytester)
    left = {(o["owner"], o["id"]) for o in created if not o["deleted"]}
    on_app = {(owner, str(note_id)) for app in apps for note_id, (owner, _) in app.config["notes"].items()}
    assert left == on_app and len(left) == 2
    assert all(o["note"] == why for o in created)
    result.stdout.fnmatch_lines([f"pytest-secure created 2 objects it could not delete: note * (owner *): {why}, "
                                 f"note * (owner *): {why}"])


def test_under_xdist_each_worker_deletes_its_objects_and_the_controller_reports_them(pytester):
    app = ledger.make(deletable=True)
    authz = OBJECTS_AUTHZ.replace("DELETE", "delete: DELETE /notes/{id}")
    with serve_wsgi(app) as url:
        pytester.makefile(".yaml", **{"security-baseline": _baseline(f"base_url: {url}", authz)})
        result, checks = run_secure(pytester, "-n", "2", subprocess=True)
    assert checks and all(outcome == "passed" for outcome, _, _ in checks.values()), checks
    created = _created(pytester)
    assert created and all(o["deleted"] for o in created)
    assert app.config["notes"] == {}
    made = sum(1 for method, path, _ in app.config["seen"] if (method, path) == ("POST", "/notes"))
    assert len(created) == made  # every object any worker made is in the controller's report


def test_delete_needs_one_placeholder_and_a_create(pytester):
    pytester.makefile(".yaml", **{"security-baseline": _baseline('app: "tests.authz.apps.ledger:make()"', """
        authz:
          destructive: true
          objects:
            note:
              ids: {alice: [1], bob: [2]}
              delete: DELETE /notes
          rules:
            - {request: "GET /notes/{id}", owner: id}
        """)})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    assert result.ret == 4
    out = result.stderr.str() + result.stdout.str()
    assert "objects.note.delete: DELETE /notes: expected exactly one {placeholder} for the object id" in out
    assert "`delete` removes the objects `create` made; give `create` too" in out


def test_the_documented_word_list_is_the_one_in_use():
    import re

    from pytest_secure.authz.prefetch import STATE_CHANGING_WORDS
    from tests.paths import ROOT

    text = (ROOT / "docs" / "authz.md").read_text()
    section = text[text.index("Only requests known to be safe go ahead."):]
    section = section[:section.index("(words are split")]
    assert set(re.findall(r"`([a-z]+)`", section.split("values is one of:")[1])) == STATE_CHANGING_WORDS
