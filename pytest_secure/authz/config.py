"""The ``authz:`` section, typed and checked beyond the schema.

The JSON Schema checks shapes; this module checks meaning, with the file position of each
problem: identities and roles that do not exist, placeholders without values, object kinds
that are not declared, state-changing requests without ``destructive: true``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.durations import parse_duration
from ..core.errors import BaselineError
from ..core.findings import Severity
from ..core.identities import ANONYMOUS, role_closure

if TYPE_CHECKING:
    from ..core.area import ResponseAudit
    from ..core.baseline.model import Baseline
    from ..core.findings import Finding
    from ..core.identities import Identity
    from ..core.session import SecureSession
    from ..core.target import Response

AREA = "authz"
ALLOW, DENY, CONCEAL, UNAUTHENTICATED = "allow", "deny", "conceal", "unauthenticated"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")
UNIQUE = "unique"  # the `{unique}` placeholder: a value unique per cell and per run (see setup.py)


@dataclass(frozen=True)
class Matchers:
    """What 'denied' and 'allowed' look like (statuses, redirect targets, body patterns)."""

    deny_statuses: frozenset[int] = frozenset({401, 403, 404})
    deny_redirect: str | None = None
    allow_body: re.Pattern[str] | None = None
    deny_body: re.Pattern[str] | None = None

    def merged(self, spec: dict[str, Any]) -> Matchers:
        """These matchers with a rule's own ``allow_body``/``deny_body`` on top."""
        return Matchers(
            self.deny_statuses, self.deny_redirect,
            re.compile(spec["allow_body"]) if spec.get("allow_body") else self.allow_body,
            re.compile(spec["deny_body"]) if spec.get("deny_body") else self.deny_body,
        )


@dataclass(frozen=True)
class Call:
    """One request as the baseline writes it: method, path template and optional body."""

    method: str
    path: str
    query: dict[str, Any] | None = None
    json: Any = None
    form: dict[str, str] | None = None
    headers: dict[str, str] | None = None

    @classmethod
    def parse(cls, spec: dict[str, Any], key: str = "request") -> Call:
        method, _, path = spec[key].partition(" ")
        return cls(method.upper(), path, spec.get("query"), spec.get("json"), spec.get("form"), spec.get("headers"))

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def placeholders(self) -> list[str]:
        return PLACEHOLDER.findall(self.path)

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS

    def render(self, values: dict[str, Any]) -> str:
        """The path with ``{name}`` replaced (values are URL-quoted; unknown names stay)."""
        import urllib.parse

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            return urllib.parse.quote(str(values[name]), safe="") if name in values else match.group(0)

        return PLACEHOLDER.sub(sub, self.path)

    def send(self, identity: Identity, values: dict[str, Any] | None = None, **overrides: Any) -> Response:
        """Send the call as ``identity`` (redirects not followed: a redirect is an answer)."""
        values = values or {}
        kwargs: dict[str, Any] = {"params": _fill(self.query, values), "headers": self.headers,
                                  "follow_redirects": False}
        if self.json is not None:
            kwargs["json"] = _fill(self.json, values)
        elif self.form is not None:
            kwargs["data"] = _fill(self.form, values)
        kwargs.update(overrides)
        return identity.request(self.method, self.render(values), **kwargs)


def _fill(value: Any, values: dict[str, Any]) -> Any:
    """``{name}`` inside body strings takes a value too (ids extracted by earlier steps)."""
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value)
        if whole and whole.group(1) in values:
            return values[whole.group(1)]
        return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), value)
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


@dataclass(frozen=True)
class Effect:
    read: Call | None = None
    field: str | None = None
    login: bool = False
    restore: Call | None = None  # login effects: puts back credentials a write changed (see objects.py)
    identity: str | None = None  # `as`: who reads the state back (rules with `setup`; default: setup's creator)


