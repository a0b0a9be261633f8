"""Passive mode: audit every response the user's own tests receive.

:func:`audit_response` is the stable entry point that applies the baseline's response
hygiene policy (headers, cookies, leaks in headers and body) to ONE
:class:`~pytest_secure.core.target.Response`; the DAST engine and the passive plugin both call
it. With ``passive: true`` in the baseline and ``--secure``, :class:`PassivePlugin` wraps
the HTTP clients tests use (requests, httpx and so Starlette's TestClient, the
Flask/werkzeug test client, Django's test client) and reports each problem once per rule and
path, as a failure of the first test that received it.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from ..core.area import SectionArea
from ..core.findings import Finding
from ..core.public import hides_internals

if TYPE_CHECKING:
    from ..core.baseline.model import Baseline
    from ..core.target import Response


@hides_internals
def audit_response(response: Response, baseline: Baseline) -> list[Finding]:
    """Every header, cookie, leak and CORS finding the baseline's policy implies for one response.

    Only the sections the baseline has are applied. No request is sent; the response is
    judged as it is (its redirect ``history`` counts for cookies: a cookie set on a hop is
    reported at that hop). The policies are built once per baseline (the DAST engine calls
    this for every response it receives).
    """
    cached = _LAST_AUDITOR[0]
    if cached is None or cached[0] is not baseline:
        cached = (baseline, ResponseAuditor.of(baseline))
        _LAST_AUDITOR[0] = cached
    return cached[1].audit(response)


@dataclass(frozen=True)
class ResponseAuditor:
    """The baseline's response policies, built once (building them costs as much as a judgement)."""

    policies: tuple[Any, ...]  # each has ``audit(response) -> list[Finding]``
    cookie_policy: Any = None

    @classmethod
    def of(cls, baseline: Baseline) -> ResponseAuditor:
        from . import cookies, cors, headers, leaks

        policies: list[Any] = []
        if baseline.section(headers.AREA) is not None:
            policies.append(headers.policy_of(baseline))
        cookie_policy = cookies.policy_of(baseline) if baseline.section(cookies.AREA) is not None else None
        if baseline.section(leaks.AREA) is not None:
            policies.append(leaks.policy_of(baseline))
        if baseline.section(cors.AREA) is not None:
            policies.append(cors.policy_of(baseline))
        return cls(tuple(policies), cookie_policy)

    def audit(self, response: Response) -> list[Finding]:
        findings: list[Finding] = []
        for policy in self.policies:
            findings.extend(policy.audit(response))
        if self.cookie_policy is not None:
            findings.extend(_at_the_hop(self.cookie_policy.audit(response), response))
        return findings


_LAST_AUDITOR: list[tuple[Baseline, ResponseAuditor] | None] = [None]  # baselines are frozen: reuse by identity


def _at_the_hop(findings: list[Finding], response: Response) -> list[Finding]:
    """Cookie findings placed at the redirect hop that set the cookie, not at the destination."""
    from .parsers import parse_set_cookie

    if not response.history:
        return findings
    setter: dict[str, Response] = {}
    for hop in (*response.history, response):
        for value in hop.header_all("set-cookie"):
            setter.setdefault(parse_set_cookie(value).name, hop)
    placed = []
    for finding in findings:
        setter_hop = setter.get(finding.key)
        if setter_hop is not None and setter_hop is not response and finding.rule_id != "cookies/required-missing":
            placed.append(dataclasses.replace(finding, location=f"{setter_hop.method} {setter_hop.path}",
                                              request=setter_hop.request))
        else:
            placed.append(finding)
    return placed


