"""OpenAPI-driven fuzzing of one operation through schemathesis 4.x.

Schemathesis generates the requests (examples, coverage and fuzzing phases, positive and
negative data) exactly as its own pytest integration does; pytest-secure adds three things:

* payload injection: schema-local ``flatmap_*`` hooks replace, in about half of the
  generated cases, one text value of the query, path or body with a payload from
  :mod:`pytest_secure.fuzz.strategies` (the other half keep schemathesis's own data, and shrinking
  prefers them, so a failure that needs no payload loses it);
* the security oracles of :mod:`pytest_secure.fuzz.oracles` as the checks, plus schemathesis's
  ``negative_data_rejection`` for "invalid input must meet a 4xx";
* regressions: stored failing cases are replayed before anything is generated, and new
  failing cases are returned so that they can be stored.

Every failure becomes a :class:`~pytest_secure.core.findings.Finding` with the request that showed
it (the reporters turn it into a redacted curl line). Schemathesis is imported lazily.
"""

from __future__ import annotations

import copy
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import SetupError, TargetError
from ..core.findings import Finding, Request
from ..core.redaction import neutralise
from ..core.target import ScopeGuard
from . import oracles as oracle_module
from . import strategies
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
    "slow-response": None,  # built from max_response_time
    "invalid-input": None,  # schemathesis's negative_data_rejection
}
# Each round but the last finds a new rule, so there are never more rounds than rules, plus one.
MAX_ROUNDS = len(ORACLE_NAMES) + 2
# Directed payloads per family and text parameter (the first ones of each family's list).
DIRECTED_PER_FAMILY = 2
# Failure classes of schemathesis's own checks -> our rule ids
_SCHEMATHESIS_RULES = {"AcceptedNegativeData": "fuzz/invalid-input-accepted", "ServerError": "fuzz/server-error",
                       "ResponseTimeExceeded": "fuzz/slow-response"}


@dataclass(frozen=True)
class FuzzSettings:
    """How one operation is fuzzed (from the baseline's ``fuzz:`` section)."""

    max_examples: int = 100
    seed: int = 0
    shrink: bool = True
    families: tuple[str, ...] = tuple(strategies.FAMILIES)
    oracles: tuple[str, ...] = tuple(ORACLE_NAMES)
    max_response_time: float = oracle_module.DEFAULT_MAX_RESPONSE_TIME
    destructive: bool = False  # state-changing operations may be fuzzed (fuzz.destructive)


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

    families = tuple(families)
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
            found += [("body", path, "any", None) for path, _ in _leaves(body)]
        return tuple(found)

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
        setattr(case, container, pick[1] if not path else _replaced(current or {}, path, pick[1]))
        return case

    def flatmap_case(ctx: Any, case: Any) -> Any:
        shape = places(case)
        if not shape:
            return st.just(case)
        return picks(shape).map(lambda pick: inject(case, shape, pick))

    schema.hook("flatmap_case")(flatmap_case)


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


