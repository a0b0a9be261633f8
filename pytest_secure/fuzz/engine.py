"""OpenAPI-driven fuzzing of one operation through schemathesis 4.x.

Schemathesis generates the requests (examples, coverage and fuzzing phases, positive and
negative data) exactly as its own pytest integration does; pytest-secure adds four things:

* a directed plan first (:mod:`pytest_secure.fuzz.coverage`): each payload family once into
  every input the schema declares (optional and nested body fields, parameter and header names),
  encoded as the field expects, after a few benign requests that give the operation's latency
  baseline, against which time-based payloads are judged (:meth:`OperationFuzzer.slow_bound`);
* payload injection: schema-local ``flatmap_*`` hooks replace, in about half of the
  generated cases, one text value of the query, path or body with a payload from
  :mod:`pytest_secure.fuzz.strategies` (the other half keep schemathesis's own data, and shrinking
  prefers them, so a failure that needs no payload loses it);
* the security oracles of :mod:`pytest_secure.fuzz.oracles` as the checks, plus schemathesis's
  ``negative_data_rejection`` for "invalid input must meet a 4xx";
* regressions: stored failing cases are replayed before anything is generated, and new
  failing cases are returned so that they can be stored.

Every failure becomes a :class:`~pytest_secure.core.findings.Finding` with the request that showed
it (the reporters turn it into a redacted curl line), one per (parameter or body path, rule).
Every request goes through :class:`~pytest_secure.fuzz.pacing.Pacer`: the operation's wall-clock
budget, and the back-off when the server stops answering. Time-based problems never reach
Hypothesis: the input that was slow is replayed on an idle server and reported as sent,
confirmed or not (docs/fuzz.md#budgets-and-back-off). Schemathesis is imported lazily.
"""

from __future__ import annotations

import copy
import re
import statistics
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import SetupError, TargetError
from ..core.findings import Finding, Request, Severity
from ..core.redaction import neutralise
from ..core.target import ScopeGuard
from . import coverage, strategies
from . import oracles as oracle_module
from .pacing import OperationStats, Pacer, Stop, record_stats
from .regressions import CASE_KEYS, Regression, clean_case

__all__ = ["ORACLE_NAMES", "SAFE_METHODS", "FuzzSettings", "OperationFuzzer", "SendOptions", "is_safe_operation",
           "load_schema"]

# Methods fuzzed without `fuzz.destructive: true`: they must not change state (RFC 9110 safe methods;
# TRACE is left out, servers that answer it echo credentials).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNDECLARED_SAFE_METHODS = frozenset({"GET", "OPTIONS"})  # methods a path does not declare, sent to expect a 405


def is_safe_operation(label: str) -> bool:
    """Whether the operation ``METHOD /path`` may be fuzzed without ``fuzz.destructive: true``."""
    return label.strip().split(" ", 1)[0].upper() in SAFE_METHODS

# Baseline names of the oracles (fuzz.oracles) -> the oracle (None: schemathesis's own check)
ORACLE_NAMES: dict[str, oracle_module.Oracle | None] = {
    "server-error": oracle_module.no_server_error,
    "stack-trace": oracle_module.no_stack_trace,
    "database-error": oracle_module.no_database_error,
    "reflection": oracle_module.no_unencoded_reflection,
    "template-injection": oracle_module.no_template_evaluation,
    "command-injection": oracle_module.no_command_execution,
    "path-traversal": oracle_module.no_file_disclosure,
    "open-redirect": oracle_module.no_open_redirect,
    "header-injection": oracle_module.no_injected_header,
    "sensitive-echo": oracle_module.no_sensitive_echo,
    "invalid-json": oracle_module.no_invalid_json,
    "sensitive-data": None,  # built from fuzz.sensitive_fields
    "cross-user-data": None,  # built from the other identities' known values (fuzz.cross_user)
    "slow-response": None,  # built from max_response_time
    "invalid-input": None,  # schemathesis's negative_data_rejection
    # schemathesis's own conformance checks: the answer must match the document (opt-in)
    "response-schema": None,  # response_schema_conformance
    "status-code": None,  # status_code_conformance
    "content-type": None,  # content_type_conformance
}
# Oracles that run when fuzz.oracles is not given: all but the conformance checks, which judge the
# document's accuracy rather than the service's safety (list them to add them).
CONFORMANCE_ORACLES = ("response-schema", "status-code", "content-type")
DEFAULT_ORACLE_NAMES = tuple(name for name in ORACLE_NAMES if name not in CONFORMANCE_ORACLES)
# Each round but the last finds a new rule, so there are never more rounds than rules, plus one.
MAX_ROUNDS = len(ORACLE_NAMES) + 2
# Directed payloads per family and text parameter (the first ones of each family's list).
DIRECTED_PER_FAMILY = 2
# The operation's latency baseline: benign requests sent before the directed payloads; an answer to
# a time-based payload slower than max(TIME_FACTOR x their median, TIME_FLOOR) is slow (never more
# than max_response_time, the bound of every other request).
BASELINE_REQUESTS = 3
TIME_FAMILIES = frozenset({"redos", "sqli-time"})  # payloads judged by the time they take
TIME_FACTOR = 10.0
TIME_FLOOR = 1.0
# Rules judged by time: never shrunk by Hypothesis, confirmed by a replay on an idle server instead.
TIME_RULES = frozenset({"fuzz/slow-response"})
# Rules about what an answer carries whatever the input (a password hash, another user's e-mail):
# one finding per operation, not one per parameter the payloads went into.
PLACELESS_RULES = frozenset({"fuzz/sensitive-data", "fuzz/cross-user-data"})
DEFAULT_MAX_SECONDS = 120.0
# Failure classes of schemathesis's own checks -> our rule ids
_SCHEMATHESIS_RULES = {"AcceptedNegativeData": "fuzz/invalid-input-accepted", "ServerError": "fuzz/server-error",
                       "ResponseTimeExceeded": "fuzz/slow-response",
                       "JsonSchemaError": "fuzz/response-schema", "MalformedJson": "fuzz/response-schema",
                       "ContentDeserializationError": "fuzz/response-schema",
                       "DiscriminatorMismatch": "fuzz/response-schema",
                       "UndefinedStatusCode": "fuzz/undocumented-status",
                       "UndefinedContentType": "fuzz/undocumented-content-type",
                       "MissingContentType": "fuzz/undocumented-content-type",
                       "MalformedMediaType": "fuzz/undocumented-content-type"}


