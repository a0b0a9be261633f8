"""A Flask notes-and-reports service with authorization bugs that can be planted one by one.

``create_app()`` is the correct service; ``create_app({"note_owner", ...})`` plants bugs:

* ``export_role``   the role check is missing on GET /reports/<id>/export.csv (any user exports)
* ``note_owner``    the ownership check is missing on GET /notes/<id>
* ``preview``       GET /notes/<id>?preview=true skips the ownership check (found by explore)
* ``list_leak``     GET /notes lists every user's notes
* ``admin_action``  POST /admin/users/<name>/role only checks that the caller is logged in
* ``note_write``    PUT and DELETE /notes/<id> act on anybody's note
* ``write_own``     PUT and DELETE /notes/<id> answer 204 but act on the CALLER's newest note (no leak)
* ``stale_role``    the role is read once at login and kept in the session (revocation never applies)
* ``fixation``      login keeps the session id issued before login
* ``logout``        logout only deletes the cookie; the session stays valid on the server
* ``lifetime``      the session cookie lives 30 days
* ``order_items``   POST /orders/<id>/items adds to anybody's order (found by sequence replay)

Users: alice, bob and frank (viewer), carol and erin (analyst), dave (admin); password = name +
"-pw". Admins read every note; only owners write theirs.
Sessions are server-side (cookie ``sid``) and the login's JSON answer carries the same id as
a bearer token.
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any

from flask import Flask, abort, g, jsonify, make_response, request

ROLES = {"viewer": 1, "analyst": 2, "admin": 3}
REPORTS = {"public": False, "quarterly": False, "salaries": True}

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "notes", "version": "1"},
    "paths": {
        "/login": {"post": {"responses": {"200": {"description": "ok"}}}},
        "/logout": {"post": {"responses": {"204": {"description": "ok"}}}},
        "/dashboard": {"get": {"responses": {"200": {"description": "ok"}}}},
        "/reports/{report_id}/export.csv": {"get": {
            "parameters": [{"name": "report_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}}}},
        "/notes": {"get": {"responses": {"200": {"description": "ok"}}},
                   "post": {"responses": {"201": {"description": "ok"}}}},
        "/notes/{note_id}": {
            "get": {"parameters": [
                {"name": "note_id", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "preview", "in": "query", "required": False, "schema": {"type": "boolean"}},
            ], "responses": {"200": {"description": "ok"}}},
            "put": {"parameters": [{"name": "note_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"204": {"description": "ok"}}},
            "delete": {"parameters": [{"name": "note_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                       "responses": {"204": {"description": "ok"}}},
        },
        "/admin/users/{name}/role": {"post": {
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"204": {"description": "ok"}}}},
    },
}


def create_app(bugs: frozenset[str] | set[str] = frozenset()) -> Flask:
    bugs = frozenset(bugs)
    app = Flask(__name__)
    users = {"alice": "viewer", "bob": "viewer", "carol": "analyst", "dave": "admin", "erin": "analyst",
             "frank": "viewer"}
    sessions: dict[str, dict[str, Any]] = {}
    notes: dict[str, dict[str, Any]] = {}
    orders: dict[str, dict[str, Any]] = {}
    ids = itertools.count(100)
    max_age = 30 * 86400 if "lifetime" in bugs else 8 * 3600

    def role_of(session: dict[str, Any]) -> str:
        return session["role"] if "stale_role" in bugs else users[session["user"]]

    def current() -> dict[str, Any] | None:
        auth = request.headers.get("Authorization", "")
        sid = auth[7:] if auth.startswith("Bearer ") else request.cookies.get("sid")
        session = sessions.get(sid or "")
        return session if session and session.get("user") else None

    def require(role: str | None = None, *, logged_in_only: bool = False) -> dict[str, Any]:
        session = current()
        if session is None:
            abort(401)
        if role and not logged_in_only and ROLES[role_of(session)] < ROLES[role]:
            abort(403)
        g.user = session["user"]
        return session

    @app.get("/login")
    def login_page() -> Any:
        response = make_response("<form method=post><input name=username><input name=password></form>")
        if not request.cookies.get("sid"):  # an anonymous session, as many frameworks issue one
            sid = secrets.token_urlsafe(16)
            sessions[sid] = {}
            response.set_cookie("sid", sid, httponly=True, samesite="Lax")
        return response

    @app.post("/login")
    def login() -> Any:
        body = request.get_json(silent=True) or {}
        user = body.get("username")
        if user not in users or body.get("password") != f"{user}-pw":
            return jsonify(error="bad credentials"), 401
        old = request.cookies.get("sid")
        if "fixation" in bugs and old in sessions:
            sid = old
        else:
            sessions.pop(old or "", None)
            sid = secrets.token_urlsafe(16)
        sessions[sid] = {"user": user, "role": users[user]}
        response = jsonify(token=sid)
        response.set_cookie("sid", sid, max_age=max_age, httponly=True, samesite="Lax")
        return response

    @app.post("/logout")
    def logout() -> Any:
        auth = request.headers.get("Authorization", "")
        sid = auth[7:] if auth.startswith("Bearer ") else request.cookies.get("sid")
        if "logout" not in bugs:
            sessions.pop(sid or "", None)
        response = make_response("", 204)
        response.delete_cookie("sid")
        return response

    @app.get("/dashboard")
    def dashboard() -> Any:
        require("viewer")
        return jsonify(user=g.user, widgets=["usage"])

    @app.get("/reports/<report_id>/export.csv")
    def export(report_id: str) -> Any:
        session = require("analyst", logged_in_only="export_role" in bugs)
        if report_id not in REPORTS:
            abort(404)
        if REPORTS[report_id] and role_of(session) != "admin" and "export_role" not in bugs:
            abort(403)
        return app.response_class(f"report,{report_id}\nrows,3\n", mimetype="text/csv")

    def visible(note: dict[str, Any], session: dict[str, Any]) -> bool:
        return note["owner"] == session["user"] or role_of(session) == "admin"

    @app.get("/notes")
    def list_notes() -> Any:
        session = require("viewer")
        mine = [dict(id=k, **v) for k, v in notes.items() if "list_leak" in bugs or visible(v, session)]
        return jsonify(notes=mine)

    @app.post("/notes")
    def create_note() -> Any:
        session = require("viewer")
        note_id = str(next(ids))
        notes[note_id] = {"owner": session["user"], "text": (request.get_json(silent=True) or {}).get("text", "")}
        return jsonify(id=note_id), 201

    @app.get("/notes/<note_id>")
    def read_note(note_id: str) -> Any:
        session = require("viewer")
        note = notes.get(note_id)
        if note is None:
            abort(404)
        skip = "note_owner" in bugs or ("preview" in bugs and request.args.get("preview") == "true")
        if not skip and not visible(note, session):
            abort(404)
        return jsonify(id=note_id, **note)

    def own_newest(session: dict[str, Any]) -> str | None:
        mine = [k for k, v in notes.items() if v["owner"] == session["user"]]
        return mine[-1] if mine else None

    def writable(note_id: str, session: dict[str, Any]) -> str | None:
        if "write_own" in bugs:  # a confused handler: ignores the id, acts on the caller's own newest note
            return own_newest(session)
        note = notes.get(note_id)
        if note is None:
            return None
        return note_id if "note_write" in bugs or note["owner"] == session["user"] else None

    @app.put("/notes/<note_id>")
    def update_note(note_id: str) -> Any:
        session = require("viewer")
        target = writable(note_id, session)
        if target is None:
            abort(404)
        notes[target]["text"] = (request.get_json(silent=True) or {}).get("text", "")
        return "", 204

    @app.delete("/notes/<note_id>")
    def delete_note(note_id: str) -> Any:
        session = require("viewer")
        target = writable(note_id, session)
        if target is None:
            abort(404)
        del notes[target]
        return "", 204

    @app.post("/admin/users/<name>/role")
    def set_role(name: str) -> Any:
        require("admin", logged_in_only="admin_action" in bugs)
        role = (request.get_json(silent=True) or {}).get("role")
        if name not in users or role not in ROLES:
            abort(400)
        users[name] = role
        return "", 204

    @app.post("/orders")
    def create_order() -> Any:
        session = require("viewer")
        order_id = str(next(ids))
        orders[order_id] = {"owner": session["user"], "items": []}
        return jsonify(id=order_id), 201

    @app.post("/orders/<order_id>/items")
    def add_item(order_id: str) -> Any:
        session = require("viewer")
        order = orders.get(order_id)
        if order is None or ("order_items" not in bugs and order["owner"] != session["user"]):
            abort(404)
        order["items"].append((request.get_json(silent=True) or {}).get("sku", "?"))
        return jsonify(count=len(order["items"])), 201

    @app.get("/orders/<order_id>")
    def read_order(order_id: str) -> Any:
        session = require("viewer")
        order = orders.get(order_id)
        if order is None or order["owner"] != session["user"]:
            abort(404)
        return jsonify(id=order_id, items=order["items"])

    @app.get("/openapi.json")
    def openapi() -> Any:
        return jsonify(OPENAPI)

    @app.errorhandler(400)
    @app.errorhandler(401)
    @app.errorhandler(403)
    @app.errorhandler(404)
    def error(exc: Any) -> Any:
        return jsonify(error=exc.name), exc.code

    return app
