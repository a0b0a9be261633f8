"""Planted apps for the fuzz engine's per-parameter findings, directed coverage, budgets and
back-off (issue 20), each with a hardened twin.

* ``many_params(fixed)``: a Flask app whose ``GET /search`` has five text parameters; three
  (name, city, sort) are concatenated into one SQL statement and ``next`` is an open redirect.
* ``serve_stalling(fixed)``: a single-threaded ``http.server`` on 127.0.0.1 whose handler
  stalls for :data:`STALL` seconds (bounded) on a value longer than :data:`LONG`; the fixed one
  answers 400 at once.
* ``serve_slow_once()``: a single-threaded server slow (under the timeout) on the first long
  value only: a slow answer that does not reproduce on an idle server.
* ``serve_no_options(answer)``: a single-threaded server without an OPTIONS handler: the
  standard library answers 501 to it (or ``answer``, e.g. 500, for the planted twin).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from tests.fuzz.apps import LOCAL_PATH

PARAMS = ("name", "city", "sort", "lang", "next")
STALL = 1.5  # seconds one long value holds the single-threaded server (bounded)
LONG = 200  # values longer than this stall it


def search_spec() -> dict[str, Any]:
    def param(name: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": 64}}

    return {"openapi": "3.0.3", "info": {"title": "Many parameters", "version": "1"}, "paths": {
        "/search": {"get": {"operationId": "search", "parameters": [param(p) for p in PARAMS], "responses": {
            "200": {"description": "OK"}, "302": {"description": "Redirect"}, "400": {"description": "Bad"}}}}}}


def many_params(fixed: bool = False) -> Any:
    import re

    from flask import Flask, jsonify, redirect, request

    app = Flask(f"many_params_{'fixed' if fixed else 'vulnerable'}")
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE users (name TEXT, city TEXT)")
    db.execute("INSERT INTO users VALUES ('alice', 'paris')")
    local = re.compile(LOCAL_PATH)

    @app.get("/openapi.json")
    def openapi() -> Any:
        return jsonify(search_spec())

    @app.get("/search")
    def search() -> Any:
        args = {p: request.args.get(p) for p in PARAMS}
        if any(not isinstance(v, str) or not 1 <= len(v) <= 64 or "\x00" in v for v in args.values()):
            return jsonify(error="each of name, city, sort, lang, next: 1 to 64 characters, no NUL"), 400
        if fixed:
            order = "city" if args["sort"] == "city" else "name"
            rows = db.execute(f"SELECT name FROM users WHERE name = ? AND city = ? ORDER BY {order}",
                              (args["name"], args["city"])).fetchall()
            target = args["next"]
            if local.match(target):
                return redirect(target)
            return jsonify(names=[r[0] for r in rows])
        try:
            rows = db.execute(f"SELECT name FROM users WHERE name = '{args['name']}' AND city = '{args['city']}' "
                              f"ORDER BY '{args['sort']}'").fetchall()
        except sqlite3.Error as exc:
            return jsonify(error=f"sqlite3.OperationalError: {exc}"), 500
        if args["next"].startswith(("http", "//")):
            return redirect(args["next"])
        return jsonify(names=[r[0] for r in rows])

    return app


def lookup_spec() -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": "Lookup", "version": "1"}, "paths": {
        "/lookup": {"get": {"operationId": "lookup", "parameters": [
            {"name": "q", "in": "query", "required": True, "schema": {"type": "string", "minLength": 1}}],
            "responses": {"200": {"description": "OK"}, "400": {"description": "Bad"}}}}}}


@dataclass
class Served:
    url: str
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, q) in arrival order


class _Quiet(HTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout) before the answer: nothing to report."""


@contextlib.contextmanager
def _serve(handler_class: type[BaseHTTPRequestHandler]) -> Iterator[HTTPServer]:
    server = _Quiet(("127.0.0.1", 0), handler_class)  # single-threaded: one request at a time
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def _handler(served: Served, answer: Any) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            q = urllib.parse.parse_qs(parts.query).get("q", [""])[0]
            served.requests.append((self.command, q))
            status, body = answer(parts.path, q)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextlib.contextmanager
def serve_stalling(fixed: bool = False) -> Iterator[Served]:
    served = Served("")

    def answer(path: str, q: str) -> tuple[int, Any]:
        if not q:
            return 400, {"error": "q is required"}
        if len(q) > LONG:
            if fixed:
                return 400, {"error": f"q: at most {LONG} characters"}
            time.sleep(STALL)  # the planted defect: long input holds the only worker
        return 200, {"found": len(q)}

    with _serve(_handler(served, answer)) as server:
        served.url = f"http://127.0.0.1:{server.server_port}"
        yield served


SLOW_ONCE = 0.45  # seconds: above the baseline's max_response_time, below its timeout


@contextlib.contextmanager
def serve_slow_once() -> Iterator[Served]:
    served = Served("")
    state = {"slowed": False}

    def answer(path: str, q: str) -> tuple[int, Any]:
        if not q:
            return 400, {"error": "q is required"}
        if len(q) > LONG and not state["slowed"]:
            state["slowed"] = True  # slow once (a busy moment), never again
            time.sleep(SLOW_ONCE)
        return 200, {"found": len(q)}

    with _serve(_handler(served, answer)) as server:
        served.url = f"http://127.0.0.1:{server.server_port}"
        yield served


@contextlib.contextmanager
def serve_no_options(answer_options: int | None = None) -> Iterator[Served]:
    """GET only; OPTIONS gets the standard library's 501, or ``answer_options`` when given."""
    served = Served("")

    def answer(path: str, q: str) -> tuple[int, Any]:
        return (200, {"found": len(q)}) if q else (400, {"error": "q is required"})

    handler = _handler(served, answer)
    if answer_options is not None:
        def do_OPTIONS(self: BaseHTTPRequestHandler) -> None:  # noqa: N802 - http.server's naming
            served.requests.append(("OPTIONS", ""))
            self.send_response(answer_options)
            self.send_header("Content-Length", "0")
            self.end_headers()

        handler.do_OPTIONS = do_OPTIONS  # type: ignore[attr-defined]
    else:
        original = handler.send_error

        def send_error(self: BaseHTTPRequestHandler, code: int, message: str | None = None,
                       explain: str | None = None) -> None:
            served.requests.append((self.command, f"answered {code}"))
            original(self, code, message, explain)

        handler.send_error = send_error  # type: ignore[method-assign]
    with _serve(handler) as server:
        served.url = f"http://127.0.0.1:{server.server_port}"
        yield served


def vulnerable_many() -> Any:
    return many_params(fixed=False)


def fixed_many() -> Any:
    return many_params(fixed=True)