@dataclass(frozen=True)
class FuzzSettings:
    """How one operation is fuzzed (from the baseline's ``fuzz:`` section)."""

    max_examples: int = 100
    seed: int = 0
    shrink: bool = True
    families: tuple[str, ...] = tuple(strategies.FAMILIES)
    oracles: tuple[str, ...] = DEFAULT_ORACLE_NAMES
    max_response_time: float = oracle_module.DEFAULT_MAX_RESPONSE_TIME
    destructive: bool = False  # state-changing operations may be fuzzed (fuzz.destructive)
    max_seconds: float = DEFAULT_MAX_SECONDS  # wall-clock budget of the operation (fuzz.max_seconds)
    sensitive_fields: tuple[str, ...] = ()  # fuzz.sensitive_fields.fields: more field-name regexes
    sensitive_allow: tuple[str, ...] = ()  # fuzz.sensitive_fields.allow: names/paths that may carry them
    # the other identities' known values (user name, e-mail: fuzz.cross_user), judged in the answers to
    # this one; empty for an identity that may see everyone's (fuzz.cross_user.may_see_others)
    others: tuple[tuple[str, tuple[str, ...]], ...] = ()
    personal_fields: tuple[str, ...] = ()  # fuzz.cross_user.fields: replaces the default personal field names


@dataclass
class SendOptions:
    """How requests reach the target and as whom."""

    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)  # an identity's query-parameter token
    app: Any = None  # in-process WSGI/ASGI app, else a live service
    timeout: float = 10.0
    verify: bool | str = True
    max_body_bytes: int = 1_048_576
    # the requests session of a live target (core.transport.capped_session); one is made when None
    session: Any = None

    def call_kwargs(self, asgi: bool) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"base_url": self.base_url, "headers": dict(self.headers)}
        if self.cookies:
            kwargs["cookies"] = dict(self.cookies)
        if self.params:
            kwargs["params"] = dict(self.params)
        if self.app is not None:
            kwargs["app"] = self.app
            if asgi:
                # schemathesis's ASGI client is a requests session that trusts the environment:
                # an explicit (no-op) auth keeps a netrc password off the identity's requests
                kwargs.update(allow_redirects=False, auth=_no_netrc)
        else:
            # never follow redirects: a payload may aim them at a host outside the scope. Our own
            # session, never schemathesis's: no proxy or netrc from the environment, the wall-clock
            # cap on each exchange and the body cap (core.transport)
            if self.session is None:
                from ..core.transport import capped_session

                self.session = capped_session(timeout=self.timeout, max_body_bytes=self.max_body_bytes,
                                              verify=self.verify)
            kwargs.update(allow_redirects=False, timeout=self.timeout, verify=self.verify, session=self.session)
        return kwargs


def _no_netrc(request: Any) -> Any:
    """A requests auth that changes nothing: with one given, requests never reads netrc."""
    return request


# -- loading -------------------------------------------------------------------------------------


def schemathesis_config(settings: FuzzSettings, *, with_security_parameters: bool) -> Any:
    import schemathesis

    config: dict[str, Any] = {
        "seed": settings.seed,
        "generation": {"max-examples": settings.max_examples, "database": "none", "no-shrink": not settings.shrink,
                       "with-security-parameters": with_security_parameters},
    }
    if not settings.destructive:
        # schemathesis's coverage phase also sends methods the document does not declare (expecting
        # 405): an undocumented DELETE route would run. Without the opt-in: only safe ones.
        config["phases"] = {"coverage": {"unexpected-methods": sorted(m.lower() for m in UNDECLARED_SAFE_METHODS)}}
    return schemathesis.Config.from_dict(config)


def load_schema(source: str, *, settings: FuzzSettings, base_dir: Path, app: Any = None, base_url: str = "",
                scope: ScopeGuard | None = None, fetch: Callable[[str], bytes] | None = None,
                with_security_parameters: bool = True) -> Any:
    """Load the OpenAPI document ``source``: a local file (relative to ``base_dir``), a path on
    the in-process ``app``, or a path/URL on a live target fetched with ``fetch`` (scope-checked).
    Raise :class:`SetupError` with the fix when it cannot be loaded."""
    import schemathesis

    config = schemathesis_config(settings, with_security_parameters=with_security_parameters)
    local = Path(source) if Path(source).is_absolute() else base_dir / source
    try:
        if not source.startswith("/") and "://" not in source or (Path(source).is_absolute() and local.is_file()):
            if not local.is_file():
                raise SetupError(f"the OpenAPI document {local} does not exist; fix fuzz.openapi / target.openapi")
            schema = schemathesis.openapi.from_path(str(local), config=config)
            schema = _within_scope(schema, local.resolve().as_uri(), scope, fetch, config, files=True)
        elif app is not None:
            path = _path_on_target(source, base_url)
            from ..core.target import is_asgi_app

            loader = schemathesis.openapi.from_asgi if is_asgi_app(app) else schemathesis.openapi.from_wsgi
            schema = loader(path, app, config=config)
            schema = _within_scope(schema, (base_url or "http://localhost").rstrip("/") + path, scope, fetch, config)
        else:
            url = source if "://" in source else base_url.rstrip("/") + source
            if scope is not None:
                scope.check(url)
            if fetch is None:
                raise SetupError(f"cannot fetch the OpenAPI document {url}")
            document = _parse_document(fetch(url), url)
            document, _ = _bundled(document, url, scope, fetch)
            schema = schemathesis.openapi.from_dict(document, config=config)
    except SetupError:
        raise
    except TargetError as exc:
        raise SetupError(f"cannot load the OpenAPI document {source}: {exc}") from None
    except Exception as exc:
        raise SetupError(f"cannot load the OpenAPI document {source}: {type(exc).__name__}: "
                         f"{neutralise(str(exc))[:300]}; fix the document or fuzz.openapi") from None
    if base_url:
        schema.config.update(base_url=base_url)
    return schema