@dataclass(frozen=True)
class Source:
    """Where a step's value comes from: its answer's JSON (``json``), a response header
    (``header``, with an optional ``regex`` group), the last path segment of its ``Location``
    header (``location``), or the body the step itself sent (``sent``: for creates that answer
    no id, e.g. 201 with an empty body)."""

    kind: str  # json | header | location | sent
    path: str = ""  # the dotted path (json, sent) or the header name
    regex: str | None = None

    @classmethod
    def parse(cls, spec: Any) -> Source:
        """The source a baseline value names; ValueError saying why when it names none or several."""
        if isinstance(spec, str):
            return cls("json", spec)
        kinds = [k for k in ("json", "header", "location", "sent") if k in spec]
        if len(kinds) != 1:
            raise ValueError(f"expected exactly one of json, header, location or sent, got {', '.join(spec)}")
        if "regex" in spec and kinds != ["header"]:
            raise ValueError("`regex` goes with `header` (the value is its first group)")
        if kinds == ["location"]:
            return cls("location", "Location")
        return cls(kinds[0], str(spec[kinds[0]]), spec.get("regex"))

    def describe(self) -> str:
        if self.kind == "location":
            return "the last path segment of its Location header"
        if self.kind == "sent":
            return f"{self.path!r} in the body it sent"
        return f"the {self.kind} {self.path!r}" + (f" (regex {self.regex!r})" if self.regex else "")


@dataclass(frozen=True)
class Rule:
    """One ``authz.rules`` entry."""

    index: int
    call: Call
    allow: tuple[str, ...] | str  # names/roles, or "*"
    expect: dict[str, str]
    deny_as: str | None
    params: dict[str, tuple[Any, ...]]
    matchers: Matchers
    owner: str | None = None
    kind: str | None = None
    effect: Effect | None = None
    list_kind: str | None = None
    ids_path: str | None = None
    explore: int = 0  # max examples; 0 = off
    place: str = ""
    prefetch: bool | None = None  # the rule's `prefetch:` (None: decided by method and path)
    setup: tuple[Step, ...] = ()  # requests each cell sends first (fresh objects per cell; see setup_cells.py)
    teardown: tuple[Step, ...] = ()  # requests each cell sends last (deleting what setup made)

    @property
    def label(self) -> str:
        return self.call.label

    def value_sets(self) -> Iterator[dict[str, Any]]:
        """Every combination of the ``params`` values (one dict when there are none)."""
        sets: list[dict[str, Any]] = [{}]
        for name, values in self.params.items():
            sets = [{**s, name: v} for s in sets for v in values]
        yield from sets


@dataclass(frozen=True)
class ObjectKind:
    name: str
    ids: dict[str, tuple[str, ...]] = field(default_factory=dict)
    create: Call | None = None
    create_id: Source | None = None
    owners: tuple[str, ...] = ()
    read: Call | None = None
    delete: Call | None = None  # how an owner deletes an object `create` made (sent at the end of the run)


@dataclass(frozen=True)
class Step:
    """One request of a sequence, a rule's setup or teardown: sent as ``identity`` (``as:``; None:
    the sequence's owner or the cell's identity), its ``extract`` values kept for later steps."""

    call: Call
    extract: dict[str, Source] = field(default_factory=dict)
    identity: str | None = None
    place: str = ""


@dataclass(frozen=True)
class Sequence:
    name: str
    steps: tuple[Step, ...]
    check: Call
    owners: tuple[str, ...]
    field: str | None = None
    place: str = ""


@dataclass(frozen=True)
class Hook:
    call: Call
    identity: str


@dataclass(frozen=True)
class Revocation:
    identity: str
    call: Call
    revoke: Hook
    restore: Hook | None
    within: float = 60.0
    interval: float = 1.0


@dataclass(frozen=True)
class Sessions:
    identities: tuple[str, ...]
    cookie: str | None = None
    before_login: Call | None = None
    logout: Call | None = None
    probe: Call | None = None
    privilege_change: Call | None = None
    max_lifetime: float = 12 * 3600
    fixation: bool = True


