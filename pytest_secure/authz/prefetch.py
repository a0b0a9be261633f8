"""Sending the matrix's read-only cells ahead of their items, a few at a time.

A matrix is mostly waiting on the network. For a live target, the plain GET/HEAD cells are
sent by ``authz.concurrency`` threads a window ahead of the item that judges them, so the
requests overlap with pytest's own per-item work. Nothing changes in what is judged:

* only safe, body-less requests are sent early (never writes, objects, sessions...);
* each identity logs in first, in the main thread, exactly as its item would;
* a response whose status means "session expired" (``refresh_on``) is thrown away and the
  item sends its request itself, re-login included;
* under pytest-xdist (each worker already runs in parallel), for in-process targets and with
  ``concurrency: 1`` nothing is prefetched.

Bounded: at most ``window`` requests are in flight or waiting, each with the target's timeout.
"""

from __future__ import annotations

import os
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from ..core.errors import SecureError
from .config import AuthzConfig, Rule, _fill

if TYPE_CHECKING:
    from ..core.identities import Identity
    from ..core.session import SecureSession
    from ..core.target import Response, Target

SAFE_METHODS = frozenset({"GET", "HEAD"})


def prefetchable(rule: Rule) -> bool:
    return (rule.call.method in SAFE_METHODS and rule.owner is None and rule.list_kind is None
            and rule.call.json is None and rule.call.form is None)


def _values_key(values: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, str(v)) for k, v in values.items()))


class Prefetcher:
    def __init__(self, session: SecureSession, config: AuthzConfig) -> None:
        from ..core.target import LiveTarget

        self.session = session
        self.config = config
        self.plan: list[tuple[str, int]] = list(config.prefetch_plan)
        self.position = {key: i for i, key in enumerate(self.plan)}
        self.enabled = (config.concurrency > 1 and isinstance(session.target, LiveTarget)
                        and not os.environ.get("PYTEST_XDIST_WORKER") and bool(self.plan))
        self.window = config.concurrency * 8
        self.submitted = 0
        self.futures: dict[tuple[str, int, tuple[tuple[str, str], ...]], Future[Response]] = {}
        self.pool: ThreadPoolExecutor | None = None
        if self.enabled:
            self.pool = ThreadPoolExecutor(max_workers=config.concurrency, thread_name_prefix="pytest-secure-authz")
            weakref.finalize(self, self.pool.shutdown, wait=False, cancel_futures=True)

    def take(self, identity: Identity, rule: Rule, values: dict[str, Any]) -> Response | None:
        """The prefetched response of this cell and value set, or None (then the item sends it)."""
        if not self.enabled:
            return None
        index = self.position.get((identity.name, rule.index))
        if index is None:
            return None
        self._submit_through(index + self.window)
        future = self.futures.pop((identity.name, rule.index, _values_key(values)), None)
        if future is None:
            return None
        try:
            response = future.result(timeout=self.session.target.timeout * 4 + 5)
        except (SecureError, TimeoutError):
            return None  # the item sends it again and reports what happens then
        if response.status in identity._refresh_statuses():
            return None
        identity._remember_cookies(response)  # in the main thread, like an ordinary request
        return response

    def _submit_through(self, end: int) -> None:
        assert self.pool is not None
        while self.submitted < min(end, len(self.plan)):
            name, rule_index = self.plan[self.submitted]
            self.submitted += 1
            identity = self.session.identity(name)
            try:
                identity.ensure_logged_in()
            except SecureError:
                continue  # the item reports the login failure itself
            if identity._token_expired():
                continue
            headers, cookies = identity.credentials()
            rule = self.config.rules[rule_index]
            for values in rule.value_sets():
                key = (name, rule_index, _values_key(values))
                self.futures[key] = self.pool.submit(_send, self.session.target, rule, headers, cookies, values)


def _send(target: Target, rule: Rule, headers: dict[str, str], cookies: dict[str, str],
          values: dict[str, Any]) -> Response:
    call = rule.call
    return target.request(call.method, call.render(values), headers={**headers, **(call.headers or {})},
                          cookies=cookies, params=_fill(call.query, values), follow_redirects=False)
