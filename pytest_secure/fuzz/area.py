"""The ``fuzz:`` area: one pytest item per OpenAPI operation, fuzzed through schemathesis.

Each item first replays the operation's stored regressions (a stored example that fails again
fails the item without generating anything), then lets schemathesis generate requests with
pytest-secure's payloads injected and its oracles as checks (see :mod:`pytest_secure.fuzz.engine`).
Failing inputs are shrunk, reported with a redacted curl line, and stored in the regressions
file.

Collection reads the OpenAPI document only when ``operations: all`` asks for every operation
(from a file, the in-process app, or one scope-checked GET to a live service).

State-changing operations (POST, PUT, PATCH, DELETE) are fuzzed only with ``fuzz.destructive:
true``, in-process or live, as ``authz.destructive`` asks for authz: without it their items are
collected and skipped with the reason, so that what was not fuzzed stays visible.
"""

from __future__ import annotations

import fnmatch
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.area import Check, SectionArea
from ..core.errors import SetupError, TargetError
from ..core.findings import Finding
from ..core.rules import Rule, rules_from

if TYPE_CHECKING:
    from ..core.baseline.model import Baseline
    from ..core.session import SecureSession

AREA = "fuzz"

_RULES = (
    ("fuzz/server-error", "Server error on crafted input (a 5xx other than 501 and 505, or a crash)", "high", 755,
     "Validate input before use and handle errors: crafted input must get a 4xx, never an unhandled exception. "
     "501 Not Implemented and 505 HTTP Version Not Supported are correct answers and do not count."),
    ("fuzz/stack-trace", "Stack trace or debug page in a response", "medium", 209,
     "Turn debug mode off in production and return generic error pages; log the details server-side."),
    ("fuzz/database-error", "Database error caused by input (injection)", "high", 89,
     "Use parameterised queries (placeholders) for every value; never build SQL or NoSQL queries from strings."),
    ("fuzz/reflected-xss", "Input reflected unencoded into HTML (XSS)", "high", 79,
     "Encode output for its context (HTML text, attribute, script, URL); use an auto-escaping template engine."),
    ("fuzz/template-injection", "Server-side template injection", "critical", 1336,
     "Never compile templates from input; pass input to fixed templates as data."),
    ("fuzz/command-injection", "OS command injection", "critical", 78,
     "Do not run shells with input; call programs with an argument list (no shell) and validate arguments."),
    ("fuzz/path-traversal", "Path traversal: a system file was served", "high", 22,
     "Resolve paths against a fixed base folder and refuse any result outside it; prefer ids over file names."),
    ("fuzz/open-redirect", "Open redirect to a host chosen by the input", "medium", 601,
     "Redirect only to relative paths or to an allow-list of hosts; reject scheme-relative (//host) targets."),
    ("fuzz/header-injection", "Response header injection (CRLF)", "high", 113,
     "Reject CR and LF in any value written to a response header; use the framework's header API."),
    ("fuzz/slow-response", "Slow response on crafted input (ReDoS)", "medium", 1333,
     "Bound input length and use regular expressions without nested quantifiers (or a linear-time engine)."),
    ("fuzz/invalid-input-accepted", "Invalid input accepted", "low", 20,
     "Validate requests against the schema and answer 400/422 to invalid input."),
    ("fuzz/sensitive-echo", "Secret or personal data echoed back", "medium", 200,
     "Never echo passwords, tokens or card numbers back; mask them in responses and error messages."),
    ("fuzz/invalid-json", "Response labelled JSON is not valid JSON (JSON injection)", "medium", 116,
     "Build JSON with a serialiser (json.dumps, the framework's JSON response), never by pasting input into text."),
    ("fuzz/sensitive-data", "Password, password hash or secret in a response", "high", 200,
     "Serialise responses through an explicit output schema that leaves out passwords, hashes, secrets and keys."),
    ("fuzz/cross-user-data", "Another user's personal data in a response", "high", 359,
     "Scope queries to the caller (WHERE owner = current user) and serialise only the caller's own personal fields; "
     "list other users through a public view without e-mails, phones or addresses."),
    ("fuzz/cross-user-conflict", "Server error when a second user creates the same thing", "medium", 362,
     "Scope uniqueness to the owner (or answer 409 Conflict): one user's data must not make another's request fail."),
    ("fuzz/cross-user-read", "One user reads an object another user created", "high", 639,
     "Check ownership on every read by id: answer 404 (or 403) for another user's object."),
    ("fuzz/use-after-free", "A deleted resource is still served", "medium", 672,
     "Make DELETE remove the resource for every reader (and every cache); answer 404 or 410 afterwards."),
    ("fuzz/resource-unavailable", "A created resource cannot be read back", "low", None,
     "Answer a create only once the resource is stored and readable through the link the document names."),
    ("fuzz/response-schema", "Response does not match its documented schema", "low", None,
     "Make the response match the OpenAPI document (or fix the document): clients and gateways trust it."),
    ("fuzz/undocumented-status", "Response status not documented for the operation", "low", None,
     "Document every status the operation answers, or stop answering the undocumented one."),
    ("fuzz/undocumented-content-type", "Response content type not documented for the operation", "low", None,
     "Answer only the documented media types (and always send Content-Type), or document the one sent."),
    ("fuzz/check-failed", "A schemathesis check failed", "medium", None,
     "See the message: a check added to the fuzz run found the response wrong."),
)
RULES: tuple[Rule, ...] = rules_from(_RULES, lambda title: f"Found by fuzzing an OpenAPI operation with attack "
                                                         f"payloads: {title[0].lower()}{title[1:]}.")
