"""The typed baseline: what the loader returns once the file is valid.

Only the sections every area needs are typed here (target, identities, gates, waivers).
Each area's own section is typed by the area itself from ``Baseline.section(name)``, so an
area stays in its own folder.

The loaded baseline is read-only: its document is frozen (:class:`FrozenDict`,
:class:`FrozenList`) and command-line options build a new, validated one
(:func:`pytest_secure.core.baseline.loader.overridden`).
"""

from __future__ import annotations

import datetime
import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..findings import Finding, Severity
from .yamlpos import Path as KeyPath
from .yamlpos import Positions


@dataclass(frozen=True)
class TargetConfig:
    app: str | None = None
    base_url: str | None = None
    scope: tuple[str, ...] = ()
    openapi: str | None = None
    timeout: float = 10.0
    max_body_bytes: int = 1_048_576
    max_redirects: int = 5
    verify: bool | str = True
    headers: dict[str, str] = field(default_factory=dict)


LOGIN_OK = (200, 201, 204, 302, 303)


@dataclass(frozen=True)
class TokenSource:
    """Where a login's answer holds the token: ``json`` (a dotted path), ``header`` or ``cookie`` (a name)."""

    kind: str
    name: str


@dataclass(frozen=True)
class TokenPlacement:
    """Where a token is sent: a ``header`` (with ``scheme``, e.g. ``Bearer``, ``Token``; None: the
    bare token), a ``query`` parameter or a ``cookie``."""

    kind: str = "header"
    name: str = "Authorization"
    scheme: str | None = "Bearer"

    def describe(self) -> str:
        if self.kind == "header":
            return f"header {self.name}: {self.scheme + ' ' if self.scheme else ''}<token>"
        return f"{self.kind} {self.name}=<token>"


@dataclass(frozen=True)
class Extract:
    """A value taken from a login step's answer: ``json`` (dotted path), ``header``, ``cookie``,
    ``input`` (an HTML ``<input name=...>``'s value) or ``regex`` (group 1, else the match)."""

    kind: str
    name: str


@dataclass(frozen=True)
class LoginStep:
    """One request of a multi-step login. Strings may use ``{var}`` (earlier steps' ``extract``,
    and ``{totp}`` when the step has ``totp``)."""

    method: str
    path: str
    json: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    extract: dict[str, Extract] = field(default_factory=dict)
    totp: str | None = None  # a base32 TOTP seed (a secret): ``{totp}`` is the current code
    expect_status: tuple[int, ...] = (200, 201, 204, 302, 303)
    follow_redirects: bool = True


@dataclass(frozen=True)
class LoginConfig:
    method: str
    path: str
    json: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    token: str | None = None  # a dotted JSON path (the string shorthand of ``token``)
    expect_status: tuple[int, ...] = LOGIN_OK
    extra: dict[str, Any] = field(default_factory=dict)  # login keys owned by identities.py (csrf, ...)
    token_source: TokenSource | None = None  # ``token: {header: ...}`` / ``{cookie: ...}`` / ``{json: ...}``
    steps: tuple[LoginStep, ...] = ()  # a multi-step login (then method/path are the first step's)

    @property
    def token_from(self) -> TokenSource | None:
        """Where the token is found in the login's (last) answer, None for a cookie-session login."""
        if self.token_source is not None:
            return self.token_source
        return TokenSource("json", self.token) if self.token else None


@dataclass(frozen=True)
class OAuth2Config:
    """An OAuth2 token endpoint: the ``client_credentials`` or ``password`` grant."""

    token_url: str
    grant: str
    client_id: str
    client_secret: str | None = None
    client_auth: str = "basic"  # ``basic`` (HTTP Basic) or ``body`` (form fields)
    scope: str | None = None
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class CsrfConfig:
    """The CSRF token sent on every unsafe request (POST, PUT, PATCH, DELETE) after login: read
    from a ``cookie`` or from an ``input`` of ``page``, sent in ``header`` and/or the form ``field``."""

    header: str | None = None
    cookie: str | None = None
    page: str | None = None  # "GET /path"
    input: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class IdentityConfig:
    name: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    bearer: str | None = None
    basic: tuple[str, str] | None = None
    login: LoginConfig | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # keys owned by area modules
    send_token: TokenPlacement = TokenPlacement()
    oauth2: OAuth2Config | None = None
    csrf: CsrfConfig | None = None

    @property
    def has_token(self) -> bool:
        """Whether this identity sends a token (static, from a login or from OAuth2)."""
        return bool(self.bearer) or self.oauth2 is not None or (
            self.login is not None and self.login.token_from is not None)


