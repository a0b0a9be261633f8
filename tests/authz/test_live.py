"""The planted-bug apps served on 127.0.0.1 by real servers (werkzeug for Flask and Django,
uvicorn for FastAPI): every planted bug is found over the network, the correct apps stay quiet."""

import pytest
from servers import serve_asgi, serve_wsgi

from authz.helpers import notes_authz, notes_baseline, problems, run_secure
from authz.test_flask_planted import PLANTED
from authz.test_frameworks_planted import CORE, DJANGO_ONLY, FRAMEWORKS


def merged(*tables):
    cells = {}
    for table in tables:
        for bug_cells in table.values():
            cells.update(bug_cells)
    return cells


def live_case(framework):
    if framework == "flask":
        import flask_notes

        bugs = set(PLANTED)
        return flask_notes.create_app, serve_wsgi, bugs, merged(PLANTED), notes_authz(), None, True
    spec = FRAMEWORKS[framework]
    module = __import__(spec["module"])
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
