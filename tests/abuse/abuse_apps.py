"""A Flask accounts service with abuse-control defects planted on purpose, and its fixed twin.

Planted in ``vulnerable_accounts()``: a login with no rate limit and no lockout that says
"no such user" for unknown users and "wrong password" otherwise; user creation and profile
update that copy every field of the body (mass assignment); an avatar upload without type,
size, dimension or rate limits. ``fixed_accounts()`` closes each of them the usual way.
"""

import io
import secrets
import time
from typing import Any

MAX_AVATAR_BYTES = 5 * 1024 * 1024
MAX_SIDE = 4096
UPLOADS_PER_MINUTE = 10
LOGINS_PER_MINUTE = 30
LOCK_AFTER = 5


def _accounts(fixed: bool, retry_after: bool = True) -> Any:
    from flask import Flask, jsonify, request

    app = Flask(f"accounts_{'fixed' if fixed else 'vulnerable'}")
    app.logger.disabled = True
    users: dict[int, dict[str, Any]] = {
        1: {"id": 1, "username": "alice", "password": "alice-pw-1", "role": "user", "is_admin": False},
        2: {"id": 2, "username": "probe", "password": "probe-pw-1", "role": "user", "is_admin": False},
    }
    tokens: dict[str, int] = {}
    failures: dict[str, list[float]] = {}  # username -> times of failed logins
    locks: dict[str, tuple[float, int]] = {}  # username -> (locked until, how many times locked)
    windows: dict[str, list[float]] = {}  # rate-limit key -> request times

    def limited(key: str, per_minute: int) -> bool:
        now = time.monotonic()
        recent = [t for t in windows.get(key, []) if now - t < 60]
        windows[key] = recent + [now]
        return len(recent) >= per_minute

    send_retry_after = retry_after

    def too_many(seconds: int) -> Any:
        response = jsonify(error="too many requests")
        response.status_code = 429
        if send_retry_after:
            response.headers["Retry-After"] = str(seconds)
        return response

    def current() -> dict[str, Any] | None:
        auth = request.headers.get("Authorization", "")
        uid = tokens.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None
        return users.get(uid) if uid else None

    def public(user: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in user.items() if k != "password"}

    @app.post("/login")
    def login() -> Any:
        body = request.get_json(silent=True) or {}
        name, password = str(body.get("username", "")), str(body.get("password", ""))
        if fixed and limited(f"login:{request.remote_addr}", LOGINS_PER_MINUTE):
            return too_many(60)
        if fixed:
            until, times = locks.get(name, (0.0, 0))
            if until > time.monotonic():
                return too_many(int(until - time.monotonic()) + 1)
        user = next((u for u in users.values() if u["username"] == name), None)
        if user is None:
            if fixed:
                return jsonify(error="invalid username or password"), 401
            return jsonify(error=f"no such user {name}"), 404  # PLANTED: tells who exists
        if user["password"] != password:
            if fixed:
                recent = failures.setdefault(name, []) + [time.monotonic()]
                failures[name] = recent
                if len(recent) >= LOCK_AFTER:  # lock, twice as long every time (backoff)
                    _, times = locks.get(name, (0.0, 0))
                    locks[name] = (time.monotonic() + 60 * 2**times, times + 1)
                    failures[name] = []
                return jsonify(error="invalid username or password"), 401
            return jsonify(error="wrong password"), 401  # PLANTED: no lockout, a different message
        failures.pop(name, None)
        token = secrets.token_urlsafe(24)
        tokens[token] = user["id"]
        return jsonify(access_token=token)

    @app.post("/users")
    def create_user() -> Any:
        if current() is None:
            return jsonify(error="log in first"), 401
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("username"), str):
            return jsonify(error="username required"), 400
        uid = max(users) + 1
        user = {"id": uid, "username": body["username"], "password": secrets.token_hex(8), "role": "user",
                "is_admin": False}
        if fixed:
            user["email"] = str(body.get("email", ""))  # only the writable fields
        else:
            user.update(body)  # PLANTED: every field of the body, role and is_admin included
            user["id"] = uid
        users[uid] = user
        return jsonify(public(user)), 201

    @app.get("/users/<int:uid>")
    def read_user(uid: int) -> Any:
        if current() is None:
            return jsonify(error="log in first"), 401
        user = users.get(uid)
        return (jsonify(public(user)), 200) if user else (jsonify(error="not found"), 404)

    @app.get("/me")
    def me() -> Any:
        user = current()
        return (jsonify(public(user)), 200) if user else (jsonify(error="log in first"), 401)

    @app.patch("/me")
    def update_me() -> Any:
        user = current()
        if user is None:
            return jsonify(error="log in first"), 401
        body = request.get_json(silent=True) or {}
        if fixed:
            if "email" in body:
                user["email"] = str(body["email"])
        else:
            user.update({k: v for k, v in body.items() if k != "id"})  # PLANTED: role and is_admin too
        return jsonify(public(user))

    @app.post("/avatar")
    def avatar() -> Any:
        user = current()
        if user is None:
            return jsonify(error="log in first"), 401
        if fixed and limited(f"avatar:{user['id']}", UPLOADS_PER_MINUTE):
            return too_many(60)
        upload = request.files.get("file")
        if upload is None:
            return jsonify(error="file required"), 400
        if not fixed:  # PLANTED: whatever comes, whatever its size
            data = upload.read()
            return jsonify(stored=len(data)), 201
        data = upload.read(MAX_AVATAR_BYTES + 1)
        if len(data) > MAX_AVATAR_BYTES:
            return jsonify(error="file too large"), 413
        from PIL import Image, UnidentifiedImageError

        try:
            image = Image.open(io.BytesIO(data))  # reads the header only
        except UnidentifiedImageError:
            return jsonify(error="not an image"), 415
        if image.format not in ("JPEG", "PNG"):
            return jsonify(error="only JPEG and PNG"), 415
        if image.width > MAX_SIDE or image.height > MAX_SIDE:
            return jsonify(error="image too large"), 422
        return jsonify(stored=len(data)), 201

    return app


def vulnerable_accounts() -> Any:
    return _accounts(fixed=False)


def fixed_accounts() -> Any:
    return _accounts(fixed=True)


def lockout_without_backoff() -> Any:
    """Locks accounts, but never says when to retry."""
    return _accounts(fixed=True, retry_after=False)
