"""A Flask portal whose pages a crawler must not take at their word: a "Log out" link that ends
the session on the server, a "Delete my account" form, and an admin area a team excludes.

``make()`` keeps each app in :data:`LAST`, so that a test can read what it saw (``seen``:
method, path, user) and whose accounts were deleted (``deleted``).
"""

from __future__ import annotations

import secrets
from typing import Any

LAST: list[Any] = []
HEADERS = {"Content-Security-Policy": "default-src 'self'", "X-Content-Type-Options": "nosniff",
           "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}


def make() -> Any:
    from flask import Flask, make_response, redirect, request

    app = Flask("portal")
    sessions: dict[str, str] = {}  # server-side sessions: sid -> user
    deleted: set[str] = set()
    seen: list[tuple[str, str, str | None]] = []
    app.config.update(sessions=sessions, deleted=deleted, seen=seen)

    def user() -> str | None:
        return sessions.get(request.cookies.get("sid", ""))

    def page(html: str) -> Any:
        response = make_response(f"<!doctype html><html><body>{html}</body></html>")
        response.headers.update(HEADERS)
        return response

    @app.before_request
    def remember() -> None:
        seen.append((request.method, request.path, user()))

    @app.get("/")
    def index() -> Any:
        return page("<a href='/account'>My account</a> <a href='/reports'>Reports</a> "
                    "<a href='/admin/panel'>Admin</a> <a href='/logout'>Log out</a>")

    @app.get("/login")
    def login_page() -> Any:
        return page("<form method='post' action='/login'><input name='username'><input name='password'></form>")

    @app.post("/login")
    def login() -> Any:
        name = request.form.get("username", "")
        if name != "alice" or request.form.get("password") != "alice-pw" or name in deleted:
            return page("<p>bad credentials</p>"), 401
        sid = secrets.token_hex(16)
        sessions[sid] = name
        response = redirect("/account")
        response.set_cookie("sid", sid, httponly=True, samesite="Lax")
        return response

    @app.get("/account")
    def account() -> Any:
        who = user()
        if who is None:
            return redirect("/login")
        return page(f"<p>{who}'s account</p><form method='post' action='/account/close'>"
                    "<button type='submit'>Delete my account</button></form>"
                    "<form method='post' action='/account/profile'><input name='nick' value='al'>"
                    "<button type='submit'>Save</button></form>")

    @app.post("/account/close")
    def close_account() -> Any:
        who = user()
        if who is not None:
            deleted.add(who)
            for sid in [s for s, u in sessions.items() if u == who]:
                del sessions[sid]
        return redirect("/")

    @app.post("/account/profile")
    def profile() -> Any:
        return redirect("/account")

    @app.get("/reports")
    def reports() -> Any:
        return page("<p>reports</p>")

    @app.get("/admin/panel")
    def admin() -> Any:
        return page("<p>admin</p>")

    @app.get("/logout")
    def logout() -> Any:
        sessions.pop(request.cookies.get("sid", ""), None)  # the session ends on the server
        return redirect("/")

    LAST.append(app)
    return app
