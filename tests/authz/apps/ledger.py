"""A Flask ledger API with the two hazards of issue 10 items 6 and 7.

* A GET that changes state: ``GET <wipe_path>`` (``/reset-db`` by default) is the admin's
  "reset the database to its fixtures": it ends every session and removes every note. Like
  many APIs, the app answers 401 without a token and 403 to a token it no longer knows, so a
  wiped session looks like a refusal, not like an expired login.
* Notes that the tool creates for object checks: ``POST /notes`` makes one, ``GET /notes/{id}``
  reads it (owner only, else 404), ``DELETE /notes/{id}`` deletes it (owner only), unless the
  app is built with ``deletable=False`` (no delete route: 405).

``make()`` keeps each app in :data:`LAST`, so that a test can read what it saw (``seen``:
method, path, user) and what it holds (``notes``).
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any

ACCOUNTS = {"alice": "alice-pw", "bob": "bob-pw", "root": "root-pw"}
LAST: list[Any] = []
READS = ("/profile", "/orders", "/invoices", "/settings", "/messages")


def make(*, wipe_path: str = "/reset-db", deletable: bool = True) -> Any:
    from flask import Flask, jsonify, request

    app = Flask("ledger")
    tokens: dict[str, str] = {}
    notes: dict[int, tuple[str, str]] = {}
    seen: list[tuple[str, str, str | None]] = []
    ids = itertools.count(1)
    app.config.update(tokens=tokens, notes=notes, seen=seen)

    def user() -> str | None:
        header = request.headers.get("Authorization", "")
        return tokens.get(header[7:]) if header.startswith("Bearer ") else None

    def refused() -> Any:
        if not request.headers.get("Authorization"):
            return jsonify(error="log in first"), 401
        return jsonify(error="forbidden"), 403  # an unknown token, as many APIs answer it

    @app.before_request
    def remember() -> None:
        seen.append((request.method, request.path, user()))

    @app.post("/login")
    def login() -> Any:
        body = request.get_json(silent=True) or {}
        name = body.get("username")
        if not isinstance(name, str) or ACCOUNTS.get(name) != body.get("password"):
            return jsonify(error="bad credentials"), 401
        token = secrets.token_hex(16)
        tokens[token] = name
        return jsonify(token=token)

    def read_page() -> Any:
        who = user()
        return jsonify(user=who, page=request.path) if who else refused()

    for path in READS:
        app.add_url_rule(path, path.strip("/"), read_page, methods=["GET"])

    @app.post("/orders/search")
    def search() -> Any:
        who = user()
        return jsonify(user=who, orders=[]) if who else refused()

    @app.get(wipe_path)
    def wipe() -> Any:
        who = user()
        if who != "root":
            return refused() if who is None else (jsonify(error="admins only"), 403)
        tokens.clear()
        notes.clear()
        return jsonify(reset=True)

    @app.post("/notes")
    def create_note() -> Any:
        who = user()
        if who is None:
            return refused()
        note_id = next(ids)
        notes[note_id] = (who, str((request.get_json(silent=True) or {}).get("text", "")))
        return jsonify(id=note_id), 201

    @app.get("/notes/<int:note_id>")
    def read_note(note_id: int) -> Any:
        who = user()
        if who is None:
            return refused()
        if notes.get(note_id, ("",))[0] != who:
            return jsonify(error="no such note"), 404
        return jsonify(id=note_id, text=notes[note_id][1])

    if deletable:
        @app.delete("/notes/<int:note_id>")
        def delete_note(note_id: int) -> Any:
            who = user()
            if who is None:
                return refused()
            if notes.get(note_id, ("",))[0] != who:
                return jsonify(error="no such note"), 404
            del notes[note_id]
            return "", 204

    LAST.append(app)
    return app


def undeletable() -> Any:
    """The ledger without a delete route (target.app: tests.authz.apps.ledger:undeletable())."""
    return make(deletable=False)
