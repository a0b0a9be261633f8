"""Identities: who a request is sent as, with credentials and login flows.

An :class:`Identity` wraps a :class:`~pytest_secure.core.target.Target` and adds its credentials
to every request: static headers and cookies, a bearer token, basic credentials, or what a
login request returned (session cookies, a token found at a dotted JSON path). It keeps its
own cookie jar, so identities never share a session. Every credential becomes a secret of
the redactor as soon as it is known.

Login flows: a JSON or form request (``login.request``), optionally preceded by fetching a
CSRF token from the login page or a cookie (``login.csrf``), optionally required to set a
named session cookie (``login.session_cookie``), plus the ``pytest_secure_login`` hook for
anything programmatic. When a session expires (a ``login.refresh_on`` status, or a JWT past
its ``exp``) the identity logs in again and retries once. A failed login is a
:class:`~pytest_secure.core.errors.SetupError` that names the identity, never a pass.

Roles: an identity holds its own name as a role plus ``roles: [...]``, inherited
transitively (see :func:`role_closure`).
"""

from __future__ import annotations

import base64
import html.parser
import time
from collections.abc import Callable, Mapping
from typing import Any

from .baseline.model import IdentityConfig
from .errors import SetupError, TargetError
from .jwt_claims import decode_payload
from .redaction import Redactor
from .target import Response, Target

ANONYMOUS = "anonymous"
MAX_RELOGINS = 20  # per identity and process: an app that answers 401 to everything cannot loop us
JWT_LEEWAY_SECONDS = 5  # renew a token this close to its expiry instead of sending it


