"""A shop on Flask that opens a guest session on the first visit, as many shops do.

``GET /`` (a public page, cacheable: ``Cache-Control: public``) sets a ``sid`` cookie for a
guest cart. ``GET /account`` answers 401 to a request without a session, 403 ("log in first")
to a guest session, and the account to a logged-in user. A client that really is anonymous,
a first visit, gets 401; one that replays the guest cookie is not anonymous any more.
"""

from __future__ import annotations

import secrets

from flask import Flask, jsonify, make_response, request


def create_app() -> Flask:
    app = Flask(__name__)
    sessions: dict[str, str | None] = {}  # sid -> user (None: a guest)

    def current() -> tuple[bool, str | None]:
        sid = request.cookies.get("sid", "")
        return sid in sessions, sessions.get(sid)

    @app.get("/")
    def home():  # type: ignore[no-untyped-def]
        response = make_response("<h1>Shop</h1>")
        response.headers["Cache-Control"] = "public, max-age=300"
        if not current()[0]:
            sid = secrets.token_urlsafe(12)
            sessions[sid] = None
            response.set_cookie("sid", sid, httponly=True, samesite="Lax")
        return response

    @app.get("/products")
    def products():  # type: ignore[no-untyped-def]
        response = jsonify(products=["widget", "gadget"])
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    @app.post("/login")
    def login():  # type: ignore[no-untyped-def]
        body = request.get_json(silent=True) or {}
        if body.get("password") != f"{body.get('username')}-pw" or body.get("username") not in ("alice", "bob"):
            return "bad credentials", 401
        sid = secrets.token_urlsafe(12)
        sessions[sid] = body["username"]
        response = make_response("", 204)
        response.set_cookie("sid", sid, httponly=True, samesite="Lax")
        return response

    @app.get("/account")
    def account():  # type: ignore[no-untyped-def]
        known, user = current()
        if not known:
            return "who are you?", 401
        if user is None:
            return "log in first", 403
        response = jsonify(user=user)
        response.headers["Cache-Control"] = "no-store"
        return response

    return app