@dataclass
class AuthzConfig:
    identities: tuple[str, ...]
    roles: dict[str, frozenset[str]]
    matchers: Matchers
    expect: dict[str, str]
    destructive: bool
    rules: list[Rule]
    objects: dict[str, ObjectKind]
    sequences: list[Sequence]
    coverage: str
    coverage_source: str | None
    coverage_ignore: tuple[str, ...]
    revocations: list[Revocation]
    sessions: Sessions | None
    coverage_severity: Severity = Severity.HIGH
    all_identities: tuple[str, ...] = ()
    concurrency: int = 2
    prefetch_plan: list[tuple[str, int]] = field(default_factory=list)  # (identity, rule index), in item order
    error_audit: ResponseAudit | None = None  # the leaks policy's error rules, handed in by areas.py
    error_rules: tuple[str, ...] = ()  # the rule ids error_audit reports

    def server_errors(self, response: Response, session: SecureSession) -> list[Finding]:
        """A cell's response judged for server errors and stack traces (none without a leaks section)."""
        return self.error_audit(response, session.baseline) if self.error_audit is not None else []

    def expectation(self, rule: Rule, identity: str) -> str:
        """allow, deny, conceal or unauthenticated: how ``identity``'s cell of ``rule`` must end."""
        if identity in rule.expect:
            return rule.expect[identity]
        if self.allows(rule, identity):
            return ALLOW
        if identity in self.expect:  # e.g. anonymous: unauthenticated, before any rule's deny_as
            return self.expect[identity]
        return rule.deny_as or DENY

    def allows(self, rule: Rule, identity: str) -> bool:
        if rule.allow == "*":
            return True
        return bool(self.roles.get(identity, frozenset({identity})) & set(rule.allow))

    def owners_of(self, kind: ObjectKind) -> tuple[str, ...]:
        if kind.ids:
            return tuple(kind.ids)
        return kind.owners or tuple(i for i in self.identities if i != ANONYMOUS)


