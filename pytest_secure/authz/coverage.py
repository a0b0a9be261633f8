"""Coverage: every operation of the OpenAPI document or the app's route table must have an
authz rule (``coverage: fail``), or is at least reported (``coverage: warn``).

An operation counts as covered when a rule, a sequence step, a revocation probe, an object
``create``/``read``, the sessions' ``logout`` or an identity's login request names it; a
concrete path (``/reports/public/export.csv``) covers the template it matches.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

from ..core.errors import AppImportError, SetupError
from ..core.findings import Finding, Severity
from .cells import CellCheck
from .config import AREA, AuthzConfig, Call
from .routes import Operation, from_app, from_openapi, template_regex
from .runtime import runtime

if TYPE_CHECKING:
    from ..core.session import SecureSession


def coverage_check(config: AuthzConfig) -> CellCheck:
    def run(session: SecureSession) -> list[Finding]:
        ops = operations(session, config)
        covered = covered_calls(session, config)
        severity = config.coverage_severity if config.coverage == "fail" else Severity.INFO
        findings = []
        for method, path in ops:
            if ignored(method, path, config.coverage_ignore):
                continue
            pattern = template_regex(path)
            if any((method in ("*", m)) and pattern.fullmatch(p) for m, p in covered):
                continue
            findings.append(Finding(
                "authz/uncovered-operation", f"{method} {path} has no authz rule: nobody states who may call it",
                f"{method} {path}", evidence=f"from {describe_source(session, config)}", severity=severity,
                key=f"{method} {path}"))
        return findings

    return CellCheck(area=AREA, name="coverage", rules=("authz/uncovered-operation",), run=run, path=None,
                     row="coverage", column="", expected="covered")


def source_of(session: SecureSession, config: AuthzConfig) -> str:
    if config.coverage_source:
        return config.coverage_source
    return "openapi" if session.baseline.target.openapi else "routes"


def describe_source(session: SecureSession, config: AuthzConfig) -> str:
    source = source_of(session, config)
    if source == "openapi":
        return f"the OpenAPI document {session.baseline.target.openapi}"
    if source == "routes":
        return "the route table of target.app"
    return f"the route table of {source}"


def operations(session: SecureSession, config: AuthzConfig) -> list[Operation]:
    source = source_of(session, config)
    if source == "openapi":
        document = runtime(session, config).openapi()
        if document is None:
            raise SetupError("authz.coverage reads the OpenAPI document, but target.openapi is not set; set it, "
                             "or set authz.coverage_source to routes or module:app")
        return from_openapi(document)
    if source == "routes":
        app = getattr(session.target, "app", None)
        if app is None:
            raise SetupError("authz.coverage_source routes needs an in-process target.app; for a live target set "
                             "coverage_source to the module:attribute of the app (or to openapi)")
    else:
        from ..core.target import import_app

        try:
            app = import_app(source, [session.baseline.path.parent.resolve()])
        except AppImportError as exc:
            raise SetupError(f"authz.coverage_source: {exc}") from None
    try:
        return from_app(app)
    except TypeError as exc:
        raise SetupError(str(exc)) from None


def covered_calls(session: SecureSession, config: AuthzConfig) -> list[tuple[str, str]]:
    calls: list[Call] = [r.call for r in config.rules]
    calls += [s.call for q in config.sequences for s in q.steps]
    calls += [s.call for r in config.rules for s in (*r.setup, *r.teardown)]
    calls += [r.call for r in config.revocations]
    for kind in config.objects.values():
        calls += [c for c in (kind.create, kind.read) if c is not None]
    if config.sessions is not None:
        calls += [c for c in (config.sessions.logout, config.sessions.privilege_change) if c is not None]
    pairs = [(c.method, c.path) for c in calls]
    for identity in session.baseline.identities.values():
        if identity.login is not None:
            pairs.append((identity.login.method, identity.login.path))
    return pairs


def ignored(method: str, path: str, patterns: tuple[str, ...]) -> bool:
    for pattern in patterns:
        if " " in pattern:
            p_method, _, p_path = pattern.partition(" ")
            if (p_method == "*" or method in ("*", p_method.upper())) and fnmatch.fnmatchcase(path, p_path):
                return True
        elif fnmatch.fnmatchcase(path, pattern):
            return True
    return False