def _bundled(document: dict[str, Any], base: str, scope: ScopeGuard | None,
             fetch: Callable[[str], bytes] | None, *, files: bool = False) -> tuple[dict[str, Any], bool]:
    """The document with its references followed only within the scope (core.openapi_refs):
    schemathesis then has nothing left to fetch, from anywhere."""
    from ..core.openapi_refs import bundle_refs

    allows = scope.allows if scope is not None else (lambda url: False)
    return bundle_refs(document, base=base, allows=allows, fetch=fetch, files=files)


def _within_scope(schema: Any, base: str, scope: ScopeGuard | None, fetch: Callable[[str], bytes] | None,
                  config: Any, *, files: bool = False) -> Any:
    """``schema`` again, from its document with the references bundled, when it had external ones."""
    import schemathesis

    document, changed = _bundled(schema.raw_schema, base, scope, fetch, files=files)
    if not changed:
        return schema
    rebuilt = schemathesis.openapi.from_dict(document, config=config)
    rebuilt.app, rebuilt.location = schema.app, schema.location
    return rebuilt


def _path_on_target(source: str, base_url: str) -> str:
    if "://" in source:
        return urllib.parse.urlsplit(source).path or "/"
    return source


def _parse_document(raw: bytes, where: str) -> dict[str, Any]:
    import yaml

    try:
        document = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SetupError(f"{where} is not a JSON or YAML OpenAPI document: {exc}") from None
    if not isinstance(document, dict):
        raise SetupError(f"{where} is not an OpenAPI document (expected a mapping)")
    return document


def operation_labels(schema: Any) -> list[str]:
    """``METHOD /path`` of every operation the schema defines, in document order."""
    labels = []
    for result in schema.get_all_operations():
        try:
            labels.append(result.ok().label)
        except Exception:  # an operation the schema cannot express: reported when run
            err = getattr(result, "err", lambda: None)()
            method, path = getattr(err, "method", None), getattr(err, "path", None)
            if method and path:
                labels.append(f"{method.upper()} {path}")
    return labels


# -- payload injection ---------------------------------------------------------------------------


def install_payload_hooks(schema: Any, families: Iterable[str]) -> None:
    """Register a schema-local ``flatmap_case`` hook that puts a payload into one value of the
    query, path or body of three generated cases in four.

    The first branch (no payload) is the one shrinking prefers. The payload is set through
    the case's attributes, so schemathesis revalidates the case: a negative case that the
    payload made valid is judged as positive, and the other way round. Payloads whose effect
    depends on size are fitted to the parameter's ``maxLength``.
    """
    import functools

    from hypothesis import strategies as st

    families = tuple(f for f in families if f not in strategies.DIRECTED_ONLY_FAMILIES)
    if not families:
        return

    @functools.cache
    def text_payloads(max_length: int | None) -> Any:
        return strategies.payloads(*families, strings_only=True, max_length=max_length)

    any_payloads = strategies.payloads(*families)

    def places(case: Any) -> tuple[tuple[str, tuple[Any, ...], str, int | None], ...]:
        """Where a payload can go: (container, path in it, payload kind, maxLength)."""
        found: list[tuple[str, tuple[Any, ...], str, int | None]] = []
        for container in ("query", "path_parameters"):
            value = getattr(case, container) or {}
            params = _text_parameters(case.operation, container)
            found += [(container, path, "text", params.get(path[0]) if len(path) == 1 else None)
                      for path, leaf in _leaves(value) if isinstance(leaf, str)]
            found += [(container, (name,), "text", length) for name, length in params.items() if name not in value]
        body = case.body
        if isinstance(body, str):
            found.append(("body", (), "text", None))
        elif isinstance(body, dict | list):
            declared = {f.path: f for f in body_fields(case.operation)}
            present = [path for path, _ in _leaves(body)]
            # payloads go into the fields the schema declares (negative data invents keys of its
            # own; a place per invented key would make one finding per key)
            found += [("body", path, "any", None) for path in present if not declared or _generic(path) in declared]
            if isinstance(body, dict):  # the declared fields the case left out (optional, nested)
                found += [("body", f.path, "any", f.max_length) for f in declared.values() if f.path not in present]
        return tuple(found)

    @functools.lru_cache(maxsize=256)
    def declared_body_fields(label: str) -> tuple[coverage.Field, ...]:
        return tuple(coverage.body_fields(schema.find_operation_by_label(label)))

    def body_fields(operation: Any) -> tuple[coverage.Field, ...]:
        return declared_body_fields(operation.label)

    @functools.lru_cache(maxsize=512)
    def picks(shape: tuple[tuple[str, tuple[Any, ...], str, int | None], ...]) -> Any:
        """None (no payload, three times less likely) or (place index, payload); built once per
        shape of case, so that drawing does not build and validate new strategies every time."""
        per_place = [st.tuples(st.just(i), text_payloads(length) if kind == "text" else any_payloads)
                     for i, (_c, _p, kind, length) in enumerate(shape)]
        injected = st.one_of(per_place)
        return st.one_of(st.none(), injected, injected, injected)

    def inject(case: Any, shape: tuple[Any, ...], pick: tuple[int, Any] | None) -> Any:
        if pick is None:
            return case
        container, path, _kind, _length = shape[pick[0]]
        current = getattr(case, container)
        setattr(case, container, pick[1] if not path else coverage.placed(current or {}, path, pick[1]))
        _remember_place(case, container, path, pick[1])
        return case

    def flatmap_case(ctx: Any, case: Any) -> Any:
        shape = places(case)
        if not shape:
            return st.just(case)
        return picks(shape).map(lambda pick: inject(case, shape, pick))

    schema.hook("flatmap_case")(flatmap_case)


# -- where a payload went ------------------------------------------------------------------------

