"""The planted-bug apps served on 127.0.0.1 by real servers (werkzeug for Flask and Django,
uvicorn for FastAPI): every planted bug is found over the network, the correct apps stay quiet."""

import importlib

import pytest

from tests.authz.helpers import notes_authz, notes_baseline, problems, run_secure
from tests.authz.test_flask_planted import PLANTED
from tests.authz.test_frameworks_planted import CORE, DJANGO_ONLY, FRAMEWORKS
from tests.servers import serve_asgi, serve_wsgi


def merged(*tables):
    cells = {}
    for table in tables:
        for bug_cells in table.values():
            cells.update(bug_cells)
    return cells


def live_case(framework):
    if framework == "flask":
        from tests.authz.apps import flask_notes

        bugs = set(PLANTED)
        return flask_notes.create_app, serve_wsgi, bugs, merged(PLANTED), notes_authz(), None, True
    spec = FRAMEWORKS[framework]
    module = importlib.import_module(spec["module"])
    tables = {**CORE, **(DJANGO_ONLY if framework == "django" else {})}
    bugs = set(tables) - {"write_own"}  # write_own replaces note_write's handler: tested on its own
    serve = serve_asgi if framework == "fastapi" else serve_wsgi
    return (module.create_app, serve, bugs, merged({b: tables[b] for b in bugs}), notes_authz(**spec["authz"]),
            spec["identities"], spec["openapi"])


@pytest.mark.parametrize("framework", ["flask", "fastapi", "django"])
@pytest.mark.parametrize("planted", [False, True], ids=["correct", "all-bugs"])
def test_live_server(pytester, framework, planted):
    create_app, serve, bugs, cells, authz, identities, openapi = live_case(framework)
    with serve(create_app(bugs if planted else set())) as url:
        pytester.makefile(".yaml", **{"security-baseline": notes_baseline(f"base_url: {url}", authz, identities,
                                                                          openapi)})
        result, checks = run_secure(pytester)
    assert len(checks) > 30
    expected = {cell: ("failed", rules) for cell, rules in cells.items()} if planted else {}
    assert problems(checks) == expected, result.stdout.str()[-3000:]


def test_prefetch_sends_each_request_once_and_changes_no_result(pytester):
    """concurrency: 4 (read-only cells sent ahead of their items) and concurrency: 1 agree,
    cell by cell, and send exactly as many requests to the server."""
    from tests.authz.apps import flask_notes

    results = {}
    for concurrency in (4, 1):
        app = flask_notes.create_app({"export_role", "list_leak"})
        seen = []

        def counting(environ, start_response, app=app, seen=seen):
            seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
            return app(environ, start_response)

        authz = notes_authz(sessions=False, revocation=False, sequences=False, coverage="off").replace(
            "  destructive: true\n", f"  destructive: true\n  concurrency: {concurrency}\n")
        with serve_wsgi(counting) as url:
            pytester.makefile(".yaml", **{"security-baseline": notes_baseline(f"base_url: {url}", authz)})
            _, checks = run_secure(pytester)
        results[concurrency] = (checks, sorted(seen))
    assert results[4][0] == results[1][0]
    assert len(results[4][1]) == len(results[1][1])
    assert {"authz/forbidden-access"} <= {r for _, rules, _ in results[4][0].values() for r in rules}


def test_under_xdist_loadfile_one_worker_gets_the_baseline_and_prefetches(pytester):
    """With ``--dist loadfile`` the whole baseline file goes to one worker, which sends read-only
    cells ahead as one process does (more than one request in flight from that single worker),
    with the same results and the same number of requests as one process without prefetch."""
    import threading
    import time

    from tests.authz.apps import flask_notes

    results = {}
    for mode, args in (("serial", ()), ("loadfile", ("-n", "2", "--dist", "loadfile"))):
        app = flask_notes.create_app({"export_role", "list_leak"})
        seen, in_flight, lock = [], [0, 0], threading.Lock()

        def counting(environ, start_response, app=app, seen=seen, in_flight=in_flight, lock=lock):
            with lock:
                seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))
                in_flight[0] += 1
                in_flight[1] = max(in_flight[1], in_flight[0])
            try:
                time.sleep(0.02)  # long enough for requests sent ahead to overlap
                return app(environ, start_response)
            finally:
                with lock:
                    in_flight[0] -= 1

        concurrency = 1 if mode == "serial" else 4
        authz = notes_authz(sessions=False, revocation=False, sequences=False, coverage="off").replace(
            "  destructive: true\n", f"  destructive: true\n  concurrency: {concurrency}\n")
        with serve_wsgi(counting) as url:
            pytester.makefile(".yaml", **{"security-baseline": notes_baseline(f"base_url: {url}", authz)})
            _, checks = run_secure(pytester, *args, subprocess=bool(args))
        results[mode] = (checks, sorted(seen), in_flight[1])
    assert results["loadfile"][0] == results["serial"][0]
    assert len(results["loadfile"][1]) == len(results["serial"][1])
    assert results["serial"][2] == 1 and results["loadfile"][2] > 1
