"""The pieces of login flows that are not an identity's state (used by :mod:`.identities`).

* where a token is sent (:func:`token_credentials`: a header with any scheme or none, a query
  parameter, a cookie) and where a login's answer holds it (:func:`read_token`);
* OAuth2 token requests (:func:`oauth2_request`, RFC 6749 sections 4.3, 4.4 and 6) and their
  answers (:class:`Grant`);
* multi-step logins: ``{name}`` variables (:func:`fill`), values taken from an answer
  (:func:`extract`), TOTP codes (:func:`totp_code`, RFC 6238 through pyotp);
* CSRF refusals: a 403 that says the CSRF token is missing or wrong (:func:`csrf_refusal`).
"""

from __future__ import annotations

import base64
import binascii
import html.parser
import re
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from .baseline.model import Extract, OAuth2Config, TokenPlacement, TokenSource
from .errors import SetupError
from .target import Response

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_VARIABLE = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")  # {{ and }} are literal braces
# What CSRF protections answer (Django, Flask-WTF, Rails, Laravel, Express csurf, Spring Security, ...)
_CSRF_REFUSAL = re.compile(
    r"CSRF verification failed|CSRF token (?:is )?missing|CSRF tokens? (?:do not|don't) match|"
    r"(?:invalid|bad|incorrect|expired) CSRF token|CSRF token (?:is )?(?:invalid|expired|mismatch)|"
    r"CSRF (?:session token|cookie) (?:is )?missing|InvalidAuthenticityToken|Can't verify CSRF token|"
    r"CSRF token mismatch|ForbiddenError: invalid csrf token|Invalid CSRF Token", re.IGNORECASE)


# -- where a token is sent and found -------------------------------------------------------------


@dataclass
class Placed:
    """A token's credentials in one request: headers, query parameters, cookies."""

    headers: dict[str, str]
    params: dict[str, str]
    cookies: dict[str, str]


def token_credentials(placement: TokenPlacement, token: str) -> Placed:
    """Where ``token`` goes in a request, as ``placement`` says."""
    if placement.kind == "query":
        return Placed({}, {placement.name: token}, {})
    if placement.kind == "cookie":
        return Placed({}, {}, {placement.name: token})
    return Placed({placement.name: f"{placement.scheme} {token}" if placement.scheme else token}, {}, {})


def token_in_header(placement: TokenPlacement, value: str) -> str | None:
    """The token in a header value sent with ``placement`` (None: not that shape)."""
    if not placement.scheme:
        return value or None
    prefix = placement.scheme + " "
    return value[len(prefix):] or None if value.startswith(prefix) else None


def read_token(source: TokenSource, response: Response, cookies: dict[str, str], where: str, hint: str) -> str:
    """The token of a login's answer, or a :class:`SetupError` that says what came back."""
    if source.kind == "header":
        value = response.header(source.name)
        if not value:
            raise SetupError(f"{where} answered {what_came_back(response)} without a {source.name} header; {hint}")
        return value
    if source.kind == "cookie":
        value = cookies.get(source.name) or set_cookie_value(response, source.name)
        if not value:
            raise SetupError(f"{where} answered {what_came_back(response)} without setting the cookie "
                             f"{source.name!r}; {hint}")
        return value
    try:
        document: Any = response.json()
    except ValueError:
        raise SetupError(f"{where} answered {what_came_back(response)}, which is not JSON, so there is no token "
                         f"at {source.name!r}; {hint}") from None
    found, value = json_path(document, source.name)
    if not found:
        keys = ", ".join(sorted(map(str, document))[:10]) if isinstance(document, dict) else type(document).__name__
        raise SetupError(f"{where} answered {what_came_back(response)} and its JSON has no {source.name!r} "
                         f"(its keys: {keys or 'none'}); {hint}")
    if not isinstance(value, str) or not value:
        raise SetupError(f"the login token at {source.name!r} is not a non-empty string")
    return value


def json_path(document: Any, path: str) -> tuple[bool, Any]:
    """``(True, value)`` at a dotted path (list items by index), ``(False, None)`` when absent."""
    value = document
    try:
        for part in path.split("."):
            value = value[int(part)] if isinstance(value, list) else value[part]
    except (ValueError, KeyError, IndexError, TypeError):
        return False, None
    return True, value


def set_cookie_value(response: Response, name: str) -> str | None:
    for _url, header in response.all_set_cookies():
        key, sep, value = header.split(";", 1)[0].partition("=")
        if sep and key.strip() == name and value.strip():
            return value.strip().strip('"')
    return None


def what_came_back(response: Response) -> str:
    """``200 (text/html; charset=utf-8, 512 bytes)``: status, type and size, never the body."""
    ctype = response.header("content-type") or "no Content-Type"
    return f"{response.status} ({ctype}, {len(response.body)} bytes)"


