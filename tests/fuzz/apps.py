"""Real Flask and FastAPI apps with security defects planted on purpose, and their fixed twins.

``vulnerable_shop()`` / ``fixed_shop()`` (Flask, WSGI) and ``vulnerable_api()`` / ``fixed_api()``
(FastAPI, ASGI) are app factories; every call builds a fresh app with its own in-memory
sqlite database. Each app records the requests it receives in ``app.config["seen"]`` (Flask)
or ``app.state.seen`` (FastAPI), so tests can see what was sent and in which order.
"""


import html
import re
import sqlite3
from typing import Any

# A regex with nested quantifiers: exponential backtracking on "aaaa...!". The vulnerable app
# only accepts 23 characters, so one slow request costs about half a second, not hours.
CATASTROPHIC = re.compile(r"^(\w+\s?)*$")
LINEAR = re.compile(r"^[\w ]*$")
MAX_CODE = 23
# A path on this site: one leading slash, no backslashes or control characters.
LOCAL_PATH = r"^/(?![/\\])[^\\\x00-\x1f\x7f]*$"


def _spec(title: str) -> dict[str, Any]:
    def query(name: str, max_length: int = 64, required: bool = True) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": required,
                "schema": {"type": "string", "minLength": 1, "maxLength": max_length}}

    def op(op_id: str, param: dict[str, Any], responses: dict[str, Any]) -> dict[str, Any]:
        return {"get": {"operationId": op_id, "parameters": [param], "responses": responses}}

    ok = {"description": "OK"}
    bad = {"description": "Invalid input"}
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": "1.0.0"},
        "paths": {
            "/users/search": op("searchUsers", query("name"), {"200": ok, "400": bad}),
            "/greet": op("greet", query("name"), {"200": ok, "400": bad}),
            "/echo": op("echo", query("msg", 200), {"200": ok, "400": bad}),
            "/go": op("go", {**query("next", 200), "schema": {
                "type": "string", "minLength": 1, "maxLength": 200, "pattern": LOCAL_PATH}},
                {"302": {"description": "Redirect"}, "400": bad}),
            "/validate": op("validate", query("code", MAX_CODE), {"200": ok, "400": bad}),
        },
    }


def _database() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE users (name TEXT, email TEXT)")
    db.executemany("INSERT INTO users VALUES (?, ?)", [("alice", "alice@example.org"), ("bob", "bob@example.org")])
    return db


def _flask_shop(fixed: bool) -> Any:
    from flask import Flask, jsonify, redirect, render_template_string, request

    app = Flask(f"shop_{'fixed' if fixed else 'vulnerable'}")
    app.config["seen"] = []
    app.logger.disabled = True  # the planted crashes would fill the output with the app's own tracebacks
    db = _database()
    spec = _spec("Shop")

    @app.before_request
    def remember() -> None:
        app.config["seen"].append((request.method, request.path, request.query_string.decode("latin-1")))

    def text_arg(name: str, max_length: int) -> str | None:
        value = request.args.get(name)
        if value is None or not 1 <= len(value) <= max_length or set(request.args) - {name}:
            return None
        return value

    def invalid() -> Any:
        return jsonify(error="invalid input"), 400

    @app.get("/openapi.json")
    def openapi() -> Any:
        return jsonify(spec)

    @app.get("/users/search")
    def search() -> Any:
        name = text_arg("name", 64)
        if name is None:
            return invalid()
        if fixed:
            rows = db.execute("SELECT name, email FROM users WHERE name = ?", (name,)).fetchall()
        else:
            try:  # PLANTED: SQL built from a string, and the database error shown to the client
                rows = db.execute(f"SELECT name, email FROM users WHERE name = '{name}'").fetchall()
            except sqlite3.Error as exc:
                return jsonify(error=f"sqlite3.OperationalError: {exc}"), 500
        return jsonify([{"name": n, "email": e} for n, e in rows])

    @app.get("/greet")
    def greet() -> Any:
        name = text_arg("name", 64)
        if name is None:
            return invalid()
        if fixed:
            return render_template_string("<p>Hello {{ name }}</p>", name=name)
        return render_template_string(f"<p>Hello {name}</p>")  # PLANTED: template compiled from input

    @app.get("/echo")
    def echo() -> Any:
        msg = text_arg("msg", 200)
        if msg is None:
            return invalid()
        shown = html.escape(msg, quote=True) if fixed else msg  # PLANTED: reflected without encoding
        return f"<!doctype html><title>Echo</title><p>You said: {shown}</p>", 200, {"Content-Type": "text/html"}

    @app.get("/go")
    def go() -> Any:
        target = text_arg("next", 200)
        if target is None:
            return invalid()
        if fixed and not re.fullmatch(LOCAL_PATH, target):
            return invalid()
        return redirect(target)  # PLANTED (when not fixed): redirect to wherever `next` says

    @app.get("/validate")
    def validate() -> Any:
        code = text_arg("code", MAX_CODE)
        if code is None:
            return invalid()
        pattern = LINEAR if fixed else CATASTROPHIC  # PLANTED: catastrophic backtracking
        return jsonify(valid=bool(pattern.match(code)))

    return app