RULE_IDS = tuple(r.id for r in RULES)


@dataclass(frozen=True)
class FuzzConfig:
    """The ``fuzz:`` section, typed."""

    openapi: str | None
    operations: tuple[str, ...] | None  # None: all
    exclude: tuple[str, ...]
    identities: tuple[str, ...]
    max_examples: int
    seed: int
    shrink: bool
    payloads: tuple[str, ...]
    oracles: tuple[str, ...]
    max_response_time: float
    regressions: Path
    record: bool
    destructive: bool = False  # fuzz POST/PUT/PATCH/DELETE too (fuzz.destructive)
    max_seconds: float = 120.0  # wall-clock budget per operation (fuzz.max_seconds)
    sensitive_fields: tuple[str, ...] = ()  # fuzz.sensitive_fields.fields
    sensitive_allow: tuple[str, ...] = ()  # fuzz.sensitive_fields.allow
    # identity -> its known personal values (its login's user name or e-mail, fuzz.cross_user.values)
    known_values: tuple[tuple[str, tuple[str, ...]], ...] = ()
    personal_fields: tuple[str, ...] = ()  # fuzz.cross_user.fields
    may_see_others: tuple[str, ...] = ()  # fuzz.cross_user.may_see_others
    scenarios: bool = True  # fuzz.scenarios: cross-user create/read scenarios (two identities, destructive)
    stateful: bool = False  # fuzz.stateful: schemathesis's state machine (links; destructive)

    @classmethod
    def from_baseline(cls, baseline: Baseline) -> FuzzConfig:
        from . import engine as fuzzer
        from . import strategies

        section = baseline.section(AREA) or {}
        operations = section.get("operations", "all")
        if "identities" in section:
            identities = tuple(section["identities"])
        elif "identity" in section:
            identities = (section["identity"],)
        else:
            declared = [name for name in baseline.identities if name != "anonymous"]
            identities = (declared[0] if declared else "anonymous",)
        seed = section.get("seed")
        if seed is None:
            seed = 0 if os.environ.get("CI") else random.SystemRandom().getrandbits(32)
        return cls(
            openapi=section.get("openapi") or baseline.target.openapi,
            operations=None if operations == "all" else tuple(_normalise(o) for o in operations),
            exclude=tuple(_normalise(e) for e in section.get("exclude") or ()),
            identities=identities,
            max_examples=int(section.get("max_examples", 100)),
            seed=int(seed),
            shrink=bool(section.get("shrink", True)),
            payloads=tuple(f for f in section.get("payloads", strategies.FAMILIES)
                           if f not in (section.get("exclude_payloads") or ())),
            oracles=tuple(section.get("oracles", fuzzer.DEFAULT_ORACLE_NAMES)),
            max_response_time=float(section.get("max_response_time", 2.0)),
            regressions=baseline.path.parent / section.get("regressions", ".secure/regressions.yaml"),
            record=bool(section.get("record", True)),
            destructive=bool(section.get("destructive", False)),
            max_seconds=float(section.get("max_seconds", fuzzer.DEFAULT_MAX_SECONDS)),
            sensitive_fields=tuple((section.get("sensitive_fields") or {}).get("fields") or ()),
            sensitive_allow=tuple((section.get("sensitive_fields") or {}).get("allow") or ()),
            known_values=known_values(baseline, (section.get("cross_user") or {}).get("values") or {}),
            personal_fields=tuple((section.get("cross_user") or {}).get("fields") or ()),
            may_see_others=tuple((section.get("cross_user") or {}).get("may_see_others") or ()),
            scenarios=bool(section.get("scenarios", True)),
            stateful=bool(section.get("stateful", False)),
        )

    def settings(self, identity: str | None = None) -> Any:
        """The engine's settings; for ``identity``, with the other identities' known values."""
        from .engine import FuzzSettings

        others = () if identity is None or identity in self.may_see_others else tuple(
            (name, values) for name, values in self.known_values if name != identity)
        return FuzzSettings(max_examples=self.max_examples, seed=self.seed, shrink=self.shrink,
                            families=self.payloads, oracles=self.oracles, max_response_time=self.max_response_time,
                            destructive=self.destructive, max_seconds=self.max_seconds,
                            sensitive_fields=self.sensitive_fields, sensitive_allow=self.sensitive_allow,
                            others=others, personal_fields=self.personal_fields)


