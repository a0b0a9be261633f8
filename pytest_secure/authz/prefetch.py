"""Sending the matrix's read-only cells ahead of their items, a few at a time.

A matrix is mostly waiting on the network. For a live target, the plain GET/HEAD cells are
sent by ``authz.concurrency`` threads a window ahead of the item that judges them, so the
requests overlap with pytest's own per-item work. Nothing changes in what is judged:

* only safe, body-less requests are sent early (never writes, objects, sessions...), and
  never a GET whose path or parameter values name an action that changes state
  (:data:`STATE_CHANGING_WORDS`: ``GET /reset-db``, ``GET /logout``...): those keep their place
  in item order, where nothing else is in flight. A rule's ``prefetch: false`` keeps any rule
  in item order; ``prefetch: true`` lets a safe GET that only looks state-changing go ahead;
* each identity logs in first, in the main thread, exactly as its item would;
* a response whose status means "session expired" (``refresh_on``) is thrown away and the
  item sends its request itself, re-login included;
* for in-process targets and with ``concurrency: 1`` nothing is prefetched, nor in a
  pytest-xdist worker that runs only some of the checks (``--dist load``, the default of ``-n``):
  it cannot know which cells are its own, and another worker's would be sent twice. With
  ``--dist loadfile`` one worker gets the whole baseline file and prefetches as one process does,
  while the project's own tests run on the other workers.

Bounded: at most ``window`` requests are in flight or waiting, each with the target's timeout.
The senders are daemon threads: a Ctrl-C or the end of the run never waits for a request in
flight (a ``ThreadPoolExecutor``'s workers are joined at interpreter exit, up to a timeout each).
"""

from __future__ import annotations

import queue
import re
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from ..core.errors import SecureError
from .config import AuthzConfig, Rule, _fill

if TYPE_CHECKING:
    from ..core.identities import Identity
    from ..core.session import SecureSession
    from ..core.target import Response, Target

SAFE_METHODS = frozenset({"GET", "HEAD"})
# Words that, in a GET's path or parameter values, name an action with side effects: such a GET
# is never sent ahead of its item (docs/authz.md lists them). Compared word by word, case and
# separators ignored: /reset-db, /resetDb and /admin/db_reset all contain "reset".
STATE_CHANGING_WORDS = frozenset({
    "logout", "logoff", "signout", "signoff", "reset", "delete", "remove", "destroy", "clear", "purge", "wipe",
    "drop", "truncate", "flush", "erase", "revoke", "invalidate", "expire", "disable", "deactivate", "suspend",
    "ban", "block", "lock", "unlock", "unsubscribe", "cancel", "terminate", "kill", "shutdown", "restart",
    "reboot", "seed", "reseed", "migrate", "rollback", "restore", "import", "sync", "rebuild", "reindex",
    "approve", "reject", "confirm", "activate", "enable", "send", "publish", "trigger", "run", "execute",
})
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def words(text: str) -> list[str]:
    """The lower-case words of a path or value: ``/resetDb/log-out`` -> reset, db, log, out."""
    return [w.lower() for w in _WORD.findall(text)]


def looks_state_changing(rule: Rule) -> bool:
    """Whether the rule's path, query or parameter values contain a :data:`STATE_CHANGING_WORDS`
    word (two adjacent words count joined too: ``log-out``, ``sign_out``)."""
    texts = [rule.call.path, *(f"{k} {v}" for k, v in (rule.call.query or {}).items())]
    texts += [str(v) for values in rule.params.values() for v in values]
    for text in texts:
        found = words(text)
        joined = [a + b for a, b in zip(found, found[1:], strict=False)]
        if STATE_CHANGING_WORDS.intersection(found) or STATE_CHANGING_WORDS.intersection(joined):
            return True
    return False


def prefetchable(rule: Rule) -> bool:
    """Whether the rule's cells may be sent ahead: a safe, body-less plain rule that the user did
    not mark ``prefetch: false`` and whose path does not look state-changing (unless marked
    ``prefetch: true``)."""
    if rule.prefetch is False:
        return False
    plain = (rule.call.method in SAFE_METHODS and rule.owner is None and rule.list_kind is None
             and rule.call.json is None and rule.call.form is None)
    return plain and (rule.prefetch is True or not looks_state_changing(rule))


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
                        and session.runs_every_check and bool(self.plan))
        self.window = config.concurrency * 8
        self.submitted = 0
        self.futures: dict[tuple[str, int, tuple[tuple[str, str], ...]], Future[Response]] = {}
        self.pool: DaemonPool | None = None
        if self.enabled:
            self.pool = DaemonPool(config.concurrency, "pytest-secure-authz")
            weakref.finalize(self, self.pool.shutdown)

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
            if identity._token_expired() or identity.query_params():  # the item sends a query token itself
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


class DaemonPool:
    """A fixed number of daemon threads taking work from a queue: what a ``ThreadPoolExecutor``
    does, minus the join at interpreter exit (a request blocked on a slow target must not hold
    the process after Ctrl-C). :meth:`shutdown` cancels what has not started."""

    def __init__(self, workers: int, name: str) -> None:
        self._work: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None] = \
            queue.SimpleQueue()
        self._workers = workers
        for i in range(workers):
            threading.Thread(target=self._run, name=f"{name}-{i}", daemon=True).start()

    def submit(self, func: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self._work.put((future, func, args))
        return future

    def shutdown(self) -> None:
        while True:
            try:
                item = self._work.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[0].cancel()
        for _ in range(self._workers):
            self._work.put(None)

    def _run(self) -> None:
        while (item := self._work.get()) is not None:
            future, func, args = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(func(*args))
            except BaseException as exc:  # handed to the item that takes the future
                future.set_exception(exc)