def vulnerable_shop() -> Any:
    return _flask_shop(fixed=False)


def fixed_shop() -> Any:
    return _flask_shop(fixed=True)


def _fastapi_notes(fixed: bool) -> Any:
    """A token-protected JSON API on FastAPI: POST /login gives a bearer token, POST
    /notes/search searches the caller's notes (planted: SQL from a string in the JSON body)."""
    import secrets

    from fastapi import Depends, FastAPI, Header, HTTPException, Request
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel, Field

    app = FastAPI(title="Notes")
    app.state.seen = []
    db = _database()
    db.execute("CREATE TABLE notes (owner TEXT, text TEXT)")
    db.execute("INSERT INTO notes VALUES ('alice', 'buy milk')")
    tokens: dict[str, str] = {}

    @app.middleware("http")
    async def remember(request: Request, call_next: Any) -> Any:
        app.state.seen.append((request.method, request.url.path, request.headers.get("authorization", "")))
        return await call_next(request)

    class Credentials(BaseModel):
        username: str = Field(min_length=1, max_length=32)
        password: str = Field(min_length=1, max_length=64)

    class Search(BaseModel):
        q: str = Field(min_length=1, max_length=64)

    def user(authorization: str = Header(default="")) -> str:
        name = tokens.get(authorization.removeprefix("Bearer "))
        if name is None:
            raise HTTPException(401, "log in first")
        return name

    @app.post("/login")
    def login(body: Credentials) -> dict[str, str]:
        if (body.username, body.password) != ("alice", "alice-pw-1"):
            raise HTTPException(401, "invalid username or password")
        token = secrets.token_urlsafe(24)
        tokens[token] = body.username
        return {"access_token": token}

    @app.post("/notes/search")
    def search(body: Search, owner: str = Depends(user)) -> Any:
        if fixed:
            rows = db.execute("SELECT text FROM notes WHERE owner = ? AND text LIKE ?", (owner, f"%{body.q}%"))
            return [r[0] for r in rows.fetchall()]
        try:  # PLANTED: SQL built from a string, the database error returned to the client
            rows = db.execute(f"SELECT text FROM notes WHERE owner = '{owner}' AND text LIKE '%{body.q}%'")
            return [r[0] for r in rows.fetchall()]
        except sqlite3.Error as exc:
            return JSONResponse({"detail": f"sqlite3.OperationalError: {exc}"}, status_code=500)

    return app


def vulnerable_api() -> Any:
    return _fastapi_notes(fixed=False)


def fixed_api() -> Any:
    return _fastapi_notes(fixed=True)


