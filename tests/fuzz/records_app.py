"""A Flask records service whose record page leaks a Python traceback (the defect a leaks probe
finds), with a DELETE, a POST and a PUT operation that fuzzing could use to destroy that record.

``make()`` builds a fresh app and keeps it in :data:`LAST`, so that a test can read what the app
saw (``app.config["seen"]``) and what is left of its data (``app.config["records"]``).
"""

from __future__ import annotations

from typing import Any

LAST: list[Any] = []

TRACEBACK = ('Traceback (most recent call last):\n  File "/srv/records/views.py", line 42, in show\n'
             "    render(record)\nValueError: bad template")


def spec() -> dict[str, Any]:
    record_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1,
                                                                          "maximum": 3}}
    body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["title"], "properties": {"title": {"type": "string", "maxLength": 40}}}}}}
    ok, gone = {"description": "OK"}, {"description": "No such record"}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Records", "version": "1.0.0"},
        "paths": {
            "/records": {
                "get": {"operationId": "listRecords", "responses": {"200": ok}},
                "post": {"operationId": "createRecord", "requestBody": body,
                         "responses": {"201": ok, "400": {"description": "Invalid"}}},
            },
            "/records/{id}": {
                "get": {"operationId": "showRecord", "parameters": [record_id], "responses": {"200": ok, "404": gone}},
                "put": {"operationId": "replaceRecord", "parameters": [record_id], "requestBody": body,
                        "responses": {"200": ok, "400": {"description": "Invalid"}, "404": gone}},
                "delete": {"operationId": "deleteRecord", "parameters": [record_id],
                           "responses": {"204": {"description": "Deleted"}, "404": gone}},
            },
        },
    }


def make() -> Any:
    from flask import Flask, abort, jsonify, request

    app = Flask("records")
    records: dict[int, str] = {1: "quarterly", 2: "annual", 3: "forecast"}
    seen: list[tuple[str, str]] = []
    app.config.update(records=records, seen=seen)

    @app.before_request
    def remember() -> None:
        seen.append((request.method, request.path))

    @app.get("/openapi.json")
    def openapi() -> Any:
        return jsonify(spec())

    @app.get("/records")
    def list_records() -> Any:
        return jsonify(sorted(records))

    @app.post("/records")
    def create() -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("title"), str):
            return jsonify(error="title required"), 400
        new = max(records, default=0) + 1
        records[new] = body["title"][:40]
        return jsonify(id=new), 201

    @app.get("/records/<int:record_id>")
    def show(record_id: int) -> Any:
        if record_id not in records:
            abort(404)
        # the planted defect: the page of an existing record carries a debug traceback
        return f"<html><body><h1>{records[record_id]}</h1><pre>{TRACEBACK}</pre></body></html>"

    @app.put("/records/<int:record_id>")
    def replace(record_id: int) -> Any:
        body = request.get_json(silent=True)
        if record_id not in records:
            abort(404)
        if not isinstance(body, dict) or not isinstance(body.get("title"), str):
            return jsonify(error="title required"), 400
        records[record_id] = body["title"][:40]
        return jsonify(id=record_id)

    @app.delete("/records/<int:record_id>")
    def delete(record_id: int) -> Any:
        if records.pop(record_id, None) is None:
            abort(404)
        return "", 204

    LAST.append(app)
    return app
