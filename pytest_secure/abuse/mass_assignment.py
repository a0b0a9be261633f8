"""``abuse.mass_assignment``: privileged fields slipped into a create/update body, judged the
way a user would see them: by reading the record back, never by the status code.

* ``fields`` are dotted paths (``profile.role``, ``data.admin``): each is merged into the
  legitimate ``json`` body at its place, and looked up at the same place in the record read back.
* The record is found by the id in the response (``GET /users/{id}``: ``{PATH}`` is a field of
  the answer), by the id in the request (``{sent.PATH}``: a field of the body sent, for creates
  that answer 201 with an empty body), or by a lookup (``find``: a list read, the record whose
  ``where`` fields equal what was sent, ``{unique}`` making them unique).
* The read-back runs as ``read.as``: the probe's identity (default), another identity (an admin),
  or the account the probe just registered, logged in through a login template (``{identity:
  NAME, login: {username: "{sent.username}", ...}}``: identity NAME's login with those fields).
* ``{unique}`` (in ``json``, ``read`` and ``login``) is one fresh value per probe and run.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.errors import BaselineError, SetupError
from ..core.findings import Finding

if TYPE_CHECKING:
    from ..core.baseline.model import Baseline
    from ..core.identities import Identity
    from ..core.session import SecureSession

SECTION = "abuse"
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")
UNIQUE = "unique"
SENT = "sent."
_MISSING = object()
_CREDENTIAL = re.compile(r"pass|secret|token|pin|otp|code", re.I)  # login fields whose values are masked


@dataclass(frozen=True)
class ReadBack:
    """How the created or updated record is read back."""

    method: str
    path: str
    identity: str | None = None  # None: the probe's identity
    login: dict[str, Any] | None = None  # login-template fields (with `identity`)
    list_path: str | None = None  # find: the list in the answer ("" = the answer itself)
    where: dict[str, Any] = field(default_factory=dict)  # find: fields the record must have
    record: str | None = None  # where the record is inside the answer (or the found item)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    identity: str
    body: dict[str, Any]  # the legitimate body with the privileged fields merged in
    fields: dict[str, Any]
    read: ReadBack

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def parse(baseline: Baseline, index: int, spec: dict[str, Any]) -> Probe:
    """The typed probe; meaning errors (a field that clashes with the body, a ``{sent.x}`` the body
    lacks, a login field the template lacks) are a :class:`BaselineError` with file:line:col."""
    problems: list[str] = []
    key = ("mass_assignment", index)

    def problem(path: tuple[str | int, ...], message: str) -> None:
        where = ".".join([SECTION, f"mass_assignment[{index}]", *(str(p) for p in path)])
        problems.append(f"{baseline.place(SECTION, *key, *path)}: {where}: {message}")

    method, _, path = spec["request"].partition(" ")
    body: dict[str, Any] = _copy(spec.get("json") or {})
    fields: dict[str, Any] = dict(spec["fields"])
    for dotted, value in fields.items():
        why = _merge(body, dotted, value)
        if why:
            problem(("fields", dotted), why)
    raw = spec["read"]
    if isinstance(raw, str):
        raw = {"request": raw}
    read_method, _, read_path = raw["request"].partition(" ")
    who = raw.get("as")
    identity, login = (who, None) if not isinstance(who, dict) else (who["identity"], dict(who.get("login") or {}))
    find = raw.get("find") or {}
    read = ReadBack(read_method.upper(), read_path, identity, login, find.get("list", "") if find else None,
                    dict(find.get("where") or {}), raw.get("record"))
    for place, text in [(("read", "request"), read.path), *((("read", "find", "where", k), v) for k, v in
                                                             read.where.items()),
                        *((("read", "as", "login", k), v) for k, v in (login or {}).items())]:
        for name in _PLACEHOLDER.findall(str(text)):
            if name.startswith(SENT) and _lookup(body, name[len(SENT):]) is _MISSING:
                problem(place, f"{{{name}}}: the request body has no field {name[len(SENT):]!r} (it has "
                               f"{', '.join(sorted(body)) or 'none'}); name a field of `json` or `fields`")
    if login is not None:
        template = baseline.identities.get(identity or "")
        config = template.login if template is not None else None
        login_body = (config.json if config.json is not None else config.form) if config is not None else None
        if config is None or config.steps:
            problem(("read", "as", "identity"), f"identity {identity!r} has no single-request `login:` to use as a "
                                                "login template; give it `login: {request: POST /login, json: "
                                                "{username: x, password: x}, token: ...}`")
        else:
            for name in login:
                if name not in (login_body or {}):
                    problem(("read", "as", "login", name), f"the login of identity {identity!r} has no field "
                                                           f"{name!r} to fill (it has "
                                                           f"{', '.join(sorted(login_body or {})) or 'none'})")
    if problems:
        raise BaselineError(problems, path=baseline.path)
    return Probe(method.upper(), path, spec.get("identity", "anonymous"), body, fields, read)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _merge(body: dict[str, Any], dotted: str, value: Any) -> str | None:
    """Put ``value`` at ``dotted`` in ``body`` (creating nested objects); why not, if it cannot."""
    node = body
    parts = dotted.split(".")
    for i, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            return (f"{'.'.join(parts[:i + 1])} is {child!r} in `json`, not an object, so {dotted!r} cannot be "
                    "put inside it; fix the field path or the body")
        node = child
    node[parts[-1]] = value
    return None


def _lookup(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return _MISSING
    return data


def _fill(value: Any, values: dict[str, Any], answer: Any, where: str) -> Any:
    """``{unique}``, ``{sent.PATH}`` and ``{PATH}`` (a field of the probe's answer) in strings."""
    if isinstance(value, dict):
        return {k: _fill(v, values, answer, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values, answer, where) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == UNIQUE:
            return str(values[UNIQUE])
        if name.startswith(SENT):
            found = _lookup(values.get("sent"), name[len(SENT):])
        else:
            found = _lookup(answer, name) if answer is not _MISSING else _MISSING
        if found is _MISSING or isinstance(found, dict | list):
            raise SetupError(f"{where} answered without {name!r}, which {value!r} needs; read the record by the "
                             "id the request sent ({sent.FIELD}) or by a lookup (read.find)")
        return str(found).lower() if isinstance(found, bool) else str(found)

    return _PLACEHOLDER.sub(one, value)


def probe(session: SecureSession, spec: dict[str, Any], index: int) -> list[Finding]:
    config = parse(session.baseline, index, spec)
    values: dict[str, Any] = {UNIQUE: f"psec{secrets.token_hex(3)}{index:03d}"}
    body = _fill(config.body, values, _MISSING, config.label)
    values["sent"] = body
    where = config.label
    actor = session.identity(config.identity)
    read = config.read
    checks_before = (not _PLACEHOLDER.search(read.path) and read.list_path is None and read.login is None)
    before: Any = _MISSING
    if checks_before:  # reading an existing record (GET /me): it must lack the privilege first
        before = _record(_read_json(_reader(session, config, values, where), read.method, read.path,
                                    "before the probe"), read)
        already = [f for f, v in config.fields.items() if _lookup(before, f) == v]
        if already:
            raise SetupError(f"{read.label} already shows {', '.join(already)} set; probe with an identity that "
                             "lacks the privilege")
    response = actor.request(config.method, config.path, json=body, follow_redirects=False)
    if response.status >= 500:
        raise SetupError(f"{where} answered {response.status} to the probe body; the effect cannot be read back")
    if response.status >= 400:
        return []  # refused: the privileged fields had no effect
    try:
        answer: Any = response.json()
    except ValueError:
        answer = _MISSING  # 201 with an empty body: the record is found by {sent.x} or by a lookup
    read_path = _fill(read.path, values, answer, where)
    reader = _reader(session, config, values, where)
    document = _read_json(reader, read.method, read_path, "after the probe")
    if read.list_path is not None:
        document = _find(document, read, _fill(read.where, values, answer, where), read_path)
    record = _record(document, read)
    shown = f"{read.method} {read_path}" + (f" as {_who(config)}" if read.identity else "")
    changed = [dotted for dotted, value in config.fields.items() if _lookup(record, dotted) == value]
    restored = _restore(actor, config, before, changed, reader, read_path) if changed and before is not _MISSING \
        else ""
    return [Finding("abuse/mass-assignment", f"the privileged field {dotted!r} was set to {config.fields[dotted]!r} "
                    f"through {where} (read back with {shown})", where,
                    evidence=f"{shown} -> {dotted}: {config.fields[dotted]!r}{restored}",
                    request=response.request, key=dotted)
            for dotted in changed]


def _restore(actor: Identity, config: Probe, before: Any, changed: list[str], reader: Identity, read_path: str) -> str:
    """Put back the fields the probe changed on a record that existed before (``PATCH /me``):
    the same request with their old values, checked by reading the record again."""
    body: dict[str, Any] = {}
    for dotted in changed:
        old = _lookup(before, dotted)
        if old is _MISSING or _merge(body, dotted, old):
            return "; the old value could not be put back (it was not in the record before)"
    response = actor.request(config.method, config.path, json=body, follow_redirects=False)
    try:
        now = _record(_read_json(reader, config.read.method, read_path, "after putting the fields back"),
                      config.read)
    except SetupError as exc:
        return f"; putting the old values back failed: {exc}"
    if all(_lookup(now, d) == _lookup(before, d) for d in changed):
        return f"; the old values were put back ({config.label} answered {response.status})"
    return (f"; putting the old values back did not work ({config.label} answered {response.status}): restore "
            "them by hand")


def _who(config: Probe) -> str:
    read = config.read
    return f"the account just made (login template {read.identity!r})" if read.login is not None \
        else str(read.identity)


def _reader(session: SecureSession, config: Probe, values: dict[str, Any], where: str) -> Identity:
    read = config.read
    if read.identity is None:
        return session.identity(config.identity)
    identity = session.identity(read.identity)
    if read.login is None:
        return identity
    fields = _fill(read.login, values, _MISSING, where)
    identity.redactor.add(*(str(v) for k, v in fields.items() if _CREDENTIAL.search(k)))  # masked like any password
    account = identity.fresh(fields)
    try:
        account.ensure_logged_in()
    except SetupError as exc:
        raise SetupError(f"the account {where} made cannot log in through the login template {read.identity!r} "
                         f"(fields {', '.join(sorted(fields))}): {exc}; check read.as.login") from None
    return account


def _read_json(identity: Any, method: str, path: str, when: str) -> Any:
    response = identity.request(method, path, follow_redirects=False)
    if response.status != 200:
        raise SetupError(f"{method} {path} answered {response.status} {when}; the record cannot be read back "
                         "(check abuse.mass_assignment.read and who reads it: read.as)")
    try:
        return response.json()
    except ValueError:
        raise SetupError(f"{method} {path} did not answer JSON {when}") from None


def _find(document: Any, read: ReadBack, where: dict[str, Any], shown: str) -> Any:
    """The item of the list at ``read.list_path`` whose ``where`` fields equal the values sent."""
    items = _lookup(document, read.list_path) if read.list_path else document
    if not isinstance(items, list):
        raise SetupError(f"{read.method} {shown} has no list at {read.list_path or '(the answer)'!r}; fix "
                         "read.find.list")
    for item in items:
        if all(str(_lookup(item, k)) == str(v) for k, v in where.items()):
            return item
    wanted = ", ".join(f"{k}={v!r}" for k, v in where.items())
    raise SetupError(f"the record made by the probe is not in {read.method} {shown} ({len(items)} items at "
                     f"{read.list_path or '(the answer)'!r}, none with {wanted}); the read-back would be blind. "
                     "Check read.find and read.as (who may list it)")


def _record(document: Any, read: ReadBack) -> Any:
    if not read.record:
        return document
    found = _lookup(document, read.record)
    if found is _MISSING:
        raise SetupError(f"{read.label} answered without {read.record!r}; fix read.record (where the record is "
                         "in the answer)")
    return found


def check_section(baseline: Baseline) -> None:
    """Parse every probe at collection, so a meaning error is a usage error (exit 4) with its place."""
    import pytest

    problems: list[str] = []
    for index, spec in enumerate((baseline.section(SECTION) or {}).get("mass_assignment") or []):
        try:
            parse(baseline, index, spec)
        except BaselineError as exc:
            problems.extend(exc.problems)
    if problems:
        raise pytest.UsageError("invalid security baseline:\n" + "\n".join(problems))
