"""Revocation: access must end within N seconds after a revoke hook runs, in the identity's
RUNNING session (the brief's role change mid-session, 60 s by default).

The check logs the identity in on a fresh session, proves the access works, runs the
``revoke`` request (as e.g. admin), then probes every ``interval`` seconds until the access
is refused or ``within`` has passed. ``restore`` always runs afterwards. Probes are bounded
in number and time. :func:`assert_revoked_within` is the same check for Python tests.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core.errors import SetupError
from ..core.findings import Finding
from ..core.public import hides_internals
from .cells import CellCheck, untrustworthy
from .config import ALLOW, AREA, AuthzConfig, Matchers, Revocation
from .outcome import ALLOWED, BLOCKED, classify, judge, path_of, snippet

if TYPE_CHECKING:
    from ..core.identities import Identity
    from ..core.session import SecureSession


def revocation_checks(config: AuthzConfig) -> list[CellCheck]:
    return [
        CellCheck(area=AREA, name=f"revocation {r.call.label}::{r.identity}", rules=("authz/revocation-delay",),
                  run=_runner(config, r), path=r.call.path, row=f"revocation {r.call.label}", column=r.identity,
                  expected=f"revoked<={r.within:g}s")
        for r in config.revocations
    ]


def _runner(config: AuthzConfig, spec: Revocation) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        identity = session.identity(spec.identity).fresh()

        def probe() -> Any:
            return spec.call.send(identity)

        def revoke() -> None:
            _hook(session, spec.revoke, "revoke")

        def restore() -> None:
            if spec.restore is not None:
                _hook(session, spec.restore, "restore")

        return measure_revocation(identity.name, probe, revoke, restore, config.matchers, spec.within, spec.interval,
                                  spec.call.label)

    return run


def _hook(session: SecureSession, hook: Any, what: str) -> None:
    response = hook.call.send(session.identity(hook.identity))
    if response.status >= 400:
        raise SetupError(f"setup untrustworthy: the {what} request {hook.call.label} as {hook.identity} answered "
                         f"{response.status} ({snippet(response)}); fix authz.revocation[].{what}")


def measure_revocation(name: str, probe: Callable[[], Any], revoke: Callable[[], None], restore: Callable[[], None],
                       matchers: Matchers, within: float, interval: float, label: str,
                       clock: Callable[[], float] = time.monotonic) -> list[Finding]:
    """Probe until denied or ``within`` seconds pass; a finding when access outlives it."""
    first = probe()
    if judge(ALLOW, first, matchers).verdict == BLOCKED:
        raise untrustworthy(name, label.split(" ", 1)[0], first)
    revoke()
    try:
        started = clock()
        max_probes = math.ceil(within / interval) + 2  # bounded whatever the clock does
        response = first
        for _ in range(max_probes):
            response = probe()
            if classify(response, matchers) != ALLOWED:
                return []
            elapsed = clock() - started
            if elapsed > within:
                break
            time.sleep(min(interval, max(0.0, within - elapsed) + 0.01))
        where = f"{label.split(' ', 1)[0]} {path_of(response)}"
        return [Finding(
            "authz/revocation-delay", f"{name} still had access {within:g} s after its access was revoked", where,
            evidence=f"last probe after {clock() - started:.1f}s: HTTP {response.status}: {snippet(response)}",
            request=getattr(response, "request", None), key=name)]
    finally:
        restore()


@hides_internals
def assert_revoked_within(identity: Identity, request: str, revoke: Callable[[], Any], *, within: float = 60,
                          interval: float = 1, restore: Callable[[], Any] | None = None,
                          deny: tuple[int, ...] = (401, 403, 404)) -> None:
    """For Python tests: ``request`` as ``identity`` must be refused within ``within`` s after ``revoke()``.

    Raises ``AssertionError`` (with the redacted evidence) when the access survives.
    """
    method, _, path = request.partition(" ")
    matchers = Matchers(frozenset(deny))

    def probe() -> Any:
        return identity.request(method, path, follow_redirects=False)

    findings = measure_revocation(identity.name, probe, lambda: revoke(), restore or (lambda: None), matchers,
                                  within, interval, request)
    if findings:
        f = findings[0]
        raise AssertionError(identity.redactor.clean(f"{f.rule_id}: {f.message} ({f.evidence})"))
