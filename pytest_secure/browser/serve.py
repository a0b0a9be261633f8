"""The loopback servers the browser checks start on 127.0.0.1, and stop when the run ends.

* :func:`bridge_app`: an in-process WSGI or ASGI target, served to the browser. Each request
  goes through a private :class:`~pytest_secure.core.target.InProcessTarget` (its scope guard,
  timeouts and body cap), one at a time; redirects are handed to the browser, not followed.
* :func:`attacker_app`: the "other origin" of the checks: the page that frames the target,
  the page that submits a cross-site form to it, and the off-origin script an attacker would
  inject. Its host name differs from the target's (``localhost`` against ``127.0.0.1``), so the
  browser treats it as another site.
"""

from __future__ import annotations

import contextlib
import html
import re
import socketserver
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from ..core.errors import TargetError
from ..core.target import InProcessTarget

MAX_REQUEST_BODY = 1_048_576
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "upgrade"}
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """No access log on the test run's output."""


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a browser's idle pre-connection must not hold the run open


class LoopbackServer:
    """A threaded WSGI server on 127.0.0.1 (any free port), serving ``make_app(origin)`` until
    :meth:`close`; ``origin`` is ``http://<host>:<port>`` of this server (``host`` names it)."""

    def __init__(self, make_app: Callable[[str], WsgiApp], host: str = "127.0.0.1") -> None:
        self._server = make_server("127.0.0.1", 0, _not_ready, server_class=_ThreadingServer, handler_class=_Quiet)
        self.port = self._server.server_port
        self.origin = f"http://{host}:{self.port}"
        self._server.set_app(make_app(self.origin))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True, name="pytest-secure-browser-server")
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _not_ready(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def _request_body(environ: dict[str, Any]) -> bytes | None:
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_REQUEST_BODY)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else None


def bridge_app(target: InProcessTarget, browser_origin: str) -> WsgiApp:
    """A WSGI app that answers the browser with ``target``'s app, one request at a time.

    The app sees the request as the other checks send it (``target.base_url``'s host); absolute
    redirects to that host are pointed back at the bridge (``browser_origin``)."""
    lock = threading.Lock()
    base = target.base_url

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = urllib.parse.quote(environ.get("PATH_INFO") or "/", safe="/%:@!$&'()*+,;=-._~")
        query = environ.get("QUERY_STRING") or ""
        headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items()
                   if key.startswith("HTTP_") and key not in ("HTTP_HOST", "HTTP_CONNECTION")}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        body = _request_body(environ)
        url = base + path + (f"?{query}" if query else "")
        try:
            with lock:
                response = target.request(environ["REQUEST_METHOD"], url, headers=headers, content=body,
                                          follow_redirects=False)
        except TargetError as exc:
            start_response("502 Bad Gateway", [("Content-Type", "text/plain; charset=utf-8")])
            return [f"pytest-secure could not call the in-process app: {exc}".encode()]
        out = []
        for name, value in response.headers:
            if name.lower() in HOP_BY_HOP:
                continue
            if name.lower() == "location" and value.startswith(base):
                value = browser_origin + value[len(base):]
            out.append((name, value))
        out.append(("Content-Length", str(len(response.body))))
        start_response(f"{response.status} {_reason(response.status)}", out)
        return [response.body]

    return app


def _reason(status: int) -> str:
    from http import HTTPStatus

    with contextlib.suppress(ValueError):
        return HTTPStatus(status).phrase
    return "Status"


_TAG = re.compile(r"[^A-Za-z0-9:._-]")


def marker_script(tag: str) -> str:
    """JavaScript that records ``tag`` through the checks' marker, if the page lets it run."""
    return f"(window.__secureMark || function () {{}})({_TAG.sub('', tag)!r});"


def attacker_app(target_pages: Callable[[str], str | None]) -> WsgiApp:
    """The other origin: ``/evil.js?tag=..`` (the off-origin script), ``/frame?url=..`` (frames
    the page), ``/post?url=..`` (a cross-site form post and image to the page), ``/link?url=..``
    (a cross-site top-level link). ``target_pages(url)`` returns the URL if it is one of the run's
    pages (so this server never points the browser anywhere else), else None."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        params = urllib.parse.parse_qs(environ.get("QUERY_STRING") or "")
        if path == "/evil.js":
            start_response("200 OK", [("Content-Type", "text/javascript")])
            return [marker_script(params.get("tag", ["offorigin"])[0]).encode()]
        page = target_pages(params.get("url", [""])[0])
        if page is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not a page of this run"]
        url = html.escape(page, quote=True)
        body = {
            "/frame": f'<!doctype html><title>framer</title><iframe id="framed" src="{url}" width="400" '
                      'height="300"></iframe>',
            "/post": f'<!doctype html><title>cross-site post</title><img src="{url}" alt="">'
                     f'<form id="f" method="post" action="{url}"><input name="pytest_secure" value="1"></form>',
            "/link": f'<!doctype html><title>cross-site link</title><a id="go" href="{url}">go</a>',
        }.get(path)
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]

    return app
