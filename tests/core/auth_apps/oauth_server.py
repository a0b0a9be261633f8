"""An OAuth2 authorization server and the API it protects, on Flask with Authlib (issue 19, item 2).

The token endpoint is Authlib's ``AuthorizationServer`` with its ``ClientCredentialsGrant``,
``ResourceOwnerPasswordCredentialsGrant`` and ``RefreshTokenGrant`` (rotating refresh tokens);
the API is guarded by Authlib's ``ResourceProtector`` with a bearer token validator. This
module only stores clients and tokens (in memory), as Authlib asks its users to.

``client_auth`` is the ONE way clients may authenticate at the token endpoint:
``client_secret_basic`` (HTTP Basic) or ``client_secret_post`` (form fields). Clients:
``svc`` (client credentials; a service account) and ``webapp`` (password and refresh grants).
Users: alice (admin), bob (viewer). ``app.oauth`` counts the grants issued by type and lets a
test end access tokens (``revoke_access()``) or refresh tokens (``revoke_refresh()``).

Plantable bugs: ``logout`` (``POST /logout`` leaves the access token alive), ``long_lived``
(tokens live 30 days), ``search_500`` (``GET /reports?q=...`` crashes: only a caller with a
valid token gets that far, so only an authenticated fuzzer finds it).
"""

from __future__ import annotations

import collections
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenValidator
from flask import Flask, jsonify, request

USERS = {"alice": ("alice-pw", "admin"), "bob": ("bob-pw", "viewer")}
BOTH = ["client_secret_basic", "client_secret_post"]


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    grant_types: tuple[str, ...]
    auth_method: str
    scope: str = "read write"

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return self.scope
        allowed = set(scope_to_list(self.scope))
        return " ".join(s for s in scope_to_list(scope) if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.auth_method

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


@dataclass
class Token(TokenMixin):
    access_token: str
    client_id: str
    user: str
    scope: str
    expires_in: int
    refresh_token: str | None = None
    issued_at: float = field(default_factory=time.time)
    access_revoked: bool = False
    refresh_revoked: bool = False

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.access_revoked

    def get_user(self) -> str:
        return self.user


class Store:
    """Clients and tokens in memory, and what a test wants to know or change."""

    def __init__(self, client_auth: str) -> None:
        self.clients = {
            "svc": Client("svc", "svc-secret-8e2f41", ("client_credentials",), client_auth),
            "webapp": Client("webapp", "webapp-secret-5b7c90", ("password", "refresh_token"), client_auth),
        }
        self.tokens: dict[str, Token] = {}
        self.refresh: dict[str, Token] = {}
        self.grants: collections.Counter[str] = collections.Counter()

    def revoke_access(self) -> None:
        for token in self.tokens.values():
            token.access_revoked = True

    def revoke_refresh(self) -> None:
        for token in self.refresh.values():
            token.refresh_revoked = True


def create_app(client_auth: str = "client_secret_basic", expires_in: int = 3600,
               bugs: frozenset[str] | set[str] = frozenset()) -> Flask:
    assert client_auth in BOTH
    bugs = frozenset(bugs)
    store = Store(client_auth)
    lifetime = 30 * 86400 if "long_lived" in bugs else expires_in
    app = Flask(__name__)
    app.config.update(OAUTH2_REFRESH_TOKEN_GENERATOR=True, OAUTH2_TOKEN_EXPIRES_IN={
        "client_credentials": lifetime, "password": lifetime, "refresh_token": lifetime})
    app.oauth = store  # type: ignore[attr-defined]

    def save_token(token: dict[str, Any], req: Any) -> None:
        grant = req.payload.grant_type
        store.grants[grant] += 1
        user = req.user if isinstance(req.user, str) else f"client:{req.client.client_id}"
        saved = Token(token["access_token"], req.client.client_id, user, token.get("scope", ""),
                      int(token["expires_in"]), token.get("refresh_token"))
        store.tokens[saved.access_token] = saved
        if saved.refresh_token:
            store.refresh[saved.refresh_token] = saved

    server = AuthorizationServer(app, query_client=store.clients.get, save_token=save_token)

    class ClientCredentials(grants.ClientCredentialsGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = BOTH

    class Password(grants.ResourceOwnerPasswordCredentialsGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = BOTH

        def authenticate_user(self, username: str, password: str) -> str | None:
            known = USERS.get(username)
            return username if known and secrets.compare_digest(known[0], password) else None

    class Refresh(grants.RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = BOTH
        INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: each refresh token works once

        def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
            token = store.refresh.get(refresh_token)
            return token if token is not None and not token.refresh_revoked else None

        def authenticate_user(self, credential: Token) -> str:
            return credential.user

        def revoke_old_credential(self, credential: Token) -> None:
            credential.refresh_revoked = True

    server.register_grant(ClientCredentials)
    server.register_grant(Password)
    server.register_grant(Refresh)

    class Validator(BearerTokenValidator):
        def authenticate_token(self, token_string: str) -> Token | None:
            return store.tokens.get(token_string)

    require_oauth = ResourceProtector()
    require_oauth.register_token_validator(Validator())

    def role(user: str) -> str:
        return "service" if user.startswith("client:") else USERS[user][1]

    @app.post("/oauth/token")
    def issue_token() -> Any:
        return server.create_token_response()

    @app.get("/me")
    @require_oauth()
    def me() -> Any:
        return jsonify(user=current_token.user, scope=current_token.scope)

    @app.get("/admin")
    @require_oauth()
    def admin() -> Any:
        if role(current_token.user) != "admin":
            return jsonify(error="forbidden"), 403
        return jsonify(admin=True)

    @app.get("/reports")
    @require_oauth("read")
    def reports() -> Any:
        if "search_500" in bugs and request.args.get("q") is not None:
            raise RuntimeError("search index not built")
        return jsonify(reports=["q1", "q2"])

    @app.post("/reports")
    @require_oauth("write")
    def add_report() -> Any:
        if role(current_token.user) == "viewer":
            return jsonify(error="forbidden"), 403
        return jsonify(id=1), 201

    @app.post("/logout")
    @require_oauth()
    def logout() -> Any:
        if "logout" not in bugs:
            current_token.access_revoked = True
            current_token.refresh_revoked = True
        return jsonify(ok=True)

    @app.get("/openapi.json")
    def openapi() -> Any:
        return jsonify({"openapi": "3.0.3", "info": {"title": "oauth api", "version": "1"}, "paths": {
            "/reports": {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                                 "responses": {"200": {"description": "reports"}}}}}})

    return app
