"""A team workspace API on FastAPI (bearer tokens, OpenAPI at /openapi.json) whose creates
answer no id, with one planted defect per class of authz setup steps and mass assignment.

``create_app(fixed=False)`` plants, ``create_app(fixed=True)`` is the hardened twin:

* ``DELETE /users/{name}``: any logged-in user deletes accounts (twin: admins only). Accounts
  are made by ``POST /users`` (admins), which answers 201 with an empty body.
* ``GET /docs/{id}``: any logged-in user reads every doc (twin: owner or admin, else 404).
  ``POST /docs`` answers 201 with an empty body and ``Location: /docs/<id>``.
* ``PUT /docs/{id}``: any logged-in user overwrites every doc (twin: a scoped update that
  answers 204 whoever calls, and changes only the caller's own docs: no effect, no leak).
* ``POST /register`` binds the whole body, ``profile.role`` and ``admin`` included (twin: an
  allow-list); it answers 201 with an empty body.
* ``POST /projects`` binds ``meta.approved`` (twin: always false); it answers 202
  ``{"status": "queued"}`` without an id, so the record is found in ``GET /projects``.
"""

from __future__ import annotations

import itertools
import secrets
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Header, HTTPException, Response

JsonBody = Annotated[dict[str, Any], Body()]


def create_app(fixed: bool = False) -> FastAPI:
    app = FastAPI(title=f"teamhub ({'fixed' if fixed else 'planted'})")
    users: dict[str, dict[str, Any]] = {
        name: {"username": name, "password": f"{name}-pw", "admin": name == "admin",
               "profile": {"display": name.title(), "role": "admin" if name == "admin" else "member"}}
        for name in ("alice", "bob", "admin")
    }
    tokens: dict[str, str] = {}
    docs: dict[int, dict[str, Any]] = {}
    projects: list[dict[str, Any]] = []
    ids = itertools.count(1)

    def caller(authorization: str = Header(default="")) -> str:
        user = tokens.get(authorization[7:]) if authorization.startswith("Bearer ") else None
        if user is None or user not in users:
            raise HTTPException(401, "login required")
        return user

    def is_admin(user: str) -> bool:
        return bool(users[user]["admin"])

    def public(user: dict[str, Any]) -> dict[str, Any]:
        return {"data": {k: v for k, v in user.items() if k != "password"}}

    @app.post("/login")
    def login(body: JsonBody) -> Any:
        user = users.get(str(body.get("username")))
        if user is None or body.get("password") != user["password"]:
            raise HTTPException(401, "bad credentials")
        token = secrets.token_urlsafe(16)
        tokens[token] = user["username"]
        return {"token": token}

    @app.get("/me")
    def me(user: str = Depends(caller)) -> Any:
        return public(users[user])

    @app.post("/register", status_code=201)
    def register(body: JsonBody) -> Response:
        name = str(body.get("username") or "")
        if not name or name in users or not body.get("password"):
            raise HTTPException(400, "username taken or missing")
        profile = body.get("profile") if isinstance(body.get("profile"), dict) else {}
        if fixed:  # an allow-list: what a user may set at sign-up
            record = {"username": name, "password": str(body["password"]), "admin": False,
                      "profile": {"display": str(profile.get("display", name)), "role": "member"}}
        else:  # the whole body bound to the model
            record = {"admin": False, **body, "profile": {"role": "member", "display": name, **profile}}
        users[name] = record
        return Response(status_code=201)

    @app.post("/users", status_code=201)
    def create_user(body: JsonBody, user: str = Depends(caller)) -> Response:
        if not is_admin(user):
            raise HTTPException(403, "admins only")
        name = str(body.get("username") or "")
        if not name or name in users:
            raise HTTPException(400, "username taken or missing")
        users[name] = {"username": name, "password": str(body.get("password", "")), "admin": False,
                       "profile": {"display": name, "role": "member"}}
        return Response(status_code=201)

    @app.get("/users/{name}")
    def read_user(name: str, user: str = Depends(caller)) -> Any:
        if name not in users or (user != name and not is_admin(user)):
            raise HTTPException(404, "no such user")
        return public(users[name])

    @app.delete("/users/{name}", status_code=204)
    def delete_user(name: str, user: str = Depends(caller)) -> Response:
        if fixed and not is_admin(user):
            raise HTTPException(403, "admins only")
        if name not in users or name in ("alice", "bob", "admin"):
            raise HTTPException(404, "no such user")
        del users[name]
        return Response(status_code=204)

    @app.post("/docs", status_code=201)
    def create_doc(body: JsonBody, user: str = Depends(caller)) -> Response:
        doc_id = next(ids)
        docs[doc_id] = {"id": doc_id, "owner": user, "title": str(body.get("title", "")),
                        "body": str(body.get("body", ""))}
        return Response(status_code=201, headers={"Location": f"/docs/{doc_id}"})

    def doc_for(doc_id: int, user: str) -> dict[str, Any]:
        doc = docs.get(doc_id)
        if doc is None or (fixed and doc["owner"] != user and not is_admin(user)):
            raise HTTPException(404, "no such doc")
        return doc

    @app.get("/docs/{doc_id}")
    def read_doc(doc_id: int, user: str = Depends(caller)) -> Any:
        return doc_for(doc_id, user)

    @app.put("/docs/{doc_id}", status_code=204)
    def update_doc(doc_id: int, body: JsonBody, user: str = Depends(caller)) -> Response:
        doc = docs.get(doc_id)
        if fixed:  # UPDATE docs SET ... WHERE id = ? AND (owner = ? OR caller is admin): 204 either way
            if doc is not None and (doc["owner"] == user or is_admin(user)):
                doc.update(title=str(body.get("title", doc["title"])), body=str(body.get("body", doc["body"])))
            return Response(status_code=204)
        if doc is None:
            raise HTTPException(404, "no such doc")
        doc.update(title=str(body.get("title", doc["title"])), body=str(body.get("body", doc["body"])))
        return Response(status_code=204)

    @app.delete("/docs/{doc_id}", status_code=204)
    def delete_doc(doc_id: int, user: str = Depends(caller)) -> Response:
        doc = docs.get(doc_id)
        if doc is None or (doc["owner"] != user and not is_admin(user)):
            raise HTTPException(404, "no such doc")
        del docs[doc_id]
        return Response(status_code=204)

    @app.post("/projects", status_code=202)
    def create_project(body: JsonBody, user: str = Depends(caller)) -> Any:
        meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
        record = {"id": len(projects) + 1, "name": str(body.get("name", "")), "owner": user,
                  "meta": {"color": str(meta.get("color", "grey")), "approved": False}}
        if not fixed:
            record["meta"].update(meta)  # nested fields bound as sent
        projects.append(record)
        return {"status": "queued"}

    @app.get("/projects")
    def list_projects(user: str = Depends(caller)) -> Any:
        return {"items": [p for p in projects if is_admin(user) or p["owner"] == user]}

    return app