_SECRET_KEY = re.compile(r"pass|secret|token|otp|code|key|pin", re.I)


def known_values(baseline: Baseline, declared: dict[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each identity's known personal values: the non-secret text fields of its login (user name,
    e-mail), its OAuth2 or Basic user name, and those ``fuzz.cross_user.values`` lists for it."""
    found: dict[str, list[str]] = {}
    for name, identity in baseline.identities.items():
        values: list[str] = []
        login = identity.login
        if login is not None:
            for fields in (login.json or {}, login.form or {}):
                values += [str(v) for k, v in fields.items() if isinstance(v, str) and not _SECRET_KEY.search(str(k))]
        if identity.oauth2 is not None and identity.oauth2.username:
            values.append(identity.oauth2.username)
        if identity.basic is not None:
            values.append(identity.basic[0])
        found[name] = values
    for name, values in declared.items():
        found.setdefault(str(name), []).extend(str(v) for v in values or ())
    return tuple((name, tuple(dict.fromkeys(v for v in values if v))) for name, values in found.items()
                 if name != "anonymous" and values)


def _normalise(spec: str) -> str:
    method, _, path = spec.strip().partition(" ")
    return f"{method.upper()} {path.strip()}"


class SchemaSource:
    """Loads the OpenAPI document once per process, on first need, and keeps it."""

    def __init__(self, baseline: Baseline, config: FuzzConfig) -> None:
        self.baseline = baseline
        self.config = config
        self._schema: Any = None
        self._error: SetupError | None = None

    def get(self) -> Any:
        if self._schema is None and self._error is None:
            try:
                self._schema = self._load()
            except SetupError as exc:
                self._error = exc
        if self._error is not None:
            raise self._error
        return self._schema

    def _load(self) -> Any:
        from ..core.target import InProcessTarget, LiveTarget, ScopeGuard, import_app
        from .engine import install_payload_hooks, load_schema

        config, target = self.config, self.baseline.target
        if not config.openapi:
            raise SetupError("fuzzing needs an OpenAPI document: set target.openapi or fuzz.openapi in the baseline")
        base_dir = self.baseline.path.parent.resolve()
        app = None
        if target.app:
            try:
                app = import_app(target.app, [base_dir])
            except Exception as exc:
                raise SetupError(f"target.app: {exc}") from None
        base_url = (target.base_url or "http://localhost").rstrip("/")
        host = base_url.split("://", 1)[-1].split("/", 1)[0]
        scope = ScopeGuard(target.scope or (host,))

        def fetch(url: str) -> bytes:  # the document, and the in-scope documents it refers to
            common: dict[str, Any] = dict(timeout=target.timeout, default_headers=target.headers,
                                          max_body_bytes=max(target.max_body_bytes, 16 * 1_048_576))
            live = (InProcessTarget(app, base_url, list(scope.entries), **common) if app is not None
                    else LiveTarget(base_url, list(scope.entries), verify=target.verify, **common))
            try:
                response = live.request("GET", url, follow_redirects=False)
            except TargetError as exc:
                raise SetupError(f"cannot fetch the OpenAPI document {url}: {exc}") from None
            finally:
                live.close()
            if response.status != 200:
                raise SetupError(f"GET {url} answered {response.status}; fix target.openapi / fuzz.openapi")
            return response.body

        schema = load_schema(config.openapi, settings=config.settings(), base_dir=base_dir, app=app, base_url=base_url,
                             scope=scope, fetch=fetch, with_security_parameters=False)
        install_payload_hooks(schema, config.payloads)
        return schema

    def labels(self) -> list[str]:
        from .engine import operation_labels

        return operation_labels(self.get())


def collect(baseline: Baseline) -> list[Check]:
    from .engine import is_safe_operation

    config = FuzzConfig.from_baseline(baseline)
    source = SchemaSource(baseline, config)
    if config.operations is not None:
        labels = list(config.operations)
    else:
        try:
            labels = source.labels()
        except SetupError as exc:
            message = str(exc)

            def broken(session: SecureSession) -> list[Finding]:
                raise SetupError(message)

            return [Check(AREA, "openapi", RULE_IDS, broken)]
    documented = labels  # the scenarios pair the document's operations, fuzzed or not
    labels = [label for label in labels if not any(fnmatch.fnmatchcase(label, pattern) for pattern in config.exclude)]
    many = len(config.identities) > 1
    checks = []
    for label in labels:
        for identity in config.identities:
            name = f"{label}::{identity}" if many else label
            run = _runner(source, label, identity)
            if not config.destructive and not is_safe_operation(label):
                run = _skipped(label)
            checks.append(Check(AREA, name, RULE_IDS, run, path=label.split(" ", 1)[1]))
    return checks + _scenario_checks(source, documented) + _stateful_checks(source)


def _scenario_checks(source: SchemaSource, labels: list[str]) -> list[Check]:
    """One cross-user scenario per create/read pair, when two identities fuzz (fuzz.identities)."""
    from .scenarios import pairs

    config = source.config
    people = [name for name in config.identities if name != "anonymous"]
    if not config.scenarios or len(people) < 2:
        return []
    checks = []
    for pair in pairs(labels):
        run = _scenario(source, pair, people[0], people[1]) if config.destructive else _skipped(pair.create)
        checks.append(Check(AREA, pair.name, RULE_IDS, run, path=pair.read.split(" ", 1)[1]))
    return checks


def _scenario(source: SchemaSource, pair: Any, first: str, second: str):  # type: ignore[no-untyped-def]
    def run(session: SecureSession) -> list[Finding]:
        from .scenarios import run as run_scenario

        return run_scenario(session, source.get(), pair, first, second)

    return run


def _skipped(label: str):  # type: ignore[no-untyped-def]
    """The run of a state-changing operation without ``fuzz.destructive: true``: a skip that says why."""
    from .engine import SAFE_METHODS

    reason = (f"{label} changes state: fuzzing sends only {', '.join(sorted(SAFE_METHODS))} requests unless "
              "`fuzz.destructive: true` is set (only against a test deployment or a test app whose data may change)")

    def run(session: SecureSession) -> list[Finding]:
        import pytest

        pytest.skip(reason)

    return run


def _runner(source: SchemaSource, label: str, identity_name: str):  # type: ignore[no-untyped-def]
    def run(session: SecureSession) -> list[Finding]:
        from .engine import OperationFuzzer
        from .regressions import RegressionStore

        config = source.config
        schema = source.get()
        send = _send_options(session, identity_name)
        store = RegressionStore(config.regressions)
        fuzzer = OperationFuzzer(schema, label, config.settings(identity_name), identity=identity_name)
        result = fuzzer.run(send, store.for_operation(label, identity_name))
        if config.record and result.new_regressions:
            try:
                store.add(result.new_regressions)
            except OSError as exc:
                raise SetupError(f"cannot write the regressions file {config.regressions}: {exc}; "
                                 "make it writable or set fuzz.record: false") from None
        return result.findings

    return run


def _send_options(session: SecureSession, identity_name: str) -> Any:
    """How the engine sends as ``identity_name``: its own credentials, through the run's target."""
    from .engine import SendOptions

    identity = session.identity(identity_name)
    identity.ensure_logged_in()
    target = session.target
    if not target.scope.allows(target.base_url):
        raise SetupError(f"refusing to fuzz {target.base_url}: it is outside target.scope")
    headers, cookies = identity.credentials()  # the CSRF token of writes included
    return SendOptions(base_url=target.base_url, headers={**target.default_headers, **headers},
                       cookies=cookies, params=identity.query_params(), app=getattr(target, "app", None),
                       timeout=target.timeout, verify=getattr(getattr(target, "session", None), "verify", True),
                       max_body_bytes=target.max_body_bytes, session=getattr(target, "session", None))


def _stateful_checks(source: SchemaSource) -> list[Check]:
    """``fuzz.stateful: true``: one walk of schemathesis's state machine per fuzz identity."""
    config = source.config
    if not config.stateful:
        return []
    many = len(config.identities) > 1
    checks = []
    for identity in config.identities:
        name = f"stateful::{identity}" if many else "stateful"
        run = _stateful(source, identity) if config.destructive else _skipped("stateful links (POST, DELETE)")
        checks.append(Check(AREA, name, RULE_IDS, run))
    return checks


def _stateful(source: SchemaSource, identity_name: str):  # type: ignore[no-untyped-def]
    def run(session: SecureSession) -> list[Finding]:
        from .stateful import run as walk

        return walk(source.get(), _send_options(session, identity_name), source.config.settings(identity_name),
                    identity_name)

    return run


def _summary_plugin(config: Any) -> object:
    from .summary import make_plugin

    return make_plugin(config)


area = SectionArea(AREA, RULES, collect, make_plugin=_summary_plugin)
