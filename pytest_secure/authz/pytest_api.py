"""The authz matrix from Python: ``@pytest.mark.authz`` and the ``authz_matrix`` fixture.

``@pytest.mark.authz(allow=["analyst", "admin"])`` runs a test once per identity (the
``authz_identity`` fixture, allowed identities first) and judges the response the test
RETURNS: allowed identities must get through, everyone else must be refused the way the
baseline's ``authz.deny`` says. Findings go through the same gate as the baseline's checks
(thresholds, waivers). A deny cell whose allowed cells failed in the same run errors instead
of passing ("setup untrustworthy").

``authz_matrix`` builds a matrix in code::

    def test_exports(authz_matrix):
        authz_matrix.rule("GET /reports/public/export.csv", allow=["analyst", "admin"])
        authz_matrix.rule("GET /reports/sensitive/export.csv", allow=["admin"])
        authz_matrix.check()  # every cell; fails listing the violations

This module is registered by ``plugin.py`` and imports nothing heavy at import time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from ..core.state import STATE

if TYPE_CHECKING:
    from ..core.identities import Identity
    from ..core.session import SecureSession
    from .config import Matchers

_ALLOW_FAILED = pytest.StashKey[set[tuple[str, str]]]()
F = TypeVar("F", bound=Callable[..., Any])


def hides_internals(method: F) -> F:
    """:func:`pytest_secure.core.public.hides_internals`, imported on first call (this module is
    loaded by every pytest run and stays light)."""

    @functools.wraps(method)
    def helper(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        from ..core.public import hides_internals as hide

        return hide(method)(*args, **kwargs)

    return helper  # type: ignore[return-value]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "authz(allow=[...], identities=None, expect=None, deny=None): run the test once per identity "
        "(fixture authz_identity) and judge the response it returns; runs only with --secure.")
    config.stash[_ALLOW_FAILED] = set()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("authz")
    if marker is None:
        return
    if "authz_identity" not in metafunc.fixturenames:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: a test marked authz takes the `authz_identity` "
                                "fixture (the identity to send the request as) and returns the response")
    names = _names(metafunc.config, marker)
    allowed = [n for n in names if _expectation(metafunc.config, marker, n) == "allow"]
    ordered = allowed + [n for n in names if n not in allowed]  # allow cells first: they are the preflight
    metafunc.parametrize("authz_identity", ordered, indirect=True, ids=ordered)


def _names(config: pytest.Config, marker: pytest.Mark) -> list[str]:
    if marker.kwargs.get("identities"):
        return list(marker.kwargs["identities"])
    state = config.stash.get(STATE, None)
    if state is not None:
        return state.identities.names()
    allow = marker.kwargs.get("allow") or (marker.args[0] if marker.args else [])
    return ["anonymous", *[a for a in allow if a != "anonymous"]]


def _expectation(config: pytest.Config, marker: pytest.Mark, name: str) -> str:
    expect = marker.kwargs.get("expect") or {}
    if name in expect:
        return str(expect[name])
    allow = marker.kwargs.get("allow") or (marker.args[0] if marker.args else [])
    state = config.stash.get(STATE, None)
    roles = state.identities.roles.get(name, frozenset({name})) if state is not None else frozenset({name})
    if allow == "*" or roles & set(allow):
        return "allow"
    return str(marker.kwargs.get("deny_as", "deny"))


def _cell_key(item: pytest.Item) -> tuple[str, str]:
    return (str(item.path), getattr(item, "originalname", item.name))


@pytest.fixture
def authz_identity(request: pytest.FixtureRequest) -> Identity:
    """The identity this run of an ``@pytest.mark.authz`` test sends its request as."""
    state = request.config.stash.get(STATE, None)
    if state is None:
        pytest.skip("security test: run with --secure")
    name = request.param
    marker = request.node.get_closest_marker("authz")
    if marker is not None and _expectation(request.config, marker, name) != "allow" \
            and _cell_key(request.node) in request.config.stash[_ALLOW_FAILED]:
        from ..core.errors import SetupError

        raise SetupError(f"setup untrustworthy: an allowed identity of {request.node.originalname} failed, so "
                         f"this deny cell ({name}) cannot be trusted")
    return state.identity(name)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    marker = pyfuncitem.get_closest_marker("authz")
    if marker is None or "authz_identity" not in pyfuncitem.funcargs:
        return None
    import inspect

    if inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    identity: Identity = pyfuncitem.funcargs["authz_identity"]  # type: ignore[assignment]
    allowed = _expectation(pyfuncitem.config, marker, identity.name) == "allow"
    try:
        response = pyfuncitem.obj(**args)
    except BaseException:
        if allowed:  # a crashed allow cell is no preflight either
            pyfuncitem.config.stash[_ALLOW_FAILED].add(_cell_key(pyfuncitem))
        raise
    _judge_returned(pyfuncitem, marker, response)
    return True


def _judge_returned(item: pytest.Function, marker: pytest.Mark, response: Any) -> None:
    from ..core.gate import judge
    from ..core.outcome import apply_verdict
    from .outcome import BLOCKED, finding_for
    from .outcome import judge as judge_cell

    state = item.config.stash[STATE]
    identity: Identity = item.funcargs["authz_identity"]  # type: ignore[assignment]
    if response is None:
        pytest.fail(f"{item.name}: a test marked authz must return the response it got, to be judged", pytrace=False)
    expected = _expectation(item.config, marker, identity.name)
    verdict = judge_cell(expected, response, _matchers(state, marker))
    if verdict.verdict == BLOCKED:
        item.config.stash[_ALLOW_FAILED].add(_cell_key(item))
        from .outcome import path_of, snippet

        pytest.fail(state.redactor.clean(
            f"setup untrustworthy: {identity.name} was refused {path_of(response)} (HTTP {verdict.status}: "
            f"{snippet(response)}), which @pytest.mark.authz allows; the deny cells of this test are not trusted"),
            pytrace=False)
    finding = finding_for(verdict, expected, identity.name, response, f"{_method(response)} {item.name}")
    if finding is None:
        return
    outcome = judge([finding], gates=state.baseline.gates, waivers=state.waivers, rules=state.rules,
                    today=state.today)
    apply_verdict(outcome, state.rules, state.redactor)


def _method(response: Any) -> str:
    request = getattr(response, "request", None)
    return str(getattr(request, "method", None) or getattr(response, "method", None) or "GET")


def _matchers(state: SecureSession, marker: pytest.Mark) -> Matchers:
    import re

    from .config import Matchers

    section = state.baseline.section("authz") or {}
    deny = marker.kwargs.get("deny") or section.get("deny") or (401, 403, 404)
    allow_body = marker.kwargs.get("allow_body") or section.get("allow_body")
    deny_body = marker.kwargs.get("deny_body") or section.get("deny_body")
    return Matchers(frozenset(deny), section.get("deny_redirect"),
                    re.compile(allow_body) if allow_body else None, re.compile(deny_body) if deny_body else None)


# -- authz_matrix --------------------------------------------------------------------------------
@dataclass
class CellResult:
    request: str
    identity: str
    expected: str
    verdict: str  # ok, leak, blocked, wrong-denial, unclear-denial, untrusted
    status: int | None
    message: str = ""


@dataclass
class _MatrixRule:
    call: Any
    allow: tuple[str, ...] | str
    expect: dict[str, str]
    params: dict[str, Any]


class AuthzMatrix:
    """A matrix built in code; ``check()`` sends every cell (allow cells first) and fails on violations."""

    def __init__(self, session: SecureSession, identities: Sequence[str] | None = None,
                 deny: Iterable[int] | None = None) -> None:
        from .config import Matchers

        self.session = session
        self.identities = list(identities or session.identities.names())
        section = session.baseline.section("authz") or {}
        self.matchers = Matchers(frozenset(deny or section.get("deny") or (401, 403, 404)))
        self._rules: list[_MatrixRule] = []

    @hides_internals
    def rule(self, request: str, allow: Iterable[str] | str = (), *, expect: dict[str, str] | None = None,
             params: dict[str, Any] | None = None, json: Any = None, form: dict[str, str] | None = None,
             query: dict[str, Any] | None = None) -> AuthzMatrix:
        """Add a request and who may send it (roles inherit); everyone else must be denied."""
        from .config import Call

        method, _, path = request.partition(" ")
        call = Call(method.upper(), path, query, json, form)
        missing = [name for name in call.placeholders if name not in (params or {})]
        if missing:
            raise ValueError(f"{request}: {{{missing[0]}}} has no value; pass params={{{missing[0]!r}: ...}}")
        self._rules.append(_MatrixRule(call, allow if allow == "*" else tuple(allow), dict(expect or {}),
                                       dict(params or {})))
        return self

    def expectation(self, rule: _MatrixRule, name: str) -> str:
        if name in rule.expect:
            return rule.expect[name]
        roles = self.session.identities.roles.get(name, frozenset({name}))
        return "allow" if rule.allow == "*" or roles & set(rule.allow) else "deny"

    @hides_internals
    def run(self) -> list[CellResult]:
        """Send every cell; allow cells first, and an identity whose allow cell failed is not judged further."""
        from ..core.errors import SetupError
        from .outcome import BLOCKED, OK, describe_expectation
        from .outcome import judge as judge_cell

        cells = [(rule, name) for rule in self._rules for name in self.identities]
        cells.sort(key=lambda cell: self.expectation(*cell) != "allow")
        untrusted: dict[str, str] = {}
        results = []
        for rule, name in cells:
            expected = self.expectation(rule, name)
            if expected != "allow" and name in untrusted:
                results.append(CellResult(rule.call.label, name, expected, "untrusted", None, untrusted[name]))
                continue
            try:
                response = rule.call.send(self.session.identity(name), rule.params)
            except SetupError as exc:
                untrusted[name] = str(exc)
                results.append(CellResult(rule.call.label, name, expected, "untrusted", None, str(exc)))
                continue
            verdict = judge_cell(expected, response, self.matchers)
            message = "" if verdict.verdict == OK else (
                f"{name} {rule.call.method} {rule.call.render(rule.params)}: expected "
                f"{describe_expectation(expected)}, got HTTP {verdict.status}")
            if verdict.verdict == BLOCKED:
                untrusted[name] = f"setup untrustworthy: {message}; {name}'s deny cells are not judged"
            results.append(CellResult(rule.call.label, name, expected, verdict.verdict, verdict.status, message))
        return results

    @hides_internals
    def check(self) -> list[CellResult]:
        """Run and raise ``AssertionError`` listing every violation and untrusted cell (redacted)."""
        results = self.run()
        bad = [r for r in results if r.verdict != "ok"]
        if bad:
            lines = [f"{len(bad)} of {len(results)} authz cells failed:"]
            lines += [f"  [{r.verdict}] {r.message}" for r in bad]
            raise AssertionError(self.session.redactor.clean("\n".join(lines)))
        return results


@pytest.fixture
def authz_matrix(request: pytest.FixtureRequest) -> AuthzMatrix:
    """An :class:`AuthzMatrix` over the baseline's identities (tests using it need --secure)."""
    state = request.config.stash.get(STATE, None)
    if state is None:
        pytest.skip("security test: run with --secure")
    return AuthzMatrix(state)
