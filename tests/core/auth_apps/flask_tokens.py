"""A Flask API with JWT tokens that accepts a token in exactly ONE place (issue 19, item 1).

``accept`` is where the API reads the token, and nowhere else:

* ``x-auth-token``: the ``X-Auth-Token`` header, bare;
* ``jwt-scheme``: ``Authorization: JWT <token>`` (djangorestframework-jwt's scheme);
* ``bare``: ``Authorization: <token>``, no scheme;
* ``query``: the ``api_key`` query parameter;
* ``cookie``: the ``auth`` cookie.

``issue`` is where ``POST /login`` puts the token: ``json`` (``{"data": {"token": ...}}``),
``header`` (the ``X-Auth-Token`` response header) or ``cookie`` (``Set-Cookie: auth=...``).

Users: alice (admin) and bob (viewer). Tokens are HS256 JWTs with ``exp``; a logout ends the
token on the server. Plantable bugs: ``alg_none`` (an unsigned token is accepted),
``logout`` (a logout leaves the token alive), ``long_lived`` (tokens live 30 days),
``search_500`` (a signed-in caller's ``GET /notes?q=...`` crashes: only an authenticated
fuzzer finds it).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import jwt
from flask import Flask, jsonify, request

USERS = {"alice": ("alice-pw", "admin"), "bob": ("bob-pw", "viewer")}
ACCEPT = ("x-auth-token", "jwt-scheme", "bare", "query", "cookie")

OPENAPI = {
    "openapi": "3.0.3", "info": {"title": "tokens", "version": "1"},
    "paths": {
        "/notes": {
            "get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "the caller's notes"}}},
            "post": {"requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}}},
                "responses": {"201": {"description": "created"}}},
        },
    },
}


def create_app(accept: str, issue: str = "json", bugs: frozenset[str] | set[str] = frozenset()) -> Flask:
    assert accept in ACCEPT and issue in ("json", "header", "cookie")
    bugs = frozenset(bugs)
    key = secrets.token_bytes(32)
    live: set[str] = set()
    notes: dict[str, list[str]] = {user: [] for user in USERS}
    app = Flask(__name__)
    app.secure_state = {"notes": notes, "live": live}  # type: ignore[attr-defined]

    def presented() -> str | None:
        if accept == "x-auth-token":
            return request.headers.get("X-Auth-Token")
        if accept == "query":
            return request.args.get("api_key")
        if accept == "cookie":
            return request.cookies.get("auth")
        auth = request.headers.get("Authorization", "")
        if accept == "jwt-scheme":
            return auth[4:] if auth.startswith("JWT ") else None
        return auth if auth and " " not in auth else None

    def caller() -> str | None:
        token = presented()
        if not token:
            return None
        try:
            header = jwt.get_unverified_header(token)
            if "alg_none" in bugs and str(header.get("alg", "")).lower() == "none":
                claims = jwt.decode(token, options={"verify_signature": False})
            else:
                claims = jwt.decode(token, key, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        if claims.get("jti") not in live and not ("alg_none" in bugs and header.get("alg", "").lower() == "none"):
            return None
        return claims.get("sub") if claims.get("sub") in USERS else None

    def denied() -> Any:
        return jsonify(error="unauthenticated"), 401

    @app.post("/login")
    def login() -> Any:
        body = request.get_json(silent=True) or {}
        user = body.get("username")
        if user not in USERS or USERS[user][0] != body.get("password"):
            return jsonify(error="bad credentials"), 401
        now = int(time.time())
        jti = secrets.token_hex(8)
        live.add(jti)
        lifetime = 30 * 86400 if "long_lived" in bugs else 3600
        token = jwt.encode({"sub": user, "iat": now, "exp": now + lifetime, "jti": jti}, key, algorithm="HS256")
        if issue == "json":
            return jsonify(data={"token": token, "user": user})
        response = jsonify(user=user)
        if issue == "header":
            response.headers["X-Auth-Token"] = token
        else:
            response.set_cookie("auth", token, httponly=True, samesite="Strict", max_age=lifetime)
        return response

    @app.post("/logout")
    def logout() -> Any:
        token = presented()
        if caller() is None or token is None:
            return denied()
        if "logout" not in bugs:
            live.discard(jwt.decode(token, options={"verify_signature": False}).get("jti"))
        response = jsonify(ok=True)
        response.delete_cookie("auth")
        return response

    @app.get("/me")
    def me() -> Any:
        user = caller()
        return jsonify(user=user) if user else denied()

    @app.get("/admin")
    def admin() -> Any:
        user = caller()
        if user is None:
            return denied()
        return (jsonify(admin=True), 200) if USERS[user][1] == "admin" else (jsonify(error="forbidden"), 403)

    @app.get("/notes")
    def list_notes() -> Any:
        user = caller()
        if user is None:
            return denied()
        if "search_500" in bugs and request.args.get("q") is not None:
            raise RuntimeError("search index not built")
        return jsonify(notes=notes[user])

    @app.post("/notes")
    def add_note() -> Any:
        user = caller()
        if user is None:
            return denied()
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            return jsonify(error="text required"), 400
        notes[user].append(body["text"][:200])
        return jsonify(id=len(notes[user])), 201

    @app.get("/openapi.json")
    def openapi() -> Any:
        return jsonify(OPENAPI)

    return app