Place = tuple[str, tuple[Any, ...]]  # (container: query, path_parameters or body; path inside it)
# id(case) -> (container, path, repr(payload)) for cases the hook injected a payload into. Cases
# have __slots__ (no attribute, no weak reference): the payload's repr is checked on lookup, so a
# reused id never names the wrong place. Bounded.
_INJECTED: dict[int, tuple[str, tuple[Any, ...], str]] = {}
_INJECTED_MAX = 4096


def _remember_place(case: Any, container: str, path: tuple[Any, ...], payload: Any) -> None:
    if len(_INJECTED) >= _INJECTED_MAX:
        _INJECTED.clear()
    _INJECTED[id(case)] = (container, path, repr(payload))


def place_of(case: Any) -> Place | None:
    """The parameter (or body path) the payload hook put a payload into, when it did."""
    entry = _INJECTED.get(id(case))
    if entry is None:
        return None
    container, path, payload = entry
    try:
        value = getattr(case, container)
        for part in path:
            value = value[part]
    except (LookupError, TypeError, AttributeError):
        return None
    return (container, path) if repr(value) == payload else None


def place_label(place: Place | None) -> str:
    """``query parameter q``, ``path parameter id``, ``body user.name``, ``body``; "" for None."""
    if place is None:
        return ""
    container, path = place
    name = {"query": "query parameter", "path_parameters": "path parameter", "body": "body", "headers": "header",
            coverage.QUERY_NAME: "query parameter name", coverage.HEADER_NAME: "header name"}.get(container, container)
    if not path:
        return name
    text = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path))
    return f"{name} {text}"


def _text_parameters(operation: Any, location: str) -> dict[str, int | None]:
    """Text parameters ``operation`` declares at ``location``, with their maxLength."""
    found: dict[str, int | None] = {}
    for param in getattr(operation, location, None) or ():
        definition = getattr(param, "definition", None)
        schema_ = definition.get("schema", {}) if isinstance(definition, dict) else {}
        if isinstance(schema_, dict) and schema_.get("type") in ("string", None):
            length = schema_.get("maxLength")
            found[param.name] = length if isinstance(length, int) else None
    return found


def _plain_text(schema_: dict[str, Any]) -> str | None:
    """Letters that fit a string schema (None: the schema constrains it too much to guess)."""
    if schema_.get("type") not in ("string", None) or "enum" in schema_ or "format" in schema_:
        return None
    low, high = schema_.get("minLength", 1), schema_.get("maxLength")
    text = "a" * max(int(low) if isinstance(low, int) else 1, 1)
    if isinstance(high, int) and len(text) > high:
        return None
    pattern = schema_.get("pattern")
    if isinstance(pattern, str):
        try:
            if re.search(pattern, text) is None:
                return None
        except re.error:
            return None
    return text


def _first_payloads(family: str, max_length: int | None) -> list[Any]:
    """The first payloads of a family, in its order (simplest first)."""
    if family == "oversized":  # built, not listed: the shortest lengths past common limits
        return ["A" * n for n in sorted(strategies.OVERSIZED_LENGTHS)[:DIRECTED_PER_FAMILY]]
    strategy = strategies.family(family, max_length)
    while hasattr(strategy, "wrapped_strategy"):  # lazy strategies wrap the real one
        strategy = strategy.wrapped_strategy
    elements = getattr(strategy, "elements", None)
    if elements is None:
        return []
    return list(elements)[:DIRECTED_PER_FAMILY]


