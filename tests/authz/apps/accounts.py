"""An accounts API on FastAPI (bearer tokens) where users change their password.

Correctly built: ``PUT /users/{name}/password`` changes the **caller's own** password
whatever ``{name}`` says and answers 204 (the path's name is ignored, as APIs with a
``/users/me`` alias often do), so no one can change anyone else's password. ``PUT
/me/password`` does the same. A password change ends every session (token) of that user.
``POST /admin/users/{name}/password-reset`` (admins only) sets a password back to its initial
value.

Plantable:

* ``any_password``: anyone changes anyone's password (broken object level authorization on
  credentials);
* ``login_200``: a failed login answers 200 with an HTML error page, as many server-rendered
  apps do, instead of 401;
* ``keep_sessions``: a password change leaves the user's tokens valid.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Header, HTTPException, Response
from fastapi.responses import HTMLResponse

USERS = ("alice", "bob", "carol", "dave")
ADMINS = frozenset({"dave"})


def create_app(bugs: frozenset[str] | set[str] = frozenset()) -> FastAPI:
    bugs = frozenset(bugs)
    app = FastAPI(title="accounts")
    initial = {user: f"{user}-pw" for user in USERS}
    passwords = dict(initial)
    tokens: dict[str, str] = {}
    app.state.passwords = passwords  # tests read it to see what the run left behind

    def caller(authorization: str = Header(default="")) -> str:
        user = tokens.get(authorization[7:]) if authorization.startswith("Bearer ") else None
        if user is None:
            raise HTTPException(401, "login required")
        return user

    def set_password(user: str, body: dict[str, Any]) -> Response:
        new = body.get("password")
        if not isinstance(new, str) or len(new) < 6:
            raise HTTPException(400, "a password has at least 6 characters")
        passwords[user] = new
        if "keep_sessions" not in bugs:
            for token in [t for t, u in tokens.items() if u == user]:
                del tokens[token]
        return Response(status_code=204)

    @app.post("/login", response_model=None)
    def login(body: Annotated[dict[str, Any], Body()]) -> dict[str, str] | HTMLResponse:
        user = body.get("username")
        if user not in passwords or body.get("password") != passwords[user]:
            if "login_200" in bugs:
                return HTMLResponse("<p class=error>Invalid username or password</p>")
            raise HTTPException(401, "bad credentials")
        token = secrets.token_urlsafe(16)
        tokens[token] = user
        return {"token": token}

    @app.get("/dashboard")
    def dashboard(user: str = Depends(caller)) -> dict[str, str]:
        return {"user": user}

    @app.get("/users/{name}")
    def profile(name: str, user: str = Depends(caller)) -> dict[str, str]:
        if name != user and user not in ADMINS:
            raise HTTPException(404, "no such user")
        return {"user": name, "email": f"{name}@example.test"}

    @app.put("/users/{name}/password", status_code=204)
    def change_password(name: str, body: Annotated[dict[str, Any], Body()],
                        user: str = Depends(caller)) -> Response:
        target = name if "any_password" in bugs else user  # correctly built: always the caller
        if target not in passwords:
            raise HTTPException(404, "no such user")
        return set_password(target, body)

    @app.put("/me/password", status_code=204)
    def change_own_password(body: Annotated[dict[str, Any], Body()], user: str = Depends(caller)) -> Response:
        return set_password(user, body)

    @app.post("/admin/users/{name}/password-reset", status_code=204)
    def reset(name: str, user: str = Depends(caller)) -> Response:
        if user not in ADMINS:
            raise HTTPException(403, "admins only")
        if name not in initial:
            raise HTTPException(404, "no such user")
        passwords[name] = initial[name]
        return Response(status_code=204)

    return app
