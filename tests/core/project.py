"""Build small pytest-secure projects inside pytester's temporary directory."""

import contextlib
import itertools
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

_counter = itertools.count()

APPS: dict[str, Any] = {}  # app objects tests made, for the modules pytester imports in-process


def in_process_target(pytester, app: Any) -> str:
    """The baseline's ``target`` line for this very app object, called in-process (a test can read
    its state afterwards): a module in pytester's directory hands it over."""
    key = f"testapp{next(_counter)}"
    APPS[key] = app
    pytester.makepyfile(**{key: f"from tests.core.project import APPS\napp = APPS[{key!r}]\n"})
    return f"app: {key}:app"


@contextlib.contextmanager
def app_target(pytester, app: Any, live: bool, serve: Callable[[Any], Any]) -> Iterator[str]:
    """The baseline's ``target`` line for ``app``: served on loopback by ``serve`` (``live``), or
    called in-process."""
    if live:
        with serve(app) as url:
            yield f"base_url: {url}"
    else:
        yield in_process_target(pytester, app)

GOOD_HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def make_project(pytester, baseline: str, headers: dict | None = None, extra_app: str = "") -> str:
    """Write a WSGI app sending ``headers`` and a baseline (``{app}`` is replaced by its import path).

    Module names are unique per call: pytester runs in-process and modules stay imported.
    """
    name = f"secapp{next(_counter)}"
    headers = GOOD_HEADERS if headers is None else headers
    source = textwrap.dedent(f"""
        HEADERS = {list(headers.items())!r}

        def app(environ, start_response):
            path = environ.get("PATH_INFO", "/")
            status = "200 OK" if path in ("/", "/login", "/legacy/admin") else "404 Not Found"
            start_response(status, [("Content-Type", "text/html")] + HEADERS)
            return [b"<h1>hello</h1>"]
        """) + textwrap.dedent(extra_app)
    pytester.makepyfile(**{name: source})
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(baseline).replace("{app}", f"{name}:app")})
    return name