def parse(baseline: Baseline) -> AuthzConfig:
    """Type the ``authz`` section; raise :class:`BaselineError` naming the place of each problem."""
    section: dict[str, Any] = baseline.section(AREA) or {}
    problems: list[str] = []

    def problem(path: tuple[str | int, ...], message: str) -> None:
        problems.append(f"{baseline.place(AREA, *path)}: {_key_path((AREA, *path))}: {message}")

    declared = tuple(baseline.identities)  # anonymous included
    roles = role_closure(baseline.identities)
    known_roles = set().union(*roles.values()) if roles else set()

    def check_identity(name: str, path: tuple[str | int, ...], *, role_ok: bool = False) -> None:
        pool = known_roles if role_ok else set(declared)
        if name not in pool:
            close = difflib.get_close_matches(name, sorted(pool), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            kind = "identity or role" if role_ok else "identity"
            problem(path, f"unknown {kind} {name!r}{hint}; declare it under identities: "
                          f"(known: {', '.join(sorted(pool))})")

    destructive = bool(section.get("destructive", False))

    def check_write(call: Call, path: tuple[str | int, ...]) -> None:
        if call.is_write and not destructive:
            problem(path, f"{call.label} changes state; set `authz.destructive: true` to let pytest-secure send "
                          "it (only against a test deployment), or remove it")

    def source(spec: Any, path: tuple[str | int, ...]) -> Source:
        try:
            return Source.parse(spec)
        except ValueError as exc:
            problem(path, str(exc))
            return Source("json", "")

    def parse_steps(specs: list[dict[str, Any]], path: tuple[str | int, ...], known: set[str]) -> tuple[Step, ...]:
        """Typed steps; ``known`` (the variables the steps may use) grows with each step's ``extract``."""
        steps = []
        for j, st in enumerate(specs):
            call = Call.parse(st)
            check_write(call, (*path, j, "request"))
            if st.get("as") is not None:
                check_identity(st["as"], (*path, j, "as"))
            for name in call.placeholders:
                if name not in known:
                    problem((*path, j, "request"), f"{{{name}}} has no value here; take it from an earlier step with "
                                                   f"`extract:`, or use {{unique}} (known: {', '.join(sorted(known))})")
            extract = {var: source(how, (*path, j, "extract", var)) for var, how in (st.get("extract") or {}).items()}
            known |= set(extract)
            steps.append(Step(call, extract, st.get("as"), baseline.place(AREA, *path, j)))
        return tuple(steps)

    revocations = []
    for i, spec in enumerate(section.get("revocation") or []):
        for key in ("identity",):
            check_identity(spec[key], ("revocation", i, key))
        for hook_key in ("revoke", "restore"):
            if spec.get(hook_key):
                check_identity(spec[hook_key]["as"], ("revocation", i, hook_key, "as"))
                check_write(Call.parse(spec[hook_key]), ("revocation", i, hook_key, "request"))
        revocations.append(Revocation(
            identity=spec["identity"], call=Call.parse(spec),
            revoke=Hook(Call.parse(spec["revoke"]), spec["revoke"]["as"]),
            restore=Hook(Call.parse(spec["restore"]), spec["restore"]["as"]) if spec.get("restore") else None,
            within=float(spec.get("within", 60)), interval=float(spec.get("interval", 1)),
        ))
    revoked = {r.identity for r in revocations}

    if section.get("identities"):
        columns = tuple(section["identities"])
        for i, name in enumerate(columns):
            check_identity(name, ("identities", i))
            if name in revoked:
                problem(("identities", i), f"{name!r} is revoked by a revocation check, which would change its "
                                           "cells mid-run; use a dedicated identity for the revocation")
    else:
        columns = tuple(n for n in declared if n not in revoked)

    matchers = Matchers(
        frozenset(section.get("deny", (401, 403, 404))), section.get("deny_redirect"),
        re.compile(section["allow_body"]) if section.get("allow_body") else None,
        re.compile(section["deny_body"]) if section.get("deny_body") else None,
    )
    expect = dict(section.get("expect") or {})
    for name in expect:
        check_identity(name, ("expect", name))

    objects: dict[str, ObjectKind] = {}
    for kind_name, spec in (section.get("objects") or {}).items():
        path = ("objects", kind_name)
        if not spec.get("ids") and not spec.get("create"):
            problem(path, "an object kind needs `ids` (existing objects per identity) or `create` (a request "
                          "that makes one)")
        for owner in spec.get("ids") or {}:
            check_identity(owner, (*path, "ids", owner))
        for j, owner in enumerate(spec.get("owners") or []):
            check_identity(owner, (*path, "owners", j))
        create = Call.parse(spec["create"]) if spec.get("create") else None
        if create is not None:
            check_write(create, (*path, "create", "request"))
        read = Call.parse({"request": spec["read"]}) if spec.get("read") else None
        if read is not None and len(read.placeholders) != 1:
            problem((*path, "read"), f"{read.label}: expected exactly one {{placeholder}} for the object id")
        delete = Call.parse({"request": spec["delete"]}) if spec.get("delete") else None
        if delete is not None:
            if len(delete.placeholders) != 1:
                problem((*path, "delete"), f"{delete.label}: expected exactly one {{placeholder}} for the object id")
            if create is None:
                problem((*path, "delete"), "`delete` removes the objects `create` made; give `create` too")
            check_write(delete, (*path, "delete"))
        objects[kind_name] = ObjectKind(
            kind_name, {k: tuple(str(v) for v in vs) for k, vs in (spec.get("ids") or {}).items()},
            create, source(spec["create"]["id"], (*path, "create", "id")) if spec.get("create") else None,
            tuple(spec.get("owners") or ()), read,
            delete,
        )

    def kind_for(spec: dict[str, Any], path: tuple[str | int, ...], key: str) -> str | None:
        name = spec.get(key) if key != "owner" else spec.get("object")
        if name is None:
            if len(objects) == 1:
                return next(iter(objects))
            problem(path, "say which `authz.objects` kind this refers to with `object:`"
                          if objects else "declare the owned objects under `authz.objects`")
            return None
        if name not in objects:
            problem(path, f"unknown object kind {name!r}; declared: {', '.join(objects) or 'none'}")
            return None
        return name

    default_explore = _explore(section.get("explore"))
    rules: list[Rule] = []
    names: dict[str, int] = {}
    for i, spec in enumerate(section.get("rules") or []):
        path = ("rules", i)
        call = Call.parse(spec)
        if call.label in names:
            problem((*path, "request"), f"{call.label} already has a rule (rules[{names[call.label]}]); "
                                        "merge the two (a list in `params` tries several values in one cell)")
        names[call.label] = i
        allow = spec.get("allow", ())
        if allow != "*":
            for j, name in enumerate(allow):
                check_identity(name, (*path, "allow", j), role_ok=True)
        for name in spec.get("expect") or {}:
            check_identity(name, (*path, "expect", name))
        params = {k: tuple(v if isinstance(v, list) else [v]) for k, v in (spec.get("params") or {}).items()}
        owner = spec.get("owner")
        kind = list_kind = None
        if owner is not None:
            if owner not in call.placeholders:
                problem((*path, "owner"), f"{call.label} has no {{{owner}}} placeholder")
            kind = kind_for(spec, (*path, "owner"), "owner")
        if spec.get("list"):
            list_kind = kind_for(spec, (*path, "list"), "list")
            if not spec.get("ids"):
                problem((*path, "list"), "a list rule needs `ids`: the dotted path of the ids in the response, "
                                         "e.g. `*.id`")
            if owner is not None:
                problem((*path, "list"), "a rule is either an object rule (`owner`) or a list rule (`list`)")
        known = {*params, UNIQUE}
        setup = parse_steps(spec.get("setup") or [], (*path, "setup"), known)
        for name in call.placeholders:
            if name not in known and name != owner:
                problem((*path, "request"), f"{{{name}}} has no value; add `params: {{{name}: ...}}`"
                                            + (", or `owner: " + name + "` for owned objects" if objects else "")
                                            + ", or take it from a `setup` step's `extract`")
        teardown = parse_steps(spec.get("teardown") or [], (*path, "teardown"), set(known))
        if setup and (owner is not None or spec.get("list")):
            problem((*path, "setup"), "`setup` makes what one cell needs; a rule with `owner` or `list` uses "
                                      "authz.objects instead (give the kind a `create`)")
        if teardown and not setup:
            problem((*path, "teardown"), "`teardown` removes what `setup` made; give `setup` too")
        if (spec.get("effect") or {}).get("as") is not None:
            check_identity(spec["effect"]["as"], (*path, "effect", "as"))
        check_write(call, (*path, "request"))
        effect = None
        if spec.get("effect") is not None or (owner is not None and call.is_write):
            e = spec.get("effect") or {}
            restore = Call.parse(e["restore"]) if e.get("restore") else None
            effect = Effect(Call.parse({"request": e["read"]}) if e.get("read") else None, e.get("field"),
                            bool(e.get("login", False)), restore, e.get("as"))
            if effect.read is not None and setup:
                for name in effect.read.placeholders:
                    if name not in known and name != owner:
                        problem((*path, "effect", "read"), f"{{{name}}} has no value; the read takes the rule's "
                                                           "`params`, `owner` or a `setup` step's `extract`")
            if restore is not None:
                if not effect.login:
                    problem((*path, "effect", "restore"), "`restore` puts back credentials that a write changed; "
                                                          "it needs `effect: {login: true}`")
                check_write(restore, (*path, "effect", "restore", "request"))
                for name in restore.placeholders:
                    if name not in params and name != owner and not name.startswith("login."):
                        problem((*path, "effect", "restore", "request"),
                                f"{{{name}}} has no value; use the rule's `owner` or `params`, or "
                                "{login.FIELD} for a field of the identity's login body")
            if owner is not None and call.is_write and kind is not None and not effect.login:
                k = objects[kind]
                if k.create is None:
                    problem((*path, "request"), f"object writes need fresh objects: give objects.{kind}.create")
                if effect.read is None and k.read is None:
                    problem((*path, "request"), f"object writes are judged by reading the object back: give "
                                                f"effect.read or objects.{kind}.read")
        rules.append(Rule(
            index=i, call=call, allow="*" if allow == "*" else tuple(allow), expect=dict(spec.get("expect") or {}),
            deny_as=spec.get("deny_as"), params=params, matchers=matchers.merged(spec), owner=owner, kind=kind,
            effect=effect, list_kind=list_kind, ids_path=spec.get("ids"),
            explore=_explore(spec["explore"]) if "explore" in spec else (default_explore if call.placeholders else 0),
            place=baseline.place(AREA, *path), prefetch=False if setup else spec.get("prefetch"),
            setup=setup, teardown=teardown,
        ))
        if setup and call.is_write and (effect is None or effect.read is None):
            problem((*path, "effect"), f"{call.label} with `setup` is judged by its effect: give `effect: {{read: "
                                       "GET /path/{var}}` (and `as:` who reads it back), e.g. the object still "
                                       "exists or is unchanged after a denied write")

    sequences = []
    for i, spec in enumerate(section.get("sequences") or []):
        path = ("sequences", i)
        steps = parse_steps(spec["steps"], (*path, "steps"), {UNIQUE})
        owners = tuple(spec.get("owners") or ())
        for j, owner in enumerate(owners):
            check_identity(owner, (*path, "owners", j))
        sequences.append(Sequence(spec["name"], steps, Call.parse({"request": spec["check"]}),
                                  owners or tuple(c for c in columns if c != ANONYMOUS), spec.get("field"),
                                  baseline.place(AREA, *path)))

    sessions = None
    if section.get("sessions") is not None:
        s = section["sessions"]
        names_ = tuple(s.get("identities") or (n for n, c in baseline.identities.items()
                                                        if c.login is not None or c.oauth2 is not None))
        for j, name in enumerate(s.get("identities") or []):
            check_identity(name, ("sessions", "identities", j))
        if not names_:
            problem(("sessions",), "no identity has a `login`; list the identities to check in sessions.identities")
        opt = {k: Call.parse({"request": s[k]}) if s.get(k) else None
               for k in ("before_login", "logout", "probe", "privilege_change")}
        sessions = Sessions(names_, s.get("cookie"), max_lifetime=parse_duration(s.get("max_lifetime", "12h")),
                            fixation=bool(s.get("fixation", True)), **opt)

    if problems:
        raise BaselineError(problems, path=baseline.path)
    coverage_severity = max(Severity.HIGH, baseline.gates.fail_on)
    return AuthzConfig(
        identities=columns, roles=roles, matchers=matchers, expect=expect, destructive=destructive, rules=rules,
        objects=objects, sequences=sequences, coverage=section.get("coverage") or "off",
        coverage_source=section.get("coverage_source"), coverage_ignore=tuple(section.get("coverage_ignore") or ()),
        revocations=revocations, sessions=sessions, coverage_severity=coverage_severity, all_identities=declared,
        concurrency=int(section.get("concurrency", 2)),
    )


def _explore(value: Any) -> int:
    if value is True:
        return 25
    if isinstance(value, dict):
        return int(value.get("max_examples", 25))
    return 0


def _key_path(path: tuple[str | int, ...]) -> str:
    from ..core.baseline.model import key_path_text

    return key_path_text(path)