@dataclass(frozen=True)
class Waiver:
    rule: str
    reason: str
    owner: str
    expires: datetime.date
    where: str | None = None
    ticket: str | None = None
    place: str = ""  # "file:line:col" of the waiver, for messages

    def covers(self, rule_id: str, path: str | None) -> bool:
        """Whether this waiver applies to ``rule_id`` at ``path`` (None: any path)."""
        if not fnmatch.fnmatchcase(rule_id, self.rule):
            return False
        return self.where is None or path is None or fnmatch.fnmatchcase(path, self.where)

    def matches(self, finding: Finding) -> bool:
        return self.covers(finding.rule_id, finding.path)

    def expired(self, today: datetime.date) -> bool:
        return today > self.expires

    @property
    def label(self) -> str:
        where = f" at {self.where}" if self.where else ""
        return f"{self.rule}{where}" + (f" ({self.ticket})" if self.ticket else "")

    def describe(self) -> str:
        ticket = f", ticket {self.ticket}" if self.ticket else ""
        return f"waived by {self.owner}{ticket} until {self.expires.isoformat()}: {self.reason}"


@dataclass(frozen=True)
class Gates:
    fail_on: Severity = Severity.HIGH
    severity: dict[str, Severity] = field(default_factory=dict)

    def severity_of(self, rule_id: str, default: Severity) -> Severity:
        """A finding's severity after the baseline's per-rule overrides (``default`` when none applies)."""
        if rule_id in self.severity:
            return self.severity[rule_id]
        for pattern, sev in self.severity.items():
            if fnmatch.fnmatchcase(rule_id, pattern):
                return sev
        return default