def _first_payloads(family: str, max_length: int | None) -> list[Any]:
    """The first payloads of a family, in its order (simplest first)."""
    strategy = strategies.family(family, max_length)
    while hasattr(strategy, "wrapped_strategy"):  # lazy strategies wrap the real one
        strategy = strategy.wrapped_strategy
    elements = getattr(strategy, "elements", None)
    if elements is None:
        return []
    return list(elements)[:DIRECTED_PER_FAMILY]


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterable[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    elif path and not isinstance(value, bytes | bytearray):
        yield path, value


def _replaced(value: Any, path: tuple[Any, ...], payload: Any) -> Any:
    result = copy.deepcopy(value)
    node = result
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = payload
    return result


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
    """One failing request: the case as stored, the problems, the request sent."""

    case: dict[str, Any]
    problems: list[tuple[str, str, str]]  # (rule id, message, evidence)
    request: Request | None

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(sorted({rule for rule, _, _ in self.problems}))


@dataclass
class FuzzResult:
    findings: list[Finding]
    new_regressions: list[Regression]
    replayed: int = 0
    generated: bool = False


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
        if "slow-response" in self.settings.oracles:
            chosen.append(oracle_module.within_time(self.settings.max_response_time))
        checks = oracle_module.schemathesis_checks(chosen)
        if "invalid-input" in self.settings.oracles:
            from schemathesis.specs.openapi.checks import negative_data_rejection

            checks.append(negative_data_rejection)
        return checks

    # -- the two stages ----------------------------------------------------------------------
    def run(self, send: SendOptions, regressions: list[Regression]) -> FuzzResult:
        if not self.settings.destructive and not is_safe_operation(self.label):
            raise SetupError(f"refusing to fuzz {self.label}: it changes state; set `fuzz.destructive: true` "
                             "to fuzz it (only against a test deployment)")
        findings: list[Finding] = []
        for number, regression in enumerate(regressions, 1):
            observed = self._send(self._case_from(regression), send)
            if observed is not None:
                findings += self._findings(observed, f"stored regression {number} ({regression.found}) fails again")
        if findings:  # a known failure is back: report it without generating anything new
            return FuzzResult(findings, [], replayed=len(regressions))
        directed = self._directed(send)
        budget = max(1, self.settings.max_examples - self.directed_count)
        finals = list(directed.values())
        finals += self._generate(send, budget, known={rule for rules in directed for rule in rules})
        for observed in finals:
            how = "found by a directed payload" if observed in directed.values() else "found by fuzzing"
            findings += self._findings(observed, f"{how} (seed {self.settings.seed})")
        new = [Regression(self.label, obs.case, obs.rules, self.identity) for obs in finals]
        return FuzzResult(findings, new, replayed=len(regressions), generated=True)

    # -- directed payloads -------------------------------------------------------------------
    def _directed(self, send: SendOptions) -> dict[tuple[str, ...], _Observed]:
        """Send the first payloads of every family once into every text parameter of the
        simplest valid request, so that each family reaches each parameter whatever the seed
        (random generation then explores around them). These cases count against the budget."""
        cases = self._directed_cases()
        found: dict[tuple[str, ...], _Observed] = {}
        for case in cases:
            observed = self._send(case, send)
            self.directed_count += 1
            if observed is not None and observed.rules == ("fuzz/slow-response",):
                observed = self._send(case, send)  # slow once is noise: it must be slow again
            if observed is not None and set(observed.rules) - {r for rules in found for r in rules}:
                found.setdefault(observed.rules, observed)
        return found

    def _directed_cases(self) -> list[Any]:
        from schemathesis.generation import GenerationMode
        from schemathesis.generation.hypothesis.examples import generate_one

        if not self.settings.families or self.settings.max_examples < 4:
            return []
        try:
            base = generate_one(self.operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        except Exception:  # no valid request can be built: random generation will say why
            return []
        places: list[tuple[str, tuple[Any, ...], int | None]] = [
            (location, (name,), length)
            for location in ("path_parameters", "query")
            for name, length in _text_parameters(self.operation, location).items()
        ]
        if isinstance(base.body, dict):
            places += [("body", path, None) for path, leaf in _leaves(base.body) if isinstance(leaf, str)]
        if not places:
            return []
        cases = []
        for rank in range(DIRECTED_PER_FAMILY):
            for family in self.settings.families:
                for location, path, length in places:
                    payloads = _first_payloads(family, length)
                    if rank < len(payloads):
                        cases.append(self._with_value(base, location, path, payloads[rank]))
        return cases[: self.settings.max_examples // 2]

    def _with_value(self, base: Any, location: str, path: tuple[Any, ...], value: Any) -> Any:
        from schemathesis.core import NOT_SET

        parts = {
            "path_parameters": dict(base.path_parameters or {}), "query": dict(base.query or {}),
            "headers": dict(base.headers or {}), "cookies": dict(base.cookies or {}),
        }
        body = copy.deepcopy(base.body) if not oracle_module._is_not_set(base.body) else NOT_SET
        if location == "body":
            body = _replaced(body, path, value)
        else:
            parts[location] = _replaced(parts[location], path, value)
        return self.operation.Case(body=body, media_type=base.media_type, **parts)

    def _generate(self, send: SendOptions, budget: int, known: set[str]) -> list[_Observed]:
        """Generate until the example budget is spent, in rounds: Hypothesis stops looking soon
        after its first failure, so each round ignores the rules already found and the next
        round (same seed, so it replays the cheap start) looks further for the others."""
        found: dict[tuple[str, ...], _Observed] = {}
        for _round in range(MAX_ROUNDS):
            new = self._one_round(send, known | {rule for rules in found for rule in rules}, budget)
            if not new:
                break
            found.update(new)
        return list(found.values())

    def _one_round(self, send: SendOptions, known: set[str], budget: int) -> dict[tuple[str, ...], _Observed]:
        import hypothesis

        last: dict[tuple[str, ...], _Observed] = {}
        fuzzer = self

        def test(case: Any) -> None:
            observed = fuzzer._send(case, send)
            if observed is not None and set(observed.rules) - known:
                last[observed.rules] = observed  # the last call per defect is Hypothesis's final, shrunk replay
                raise _failed_class(observed.rules)(", ".join(observed.rules))

        hypothesis_test = self._hypothesis_test(test, budget)
        try:
            hypothesis_test()
        except (hypothesis.errors.Flaky, _Failed, BaseExceptionGroup) as exc:
            unexpected = [e for e in _leaf_exceptions(exc) if not isinstance(e, _Failed | hypothesis.errors.Flaky)]
            if unexpected and not last:
                raise self._setup_error(unexpected[0]) from None
            if isinstance(exc, hypothesis.errors.Flaky):  # slow once but not on replay: noise
                last = {rules: obs for rules, obs in last.items() if rules != ("fuzz/slow-response",)}
        except Exception as exc:
            raise self._setup_error(exc) from None
        return last

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

            problems = [("fuzz/slow-response", "no answer within the request timeout",
                         str(exc) if is_too_slow(exc) else f"no answer within {send.timeout:g}s")]
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
        return _Observed(self._stored_case(case), problems, request or self._request_from_case(case, send))

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

    def _findings(self, observed: _Observed, how: str) -> list[Finding]:
        seen: set[str] = set()
        out = []
        inputs = Regression(self.label, observed.case).describe()
        for rule, message, evidence in observed.problems:
            if rule in seen:
                continue
            seen.add(rule)
            out.append(Finding(rule, f"{message}; {how}; input: {inputs}", self.label, evidence=evidence,
                               request=observed.request, key=self.identity or ""))
        return out


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
