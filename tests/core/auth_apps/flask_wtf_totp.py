"""A Flask app with a two-step login (password, then a TOTP code) and Flask-WTF's CSRFProtect on
every write (issue 19, items 3 and 4).

The ONE way in: ``GET /login`` (a form with Flask-WTF's ``csrf_token``), ``POST /login`` with
the password (302 to ``/login/totp``), ``POST /login/totp`` with the current code of the
user's TOTP secret (pyotp, RFC 6238; 302 to ``/home``). Sessions live on the server (the
signed cookie holds only a session id), so a logout ends them. Every POST needs the CSRF token
(Flask-WTF reads the ``csrf_token`` form field or the ``X-CSRFToken`` header; without it:
400 "The CSRF token is missing."). ``GET /notes/new`` is a page whose form holds a fresh token.

Users: bob (admin), carol (viewer). Plantable bugs: ``logout`` (the session survives a
logout), ``search_500`` (a signed-in ``GET /notes?q=...`` crashes).
"""

from __future__ import annotations

import secrets
from typing import Any

import pyotp
from flask import Flask, jsonify, redirect, request, session
from flask_wtf.csrf import CSRFProtect, generate_csrf

SEEDS = {"bob": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "carol": "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"}
USERS = {"bob": ("bob-pw", "admin"), "carol": ("carol-pw", "viewer")}


def _form(action: str, fields: str) -> str:
    return (f"<form method=post action={action}><input type=hidden name=csrf_token value=\"{generate_csrf()}\">"
            f"{fields}<button>go</button></form>")


def create_app(bugs: frozenset[str] | set[str] = frozenset(), seeds: dict[str, str] | None = None) -> Flask:
    bugs = frozenset(bugs)
    seeds = seeds or SEEDS
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secrets.token_hex(32), SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    CSRFProtect(app)
    live: dict[str, str] = {}  # server-side sessions: id -> user
    notes: dict[str, list[str]] = {u: [] for u in USERS}
    app.secure_state = {"live": live, "notes": notes}  # type: ignore[attr-defined]

    def user() -> str | None:
        return live.get(session.get("sid", ""))

    def denied() -> Any:
        return jsonify(error="unauthenticated"), 401

    @app.get("/login")
    def login_page() -> Any:
        return _form("/login", "<input name=username><input name=password type=password>")

    @app.post("/login")
    def login() -> Any:
        name = request.form.get("username", "")
        if name not in USERS or not secrets.compare_digest(USERS[name][0], request.form.get("password", "")):
            return "bad credentials", 401
        session.clear()
        session["pending"] = name  # the password is right; the second factor is next
        return redirect("/login/totp", 302)

    @app.get("/login/totp")
    def totp_page() -> Any:
        if "pending" not in session:
            return redirect("/login", 302)
        return _form("/login/totp", "<input name=code inputmode=numeric>")

    @app.post("/login/totp")
    def totp() -> Any:
        name = session.get("pending")
        if name is None or not pyotp.TOTP(seeds[name]).verify(request.form.get("code", ""), valid_window=1):
            return "wrong code", 401
        session.clear()
        sid = secrets.token_urlsafe(24)
        live[sid] = name
        session["sid"] = sid
        return redirect("/home", 302)

    @app.get("/home")
    def home() -> Any:
        return f"<h1>welcome {user()}</h1>" if user() else redirect("/login", 302)

    @app.post("/logout")
    def logout() -> Any:
        if user() is None:
            return denied()
        if "logout" not in bugs:
            live.pop(session.get("sid", ""), None)
        session.clear()
        return "", 204

    @app.get("/me")
    def me() -> Any:
        return jsonify(user=user()) if user() else denied()

    @app.get("/admin")
    def admin() -> Any:
        if user() is None:
            return denied()
        return (jsonify(admin=True), 200) if USERS[user()][1] == "admin" else (jsonify(error="forbidden"), 403)

    @app.get("/notes/new")
    def new_note() -> Any:
        return _form("/notes", "<textarea name=text></textarea>") if user() else redirect("/login", 302)

    @app.get("/notes")
    def list_notes() -> Any:
        if user() is None:
            return denied()
        if "search_500" in bugs and request.args.get("q") is not None:
            raise RuntimeError("search index not built")
        return jsonify(notes=notes[user()])

    @app.post("/notes")
    def add_note() -> Any:
        if user() is None:
            return denied()
        body = request.get_json(silent=True) if request.is_json else request.form
        text = body.get("text") if body else None
        if not isinstance(text, str):
            return jsonify(error="text required"), 400
        notes[user()].append(text[:200])
        return jsonify(id=len(notes[user()])), 201

    @app.post("/notes/purge")
    def purge() -> Any:
        if user() is None:
            return denied()
        if USERS[user()][1] != "admin":
            return jsonify(error="forbidden"), 403
        return "", 204

    @app.get("/openapi.json")
    def openapi() -> Any:
        return jsonify({"openapi": "3.0.3", "info": {"title": "notes", "version": "1"}, "paths": {
            "/notes": {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                               "responses": {"200": {"description": "notes"}}}}}})

    return app
