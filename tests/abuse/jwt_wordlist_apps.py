"""FastAPI token services for the offline weak-key search against the built-in list and a
team wordlist (``jwt.wordlist``).

``POST /token`` issues a JWT for alice; ``GET /me`` verifies it correctly with PyJWT (one
algorithm allowed). Only the key differs:

* ``listed_key_tokens(alg)``: PLANTED: the key is ``replace_with_lengthy_secure_hex``, a
  template placeholder left in place, found near the end of wallarm/jwt-secrets (not in the
  short list of defaults);
* ``team_key_tokens(alg)``: PLANTED for the team's own list: a company-specific key that no
  public list holds (``TEAM_KEY``);
* ``random_key_tokens(alg)``: the twin: a random 32-byte key.
"""

import secrets
import time
from typing import Any

LISTED_KEY = "replace_with_lengthy_secure_hex"
TEAM_KEY = "acme-payments-jwt-2024!"


def _tokens(key: str | bytes, alg: str) -> Any:
    import jwt
    from fastapi import FastAPI, Header, HTTPException
    from pydantic import BaseModel

    app = FastAPI(title=f"tokens ({alg})")

    class Credentials(BaseModel):
        username: str
        password: str

    @app.post("/token")
    def issue(body: Credentials) -> dict[str, str]:
        if (body.username, body.password) != ("alice", "alice-pw-1"):
            raise HTTPException(401, "invalid credentials")
        now = int(time.time())
        return {"access_token": jwt.encode({"sub": "alice", "iat": now, "exp": now + 600}, key, algorithm=alg)}

    @app.get("/me")
    def me(authorization: str = Header(default="")) -> dict[str, Any]:
        if not authorization.startswith("Bearer "):
            raise HTTPException(401, "token required")
        try:
            body = jwt.decode(authorization[len("Bearer "):], key, algorithms=[alg])
        except jwt.PyJWTError:
            raise HTTPException(401, "invalid token") from None
        return {"user": body.get("sub")}

    return app


def listed_key_tokens(alg: str = "HS256") -> Any:
    return _tokens(LISTED_KEY, alg)


def team_key_tokens(alg: str = "HS256") -> Any:
    return _tokens(TEAM_KEY, alg)


def random_key_tokens(alg: str = "HS256") -> Any:
    return _tokens(secrets.token_bytes(32), alg)


# Factories without arguments, as `target.app` names them (module:factory()).
def listed_key_hs256() -> Any:
    return listed_key_tokens("HS256")


def listed_key_hs384() -> Any:
    return listed_key_tokens("HS384")


def listed_key_hs512() -> Any:
    return listed_key_tokens("HS512")


def random_key_hs256() -> Any:
    return random_key_tokens("HS256")


def random_key_hs384() -> Any:
    return random_key_tokens("HS384")


def random_key_hs512() -> Any:
    return random_key_tokens("HS512")


def team_key_hs384() -> Any:
    return team_key_tokens("HS384")