class FrozenDict(dict[Any, Any]):
    """A dict that refuses changes: the loaded baseline is read-only everywhere."""

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("the loaded baseline is read-only; build a new one (pytest_secure.core.baseline.overridden)")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> Any:
        return (FrozenDict, (dict(self),))

    def __copy__(self) -> dict[Any, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return thaw(self)


class FrozenList(list[Any]):
    """A list that refuses changes (see :class:`FrozenDict`)."""

    _refuse = FrozenDict._refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = append = extend = insert = remove = pop = clear = sort = \
        reverse = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> Any:
        return (FrozenList, (list(self),))

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return thaw(self)


def freeze(value: Any) -> Any:
    """``value`` with every dict and list in it made read-only."""
    if isinstance(value, dict):
        return FrozenDict((k, freeze(v)) for k, v in value.items())
    if isinstance(value, list):
        return FrozenList(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """A plain, changeable deep copy of a (frozen) document."""
    if isinstance(value, dict):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class Baseline:
    """The loaded baseline: read-only. Command-line overrides build a new, validated one
    (:func:`pytest_secure.core.baseline.loader.overridden`)."""

    path: Path
    data: dict[str, Any]  # the validated, preset-merged document (a FrozenDict)
    positions: Positions
    target: TargetConfig
    identities: dict[str, IdentityConfig]  # a FrozenDict
    gates: Gates
    waivers: tuple[Waiver, ...]
    secrets: frozenset[str]
    presets: tuple[str, ...] = ()

    def __repr__(self) -> str:
        """The file and what it declares, never values: pytest prints this in failing tests'
        arguments and locals, and the values hold ``${VAR}`` secrets (docs/safety.md)."""
        return (f"Baseline(path={str(self.path)!r}, sections={sorted(k for k in self.data if k != 'version')}, "
                f"identities={sorted(self.identities)})")

    def section(self, name: str) -> Any:
        """The raw, validated section ``name`` (None when the file has none)."""
        return self.data.get(name)

    def place(self, *path: str | int) -> str:
        """``file:line:col`` of a key path, for error messages."""
        line, col = self.positions.of(tuple(path))
        return f"{self.path}:{line}:{col}"


def build_model(path: Path, data: dict[str, Any], positions: Positions, secrets: set[str],
                presets: tuple[str, ...]) -> Baseline:
    """Turn a validated document into the typed, read-only :class:`Baseline`."""
    data = freeze(data)  # every part of the model below shares the read-only document
    t = data.get("target") or {}
    target = TargetConfig(
        app=t.get("app"),
        base_url=t.get("base_url"),
        scope=tuple(t.get("scope") or ()),
        openapi=t.get("openapi"),
        timeout=float(t.get("timeout", 10)),
        max_body_bytes=int(t.get("max_body_bytes", 1_048_576)),
        max_redirects=int(t.get("max_redirects", 5)),
        verify=t.get("verify", True),
        headers=FrozenDict(t.get("headers") or {}),
    )
    identities = {"anonymous": IdentityConfig("anonymous")}
    for name, spec in (data.get("identities") or {}).items():
        identities[name] = _identity(name, spec or {})
    g = data.get("gates") or {}
    gates = Gates(
        fail_on=Severity.parse(g.get("fail_on", "high")),
        severity=FrozenDict((k, Severity.parse(v)) for k, v in (g.get("severity") or {}).items()),
    )
    waivers = []
    for i, w in enumerate(data.get("waivers") or []):
        line, col = positions.of(("waivers", i))
        waivers.append(Waiver(
            rule=w["rule"], reason=w["reason"], owner=w["owner"],
            expires=datetime.date.fromisoformat(w["expires"]), where=w.get("where"), ticket=w.get("ticket"),
            place=f"{path}:{line}:{col}",
        ))
    return Baseline(path, data, positions, target, FrozenDict(identities), gates, tuple(waivers),
                    frozenset(secrets), presets)


_CORE_IDENTITY_KEYS = {"headers", "cookies", "bearer", "basic", "login", "send_token", "oauth2", "csrf"}
_CORE_LOGIN_KEYS = {"request", "json", "form", "token", "expect_status", "steps"}


def _identity(name: str, spec: dict[str, Any]) -> IdentityConfig:
    login = None
    if "login" in spec:
        login = _login(spec["login"])
    basic = spec.get("basic")
    send = spec.get("send_token") or {}
    placement = TokenPlacement()
    for kind in ("header", "query", "cookie"):
        if kind in send:
            default_scheme = "Bearer" if kind == "header" and send[kind].lower() == "authorization" else None
            placement = TokenPlacement(kind, send[kind], send.get("scheme", default_scheme) if kind == "header"
                                       else None)
    o = spec.get("oauth2")
    oauth2 = OAuth2Config(
        token_url=o["token_url"], grant=o.get("grant", "client_credentials"), client_id=o["client_id"],
        client_secret=o.get("client_secret"), client_auth=o.get("client_auth", "basic"), scope=o.get("scope"),
        username=o.get("username"), password=o.get("password"),
    ) if o else None
    c = spec.get("csrf")
    csrf = CsrfConfig(header=c.get("header"), cookie=c.get("cookie"), page=c.get("page"), input=c.get("input"),
                      field=c.get("field")) if c else None
    return IdentityConfig(
        name=name,
        headers=FrozenDict(spec.get("headers") or {}),
        cookies=FrozenDict(spec.get("cookies") or {}),
        bearer=spec.get("bearer"),
        basic=(basic["username"], basic["password"]) if basic else None,
        login=login,
        extra=FrozenDict((k, v) for k, v in spec.items() if k not in _CORE_IDENTITY_KEYS),
        send_token=placement, oauth2=oauth2, csrf=csrf,
    )


def _one_of(spec: Any, kinds: tuple[str, ...]) -> tuple[str, str]:
    """``{header: X-Auth-Token}`` -> ``("header", "X-Auth-Token")`` (the schema allows exactly one key)."""
    kind = next(k for k in kinds if k in spec)
    return kind, spec[kind]


def _login(lg: dict[str, Any]) -> LoginConfig:
    token = lg.get("token")
    source = TokenSource(*_one_of(token, ("json", "header", "cookie"))) if isinstance(token, dict) else None
    steps = tuple(_step(s) for s in lg.get("steps") or ())
    method, _, lpath = (lg.get("request") or f"{steps[0].method} {steps[0].path}").partition(" ")
    return LoginConfig(
        method=method, path=lpath, json=lg.get("json"), form=lg.get("form"),
        token=token if isinstance(token, str) else None,
        expect_status=tuple(lg.get("expect_status", LOGIN_OK)),
        extra=FrozenDict((k, v) for k, v in lg.items() if k not in _CORE_LOGIN_KEYS),
        token_source=source, steps=steps,
    )


def _step(s: dict[str, Any]) -> LoginStep:
    method, _, spath = s["request"].partition(" ")
    return LoginStep(
        method=method, path=spath, json=s.get("json"), form=s.get("form"), headers=FrozenDict(s.get("headers") or {}),
        extract=FrozenDict((var, Extract(*_one_of(how, ("json", "header", "cookie", "input", "regex"))))
                           for var, how in (s.get("extract") or {}).items()),
        totp=s.get("totp"), expect_status=tuple(s.get("expect_status", LOGIN_OK)),
        follow_redirects=bool(s.get("follow_redirects", True)),
    )


def key_path_text(path: KeyPath) -> str:
    """``cookies."*".samesite`` / ``waivers[0].expires``: a key path as users write it."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if part.replace("_", "a").replace("-", "a").isalnum() else f'"{part}"'
            out += ("." if out else "") + text
    return out or "(top level)"
