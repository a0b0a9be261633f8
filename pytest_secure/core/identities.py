"""Identities: who a request is sent as, with credentials and login flows.

An :class:`Identity` wraps a :class:`~pytest_secure.core.target.Target` and adds its credentials
to every request: static headers and cookies, a bearer token, basic credentials, or what a
login request returned (session cookies, a token found at a dotted JSON path). It keeps its
own cookie jar, so identities never share a session. ``anonymous`` holds nothing: it keeps no
cookie a page sets and sends no credential, ever (a check may still add a header to one
request). Every credential becomes a secret of the redactor as soon as it is known.

Login flows: a JSON or form request (``login.request``), optionally preceded by fetching a
CSRF token from the login page or a cookie (``login.csrf``), or several requests
(``login.steps``: values extracted between them, a TOTP code from a shared secret), optionally
required to set a named session cookie (``login.session_cookie``); an OAuth2 grant at a token
endpoint (``oauth2``); plus the ``pytest_secure_login`` hook for anything programmatic. A token
(static, from a login's JSON, header or cookie, or an access token) is sent where
``send_token`` says: a header with any scheme or none, a query parameter or a cookie. With
``csrf``, every unsafe request after login carries the CSRF token, and a refusal by the app's
CSRF protection is a :class:`SetupError` naming the fix, never an answer a check judges.
When a session expires (a ``login.refresh_on`` status, a JWT past its ``exp``, an access
token past its ``expires_in``) the identity renews it (an OAuth2 refresh token first, else a
new login) and retries once. A failed login is a
:class:`~pytest_secure.core.errors.SetupError` that names the identity, never a pass. A failed
*first* login is a configuration problem and is remembered for the run; a failed *re*-login
(the identity did log in earlier, so something changed its credentials since) is not: the
next request tries again, at most :data:`MAX_FAILED_RELOGINS` times, and the error says what
triggered the re-login and which check changed the credentials when one said so
(:attr:`Identity.changed_by`).

Roles: an identity holds its own name as a role plus ``roles: [...]``, inherited
transitively (see :func:`role_closure`).
"""

from __future__ import annotations

import base64
import dataclasses
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from .auth_flows import (
    UNSAFE_METHODS,
    csrf_refusal,
    extract,
    fill,
    find_input_value,
    oauth2_grant,
    oauth2_request,
    read_token,
    token_credentials,
    totp_code,
    what_came_back,
)
from .baseline.model import IdentityConfig, LoginConfig, LoginStep
from .errors import SetupError, TargetError
from .jwt_claims import decode_payload
from .redaction import Redactor
from .target import Response, Target

__all__ = ["ANONYMOUS", "Identities", "Identity", "find_input_value", "role_closure"]