def _flask_tools(fixed: bool) -> Any:
    """Four more planted defects: a file viewer joining paths, a shell `echo`, an error page
    with the traceback, a login echoing the password it refused."""
    import os
    import subprocess
    import tempfile
    import traceback

    from flask import Flask, jsonify, request

    app = Flask(f"tools_{'fixed' if fixed else 'vulnerable'}")
    app.logger.disabled = True
    docs = tempfile.mkdtemp(prefix="psec-docs-")
    with open(os.path.join(docs, "readme.txt"), "w") as handle:
        handle.write("hello")
    text = {"type": "string", "minLength": 1, "maxLength": 64}
    spec = {"openapi": "3.0.3", "info": {"title": "Tools", "version": "1.0.0"}, "paths": {
        "/files": {"get": {"parameters": [{"name": "name", "in": "query", "required": True, "schema": text}],
                           "responses": {"200": {"description": "OK"}, "404": {"description": "No such file"}}}},
        "/echo-shell": {"get": {"parameters": [{"name": "word", "in": "query", "required": True, "schema": text}],
                                "responses": {"200": {"description": "OK"}, "400": {"description": "Invalid"}}}},
        "/parse": {"get": {"parameters": [{"name": "number", "in": "query", "required": True, "schema": text}],
                           "responses": {"200": {"description": "OK"}, "400": {"description": "Invalid"}}}},
        "/login": {"post": {"requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["username", "password"], "additionalProperties": False,
            "properties": {"username": text, "password": text}}}}},
            "responses": {"200": {"description": "OK"}, "400": {"description": "Invalid"},
                          "401": {"description": "Wrong credentials"}}}},
    }}

    @app.get("/openapi.json")
    def openapi() -> Any:
        return jsonify(spec)

    def arg(name: str) -> str | None:
        value = request.args.get(name)
        if not value or len(value) > 64 or set(request.args) != {name}:
            return None
        return None if fixed and "\x00" in value else value  # paths and argv cannot hold NUL

    @app.get("/files")
    def files() -> Any:
        name = arg("name")
        if name is None:
            return jsonify(error="invalid input"), 400
        path = os.path.join(docs, name)  # PLANTED (when not fixed): ../../etc/passwd walks out
        if fixed and os.path.commonpath([os.path.realpath(path), docs]) != docs:
            return jsonify(error="no such file"), 404
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                return handle.read(4096), 200, {"Content-Type": "text/plain"}
        except OSError:
            return jsonify(error="no such file"), 404

    @app.get("/echo-shell")
    def echo_shell() -> Any:
        word = arg("word")
        if word is None:
            return jsonify(error="invalid input"), 400
        if fixed:
            out = subprocess.run(["echo", word], capture_output=True, text=True, timeout=5).stdout
        else:  # PLANTED: the input is part of a shell command line
            out = subprocess.run(f"echo {word}", shell=True, capture_output=True, text=True, timeout=5).stdout  # noqa: S602
        return jsonify(out=out)

    @app.get("/parse")
    def parse() -> Any:
        number = arg("number")
        if number is None:
            return jsonify(error="invalid input"), 400
        try:
            return jsonify(value=int(number))
        except ValueError:
            if fixed:
                return jsonify(error="not a number"), 400
            return f"<pre>{html.escape(traceback.format_exc())}</pre>", 400  # PLANTED: the trace shown

    @app.post("/login")
    def login() -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or set(body) != {"username", "password"} or \
                not all(isinstance(v, str) and 1 <= len(v) <= 64 for v in body.values()):
            return jsonify(error="invalid input"), 400
        if fixed:
            return jsonify(error="invalid username or password"), 401
        return jsonify(error=f"password {body['password']} is wrong for {body['username']}"), 401  # PLANTED

    return app


def vulnerable_tools() -> Any:
    return _flask_tools(fixed=False)


def fixed_tools() -> Any:
    return _flask_tools(fixed=True)
