"""Session checks on login identities, each on a fresh login (never the matrix's session).

* fixation: the session issued before login, or one an attacker plants, must not be the
  session after login; replaying the pre-login cookies after the login must be refused. With
  ``privilege_change`` the session cookie must also change at that request.
* logout: the cookie or token captured before logout (in a header, a cookie or a query
  parameter, as the identity sends it), replayed after it, must be refused (the server ended
  the session; clearing the browser's cookie is not enough).
* lifetime: session cookies (Max-Age/Expires) and tokens (JWT ``exp``, ``expires_in`` of a
  login's or an OAuth2 token endpoint's answer) must not outlive ``max_lifetime`` (12 h by default).
"""

from __future__ import annotations

import email.utils
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core.errors import SetupError
from ..core.findings import Finding
from ..core.jwt_claims import decode_payload
from .cells import CellCheck, untrustworthy
from .config import ALLOW, AREA, AuthzConfig, Call, Sessions
from .outcome import ALLOWED, BLOCKED, classify, judge, snippet

if TYPE_CHECKING:
    from ..core.session import SecureSession
    from ..core.target import Response


def session_checks(config: AuthzConfig) -> list[CellCheck]:
    spec = config.sessions
    if spec is None:
        return []
    checks = []
    for name in spec.identities:
        probe = spec.probe or _default_probe(config, name)
        kinds: list[tuple[str, Callable[..., list[Finding]], str]] = [("lifetime", _lifetime, "authz/session-lifetime")]
        if spec.fixation:
            kinds.insert(0, ("fixation", _fixation, "authz/session-fixation"))
        if spec.logout is not None:
            kinds.insert(1, ("logout", _logout, "authz/logout-session-alive"))
        for kind, func, rule in kinds:
            checks.append(CellCheck(area=AREA, name=f"session {kind}::{name}", rules=(rule,),
                                    run=_bind(func, config, spec, name, probe), path=None, row=f"session {kind}",
                                    column=name, expected="ok"))
    return checks


def _bind(func: Callable[..., list[Finding]], config: AuthzConfig, spec: Sessions, name: str,
          probe: Call | None) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        return func(session, config, spec, name, probe)

    return run


def _default_probe(config: AuthzConfig, name: str) -> Call | None:
    for rule in config.rules:
        if rule.call.method == "GET" and rule.owner is None and rule.list_kind is None \
                and config.expectation(rule, name) == ALLOW and not rule.call.placeholders:
            return rule.call
    return None


def _need_probe(probe: Call | None, name: str) -> Call:
    if probe is None:
        raise SetupError(f"no request to test {name}'s session with: set authz.sessions.probe (a GET only a "
                         "logged-in user may send)")
    return probe


def _session_cookie_names(session: SecureSession, spec: Sessions, name: str) -> set[str]:
    if spec.cookie:
        return {spec.cookie}
    config = session.identity(name).config
    if config.login is not None and config.login.extra.get("session_cookie"):
        return {config.login.extra["session_cookie"]}
    main = session.identity(name)
    main.ensure_logged_in()
    response = main.login_response
    return {c.split("=", 1)[0].strip() for _, c in response.all_set_cookies()} if response is not None else set()


def _replay(session: SecureSession, call: Call, headers: dict[str, str], cookies: dict[str, str],
            params: dict[str, str] | None = None) -> Response:
    return session.target.request(call.method, call.path, headers=headers, cookies=cookies, params=params or None,
                                  follow_redirects=False)


def _fixation(session: SecureSession, config: AuthzConfig, spec: Sessions, name: str, probe: Call | None
              ) -> list[Finding]:
    probe = _need_probe(probe, name)
    names = _session_cookie_names(session, spec, name)
    fresh = session.identity(name).fresh()
    login = fresh.config.login
    before = spec.before_login or (Call("GET", login.path) if login else None)
    static = set(fresh.config.cookies)
    if before is not None:
        before.send(fresh, login=False)
    planted = {}
    for cookie in sorted(names):
        if cookie not in fresh.cookies:
            planted[cookie] = fresh.cookies[cookie] = "fixated" + secrets.token_hex(16)
    pre_login = {k: v for k, v in fresh.cookies.items() if k not in static}
    if not pre_login and spec.privilege_change is None:
        _nothing_to_check(f"no session cookie to fixate: nothing was issued before {name}'s login and the "
                          "login sets no cookie (a token-only login); set authz.sessions.cookie if there is one")
    fresh.ensure_logged_in()
    check = probe.send(fresh)
    if judge(ALLOW, check, config.matchers).verdict == BLOCKED:
        raise untrustworthy(name, probe.method, check)
    findings: list[Finding] = []
    if pre_login:
        replay = _replay(session, probe, dict(fresh.config.headers), {**fresh.config.cookies, **pre_login})
        if classify(replay, config.matchers) == ALLOWED:
            kept = sorted(k for k, v in pre_login.items() if fresh.cookies.get(k) == v)
            origin = "planted by the attacker" if set(kept) & set(planted) else "issued before login"
            findings.append(Finding(
                "authz/session-fixation", f"the session cookie {', '.join(kept) or ', '.join(sorted(pre_login))} "
                f"{origin} is {name}'s logged-in session after the login", f"{probe.method} {probe.path}",
                evidence=f"the pre-login cookies, replayed after {name}'s login, got HTTP {replay.status} on "
                         f"{probe.label}", request=replay.request, key=f"{name}:login"))
    if spec.privilege_change is not None:
        old = {k: v for k, v in fresh.cookies.items() if k in names}
        response = spec.privilege_change.send(fresh)
        if response.status >= 400:
            raise SetupError(f"setup untrustworthy: {spec.privilege_change.label} as {name} answered "
                             f"{response.status} ({snippet(response)}); fix authz.sessions.privilege_change")
        same = sorted(k for k, v in old.items() if fresh.cookies.get(k) == v)
        if same:
            findings.append(Finding(
                "authz/session-fixation", f"the session cookie {', '.join(same)} did not change at "
                f"{spec.privilege_change.label}", spec.privilege_change.label,
                evidence=f"{name}'s session cookie kept its value across the privilege change",
                request=response.request, key=f"{name}:privilege"))
    return findings


