"""The reporting service of the brief, on Flask.

* viewer: can view the dashboard but not export;
* analyst: can export non-sensitive reports;
* admin: can export every report.

Login (``POST /login``, form or JSON) sets a session cookie and, for JSON logins, returns a
bearer token; ``POST /api/token`` is the token API. Passwords come from the environment
(``VIEWER_PW``, ``ANALYST_PW``, ``ADMIN_PW``) with demo defaults.
"""

from __future__ import annotations

import hmac
import os
import secrets
from functools import wraps
from typing import Any

from flask import Flask, Response, abort, g, jsonify, make_response, request

SESSION_SECONDS = 8 * 3600  # interactive sessions stay under the brief's 12 h
ROLES = {"viewer": 1, "analyst": 2, "admin": 3}
REPORTS = {
    "public": {"title": "Monthly usage", "sensitive": False, "rows": [["month", "visits"], ["2026-10", "1200"]]},
    "quarterly": {"title": "Quarterly revenue", "sensitive": False, "rows": [["quarter", "revenue"], ["Q3", "9000"]]},
    "sensitive": {"title": "Salaries", "sensitive": True, "rows": [["name", "salary"], ["A. Person", "100"]]},
}

app = Flask(__name__)
_sessions: dict[str, str] = {}  # session id or token -> user name


def _passwords() -> dict[str, str]:
    return {user: os.environ.get(f"{user.upper()}_PW", f"{user}-demo-pw") for user in ROLES}


def _authenticate(username: Any, password: Any) -> bool:
    expected = _passwords().get(str(username))
    return expected is not None and isinstance(password, str) and hmac.compare_digest(expected, password)


@app.after_request
def security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def current_user() -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        return _sessions.get(auth[7:])
    sid = request.cookies.get("__Host-session")
    return _sessions.get(sid) if sid else None


def requires(role: str):  # type: ignore[no-untyped-def]
    def decorator(view):  # type: ignore[no-untyped-def]
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                abort(401)
            if ROLES[user] < ROLES[role]:
                abort(403)
            g.user = user
            return view(*args, **kwargs)

        return wrapper

    return decorator


@app.get("/")
def index() -> str:
    return "<!doctype html><title>Reports</title><h1>Reporting service</h1><a href='/login'>Log in</a>"


@app.get("/login")
def login_form() -> str:
    return ("<!doctype html><title>Log in</title><form method='post' action='/login'>"
            "<input name='username'><input name='password' type='password'><button>Log in</button></form>")


@app.post("/login")
def login() -> Any:
    body = request.get_json(silent=True) if request.is_json else request.form
    # a JSON body that is not an object (found by fuzzing: "AAA" raised AttributeError) is refused too
    if not isinstance(body, dict) or not _authenticate(body.get("username"), body.get("password")):
        return jsonify(error="invalid username or password"), 401
    sid = secrets.token_urlsafe(32)
    _sessions[sid] = str(body["username"])
    response = make_response(jsonify(access_token=sid, token_type="bearer") if request.is_json else ("", 204))
    response.set_cookie("__Host-session", sid, max_age=SESSION_SECONDS, secure=True, httponly=True,
                        samesite="Lax", path="/")
    return response


@app.post("/api/token")
def token() -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not _authenticate(body.get("username"), body.get("password")):
        return jsonify(error="invalid username or password"), 401
    tok = secrets.token_urlsafe(32)
    _sessions[tok] = str(body["username"])
    return jsonify(access_token=tok, token_type="bearer", expires_in=SESSION_SECONDS)


@app.post("/logout")
def logout() -> Any:
    sid = request.cookies.get("__Host-session")
    auth = request.headers.get("Authorization", "")
    for key in (sid, auth[7:] if auth.startswith("Bearer ") else None):
        _sessions.pop(key or "", None)
    response = make_response("", 204)
    response.delete_cookie("__Host-session", path="/", secure=True, httponly=True, samesite="Lax")
    return response


@app.get("/dashboard")
@requires("viewer")
def dashboard() -> Any:
    return jsonify(user=g.user, reports=sorted(REPORTS))


@app.get("/reports")
@requires("viewer")
def list_reports() -> Any:
    return jsonify([{"id": k, "title": v["title"], "sensitive": v["sensitive"]} for k, v in REPORTS.items()])


@app.get("/reports/<report_id>/export.csv")
@requires("analyst")
def export(report_id: str) -> Any:
    report = REPORTS.get(report_id)
    if report is None:
        abort(404)
    if report["sensitive"] and g.user != "admin":
        abort(403)
    csv = "\n".join(",".join(row) for row in report["rows"]) + "\n"
    return Response(csv, mimetype="text/csv")


@app.get("/openapi.json")
def openapi() -> Any:
    return jsonify(OPENAPI)


@app.errorhandler(401)
@app.errorhandler(403)
@app.errorhandler(404)
@app.errorhandler(405)
def error(exc: Any) -> Any:
    return jsonify(error=exc.name), exc.code


_bearer = [{"bearer": []}, {"session": []}]
OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Reporting service", "version": "1.0.0"},
    "components": {
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": "__Host-session"},
        },
        "schemas": {
            "Credentials": {
                "type": "object", "required": ["username", "password"], "additionalProperties": False,
                "properties": {"username": {"type": "string", "maxLength": 64}, "password": {"type": "string", "maxLength": 128}},
            },
            "Token": {"type": "object", "properties": {"access_token": {"type": "string"}, "token_type": {"type": "string"}}},
        },
    },
    "paths": {
        "/login": {"post": {
            "operationId": "login", "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Credentials"}}}},
            "responses": {"200": {"description": "Logged in", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Token"}}}},
                          "401": {"description": "Wrong credentials"}},
        }},
        "/api/token": {"post": {
            "operationId": "token", "security": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Credentials"}}}},
            "responses": {"200": {"description": "A token"}, "401": {"description": "Wrong credentials"}},
        }},
        "/logout": {"post": {"operationId": "logout", "security": _bearer, "responses": {"204": {"description": "Logged out"}}}},
        "/dashboard": {"get": {"operationId": "dashboard", "security": _bearer,
                               "responses": {"200": {"description": "Dashboard"}, "401": {"description": "Not logged in"}}}},
        "/reports": {"get": {"operationId": "listReports", "security": _bearer,
                             "responses": {"200": {"description": "Reports"}, "401": {"description": "Not logged in"}}}},
        "/reports/{report_id}/export.csv": {"get": {
            "operationId": "exportReport", "security": _bearer,
            "parameters": [{"name": "report_id", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}}],
            "responses": {"200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
                          "401": {"description": "Not logged in"}, "403": {"description": "Not allowed"},
                          "404": {"description": "No such report"}},
        }},
    },
}
