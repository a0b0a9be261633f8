"""The notes-and-reports service on FastAPI (bearer tokens), with the same plantable bugs as
``flask_notes``: export_role, note_owner, list_leak, admin_action, note_write, write_own."""

from __future__ import annotations

import itertools
import secrets
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Header, HTTPException, Response
from fastapi.responses import JSONResponse, PlainTextResponse

JsonBody = Annotated[dict[str, Any] | None, Body()]
ROLES = {"viewer": 1, "analyst": 2, "admin": 3}
REPORTS = {"public": False, "quarterly": False, "salaries": True}


def create_app(bugs: frozenset[str] | set[str] = frozenset()) -> FastAPI:
    bugs = frozenset(bugs)
    app = FastAPI(title="notes")
    users = {"alice": "viewer", "bob": "viewer", "carol": "analyst", "dave": "admin", "erin": "analyst",
             "frank": "viewer"}
    tokens: dict[str, str] = {}
    notes: dict[str, dict[str, Any]] = {}
    ids = itertools.count(100)

    def caller(authorization: str = Header(default="")) -> str:
        user = tokens.get(authorization[7:]) if authorization.startswith("Bearer ") else None
        if user is None:
            raise HTTPException(401, "login required")
        return user

    def need(user: str, role: str) -> None:
        if ROLES[users[user]] < ROLES[role]:
            raise HTTPException(403, "forbidden")

    @app.post("/login")
    def login(body: Annotated[dict[str, Any], Body()]) -> Any:
        user = body.get("username")
        if user not in users or body.get("password") != f"{user}-pw":
            return JSONResponse({"error": "bad credentials"}, status_code=401)
        token = secrets.token_urlsafe(16)
        tokens[token] = user
        return {"token": token}

    @app.get("/dashboard")
    def dashboard(user: str = Depends(caller)) -> Any:
        return {"user": user}

    @app.get("/reports/{report_id}/export.csv")
    def export(report_id: str, user: str = Depends(caller)) -> Any:
        if "export_role" not in bugs:
            need(user, "analyst")
        if report_id not in REPORTS:
            raise HTTPException(404, "no such report")
        if REPORTS[report_id] and users[user] != "admin" and "export_role" not in bugs:
            raise HTTPException(403, "forbidden")
        return PlainTextResponse(f"report,{report_id}\n", media_type="text/csv")

    def visible(note: dict[str, Any], user: str) -> bool:
        return note["owner"] == user or users[user] == "admin"

    @app.get("/notes")
    def list_notes(user: str = Depends(caller)) -> Any:
        return {"notes": [dict(id=k, **v) for k, v in notes.items() if "list_leak" in bugs or visible(v, user)]}

    @app.post("/notes", status_code=201)
    def create_note(body: JsonBody = None, user: str = Depends(caller)) -> Any:
        note_id = str(next(ids))
        notes[note_id] = {"owner": user, "text": (body or {}).get("text", "")}
        return {"id": note_id}

    @app.get("/notes/{note_id}")
    def read_note(note_id: str, user: str = Depends(caller)) -> Any:
        note = notes.get(note_id)
        if note is None or ("note_owner" not in bugs and not visible(note, user)):
            raise HTTPException(404, "not found")
        return dict(id=note_id, **note)

    def writable(note_id: str, user: str) -> str:
        if "write_own" in bugs:
            mine = [k for k, v in notes.items() if v["owner"] == user]
            if not mine:
                raise HTTPException(404, "not found")
            return mine[-1]
        note = notes.get(note_id)
        if note is None or ("note_write" not in bugs and note["owner"] != user):
            raise HTTPException(404, "not found")
        return note_id

    @app.put("/notes/{note_id}", status_code=204)
    def update_note(note_id: str, body: JsonBody = None, user: str = Depends(caller)) -> Response:
        notes[writable(note_id, user)]["text"] = (body or {}).get("text", "")
        return Response(status_code=204)

    @app.delete("/notes/{note_id}", status_code=204)
    def delete_note(note_id: str, user: str = Depends(caller)) -> Response:
        del notes[writable(note_id, user)]
        return Response(status_code=204)

    @app.post("/admin/users/{name}/role", status_code=204)
    def set_role(name: str, body: JsonBody = None, user: str = Depends(caller)) -> Response:
        if "admin_action" not in bugs:
            need(user, "admin")
        role = (body or {}).get("role")
        if name not in users or role not in ROLES:
            raise HTTPException(400, "bad request")
        users[name] = role
        return Response(status_code=204)

    return app