class PassivePlugin:
    """Registered with ``passive: true`` and ``--secure``: audits what the user's tests receive.

    Client methods are wrapped for the run and restored at its end. Responses from
    pytest-secure's own target (its checks and the ``secure`` fixture) are not audited: they
    are checked by the baseline's items already.
    """

    def __init__(self, session: Any) -> None:
        self.session = session
        self.baseline = session.baseline
        self.auditor = ResponseAuditor.of(self.baseline)  # once for the run, not per response
        self.internal = {id(v) for v in vars(session.target).values()}  # our own HTTP clients
        self.seen: set[tuple[str, str, str]] = set()
        self.received: list[Any] = []
        self.active = False
        self._restore: list[tuple[Any, str, Any]] = []
        self.install()

    # -- client wrapping ------------------------------------------------------------------
    def install(self) -> None:
        for module, owner, method in _TARGETS:
            try:
                cls = _resolve(module, owner)
            except Exception:  # that client is not installed (or cannot import here): nothing to wrap
                continue
            original = cls.__dict__.get(method)
            if original is None:
                continue
            is_async = inspect.iscoroutinefunction(original)
            setattr(cls, method, self._async_wrapper(original) if is_async else self._wrapper(original))
            self._restore.append((cls, method, original))

    def uninstall(self) -> None:
        while self._restore:
            cls, method, original = self._restore.pop()
            setattr(cls, method, original)

    def _keep(self, client: Any, response: Any) -> None:
        if self.active and id(client) not in self.internal and response is not None:
            self.received.append(response)

    def _wrapper(self, original: Any) -> Any:
        plugin = self

        @functools.wraps(original)
        def wrapped(client: Any, *args: Any, **kwargs: Any) -> Any:
            response = original(client, *args, **kwargs)
            plugin._keep(client, response)
            return response

        wrapped.__pytest_secure_passive__ = True  # type: ignore[attr-defined]
        return wrapped

    def _async_wrapper(self, original: Any) -> Any:
        plugin = self

        @functools.wraps(original)
        async def wrapped(client: Any, *args: Any, **kwargs: Any) -> Any:
            response = await original(client, *args, **kwargs)
            plugin._keep(client, response)
            return response

        return wrapped

    # -- hooks ----------------------------------------------------------------------------
    # Watched: the test's setup (its fixtures, whatever their scope, run in the setup of the
    # first test that uses them) and its call. What they receive is judged on that test.
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Any:
        if hasattr(item, "check"):  # a baseline item: its requests go through our own target
            return (yield)
        self.received = []
        return (yield from self._watching())

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        if hasattr(item, "check"):
            return (yield)
        return (yield from self._watching())

    def _watching(self) -> Any:
        self.active = True
        try:
            return (yield)
        finally:
            self.active = False

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        if hasattr(item, "check") or not self.received:
            return report
        # judged with the call's report; on the setup's when a fixture failed (there is no call)
        if call.when == "call" or (call.when == "setup" and not report.passed):
            received, self.received = self.received, []
            self.judge(item, report, received)
        return report

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.uninstall()

    # -- judging --------------------------------------------------------------------------
    def new_findings(self, received: list[Any]) -> list[Finding]:
        """Findings of these responses that no earlier test reported (once per rule, path and key)."""
        from ..core.adapters import to_response

        fresh = []
        for raw in received:
            try:
                response = to_response(raw)
            except Exception:  # never break the user's test because of an odd response object
                continue
            for finding in self.auditor.audit(response):
                mark = (finding.rule_id, finding.path, finding.key)
                if mark not in self.seen:
                    self.seen.add(mark)
                    fresh.append(finding)
        return fresh

    def judge(self, item: pytest.Item, report: pytest.TestReport, received: list[Any]) -> None:
        from ..core.gate import FAILED, judge
        from ..core.outcome import pytest_outcome
        from ..core.records import CheckRecord

        findings = self.new_findings(received)
        if not findings:
            return
        session, redactor = self.session, self.session.redactor
        verdict = judge(findings, gates=self.baseline.gates, waivers=session.waivers, rules=session.rules,
                        today=session.today)
        outcome = pytest_outcome(verdict, session.rules, redactor)
        if outcome.kind == FAILED:
            text = "pytest-secure passive mode: responses this test received break the baseline\n\n" + outcome.text
            if report.passed:
                report.outcome = "failed"
                report.longrepr = text
            else:
                report.sections.append(("pytest-secure passive", text))
        elif verdict.warnings:
            lines = [redactor.clean(f"{j.finding.rule_id} [{j.severity.label}] {j.finding.location}: "
                                    f"{j.finding.message}") for j in verdict.warnings]
            report.sections.append(("pytest-secure passive warnings", "\n".join(lines)))
        # the same record as baseline items carry, so SARIF/JSON/summary include passive findings
        record = CheckRecord.of_verdict(item.nodeid, "passive", f"passive[{item.nodeid}]", verdict, session.rules,
                                        redactor)
        report.secure_record = record.to_dict()  # type: ignore[attr-defined]


_TARGETS = (
    ("requests.sessions", "Session", "send"),
    ("httpx", "Client", "send"),
    ("httpx", "AsyncClient", "send"),
    ("werkzeug.test", "Client", "open"),
    ("django.test.client", "Client", "request"),
    ("django.test.client", "AsyncClient", "request"),
)


def _resolve(module: str, owner: str) -> Any:
    return getattr(importlib.import_module(module), owner)


def _plugin(config: pytest.Config) -> PassivePlugin | None:
    from ..core.state import STATE

    session = config.stash[STATE]
    return PassivePlugin(session) if session.baseline.section("passive") else None


area = SectionArea("passive", (), lambda baseline: [], _plugin)
"""Passive mode as an area: no items of its own, a plugin that watches the user's tests."""
