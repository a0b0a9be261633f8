"""A FastAPI service with two users, for the several-users checks (issue 12, items 5-6), and its
fixed twin. FastAPI writes the OpenAPI document; every factory call builds a fresh app.

``POST /login`` ({username, password}) answers a bearer token. Then:

* ``GET /directory``: PLANTED: every account with its e-mail and phone, whoever asks
  (fuzz/cross-user-data); fixed: the caller's own entry only.
* ``POST /notes`` ({title, body}) and ``GET /notes/{note_id}``: a user's second note with the same
  title is a 409. PLANTED: titles are unique across all users in the database, so another
  user's note with a title already taken is an unhandled IntegrityError, a 500
  (fuzz/cross-user-conflict); and any user reads any note by id (fuzz/cross-user-read). Fixed:
  titles unique per owner, another user's note is a 404.
* ``DELETE /notes/{note_id}``: the owner deletes a note (the scenario cleans up with it).
"""

import secrets
import sqlite3
import threading
from typing import Any

USERS = {
    "alice": {"password": "alice-pw-1", "email": "alice@example.org", "phone": "+1 555 0101"},
    "bob": {"password": "bob-pw-1", "email": "bob@example.org", "phone": "+1 555 0102"},
}


def _api(planted: bool) -> Any:
    from fastapi import Depends, FastAPI, Header, HTTPException
    from pydantic import BaseModel, Field

    app = FastAPI(title=f"people ({'planted' if planted else 'fixed'})")
    db = sqlite3.connect(":memory:", check_same_thread=False)
    unique = "UNIQUE (title)" if planted else "UNIQUE (owner, title)"  # PLANTED: global uniqueness
    db.execute(f"CREATE TABLE notes (id INTEGER PRIMARY KEY, owner TEXT, title TEXT, body TEXT, {unique})")
    lock = threading.Lock()
    tokens: dict[str, str] = {}

    class Login(BaseModel):
        username: str
        password: str

    class NewNote(BaseModel):
        title: str = Field(min_length=1, max_length=40)
        body: str = Field(default="", max_length=200)

    def caller(authorization: str = Header(default="")) -> str:
        user = tokens.get(authorization.removeprefix("Bearer ").strip())
        if user is None:
            raise HTTPException(401, "log in first")
        return user

    @app.post("/login")
    def login(body: Login) -> Any:
        account = USERS.get(body.username)
        if account is None or not secrets.compare_digest(account["password"], body.password):
            raise HTTPException(401, "wrong user name or password")
        token = secrets.token_urlsafe(16)
        tokens[token] = body.username
        return {"access_token": token}

    @app.get("/directory")
    def directory(user: str = Depends(caller)) -> Any:
        shown = USERS if planted else {user: USERS[user]}  # PLANTED: everyone's e-mail and phone
        return [{"username": name, "email": a["email"], "phone": a["phone"]} for name, a in shown.items()]

    @app.post("/notes", status_code=201)
    def create(note: NewNote, user: str = Depends(caller)) -> Any:
        with lock:
            if db.execute("SELECT 1 FROM notes WHERE owner = ? AND title = ?", (user, note.title)).fetchone():
                raise HTTPException(409, "you already have a note with this title")
            # PLANTED: a title another user has is an unhandled IntegrityError (500)
            cursor = db.execute("INSERT INTO notes (owner, title, body) VALUES (?, ?, ?)", (user, note.title, note.body))
            db.commit()
        return {"note_id": cursor.lastrowid, "title": note.title}

    @app.get("/notes/{note_id}")
    def read(note_id: int, user: str = Depends(caller)) -> Any:
        with lock:
            row = db.execute("SELECT id, owner, title, body FROM notes WHERE id = ?", (note_id,)).fetchone()
        if row is None or (not planted and row[1] != user):  # PLANTED: no ownership check
            raise HTTPException(404, "no such note")
        return {"note_id": row[0], "title": row[2], "body": row[3]}

    @app.delete("/notes/{note_id}", status_code=204)
    def delete(note_id: int, user: str = Depends(caller)) -> None:
        with lock:
            db.execute("DELETE FROM notes WHERE id = ? AND owner = ?", (note_id, user))
            db.commit()

    return app


def planted_api() -> Any:
    return _api(True)


def fixed_api() -> Any:
    return _api(False)