class Identity:
    """One identity's view of the target."""

    def __init__(self, config: IdentityConfig, target: Target, redactor: Redactor,
                 login_hook: Callable[[Identity], dict[str, Any] | None] | None = None,
                 roles: frozenset[str] | None = None) -> None:
        self.config = config
        self.name = config.name
        self.target = target
        self.redactor = redactor
        self.roles: frozenset[str] = roles if roles is not None else frozenset({config.name})
        self._login_hook = login_hook
        self._logged_in = False
        self._login_error: str | None = None
        self._hook_logged_in = False
        self._relogins = 0
        self._useless_relogins = 0
        self.login_response: Response | None = None  # the last login request's response, for session checks
        self._reset_credentials()

    def _reset_credentials(self) -> None:
        config = self.config
        self.headers: dict[str, str] = dict(config.headers)
        self.cookies: dict[str, str] = dict(config.cookies)
        if config.bearer:
            self.headers["Authorization"] = f"Bearer {config.bearer}"
        if config.basic:
            user, password = config.basic
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            self.headers["Authorization"] = f"Basic {token}"
            self.redactor.add(password, token)
        self.redactor.add(*self.headers.values(), *self.cookies.values(), config.bearer)

    @property
    def is_anonymous(self) -> bool:
        return self.name == ANONYMOUS

    @property
    def has_login_flow(self) -> bool:
        """Whether credentials come from a login (baseline or hook), so they can be renewed."""
        return self.config.login is not None or self._hook_logged_in

    def fresh(self) -> Identity:
        """A new, logged-out copy with an empty cookie jar: a second browser of the same user."""
        return Identity(self.config, self.target, self.redactor, self._login_hook, self.roles)

    def credentials(self) -> tuple[dict[str, str], dict[str, str]]:
        """A snapshot of the headers and cookies this identity sends now (to replay them later)."""
        return {**self.headers, **self._csrf_header()}, dict(self.cookies)

    def request(self, method: str, path: str, *, login: bool = True, **kwargs: Any) -> Response:
        """Send a request as this identity (logging in first, and again when the session expired).

        ``login=False`` sends with the credentials held now and runs no login flow: the
        requests a browser makes before logging in (session checks use it).
        """
        if not login:
            return self._send(method, path, **kwargs)
        self.ensure_logged_in()
        if self._token_expired() and self._may_relogin():
            self.relogin()
        response = self._send(method, path, **kwargs)
        if response.status in self._refresh_statuses() and self._may_relogin():
            self.relogin()
            response = self._send(method, path, **kwargs)
            if response.status in self._refresh_statuses():
                self._useless_relogins += 1  # the status was the answer, not an expired session
        return response

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
                    self._hook_logged_in = True
                    self.headers.update(extra.get("headers") or {})
                    self.cookies.update(extra.get("cookies") or {})
                    self.redactor.add(*(extra.get("headers") or {}).values(), *(extra.get("cookies") or {}).values())
            if self.config.login is not None:
                self._login()
        except (SetupError, TargetError) as exc:
            self._login_error = f"login as {self.name!r} failed: {exc}"
            raise SetupError(self._login_error) from None
        self._logged_in = True

    def relogin(self) -> None:
        """Forget the session and log in again (bounded by :data:`MAX_RELOGINS`)."""
        self._relogins += 1
        self._reset_credentials()
        self._logged_in = False
        self.ensure_logged_in()

    # -- login ------------------------------------------------------------------------------
    def _login(self) -> None:
        login = self.config.login
        assert login is not None
        form = dict(login.form) if login.form is not None else None
        body = dict(login.json) if login.json is not None else None
        headers: dict[str, str] = {}
        csrf = login.extra.get("csrf")
        if csrf:
            token = self._csrf_token(csrf, login.path)
            if csrf.get("field"):
                if body is not None:
                    body[csrf["field"]] = token
                else:
                    form = {**(form or {}), csrf["field"]: token}
            if csrf.get("header"):
                headers[csrf["header"]] = token
            headers["Referer"] = self.target.url(login.path)  # Django checks it on HTTPS
        # a redirect is the login's answer (its Set-Cookie is kept); following it would send the
        # pre-login cookies to the next page and judge the login by that page's status
        response = self._send(login.method, login.path, json=body, data=form, headers=headers,
                              follow_redirects=False)
        self.login_response = response
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
        cookie = login.extra.get("session_cookie")
        if cookie and cookie not in self.cookies:
            raise SetupError(
                f"{login.method} {login.path} answered {response.status} but did not set the session cookie "
                f"{cookie!r}; check the credentials of identity {self.name!r}, or fix "
                f"identities.{self.name}.login.session_cookie"
            )

    def _csrf_token(self, csrf: Mapping[str, Any], login_path: str) -> str:
        method, _, path = (csrf.get("page") or f"GET {login_path}").partition(" ")
        page = self._send(method, path)
        token = find_input_value(page.text, csrf["field"]) if csrf.get("field") else None
        if not token and csrf.get("cookie"):
            token = self.cookies.get(csrf["cookie"])
        if not token:
            where = " or ".join(filter(None, [
                f"no <input name={csrf['field']!r}> in the page" if csrf.get("field") else "",
                f"no cookie {csrf['cookie']!r} was set" if csrf.get("cookie") else "",
            ]))
            raise SetupError(f"{method} {path} answered {page.status} without a CSRF token ({where}); "
                             f"fix identities.{self.name}.login.csrf")
        self.redactor.add(token)
        return token

    def _csrf_header(self) -> dict[str, str]:
        """Double-submit CSRF (Django, Angular): the cookie's token in a header on every request."""
        login = self.config.login
        csrf = login.extra.get("csrf") if login is not None else None
        if csrf and csrf.get("header") and csrf.get("cookie") and csrf["cookie"] in self.cookies:
            return {csrf["header"]: self.cookies[csrf["cookie"]]}
        return {}

    # -- expiry -----------------------------------------------------------------------------
    def _refresh_statuses(self) -> tuple[int, ...]:
        login = self.config.login
        if login is not None:
            return tuple(login.extra.get("refresh_on", (401,)))
        return (401,) if self._hook_logged_in else ()

    def _may_relogin(self) -> bool:
        return self.has_login_flow and self._relogins < MAX_RELOGINS and self._useless_relogins < 2

    def _token_expired(self) -> bool:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return False
        exp = (decode_payload(auth[7:]) or {}).get("exp")
        return isinstance(exp, int | float) and exp <= time.time() + JWT_LEEWAY_SECONDS

    # -- transport --------------------------------------------------------------------------
    def _send(self, method: str, path: str, *, headers: dict[str, str] | None = None,
              cookies: dict[str, str] | None = None, **kwargs: Any) -> Response:
        sent = {**self.headers, **self._csrf_header(), **(headers or {})}
        response = self.target.request(method, path, headers=sent, cookies={**self.cookies, **(cookies or {})},
                                       **kwargs)
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
        self.roles = role_closure(self.configs)
        self._made: dict[str, Identity] = {}

    def __getitem__(self, name: str) -> Identity:
        if name not in self._made:
            if name not in self.configs:
                known = ", ".join(sorted(self.configs))
                raise SetupError(f"unknown identity {name!r}; declare it under identities: (known: {known})")
            self._made[name] = Identity(self.configs[name], self.target, self.redactor, self.login_hook,
                                        self.roles[name])
        return self._made[name]

    def names(self) -> list[str]:
        return list(self.configs)


def role_closure(configs: Mapping[str, IdentityConfig]) -> dict[str, frozenset[str]]:
    """Each identity's roles: its own name, its ``roles``, and (transitively) theirs.

    A role that is also an identity's name brings that identity's roles along, so
    ``admin: {roles: [analyst]}`` and ``analyst: {roles: [viewer]}`` give admin
    ``{admin, analyst, viewer}``. Cycles are harmless.
    """
    direct = {name: {name, *(cfg.extra.get("roles") or ())} for name, cfg in configs.items()}
    closed: dict[str, frozenset[str]] = {}
    for name in direct:
        seen: set[str] = set()
        todo = [name]
        while todo:
            role = todo.pop()
            if role in seen:
                continue
            seen.add(role)
            todo.extend(direct.get(role, ()))
        closed[name] = frozenset(seen)
    return closed


class _InputFinder(html.parser.HTMLParser):
    def __init__(self, name: str) -> None:
        super().__init__(convert_charrefs=True)
        self.name = name
        self.value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "input" and self.value is None:
            found = dict(attrs)
            if found.get("name") == self.name:
                self.value = found.get("value") or None

    handle_startendtag = handle_starttag


def find_input_value(page: str, name: str) -> str | None:
    """The ``value`` of the first ``<input name=NAME>`` in an HTML page (CSRF tokens)."""
    finder = _InputFinder(name)
    try:
        finder.feed(page)
        finder.close()
    except AssertionError:  # html.parser gives up on some malformed markup
        pass
    return finder.value
