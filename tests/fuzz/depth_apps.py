"""A FastAPI service whose defects sit where shallow fuzzing never looks (issue 12, items 1-3), and
its fixed twin. FastAPI writes the OpenAPI document; every factory call builds a fresh app with
its own in-memory sqlite database.

* ``POST /items/search``: a body whose schemas declare no ``required`` field (the minimal valid
  body is ``{}``). PLANTED: the optional, nested ``filter.name`` goes into SQL as text, and the
  database error is answered.
* ``GET /files/lookup?ref=``: ``ref`` is ``format: byte`` (base64). PLANTED: the decoded value goes
  into SQL as text; a raw payload fails the base64 decoding (400) and never reaches the query.
* ``GET /report``: PLANTED: the names of query parameters it does not know are echoed into its
  HTML page unencoded (XSS through a parameter *name*).
* ``GET /catalog?sku=``: PLANTED: blind SQL injection: the query is built as text, errors are
  swallowed (an empty list), so only the time a payload makes the database spend shows it.

The fixed twin uses placeholders and escapes; everything else is the same.
"""

import base64
import binascii
import html
import sqlite3
import threading
from typing import Any


def _database() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE TABLE items (name TEXT, tag TEXT)")
    db.executemany("INSERT INTO items VALUES (?, ?)", [("lamp", "home"), ("desk", "office")])
    db.execute("CREATE TABLE files (ref TEXT, size INTEGER)")
    db.execute("INSERT INTO files VALUES ('report.pdf', 10)")
    return db


def _api(planted: bool) -> Any:
    from fastapi import FastAPI, HTTPException, Query, Request
    from fastapi.responses import HTMLResponse, JSONResponse
    from pydantic import BaseModel, StrictInt

    app = FastAPI(title=f"depth ({'planted' if planted else 'fixed'})")
    db = _database()
    lock = threading.Lock()

    class Filter(BaseModel):
        name: str | None = None
        tag: str | None = None

    class Search(BaseModel):
        filter: Filter | None = None
        limit: StrictInt | None = None  # strict: `false` is not a limit

    def rows(sql: str, *args: Any) -> list[Any]:
        with lock:
            return db.execute(sql, args).fetchall()

    @app.post("/items/search")
    def search(body: Search) -> Any:
        name = body.filter.name if body.filter and body.filter.name is not None else ""
        try:
            if planted:  # PLANTED: an optional, nested field pasted into SQL
                found = rows(f"SELECT name FROM items WHERE name LIKE '%{name}%'")
            else:
                found = rows("SELECT name FROM items WHERE name LIKE ?", f"%{name}%")
        except sqlite3.Error as exc:
            return JSONResponse({"error": f"sqlite3.{type(exc).__name__}: {exc}"}, status_code=400)
        return {"items": [r[0] for r in found]}

    @app.get("/files/lookup")
    def lookup(ref: str = Query(json_schema_extra={"format": "byte"})) -> Any:
        try:
            name = base64.b64decode(ref, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise HTTPException(400, "ref must be base64") from None
        try:
            if planted:  # PLANTED: the decoded value pasted into SQL
                found = rows(f"SELECT size FROM files WHERE ref = '{name}'")
            else:
                found = rows("SELECT size FROM files WHERE ref = ?", name)
        except sqlite3.Error as exc:
            return JSONResponse({"error": f"sqlite3.{type(exc).__name__}: {exc}"}, status_code=400)
        return {"sizes": [r[0] for r in found]}

    @app.get("/report", response_class=HTMLResponse)
    def report(request: Request, format: str = Query(default="short", max_length=10)) -> Any:  # noqa: A002
        unknown = [k for k in request.query_params if k != "format"]
        shown = unknown if planted else [html.escape(k, quote=True) for k in unknown]  # PLANTED: names unencoded
        notes = "".join(f"<li>unknown option {k}</li>" for k in shown)
        return f"<html><body><h1>Report</h1><ul>{notes}</ul></body></html>"

    @app.get("/catalog")
    def catalog(sku: str = Query(default="", max_length=200)) -> Any:
        try:
            if planted:  # PLANTED: blind SQL injection, errors swallowed
                found = rows(f"SELECT name FROM items WHERE tag = '{sku}'")
            else:
                found = rows("SELECT name FROM items WHERE tag = ?", sku)
        except sqlite3.Error:
            found = []
        return {"items": [r[0] for r in found]}

    return app


def planted_api() -> Any:
    return _api(True)


def fixed_api() -> Any:
    return _api(False)
