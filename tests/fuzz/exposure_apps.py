"""FastAPI services for the response-content oracles (issue 12): JSON that is not JSON, and
passwords, hashes and keys in responses. Each has an OpenAPI document (FastAPI's own).

* ``exposing_api``: PLANTED: ``GET /users`` lists the accounts with their Werkzeug password
  hash (and ``GET /users/{user_id}`` adds the account's bcrypt-format hash and API key);
  ``GET /search`` builds its JSON answer by pasting ``q`` into a string, so a quote in the input
  breaks the JSON (JSON injection);
* ``fixed_api``: the twin: an explicit output model (id and name only) and ``JSONResponse``.

Both answer ``GET /keys/new`` with a freshly made API key (a legitimate, allow-listed field in
the tests).
"""

import json
import secrets
from typing import Any

from werkzeug.security import generate_password_hash

_BCRYPT_FORMAT = "$2b$12$" + "Kx9vQ2mZ7bN4cR1tY8uW3e" + "O5pL6sD0fG2hJ4kA8zX1cV3bN7mQ9wE"  # 22 salt + 31 hash


def _accounts() -> list[dict[str, Any]]:
    return [
        {"id": 1, "name": "alice", "password_hash": generate_password_hash("alice-pw-1"),
         "bcrypt": _BCRYPT_FORMAT, "api_key": "ak_live_" + secrets.token_hex(12)},
        {"id": 2, "name": "bob", "password_hash": generate_password_hash("bob-pw-1"),
         "bcrypt": _BCRYPT_FORMAT, "api_key": "ak_live_" + secrets.token_hex(12)},
    ]


def _api(planted: bool) -> Any:
    from fastapi import FastAPI, HTTPException, Query
    from fastapi.responses import JSONResponse, Response
    from pydantic import BaseModel

    app = FastAPI(title=f"accounts ({'planted' if planted else 'fixed'})")  # redirect_slashes on: a 307 is not "accepted"
    accounts = _accounts()

    class Public(BaseModel):
        id: int
        name: str

    class NewKey(BaseModel):
        api_key: str

    @app.get("/users", response_model=None if planted else list[Public])
    def users() -> Any:
        if planted:
            return [{k: a[k] for k in ("id", "name", "password_hash")} for a in accounts]  # PLANTED: the hash
        return [Public(id=a["id"], name=a["name"]) for a in accounts]

    @app.get("/users/{user_id}", response_model=None if planted else Public)
    def user(user_id: int) -> Any:
        for account in accounts:
            if account["id"] == user_id:
                if planted:
                    return {"id": account["id"], "profile": {"name": account["name"], "bcrypt": account["bcrypt"],
                                                             "api_key": account["api_key"]}}  # PLANTED
                return Public(id=account["id"], name=account["name"])
        raise HTTPException(404, "no such user")

    @app.get("/search")
    def search(q: str = Query(default="", max_length=200)) -> Any:
        names = [a["name"] for a in accounts if q and q in a["name"]]
        if planted:  # PLANTED: JSON built by pasting the input into a string
            return Response(f'{{"q": "{q}", "results": {json.dumps(names)}}}', media_type="application/json")
        return JSONResponse({"q": q, "results": names})

    @app.get("/keys/new", response_model=NewKey)
    def new_key() -> Any:
        return {"api_key": "ak_live_" + secrets.token_hex(12)}  # shown once, by design

    return app


def exposing_api() -> Any:
    return _api(True)


def fixed_api() -> Any:
    return _api(False)