def _generic(path: tuple[Any, ...]) -> tuple[Any, ...]:
    """``path`` with every array index as 0 (how :mod:`.coverage` names array items)."""
    return tuple(0 if isinstance(p, int) else p for p in path)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterable[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    elif path and not isinstance(value, bytes | bytearray):
        yield path, value


# -- running -------------------------------------------------------------------------------------


class _Failed(AssertionError):
    """A fuzzed request failed oracles; a subclass per set of rules, so that Hypothesis
    shrinks each distinct defect on its own instead of trading one for another."""

    rules: tuple[str, ...] = ()


_FAILED_CLASSES: dict[tuple[str, ...], type[_Failed]] = {}


def _failed_class(rules: tuple[str, ...]) -> type[_Failed]:
    if rules not in _FAILED_CLASSES:
        name = "Failed_" + "_".join(re.sub(r"\W", "_", r) for r in rules)
        _FAILED_CLASSES[rules] = type(name, (_Failed,), {"rules": rules})
    return _FAILED_CLASSES[rules]


@dataclass
class _Observed:
    """One failing request: the case as stored, the problems, the request sent, and where the
    payload went (None: not known, e.g. schemathesis's own data)."""

    case: dict[str, Any]
    problems: list[tuple[str, str, str]]  # (rule id, message, evidence)
    request: Request | None
    place: Place | None = None
    timed_out: bool = False  # no answer within the request timeout

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(sorted({rule for rule, _, _ in self.problems}))

    def without(self, rules: frozenset[str]) -> _Observed | None:
        kept = [p for p in self.problems if p[0] not in rules]
        return _Observed(self.case, kept, self.request, self.place, self.timed_out) if kept else None


@dataclass
class _Hit:
    """A finding to report: the observation that showed it, how it was found, and a severity
    when it differs from the rule's (an unconfirmed time-based finding)."""

    observed: _Observed
    how: str
    severity: Severity | None = None


@dataclass
class FuzzResult:
    findings: list[Finding]
    new_regressions: list[Regression]
    replayed: int = 0
    generated: bool = False
    stats: OperationStats | None = None


class OperationFuzzer:
    """Replays the stored regressions of one operation, then fuzzes it."""

    def __init__(self, schema: Any, label: str, settings: FuzzSettings, identity: str | None = None) -> None:
        self.schema = schema
        self.label = label
        self.settings = settings
        self.identity = identity
        self.operation = self._find_operation()
        self.checks = self._checks()
        self.directed_count = 0  # directed requests sent; they count against max_examples
        self.baseline_latency: float | None = None  # median of the benign requests (_measure_baseline)
        self._time_judged = False  # the request in flight carries a directed time-based payload

    def _find_operation(self) -> Any:
        try:
            operation = self.schema.find_operation_by_label(self.label)
        except Exception as exc:
            raise SetupError(f"{self.label}: the OpenAPI document cannot describe this operation: "
                             f"{neutralise(str(exc))[:300]}") from None
        if operation is None:
            known = ", ".join(operation_labels(self.schema)[:20])
            raise SetupError(f"the OpenAPI document has no operation {self.label}; known: {known}")
        return operation

    def _checks(self) -> list[Callable[..., Any]]:
        chosen = [o for name, o in ORACLE_NAMES.items() if o is not None and name in self.settings.oracles]
        if "sensitive-data" in self.settings.oracles:
            chosen.append(oracle_module.sensitive_data(self.settings.sensitive_fields, self.settings.sensitive_allow))
        if "cross-user-data" in self.settings.oracles and self.settings.others:
            chosen.append(oracle_module.cross_user_data(self.identity or "anonymous", dict(self.settings.others),
                                                        self.settings.personal_fields))
        if "slow-response" in self.settings.oracles:
            chosen.append(oracle_module.within_time(lambda: self.slow_bound()))
        checks = oracle_module.schemathesis_checks(chosen)
        if "invalid-input" in self.settings.oracles:
            checks.append(_negative_data_rejection)
        from schemathesis.specs.openapi import checks as openapi_checks

        for name, check in (("response-schema", openapi_checks.response_schema_conformance),
                            ("status-code", openapi_checks.status_code_conformance),
                            ("content-type", openapi_checks.content_type_conformance)):
            if name in self.settings.oracles:
                checks.append(check)
        return checks

    # -- the two stages ----------------------------------------------------------------------
    def run(self, send: SendOptions, regressions: list[Regression]) -> FuzzResult:
        if not self.settings.destructive and not is_safe_operation(self.label):
            raise SetupError(f"refusing to fuzz {self.label}: it changes state; set `fuzz.destructive: true` "
                             "to fuzz it (only against a test deployment)")
        self.send_options = send
        self.stats = OperationStats(self.label, self.identity or "", max_examples=self.settings.max_examples,
                                    max_seconds=self.settings.max_seconds)
        self.pacer = Pacer(self.stats, max_seconds=self.settings.max_seconds, timeout=send.timeout,
                           slow_bound=self.settings.max_response_time)
        self.found: dict[tuple[str, str], _Hit] = {}  # (place label, rule) -> the first input that showed it
        self._idle_case: Any = None  # a case the server answered fast and cleanly: the idle probe
        self._suspect: tuple[Any, Place | None] | None = None  # first input of the current slow streak
        replayed, generated = 0, False
        try:
            for number, regression in enumerate(regressions, 1):
                observed = self._exchange(self._case_from(regression), None)
                replayed += 1
                if observed is not None:
                    self._record(observed, f"stored regression {number} ({regression.found}) fails again")
            if not self.found:  # a known failure is back: report it without generating anything new
                generated = True
                self._directed()
                self._generate(max(1, self.settings.max_examples - self.directed_count))
        except Stop as stop:
            self.stats.stopped = stop.reason
        finally:
            self.pacer.finish()
            record_stats(self.stats)
        placed = {rule for label, rule in self.found if label}
        # an input whose place is unknown (schemathesis's own data) most likely hit a place reported anyway
        self.found = {(label, rule): hit for (label, rule), hit in self.found.items() if label or rule not in placed}
        findings = [finding for key, hit in sorted(self.found.items(), key=lambda kv: (kv[0][1], kv[0][0]))
                    for finding in self._findings(key, hit)]
        new: list[Regression] = []
        if generated:
            seen: set[int] = set()
            for hit in self.found.values():
                if id(hit.observed.case) not in seen:
                    seen.add(id(hit.observed.case))
                    new.append(Regression(self.label, hit.observed.case, hit.observed.rules or
                                          tuple(sorted(TIME_RULES)), self.identity))
        return FuzzResult(findings, new, replayed=replayed, generated=generated, stats=self.stats)

    # -- what was found ------------------------------------------------------------------------
    def _is_new(self, rule: str, label: str, known: Iterable[tuple[str, str]]) -> bool:
        """A (place, rule) not found yet; an input whose place is unknown is new only for a rule
        found nowhere yet (it may be a place already reported)."""
        known = set(known)
        if rule in PLACELESS_RULES:
            label = ""
        return (label, rule) not in known if label else all(r != rule for _, r in known)

    def _record(self, observed: _Observed, how: str, severity: Severity | None = None) -> None:
        label = place_label(observed.place)
        for rule in observed.rules:
            where = "" if rule in PLACELESS_RULES else label
            if self._is_new(rule, where, self.found):
                self.found[(where, rule)] = _Hit(observed, how, severity)

    # -- one exchange, paced -------------------------------------------------------------------
    def _exchange(self, case: Any, place: Place | None) -> _Observed | None:
        """Send ``case`` within the operation's budget. Time-based problems are taken out of the
        answer (the idle replay confirms and records them); a server that stopped answering
        makes the operation pause until it is idle again, or stop."""
        self.pacer.check()
        started = time.monotonic()
        observed = self._send(case, self.send_options)
        elapsed = time.monotonic() - started
        timed_out = observed is not None and observed.timed_out
        slow = observed is not None and any(rule in TIME_RULES for rule in observed.rules)
        streak_before = self.pacer.streak
        struggling = self.pacer.observe(elapsed, timed_out=timed_out, slow=slow)
        if observed is None and not struggling and self.pacer.streak == 0 and self._idle_case is None:
            self._idle_case = case
        if self.pacer.streak == 1 and streak_before == 0:
            self._suspect = (case, place)
        if observed is not None:
            observed.place = place
        if slow and observed is not None:
            self._on_slow(case, observed, struggling)
            return observed.without(TIME_RULES)
        if struggling:  # a latency jump streak without a slow-response problem
            suspect = self._suspect or (case, place)
            self._suspect = None
            if not self._await_idle():
                self._stalled(suspect[0], suspect[1], "answers slowed down against the server's own latency "
                              "baseline and it did not recover")
        return observed

    def _on_slow(self, case: Any, observed: _Observed, struggling: bool) -> None:
        label = place_label(observed.place)
        if struggling and not self._await_idle():
            self._stalled(case, observed.place, "no answer in time, and the server did not recover")
        if not self._is_new("fuzz/slow-response", label, self.found):
            if observed.timed_out:  # one is enough: spare the server the others
                raise Stop(f"a request timed out ({place_label(observed.place) or 'input'}); the operation was "
                           "stopped to spare the server")
            return
        confirmed = self._replay_when_idle(case)
        slow_only = [p for p in observed.problems if p[0] in TIME_RULES]
        trigger = _Observed(observed.case, slow_only, observed.request, observed.place, observed.timed_out)
        if confirmed:
            self._record(trigger, "confirmed: slow again when replayed on an idle server")
        else:
            self._record(trigger, "UNCONFIRMED: not slow again when replayed on an idle server (the server may "
                         "have been busy)", Severity.INFO)
        if observed.timed_out:
            raise Stop(f"a request timed out ({label or 'input'}); the operation was stopped to spare the server")

    def _stalled(self, case: Any, place: Place | None, why: str) -> None:
        """Report the input that made the server stop answering, once, and stop the operation."""
        observed = _Observed(self._stored_case(case), [("fuzz/slow-response", "the server stopped answering "
                             "after this input", why)], self._request_from_case(case, self.send_options), place)
        self.found = {k: v for k, v in self.found.items()
                      if not (k[1] == "fuzz/slow-response" and k[0] == place_label(place))}
        self._record(observed, f"{why}; not replayed (the server is not idle)")
        raise Stop(f"the server stopped answering after an input in {place_label(place) or 'the request'}; "
                   "the operation was stopped")

    def _replay_when_idle(self, case: Any) -> bool:
        """Whether ``case`` is slow again when sent to an idle server."""
        if not self._await_idle() or self.pacer.left() <= 0:
            return False
        again = self._send(case, self.send_options)
        self.stats.requests += 1
        reproduced = again is not None and (again.timed_out or any(r in TIME_RULES for r in again.rules))
        if reproduced and again is not None and again.timed_out:
            self._await_idle()
        return reproduced

    def _await_idle(self) -> bool:
        probe_case = self._idle_case if self._idle_case is not None else self._base_case()
        send = self.send_options

        def probe() -> float | None:
            started = time.monotonic()
            if probe_case is None:
                time.sleep(min(send.timeout, max(0.0, self.pacer.left())))
                return 0.0
            observed = self._send(probe_case, send)
            return None if observed is not None and observed.timed_out else time.monotonic() - started

        return self.pacer.await_idle(probe)

    def _base_case(self) -> Any:
        """The simplest valid request (cached; None when none can be built)."""
        if not hasattr(self, "_base"):
            from schemathesis.generation import GenerationMode
            from schemathesis.generation.hypothesis.examples import generate_one

            try:
                base = generate_one(self.operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
            except Exception:  # no valid request can be built: random generation will say why
                base = None
            self._base = self._plain_base(base) if base is not None else None
        return self._base

    def _plain_base(self, base: Any) -> Any:
        """``base`` with the NUL and control characters Hypothesis starts text from replaced by
        plain letters where the parameter's schema allows it, so that a directed payload's
        effect is its own, not that of a neighbouring value."""
        for location in ("path_parameters", "query"):
            values = dict(getattr(base, location) or {})
            for param in getattr(self.operation, location, None) or ():
                value = values.get(param.name)
                definition = getattr(param, "definition", None)
                schema_ = definition.get("schema", {}) if isinstance(definition, dict) else {}
                if not isinstance(value, str) or (value.isascii() and value.isprintable()):
                    continue
                plain = _plain_text(schema_ if isinstance(schema_, dict) else {})
                if plain is not None:
                    values[param.name] = plain
            if values:
                setattr(base, location, values)
        return base

    # -- directed payloads -------------------------------------------------------------------
    def _directed(self) -> None:
        """The directed plan (:mod:`pytest_secure.fuzz.coverage`): the operation's latency baseline
        (a few benign requests), then the first payload of every family once into every input the
        schema declares (optional and nested body fields, parameter and header names included;
        base64-encoded where the field carries base64), then the same payloads URL-, double-URL-
        and JSON-escaped, then the second payloads, budget permitting, so that each family reaches
        each field whatever the seed. These requests count against ``max_examples``: the first
        payloads of all (field, family) pairs may use all of it; pairs left out (budget or time)
        are listed in the operation's summary."""
        plan, first = self._directed_plan()
        if not plan:
            return
        self._measure_baseline()
        limit = min(self.settings.max_examples, max(self.settings.max_examples // 2, len(first)))
        sent: set[tuple[str, str]] = set()
        try:
            for item in plan[:limit]:
                place: Place = (item.field.location, item.field.path)
                case = self._with_value(self._base_case(), item.field.location, item.field.path, item.value)
                self.directed_count += 1
                self._time_judged = item.family in TIME_FAMILIES
                try:
                    observed = self._exchange(case, place)
                finally:
                    self._time_judged = False
                if item.rank == 0 and not (item.encoding and item.encoding != item.field.encoded):
                    sent.add((place_label(place), item.family))
                if observed is not None:
                    how = f"found by a directed payload ({item.family}, {item.encoding}-encoded)" if item.encoding \
                        else f"found by a directed payload ({item.family})"
                    self._record(observed, how)
        finally:
            pairs = dict.fromkeys((place_label((p.field.location, p.field.path)), p.family) for p in first)
            self.stats.skipped = [f"{label}: {family}" for label, family in pairs if (label, family) not in sent]

    def _measure_baseline(self) -> None:
        """The operation's own latency: the median of :data:`BASELINE_REQUESTS` benign requests
        (the simplest valid one). Time-based findings are judged against it (:meth:`slow_bound`)."""
        base = self._base_case()
        if base is None:
            return
        latencies = []
        for _ in range(BASELINE_REQUESTS):
            started = time.monotonic()
            observed = self._exchange(base, None)
            latencies.append(time.monotonic() - started)
            if observed is not None:
                self._record(observed, "found by a benign request (the operation's latency baseline)")
            self.directed_count += 1
        self.baseline_latency = statistics.median(latencies)

    def slow_bound(self) -> float:
        """Seconds above which an answer is slow: ``max_response_time``; for a directed time-based
        payload (``redos``, ``sqli-time``), less once the operation's baseline latency is known:
        ``max(TIME_FACTOR x baseline, TIME_FLOOR)``."""
        bound = self.settings.max_response_time
        if self.baseline_latency is not None and self._time_judged:
            bound = min(bound, max(TIME_FACTOR * self.baseline_latency, TIME_FLOOR))
        return bound

    def _directed_plan(self) -> tuple[list[coverage.Planned], list[coverage.Planned]]:
        """The requests in sending order, and the first-rank ones (one per field and family)."""
        if not self.settings.families or self.settings.max_examples < 4:
            return [], []
        if self._base_case() is None:
            return [], []
        fields = coverage.declared_fields(self.operation)
        return coverage.plan(fields, self.settings.families, _first_payloads, DIRECTED_PER_FAMILY)

    def _with_value(self, base: Any, location: str, path: tuple[Any, ...], value: Any) -> Any:
        from schemathesis.core import NOT_SET

        parts = {
            "path_parameters": dict(base.path_parameters or {}), "query": dict(base.query or {}),
            "headers": dict(base.headers or {}), "cookies": dict(base.cookies or {}),
        }
        body = copy.deepcopy(base.body) if not oracle_module._is_not_set(base.body) else NOT_SET
        if location == "body":
            body = coverage.placed(body if isinstance(body, dict | list) else {}, path, value)
        elif location == coverage.QUERY_NAME:
            parts["query"][str(value)] = "1"
        elif location == coverage.HEADER_NAME:
            parts["headers"][str(value)] = "1"
        else:
            parts[location] = coverage.placed(parts[location], path, value)
        return self.operation.Case(body=body, media_type=base.media_type, **parts)

    def _generate(self, budget: int) -> None:
        """Generate until the example budget is spent, in rounds: Hypothesis stops looking soon
        after its first failure, so each round ignores the (place, rule) pairs already found and
        the next round (same seed, so it replays the cheap start) looks further for the others."""
        for _round in range(MAX_ROUNDS):
            new = self._one_round(set(self.found), budget)
            for observed in new.values():
                self._record(observed, f"found by fuzzing (seed {self.settings.seed})")
            if not new:
                break

    def _one_round(self, known: set[tuple[str, str]], budget: int) -> dict[tuple[str, ...], _Observed]:
        import hypothesis

        last: dict[tuple[str, ...], _Observed] = {}
        fuzzer = self

        def test(case: Any) -> None:
            observed = fuzzer._exchange(case, place_of(case))
            if observed is None:
                return
            label = place_label(observed.place)
            keys = tuple(f"{rule}@{label}" for rule in observed.rules if fuzzer._is_new(rule, label, known))
            if keys:
                # the last call per defect is Hypothesis's final, shrunk replay: it failed when sent,
                # so the reported input reproduces
                last[keys] = observed
                raise _failed_class(keys)(", ".join(keys))

        hypothesis_test = self._hypothesis_test(test, budget)
        try:
            hypothesis_test()
        except Stop:
            self._keep(last)
            raise
        except (hypothesis.errors.Flaky, _Failed, BaseExceptionGroup) as exc:
            leaves = _leaf_exceptions(exc)
            stop = next((e for e in leaves if isinstance(e, Stop)), None)
            if stop is not None:
                self._keep(last)
                raise stop from None
            unexpected = [e for e in leaves if not isinstance(e, _Failed | hypothesis.errors.Flaky)]
            if unexpected and not last:
                raise self._setup_error(unexpected[0]) from None
        except Exception as exc:
            raise self._setup_error(exc) from None
        return last

    def _keep(self, last: dict[tuple[str, ...], _Observed]) -> None:
        for observed in last.values():
            self._record(observed, f"found by fuzzing (seed {self.settings.seed})")

    def _setup_error(self, exc: BaseException) -> SetupError:
        return SetupError(f"fuzzing {self.label} could not run: {type(exc).__name__}: {neutralise(str(exc))[:400]}")

    def _hypothesis_test(self, test: Callable[[Any], None], budget: int) -> Callable[[], None]:
        import hypothesis
        from schemathesis.generation import derive_operation_seed
        from schemathesis.generation.hypothesis.builder import HypothesisTestConfig, HypothesisTestMode, create_test

        project = self.schema.config
        base = project.get_hypothesis_settings(operation=self.operation, phase="fuzzing")
        phases = [p for p in base.phases if p not in (hypothesis.Phase.explain, hypothesis.Phase.reuse)]
        if not self.settings.shrink:
            phases = [p for p in phases if p != hypothesis.Phase.shrink]
        chosen: dict[str, Any] = dict(max_examples=budget, deadline=None, database=None, derandomize=False,
                      suppress_health_check=list(hypothesis.HealthCheck), phases=phases,
                      verbosity=hypothesis.Verbosity.quiet, report_multiple_bugs=True, print_blob=False)
        settings = hypothesis.settings(base, **chosen)
        phases_config = project.phases_for(operation=self.operation)
        modes = [mode for mode, enabled in ((HypothesisTestMode.EXAMPLES, phases_config.examples.enabled),
                                            (HypothesisTestMode.FUZZING, phases_config.fuzzing.enabled),
                                            (HypothesisTestMode.COVERAGE, phases_config.coverage.enabled)) if enabled]
        return create_test(operation=self.operation, test_func=test, config=HypothesisTestConfig(
            project=project, modes=modes, settings=settings, explicit_setting_names=set(chosen),
            apply_ci_profile=False, seed=derive_operation_seed(self.settings.seed, self.label)))

    # -- one request ----------------------------------------------------------------------------
    def _send(self, case: Any, send: SendOptions) -> _Observed | None:
        """Send ``case`` and judge the answer; the failure, if any, as an :class:`_Observed`."""
        import requests
        from schemathesis.core.errors import SchemathesisError

        kwargs = send.call_kwargs(asgi=self._is_asgi(send))
        problems: list[tuple[str, str, str]] = []
        response = None
        timed_out = False
        try:
            response = case.call(**kwargs)
            case.validate_response(response, checks=self.checks, headers=kwargs.get("headers"),
                                   transport_kwargs=kwargs)
        # caught by shape, not class: a test runner may have imported schemathesis twice
        except BaseExceptionGroup as group:  # schemathesis's FailureGroup
            problems = [problem_of(f) for f in group.exceptions]
        except AssertionError as failure:  # one schemathesis Failure
            problems = [problem_of(failure)]
        except SchemathesisError:
            raise
        except requests.Timeout as exc:
            from ..core.transport import is_too_slow

            timed_out = True
            problems = [("fuzz/slow-response", "no answer within the request timeout",
                         str(exc) if is_too_slow(exc) else f"no answer within {send.timeout:g}s")]
        except requests.exceptions.InvalidHeader:
            return None  # the client refused to send a header name or value: nothing reached the server
        except requests.ConnectionError as exc:
            problems = [("fuzz/server-error", "the connection failed while handling crafted input (crash?)",
                         neutralise(str(exc))[:200])]
        except Exception as exc:  # the in-process app raised: a server would answer 500
            text = f"{type(exc).__name__}: {exc}"
            problems = [("fuzz/server-error", "the application raised an unhandled exception on crafted input",
                         neutralise(text)[:300])]
            match = oracle_module.no_database_error(oracle_module.Exchange(500, [], text))
            if match is not None:
                problems.append((match.rule_id, match.message, neutralise(match.evidence)))
        if not problems:
            return None
        request = _request_of(response) if response is not None else None
        return _Observed(self._stored_case(case), problems, request or self._request_from_case(case, send),
                         timed_out=timed_out)

    def _is_asgi(self, send: SendOptions) -> bool:
        from ..core.target import is_asgi_app

        return send.app is not None and is_asgi_app(send.app)

    def _request_from_case(self, case: Any, send: SendOptions) -> Request | None:
        """The request as the requests transport would send it (when the answer never came)."""
        import requests
        from schemathesis.transport.requests import REQUESTS_TRANSPORT

        try:
            data = REQUESTS_TRANSPORT.serialize_case(case, base_url=send.base_url, headers=dict(send.headers))
            keys = ("method", "url", "headers", "files", "data", "params", "cookies", "json")
            prepared = requests.Request(**{k: v for k, v in data.items() if k in keys},
                                        ).prepare()
        except Exception:
            return None
        request = _request_of(type("Sent", (), {"request": prepared})())
        if request is not None and send.cookies:
            request.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in send.cookies.items())
        return request

    def _stored_case(self, case: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "path_parameters": dict(case.path_parameters or {}),
            "query": dict(case.query or {}),
            "headers": dict(case.headers or {}),
            "cookies": dict(case.cookies or {}),
            "media_type": case.media_type,
        }
        if not oracle_module._is_not_set(case.body):
            data["body"] = copy.deepcopy(case.body)
        return clean_case(data)

    def _case_from(self, regression: Regression) -> Any:
        from schemathesis.core import NOT_SET

        data = {k: regression.case[k] for k in CASE_KEYS if k in regression.case}
        body = data.pop("body", NOT_SET)
        try:
            return self.operation.Case(body=body, **data)
        except Exception as exc:
            raise SetupError(f"stored regression of {self.label} no longer fits the operation: {exc}; "
                             "update or delete it in the regressions file") from None

    def _findings(self, key: tuple[str, str], hit: _Hit) -> list[Finding]:
        """The finding of one (place, rule): its own fingerprint per place, so that every
        vulnerable parameter of an operation is reported (and waived) on its own."""
        label, rule = key
        problem = next((p for p in hit.observed.problems if p[0] == rule), None)
        if problem is None:
            return []
        _rule, message, evidence = problem
        inputs = Regression(self.label, hit.observed.case).describe()
        where = f" in {label}" if label else ""
        fingerprint_key = "|".join(part for part in (self.identity or "", label) if part)
        return [Finding(rule, f"{message}{where}; {hit.how}; input: {inputs}", self.label, evidence=evidence,
                        severity=hit.severity, request=hit.observed.request, key=fingerprint_key)]


def problem_of(failure: Any) -> tuple[str, str, str]:
    """(rule id, title, evidence) of a schemathesis failure: our oracles carry their rule id,
    schemathesis's own checks are mapped by class name, anything else is fuzz/check-failed."""
    inner = getattr(failure, "exception", None)  # a check's failure that schemathesis wrapped
    if inner is not None and (hasattr(inner, "rule_id") or type(inner).__name__ in _SCHEMATHESIS_RULES):
        failure = inner
    rule = getattr(failure, "rule_id", None) or _SCHEMATHESIS_RULES.get(type(failure).__name__, "fuzz/check-failed")
    evidence = getattr(failure, "evidence", None)
    if evidence is None:
        title, message = getattr(failure, "title", str(failure)), getattr(failure, "message", "")
        evidence = f"{title}: {message}" if message else title
    return rule, str(getattr(failure, "title", rule)), neutralise(str(evidence))[:400]


def _request_of(response: Any) -> Request | None:
    """The request exactly as it was sent (from the response's prepared request)."""
    prepared = getattr(response, "request", None)
    if prepared is None or not getattr(prepared, "url", None):
        return None
    body = prepared.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return Request(str(prepared.method), str(prepared.url), {str(k): str(v) for k, v in prepared.headers.items()},
                   body if isinstance(body, str) else None)


def _leaf_exceptions(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        out: list[BaseException] = []
        for inner in exc.exceptions:
            out += _leaf_exceptions(inner)
        return out
    return [exc]


def _negative_data_rejection(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis's ``negative_data_rejection``, minus redirects: a 3xx accepts nothing (Starlette's
    ``redirect_slashes`` answers 307 to a path parameter that ends in ``/``)."""
    from schemathesis.specs.openapi.checks import negative_data_rejection

    if 300 <= response.status_code < 400:
        return None
    result: bool | None = negative_data_rejection(ctx, response, case)
    return result


_negative_data_rejection.__name__ = "negative_data_rejection"
