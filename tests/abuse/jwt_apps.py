"""FastAPI token services: JWT verifiers with defects planted on purpose, and a correct one.

``POST /token`` issues an HS256 JWT (10 minutes) for alice; ``GET /me`` needs one. The
factories differ only in the verifier:

* ``fixed_tokens``: PyJWT with ``algorithms=["HS256"]``, a random 256-bit key, exp/nbf checked;
* ``none_accepting_tokens``: a hand-written verifier that accepts ``alg: none`` (and ignores exp);
* ``unverified_tokens``: decodes without verifying the signature;
* ``weak_key_tokens``: correct verification, but the key is ``secret``;
* ``kid_path_tokens``: reads the HMAC key from the file the ``kid`` header names;
* ``key_trusting_tokens``: verifies RS256 tokens with the key in their ``jwk``/``jku`` header.
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import time
import urllib.request
from typing import Any

SIGNING_KEY_ENV = "PSEC_TEST_JWT_KEY"


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _tokens(verifier: str, secret: str | None = None) -> Any:
    import jwt
    from fastapi import FastAPI, Header, HTTPException
    from pydantic import BaseModel

    key = secret if secret is not None else os.environ.get(SIGNING_KEY_ENV) or secrets.token_hex(32)
    app = FastAPI(title=f"tokens ({verifier})")
    keys_dir = tempfile.mkdtemp(prefix="psec-keys-")
    with open(os.path.join(keys_dir, "main"), "w") as handle:
        handle.write(key)

    class Credentials(BaseModel):
        username: str
        password: str

    @app.post("/token")
    def issue(body: Credentials) -> dict[str, str]:
        if (body.username, body.password) != ("alice", "alice-pw-1"):
            raise HTTPException(401, "invalid credentials")
        now = int(time.time())
        token = jwt.encode({"sub": "alice", "iat": now, "exp": now + 600}, key, algorithm="HS256",
                           headers={"kid": "main"})
        return {"access_token": token}

    def claims(token: str) -> dict[str, Any]:
        head_b64, body_b64, sig_b64 = token.split(".")
        header = json.loads(_b64decode(head_b64))
        body = json.loads(_b64decode(body_b64))
        signing_input = f"{head_b64}.{body_b64}".encode()
        if verifier == "none":
            if header.get("alg", "").lower() == "none":  # PLANTED: the unsigned token is trusted
                return body
            expected = hmac.new(key.encode(), signing_input, hashlib.sha256).digest()
            if not hmac.compare_digest(expected, _b64decode(sig_b64)):
                raise ValueError("bad signature")
            return body  # PLANTED as well: exp is never checked
        if verifier == "unverified":
            return jwt.decode(token, options={"verify_signature": False})  # PLANTED
        if verifier == "kid-path":
            with open(os.path.join(keys_dir, header.get("kid", "main"))) as handle:  # PLANTED: kid is a path
                file_key = handle.read()
            expected = hmac.new(file_key.encode(), signing_input, hashlib.sha256).digest()
            if header.get("alg") != "HS256" or not hmac.compare_digest(expected, _b64decode(sig_b64)):
                raise ValueError("bad signature")
            return jwt.decode(token, options={"verify_signature": False, "verify_exp": True, "verify_nbf": True})
        if verifier == "key-trusting":
            if "jwk" in header:  # PLANTED: the token brings its own key
                public = jwt.PyJWK(header["jwk"]).key
            elif "jku" in header:  # PLANTED: and says where to fetch it
                with urllib.request.urlopen(header["jku"], timeout=5) as response:  # noqa: S310 - loopback in tests
                    public = jwt.PyJWKSet.from_dict(json.load(response))[header["kid"]].key
            else:
                return jwt.decode(token, key, algorithms=["HS256"])
            return jwt.decode(token, public, algorithms=["RS256"])
        return jwt.decode(token, key, algorithms=["HS256"])  # fixed (and weak-key): the correct call

    @app.get("/me")
    def me(authorization: str = Header(default="")) -> dict[str, Any]:
        if not authorization.startswith("Bearer "):
            raise HTTPException(401, "token required")
        try:
            body = claims(authorization[len("Bearer "):])
        except Exception:
            raise HTTPException(401, "invalid token") from None
        return {"user": body.get("sub")}

    return app


def fixed_tokens() -> Any:
    return _tokens("correct")


def none_accepting_tokens() -> Any:
    return _tokens("none")


def unverified_tokens() -> Any:
    return _tokens("unverified")


def weak_key_tokens() -> Any:
    return _tokens("correct", secret="secret")


def kid_path_tokens() -> Any:
    return _tokens("kid-path")


def key_trusting_tokens() -> Any:
    return _tokens("key-trusting")
