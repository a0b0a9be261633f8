"""Identities: who a request is sent as, with credentials and login flows.

An :class:`Identity` wraps a :class:`~pytest_secure.target.Target` and adds its credentials
to every request: static headers and cookies, a bearer token, basic credentials, or what a
login request returned (session cookies, a token found at a dotted JSON path). It keeps its
own cookie jar, so identities never share a session. Every credential becomes a secret of
the redactor as soon as it is known.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from .baseline.model import IdentityConfig
from .errors import SetupError, TargetError
from .redaction import Redactor
from .target import Response, Target

ANONYMOUS = "anonymous"


class Identity:
    """One identity's view of the target."""

    def __init__(self, config: IdentityConfig, target: Target, redactor: Redactor,
                 login_hook: Callable[[Identity], dict[str, Any] | None] | None = None) -> None:
        self.config = config
        self.name = config.name
        self.target = target
        self.redactor = redactor
        self.headers: dict[str, str] = dict(config.headers)
        self.cookies: dict[str, str] = dict(config.cookies)
        self._login_hook = login_hook
        self._logged_in = False
        self._login_error: str | None = None
        if config.bearer:
            self.headers["Authorization"] = f"Bearer {config.bearer}"
        if config.basic:
            user, password = config.basic
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            self.headers["Authorization"] = f"Basic {token}"
            redactor.add(password, token)
        redactor.add(*self.headers.values(), *self.cookies.values(), config.bearer)

    @property
    def is_anonymous(self) -> bool:
        return self.name == ANONYMOUS

    def request(self, method: str, path: str, **kwargs: Any) -> Response:
        """Send a request as this identity (logging in first if needed)."""
        self.ensure_logged_in()
        return self._send(method, path, **kwargs)

    def ensure_logged_in(self) -> None:
        """Run the login flow once; a failure is a :class:`SetupError` naming the identity."""
        if self._logged_in:
            return
        if self._login_error:
            raise SetupError(self._login_error)
        try:
            if self._login_hook is not None:
                extra = self._login_hook(self)
                if extra:
                    self.headers.update(extra.get("headers") or {})
                    self.cookies.update(extra.get("cookies") or {})
                    self.redactor.add(*(extra.get("headers") or {}).values(), *(extra.get("cookies") or {}).values())
            if self.config.login is not None:
                self._login()
        except (SetupError, TargetError) as exc:
            self._login_error = f"login as {self.name!r} failed: {exc}"
            raise SetupError(self._login_error) from None
        self._logged_in = True

    def _login(self) -> None:
        login = self.config.login
        assert login is not None
        response = self._send(login.method, login.path, json=login.json, data=login.form)
        if response.status not in login.expect_status:
            raise SetupError(
                f"{login.method} {login.path} answered {response.status}, expected one of "
                f"{', '.join(map(str, login.expect_status))}; check the credentials of identity {self.name!r} "
                "in the baseline (and the environment variables they come from)"
            )
        if login.token:
            try:
                value: Any = response.json()
                for part in login.token.split("."):
                    value = value[int(part)] if isinstance(value, list) else value[part]
            except (ValueError, KeyError, IndexError, TypeError):
                raise SetupError(
                    f"{login.method} {login.path} answered {response.status} but its JSON body has no "
                    f"{login.token!r}; fix identities.{self.name}.login.token"
                ) from None
            if not isinstance(value, str) or not value:
                raise SetupError(f"the login token at {login.token!r} is not a non-empty string")
            self.redactor.add(value)
            self.headers["Authorization"] = f"Bearer {value}"

    def _send(self, method: str, path: str, *, headers: dict[str, str] | None = None,
              cookies: dict[str, str] | None = None, **kwargs: Any) -> Response:
        response = self.target.request(
            method, path, headers={**self.headers, **(headers or {})}, cookies={**self.cookies, **(cookies or {})},
            **kwargs,
        )
        self._remember_cookies(response)
        return response

    def _remember_cookies(self, response: Response) -> None:
        for _url, header in response.all_set_cookies():
            pair = header.split(";", 1)[0]
            name, sep, value = pair.partition("=")
            name, value = name.strip(), value.strip().strip('"')
            if not sep or not name:
                continue
            attrs = header.lower()
            if not value or "max-age=0" in attrs or "expires=thu, 01 jan 1970" in attrs:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
                self.redactor.add(value)


class Identities:
    """All identities of a session, created on first use."""

    def __init__(self, configs: dict[str, IdentityConfig], target: Target, redactor: Redactor,
                 login_hook: Callable[[Identity], dict[str, Any] | None] | None = None) -> None:
        self.configs = dict(configs)
        self.configs.setdefault(ANONYMOUS, IdentityConfig(ANONYMOUS))
        self.target = target
        self.redactor = redactor
        self.login_hook = login_hook
        self._made: dict[str, Identity] = {}

    def __getitem__(self, name: str) -> Identity:
        if name not in self._made:
            if name not in self.configs:
                known = ", ".join(sorted(self.configs))
                raise SetupError(f"unknown identity {name!r}; declare it under identities: (known: {known})")
            self._made[name] = Identity(self.configs[name], self.target, self.redactor, self.login_hook)
        return self._made[name]

    def names(self) -> list[str]:
        return list(self.configs)