# -- OAuth2 ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """A token endpoint's answer."""

    access_token: str
    expires_at: float | None  # time.time() when it runs out (from expires_in)
    refresh_token: str | None


def oauth2_request(config: OAuth2Config, refresh_token: str | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """The form and headers of a token request: the configured grant, or a refresh."""
    if refresh_token is not None:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    elif config.grant == "password":
        form = {"grant_type": "password", "username": config.username or "", "password": config.password or ""}
    else:
        form = {"grant_type": "client_credentials"}
    if config.scope and refresh_token is None:
        form["scope"] = config.scope
    headers = {"Accept": "application/json"}
    if config.client_auth == "basic":
        # RFC 6749 section 2.3.1: both parts form-encoded before joining
        pair = f"{urllib.parse.quote_plus(config.client_id)}:{urllib.parse.quote_plus(config.client_secret or '')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    else:
        form["client_id"] = config.client_id
        if config.client_secret is not None:
            form["client_secret"] = config.client_secret
    return form, headers


def oauth2_grant(response: Response, where: str, identity: str) -> Grant:
    """The token endpoint's answer, or a :class:`SetupError` naming the OAuth2 error."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise SetupError(f"{where} answered {what_came_back(response)}, not an OAuth2 token response (JSON); "
                         f"check identities.{identity}.oauth2.token_url")
    if response.status != 200 or not isinstance(body.get("access_token"), str) or not body["access_token"]:
        error = body.get("error")
        what = f"the OAuth2 error {error!r}" if isinstance(error, str) else "no access_token"
        raise SetupError(f"{where} answered {response.status} with {what}; check identities.{identity}.oauth2 "
                         "(client_id, client_secret, client_auth, grant, scope) and the environment variables "
                         "they come from")
    expires = body.get("expires_in")
    expires_at = time.time() + float(expires) if isinstance(expires, int | float) and expires > 0 else None
    refresh = body.get("refresh_token")
    return Grant(body["access_token"], expires_at, refresh if isinstance(refresh, str) and refresh else None)


# -- multi-step logins ----------------------------------------------------------------------------


def fill(value: Any, variables: dict[str, str], where: str) -> Any:
    """``value`` with ``{name}`` replaced in every string (``{{``/``}}`` stay literal braces)."""
    if isinstance(value, str):
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name is None:
                return match.group(0)[0]
            if name not in variables:
                known = ", ".join(sorted(variables)) or "none yet"
                raise SetupError(f"{where}: no variable {{{name}}} (known: {known}); take it from an earlier step "
                                 "with `extract:`, or use `totp:` for {totp}")
            return variables[name]

        return _VARIABLE.sub(one, value)
    if isinstance(value, dict):
        return {k: fill(v, variables, where) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, variables, where) for v in value]
    return value


def extract(how: Extract, response: Response, cookies: dict[str, str], where: str) -> str:
    """A value taken from a step's answer, or a :class:`SetupError` saying where it was looked for."""
    value: Any = None
    if how.kind == "header":
        value = response.header(how.name)
    elif how.kind == "cookie":
        value = cookies.get(how.name) or set_cookie_value(response, how.name)
    elif how.kind == "input":
        value = find_input_value(response.text, how.name)
    elif how.kind == "regex":
        match = re.search(how.name, response.text)
        value = (match.group(1) if match.groups() else match.group(0)) if match else None
    else:
        try:
            document = response.json()
        except ValueError:
            document = None
        value = json_path(document, how.name)[1]
        value = str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
    if not isinstance(value, str) or not value:
        raise SetupError(f"{where} answered {what_came_back(response)} without the {how.kind} {how.name!r}")
    return value


def totp_code(seed: str, where: str) -> str:
    """The current TOTP code of a base32 shared secret (RFC 6238: 6 digits, 30 s, SHA-1)."""
    import pyotp

    try:
        return pyotp.TOTP(seed.replace(" ", "").upper()).now()
    except (ValueError, TypeError, binascii.Error) as exc:  # pyotp's and base64's words name no part of it
        raise SetupError(f"{where}: the totp secret cannot make codes ({exc}); it is the base32 text an "
                         "authenticator app is given (under its QR code, or `secret=` in the otpauth:// URL), "
                         "at least 112 bits (23 characters)") from None


# -- CSRF -----------------------------------------------------------------------------------------


def csrf_refusal(response: Response) -> str | None:
    """The words of a CSRF protection's refusal, when this answer is one (None otherwise)."""
    if response.status not in (400, 403, 419, 422):
        return None
    match = _CSRF_REFUSAL.search(response.text[:20000])
    return match.group(0) if match else None


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