ANONYMOUS = "anonymous"
MAX_RELOGINS = 20  # per identity and process: an app that answers 401 to everything cannot loop us
MAX_FAILED_RELOGINS = 3  # failed re-logins per identity before the failure is kept for the rest of the run
CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
JWT_LEEWAY_SECONDS = 5  # renew a token this close to its expiry instead of sending it
REDIRECTS = frozenset({301, 302, 303, 307, 308})


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
        self._ever_logged_in = False
        self._failed_relogins = 0
        self._relogin_reason = ""
        self.changed_by: str | None = None  # the check that changed this identity's credentials (for messages)
        self.login_response: Response | None = None  # the last login request's response, for session checks
        self._reset_credentials()

    def _reset_credentials(self) -> None:
        config = self.config
        self.headers: dict[str, str] = dict(config.headers)
        self.cookies: dict[str, str] = dict(config.cookies)
        self.params: dict[str, str] = {}  # a token sent as a query parameter
        self.token: str | None = None  # the token sent now (static, from a login or an OAuth2 grant)
        self._expires_at: float | None = None  # an access token's end (expires_in)
        self._refresh_token: str | None = None
        self._csrf_form_token: str | None = None  # read from csrf.page, until the next login
        if self.is_anonymous:  # no credential, ever, whatever the baseline says
            self.headers = {k: v for k, v in self.headers.items() if k.lower() not in CREDENTIAL_HEADERS}
            self.cookies = {}
            return
        if config.bearer:
            self._use_token(config.bearer)
        if config.basic:
            user, password = config.basic
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            self.headers["Authorization"] = f"Basic {token}"
            self.redactor.add(password, token)
        self.redactor.add(*self.headers.values(), *self.cookies.values(), config.bearer)

    def _use_token(self, value: str) -> None:
        """Send ``value`` where ``send_token`` says, from now on."""
        placed = token_credentials(self.config.send_token, value)
        self.headers.update(placed.headers)
        self.params.update(placed.params)
        self.cookies.update(placed.cookies)
        self.token = value
        self.redactor.add(value, *placed.headers.values())

    @property
    def is_anonymous(self) -> bool:
        return self.name == ANONYMOUS

    @property
    def has_login_flow(self) -> bool:
        """Whether credentials come from a login (baseline or hook), so they can be renewed."""
        return not self.is_anonymous and (self.config.login is not None or self.config.oauth2 is not None
                                          or self._hook_logged_in)

    def fresh(self, login_fields: Mapping[str, Any] | None = None) -> Identity:
        """A new, logged-out copy with an empty cookie jar: a second browser of the same user.

        ``login_fields`` replace the same-named fields of its login body (``password``: the new
        credentials after a password change); fields the login body lacks are ignored."""
        config = self.config
        login = config.login
        if login_fields and login is not None:
            login = _with_fields(login, login_fields)
            login = dataclasses.replace(login, steps=tuple(_with_fields(step, login_fields) for step in login.steps))
            config = dataclasses.replace(config, login=login)
        if login_fields and config.oauth2 is not None and "password" in login_fields:
            config = dataclasses.replace(config, oauth2=dataclasses.replace(config.oauth2,
                                                                            password=str(login_fields["password"])))
        copy = Identity(config, self.target, self.redactor, self._login_hook, self.roles)
        copy.changed_by = self.changed_by
        return copy

    def credentials(self) -> tuple[dict[str, str], dict[str, str]]:
        """A snapshot of the headers and cookies this identity sends now (to replay them later),
        the CSRF token of writes included; a token sent as a query parameter is in :meth:`query_params`."""
        return {**self.headers, **self._csrf_header(), **self._csrf_write_headers("POST")}, dict(self.cookies)

    def query_params(self) -> dict[str, str]:
        """The query parameters this identity adds to every request (a token sent as ``{query: name}``)."""
        return dict(self.params)

    def request(self, method: str, path: str, *, login: bool = True, **kwargs: Any) -> Response:
        """Send a request as this identity (logging in first, and again when the session expired).

        ``login=False`` sends with the credentials held now and runs no login flow: the
        requests a browser makes before logging in (session checks use it).
        """
        if not login:
            return self._send(method, path, **kwargs)
        self.ensure_logged_in()
        if self._token_expired() and self._may_relogin():
            self._renew("its token expired")
        response = self._send(method, path, **kwargs)
        if response.status in self._refresh_statuses() and self._may_relogin():
            self._renew(f"HTTP {response.status} on {method.upper()} {path}")
            response = self._send(method, path, **kwargs)
            if response.status in self._refresh_statuses():
                self._useless_relogins += 1  # the status was the answer, not an expired session
        return self._unless_csrf_refused(method, path, response, kwargs)

    def ensure_logged_in(self) -> None:
        """Run the login flow once; a failure is a :class:`SetupError` naming the identity.

        The first login's failure is kept for the run. A re-login's failure is not (up to
        :data:`MAX_FAILED_RELOGINS`): a later request tries again, since an earlier check may
        have changed the credentials and put them back since."""
        if self._logged_in:
            return
        if self._login_error:
            raise SetupError(self._login_error)
        if self.is_anonymous:
            self._logged_in = True
            return
        try:
            if self._login_hook is not None:
                extra = self._login_hook(self)
                if extra:
                    self._hook_logged_in = True
                    self.headers.update(extra.get("headers") or {})
                    self.cookies.update(extra.get("cookies") or {})
                    self.redactor.add(*(extra.get("headers") or {}).values(), *(extra.get("cookies") or {}).values())
            if self.config.oauth2 is not None:
                self._token_request(None)
            elif self.config.login is not None:
                self._login()
        except (SetupError, TargetError) as exc:
            if not self._ever_logged_in and not self.changed_by:  # the baseline's login does not work
                self._login_error = f"login as {self.name!r} failed: {exc}"
                raise SetupError(self._login_error) from None
            self._reset_credentials()  # a half-done login leaves nothing behind
            self._failed_relogins += 1
            message = self._relogin_failure(exc)
            if self._failed_relogins >= MAX_FAILED_RELOGINS:
                self._login_error = f"{message} (gave up after {self._failed_relogins} attempts)"
            raise SetupError(message) from None
        self._logged_in = self._ever_logged_in = True
        self._failed_relogins = 0

    def relogin(self, reason: str = "its session ended") -> None:
        """Forget the session and log in again (bounded by :data:`MAX_RELOGINS`)."""
        self._relogins += 1
        self._relogin_reason = reason
        self._reset_credentials()
        self._logged_in = False
        self.ensure_logged_in()

    def _renew(self, reason: str) -> None:
        """An expired session: the OAuth2 refresh token when there is one, else a new login."""
        refresh = self._refresh_token
        if refresh is not None:
            self._relogins += 1
            try:
                self._token_request(refresh)
                return
            except (SetupError, TargetError):
                pass  # a refresh token can be revoked or spent: the grant itself is next
        self.relogin(reason)

    def _relogin_failure(self, exc: BaseException) -> str:
        changed = f" ({self.changed_by})" if self.changed_by else ""
        if not self._ever_logged_in:
            return (f"login as {self.name!r} failed: {exc}; an earlier check changed its credentials{changed} "
                    "and could not put them back, so this is no problem of the baseline's login")
        return (f"identity {self.name!r} logged in at the start of the run, but logging in again after "
                f"{self._relogin_reason or 'its session ended'} failed: {exc}; an earlier check may have changed "
                f"its credentials{changed} or ended its session for good")

    # -- login ------------------------------------------------------------------------------
    def _login(self) -> None:
        login = self.config.login
        assert login is not None
        if login.steps:
            response = self._login_steps(login.steps)
            last = login.steps[-1]
            where = f"{last.method} {last.path}"
        else:
            response = self._login_request(login)
            where = f"{login.method} {login.path}"
        self.login_response = response
        if not login.steps and response.status not in login.expect_status:
            raise SetupError(
                f"{login.method} {login.path} answered {response.status}, expected one of "
                f"{', '.join(map(str, login.expect_status))}; check the credentials of identity {self.name!r} "
                "in the baseline (and the environment variables they come from)"
            )
        source = login.token_from
        if source is not None:
            value = read_token(source, response, self.cookies, where, self._token_hint(response))
            self._use_token(value)
        cookie = login.extra.get("session_cookie")
        if cookie and cookie not in self.cookies:
            raise SetupError(
                f"{where} answered {response.status} but did not set the session cookie "
                f"{cookie!r}; check the credentials of identity {self.name!r}, or fix "
                f"identities.{self.name}.login.session_cookie"
            )

    def _login_request(self, login: LoginConfig) -> Response:
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
        return self._send(login.method, login.path, json=body, data=form, headers=headers, follow_redirects=False)

    def _login_steps(self, steps: tuple[LoginStep, ...]) -> Response:
        """Run a multi-step login; the last step's answer is the login's answer."""
        variables: dict[str, str] = {}
        response: Response | None = None
        for i, step in enumerate(steps):
            where = f"identities.{self.name}.login.steps[{i}] ({step.method} {step.path})"
            values = dict(variables)
            if step.totp:
                self.redactor.add(step.totp)
                values["totp"] = totp_code(step.totp, where)
            path = fill(step.path, values, where)
            response = self._send(step.method, path, json=fill(step.json, values, where),
                                  data=fill(step.form, values, where), headers=fill(dict(step.headers), values, where),
                                  follow_redirects=False)
            if step.follow_redirects:
                response = self._follow(step, response, values, where)
            refusal = csrf_refusal(response) if step.method.upper() in UNSAFE_METHODS else None
            if response.status not in step.expect_status and refusal:
                raise SetupError(f"{where} was refused by the app's CSRF protection (HTTP {response.status}: "
                                 f"{refusal!r}); take the token from the page the step before answered "
                                 "(extract: {csrf: {input: csrf_token}}) and send it in this step "
                                 "(csrf_token: \"{csrf}\"), or set identities." + self.name + ".csrf with a cookie")
            if response.status not in step.expect_status:
                raise SetupError(
                    f"{where} answered {response.status}, expected one of "
                    f"{', '.join(map(str, step.expect_status))}; check the credentials of identity {self.name!r} "
                    "(and the environment variables they come from)" + (
                        ", and that the totp secret is the account's and this machine's clock is right"
                        if step.totp else ""))
            for name, how in step.extract.items():
                variables[name] = extract(how, response, self.cookies, where)
                self.redactor.add(variables[name])
        assert response is not None
        return response

    def _follow(self, step: LoginStep, response: Response, values: dict[str, str], where: str) -> Response:
        """Follow a step's in-scope redirects one by one, keeping the cookies each one sets."""
        method = step.method
        for _ in range(self.target.max_redirects):
            location = response.header("location")
            if response.status not in REDIRECTS or not location:
                break
            url = urllib.parse.urljoin(response.url, location)
            if not self.target.scope.allows(url):
                break
            if response.status in (307, 308):  # the same request again, body and all
                response = self._send(method, url, json=fill(step.json, values, where),
                                      data=fill(step.form, values, where), follow_redirects=False)
            else:
                method = "GET"
                response = self._send("GET", url, follow_redirects=False)
        return response

    def _token_request(self, refresh: str | None) -> None:
        """An OAuth2 grant (or a refresh with ``refresh``): its access token is sent from now on."""
        config = self.config.oauth2
        assert config is not None
        self.redactor.add(config.client_secret, config.password, refresh)
        form, headers = oauth2_request(config, refresh)
        self.redactor.add(headers.get("Authorization"), headers.get("Authorization", "")[6:])
        where = f"POST {config.token_url}"
        if refresh is not None:
            where += " (refresh_token grant)"
        response = self.target.request("POST", config.token_url, data=form, headers=headers, follow_redirects=False)
        self.login_response = response
        grant = oauth2_grant(response, where, self.name)
        self.redactor.add(grant.access_token, grant.refresh_token)
        self._use_token(grant.access_token)
        self._expires_at = grant.expires_at
        self._refresh_token = grant.refresh_token or refresh  # a refresh token may be used again (RFC 6749 6)

    def _token_hint(self, response: Response) -> str:
        if self._ever_logged_in:  # the token path worked at the start of the run: this answer is an error
            return (f"that answer looks like an error (HTTP {response.status}); check the credentials of identity "
                    f"{self.name!r}")
        return (f"fix identities.{self.name}.login.token, or check the credentials of identity {self.name!r} if "
                "that answer is an error")

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

    def _csrf_write_token(self) -> str | None:
        """The CSRF token of writes (``csrf``): the cookie's, else the input of ``csrf.page`` (after login)."""
        csrf = self.config.csrf
        if csrf is None or self.is_anonymous:
            return None
        if csrf.cookie and self.cookies.get(csrf.cookie):
            return self.cookies[csrf.cookie]
        if csrf.input and csrf.page and self._logged_in:
            if self._csrf_form_token is None:
                method, _, path = csrf.page.partition(" ")
                page = self._send(method, path)
                token = find_input_value(page.text, csrf.input)
                if not token:
                    raise SetupError(f"{csrf.page} as {self.name} answered {what_came_back(page)} without "
                                     f"<input name={csrf.input!r}>, so writes have no CSRF token; fix "
                                     f"identities.{self.name}.csrf (page, input)")
                self.redactor.add(token)
                self._csrf_form_token = token
            return self._csrf_form_token
        return None

    def _csrf_write_headers(self, method: str) -> dict[str, str]:
        csrf = self.config.csrf
        if csrf is None or not csrf.header or method.upper() not in UNSAFE_METHODS:
            return {}
        token = self._csrf_write_token()
        return {csrf.header: token} if token else {}

    def _unless_csrf_refused(self, method: str, path: str, response: Response, kwargs: dict[str, Any]) -> Response:
        """A refusal by the app's CSRF protection is no answer of its access rules: a setup error.

        A form token (``csrf.page``) may have gone stale: it is read again and the request sent
        once more first."""
        if self.is_anonymous or method.upper() not in UNSAFE_METHODS or not csrf_refusal(response):
            return response
        csrf = self.config.csrf
        if csrf is not None and csrf.page and self._csrf_form_token is not None:
            self._csrf_form_token = None
            response = self._send(method, path, **kwargs)
        words = csrf_refusal(response)
        if not words:
            return response
        if csrf is None:
            fix = (f"set identities.{self.name}.csrf so that writes carry the token, e.g. "
                   "{cookie: csrftoken, header: X-CSRFToken} (Django) or {page: GET /a-form, input: csrf_token, "
                   "header: X-CSRFToken} (Flask-WTF)")
        else:
            fix = (f"identities.{self.name}.csrf sent {'a' if self._csrf_write_token() else 'no'} token: check its "
                   "cookie, page, input, header and field against the app's CSRF settings")
        raise SetupError(f"{method.upper()} {path} as {self.name} was refused by the app's CSRF protection "
                         f"(HTTP {response.status}: {words!r}), not by its access rules; {fix}")

    # -- expiry -----------------------------------------------------------------------------
    def _refresh_statuses(self) -> tuple[int, ...]:
        login = self.config.login
        if login is not None:
            return tuple(login.extra.get("refresh_on", (401,)))
        return (401,) if self._hook_logged_in or self.config.oauth2 is not None else ()

    def _may_relogin(self) -> bool:
        return self.has_login_flow and self._relogins < MAX_RELOGINS and self._useless_relogins < 2

    def _token_expired(self) -> bool:
        """Whether the token runs out now: its ``expires_in``, else a JWT's ``exp``."""
        if self._expires_at is not None:
            return self._expires_at <= time.time() + JWT_LEEWAY_SECONDS
        token = self.token
        if token is None:  # a hook's bearer token
            auth = self.headers.get("Authorization", "")
            token = auth[7:] if auth.startswith("Bearer ") else None
        exp = (decode_payload(token) or {}).get("exp") if token else None
        return isinstance(exp, int | float) and exp <= time.time() + JWT_LEEWAY_SECONDS

    # -- transport --------------------------------------------------------------------------
    def _send(self, method: str, path: str, *, headers: dict[str, str] | None = None,
              cookies: dict[str, str] | None = None, params: dict[str, Any] | None = None,
              data: dict[str, Any] | None = None, **kwargs: Any) -> Response:
        sent = {**self.headers, **self._csrf_header(), **self._csrf_write_headers(method), **(headers or {})}
        csrf = self.config.csrf
        if csrf is not None and csrf.field and isinstance(data, dict) and method.upper() in UNSAFE_METHODS \
                and csrf.field not in data:
            token = self._csrf_write_token()
            data = {**data, csrf.field: token} if token else data
        query = {**self.params, **(params or {})} or None
        response = self.target.request(method, path, headers=sent, cookies={**self.cookies, **(cookies or {})},
                                       params=query, data=data, **kwargs)
        self._remember_cookies(response)
        return response

    def _remember_cookies(self, response: Response) -> None:
        if self.is_anonymous:  # a cookie a page gives anonymous is the start of a session: never kept
            return
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


def _with_fields(request: Any, fields: Mapping[str, Any]) -> Any:
    """A login request (or step) with ``fields`` replacing the same-named fields of its body."""
    if request.json is not None:
        request = dataclasses.replace(request, json={k: fields.get(k, v) for k, v in request.json.items()})
    if request.form is not None:
        request = dataclasses.replace(request, form={k: str(fields.get(k, v)) for k, v in request.form.items()})
    return request