def _logout(session: SecureSession, config: AuthzConfig, spec: Sessions, name: str, probe: Call | None
            ) -> list[Finding]:
    probe = _need_probe(probe, name)
    assert spec.logout is not None
    fresh = session.identity(name).fresh()
    check = probe.send(fresh)
    if judge(ALLOW, check, config.matchers).verdict == BLOCKED:
        raise untrustworthy(name, probe.method, check)
    headers, cookies = fresh.credentials()  # the token wherever it is sent: a header, a cookie, a query parameter
    params = fresh.query_params()
    response = spec.logout.send(fresh)
    if response.status >= 400:
        raise SetupError(f"setup untrustworthy: {spec.logout.label} as {name} answered {response.status} "
                         f"({snippet(response)}); fix authz.sessions.logout")
    replay = _replay(session, probe, headers, cookies, params)
    if classify(replay, config.matchers) == ALLOWED:
        return [Finding("authz/logout-session-alive",
                        f"{name}'s cookie/token still works after {spec.logout.label}", f"{probe.method} {probe.path}",
                        evidence=f"replayed after logout: HTTP {replay.status}: {snippet(replay)}",
                        request=replay.request, key=name)]
    return []


def _lifetime(session: SecureSession, config: AuthzConfig, spec: Sessions, name: str, probe: Call | None
              ) -> list[Finding]:
    fresh = session.identity(name).fresh()
    fresh.ensure_logged_in()
    response = fresh.login_response
    if response is None:
        raise SetupError(f"{name} has no login request, so there is no session to measure; list only "
                         "identities with a `login` in authz.sessions.identities")
    names = {spec.cookie} if spec.cookie else None
    cap = spec.max_lifetime
    findings = []
    measured = 0
    for _url, header in response.all_set_cookies():
        cookie = header.split("=", 1)[0].strip()
        if names is not None and cookie not in names:
            continue
        lifetime = cookie_lifetime(header, response.header("date"))
        measured += lifetime is not None
        if lifetime is not None and lifetime > cap:
            findings.append(_too_long(name, f"cookie {cookie}", lifetime, cap, response, f"{name}:cookie:{cookie}"))
    auth = fresh.headers.get("Authorization", "")
    token = fresh.token or (auth[7:] if auth.startswith("Bearer ") else None)  # a hook's bearer token
    if token:  # wherever it is sent, and whatever its scheme
        claims = decode_payload(token) or {}
        if isinstance(claims.get("exp"), int | float):
            measured += 1
            start = claims["iat"] if isinstance(claims.get("iat"), int | float) else time.time()
            if claims["exp"] - start > cap:
                findings.append(_too_long(name, "token (JWT exp)", claims["exp"] - start, cap, response, f"{name}:jwt"))
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("expires_in"), int | float):
            measured += 1
            if body["expires_in"] > cap:
                findings.append(_too_long(name, "token (expires_in)", body["expires_in"], cap, response,
                                          f"{name}:expires_in"))
    if not measured:
        _nothing_to_check(f"{name}'s login sets no cookie with Max-Age/Expires and no token with an expiry "
                          "(a browser-session cookie or an opaque token): its lifetime cannot be read")
    return findings


def _nothing_to_check(reason: str) -> None:
    """Skip, rather than pass a check that had nothing to look at."""
    import pytest

    pytest.skip(reason)


def _too_long(name: str, what: str, lifetime: float, cap: float, response: Response, key: str) -> Finding:
    return Finding("authz/session-lifetime", f"{name}'s {what} lives {_human(lifetime)}, longer than the cap of "
                   f"{_human(cap)}", f"{response.method} {response.path}",
                   evidence=f"{what}: {int(lifetime)} s", request=response.request, key=key)


def cookie_lifetime(set_cookie: str, date_header: str | None = None) -> float | None:
    """Seconds a Set-Cookie lives (Max-Age wins over Expires); None for a browser-session cookie."""
    expires = None
    for attr in set_cookie.split(";")[1:]:
        key, _, value = attr.strip().partition("=")
        key = key.strip().lower()
        if key == "max-age":
            try:
                return float(int(value.strip()))
            except ValueError:
                return None
        if key == "expires":
            expires = value.strip()
    if expires is None:
        return None
    try:
        when = email.utils.parsedate_to_datetime(expires).timestamp()
        now = email.utils.parsedate_to_datetime(date_header).timestamp() if date_header else time.time()
    except (TypeError, ValueError):
        return None
    return when - now


def _human(seconds: float) -> str:
    if seconds >= 86400 and seconds % 86400 == 0:
        return f"{seconds / 86400:g} d"
    if seconds >= 3600:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds:g} s"
