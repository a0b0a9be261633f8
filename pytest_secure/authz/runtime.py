"""Per-session state of the authz checks: owned objects and the OpenAPI document.

One :class:`Runtime` per :class:`~pytest_secure.core.session.SecureSession` (so one per xdist
worker); objects are created lazily, once, by the first cell that needs them.

Every object ``create`` made is recorded on the session (``SecureSession.created_objects``).
At the end of the run, :class:`CleanupPlugin` sends each kind's ``delete`` request as the
object's owner and checks the effect (``read`` as the owner must no longer find it); objects it
could not delete stay listed, and the reports name them. Under pytest-xdist each worker
deletes its own objects and hands the list to the controller.
"""

from __future__ import annotations

import json
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..core.errors import SecureError, SetupError
from ..core.records import CreatedObject
from .config import AuthzConfig, ObjectKind

if TYPE_CHECKING:
    from ..core.session import SecureSession
    from .prefetch import Prefetcher

_RUNTIMES: weakref.WeakKeyDictionary[Any, Runtime] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()
WORKER_KEY = "pytest_secure_created_objects"  # xdist workeroutput: the worker's created objects
GONE_STATUSES = frozenset({404, 410})  # a read (or a second delete) that means "no such object"


def runtime(session: SecureSession, config: AuthzConfig) -> Runtime:
    with _LOCK:
        found = _RUNTIMES.get(session)
        if found is None:
            found = _RUNTIMES[session] = Runtime(session, config)
        return found


class Runtime:
    def __init__(self, session: SecureSession, config: AuthzConfig) -> None:
        self.session = session
        self.config = config
        self._owned: dict[tuple[str, str], tuple[str, ...]] = {}
        self._openapi: dict[str, Any] | None | SetupError = None
        self._openapi_loaded = False
        self._prefetcher: Prefetcher | None = None
        self.created: list[tuple[ObjectKind, str, str]] = []  # (kind, owner, id), in creation order

    @property
    def prefetcher(self) -> Prefetcher:
        if self._prefetcher is None:
            from .prefetch import Prefetcher

            self._prefetcher = Prefetcher(self.session, self.config)
        return self._prefetcher

    # -- objects ----------------------------------------------------------------------------
    def owned(self, kind: ObjectKind, owner: str) -> tuple[str, ...]:
        """The ids ``owner`` owns: given in the baseline, or created once by its setup request."""
        if kind.ids:
            return kind.ids.get(owner, ())
        if owner not in self.config.owners_of(kind):
            return ()
        key = (kind.name, owner)
        if key not in self._owned:
            try:
                self._owned[key] = (self.create(kind, owner),)
            except SetupError as exc:
                if str(exc).startswith("setup untrustworthy"):
                    raise
                raise SetupError(f"setup untrustworthy: {owner}'s {kind.name} objects could not be made: "
                                 f"{exc}") from None
        return self._owned[key]

    def others(self, kind: ObjectKind, identity: str) -> dict[str, tuple[str, ...]]:
        """Every other owner's ids, by owner."""
        return {o: self.owned(kind, o) for o in self.config.owners_of(kind) if o != identity}

    def create(self, kind: ObjectKind, owner: str) -> str:
        """A fresh object owned by ``owner``; its id comes from the response at ``create.id``."""
        from .setup import sent_body, take, with_unique

        assert kind.create is not None and kind.create_id is not None
        values = with_unique(self.session, {})  # `{unique}` in the body: a value no other object has
        response = kind.create.send(self.session.identity(owner), values)
        if response.status >= 400:
            raise SetupError(f"setup untrustworthy: {owner} could not create a {kind.name} object: "
                             f"{kind.create.label} answered {response.status}; fix authz.objects.{kind.name}.create")
        value = take(kind.create_id, response, sent_body(kind.create, values))
        if value is None:
            raise SetupError(f"setup untrustworthy: {kind.create.label} as {owner} answered {response.status} "
                             f"without {kind.create_id.describe()}; fix authz.objects.{kind.name}.create.id "
                             "(a create that answers no id: `{sent: field}` or `{location: true}`)")
        self.created.append((kind, owner, value))
        return value

    def cleanup(self) -> list[CreatedObject]:
        """Delete every object ``create`` made (newest first), as its owner; what happened to each."""
        done = []
        for kind, owner, object_id in reversed(self.created):
            deleted, note = self._delete(kind, owner, object_id)
            done.append(CreatedObject("authz", kind.name, object_id, owner, deleted, note))
        self.created.clear()
        return done[::-1]

    def _delete(self, kind: ObjectKind, owner: str, object_id: str) -> tuple[bool, str]:
        if kind.delete is None:
            return False, f"no authz.objects.{kind.name}.delete request"
        identity = self.session.identity(owner)
        values = {kind.delete.placeholders[0]: object_id}
        try:
            response = kind.delete.send(identity, values)
            if response.status >= 400 and response.status not in GONE_STATUSES:
                return False, f"{kind.delete.label} answered {response.status}"
            if kind.read is None:  # nothing to read it back with: the delete's status is all there is
                return True, ""
            check = kind.read.send(identity, {kind.read.placeholders[0]: object_id})
        except SecureError as exc:
            return False, f"{kind.delete.label} failed: {exc}"
        if check.status in GONE_STATUSES:
            return True, ""
        return False, (f"{kind.delete.label} answered {response.status}, but {kind.read.label} still answers "
                       f"{check.status}")

    # -- OpenAPI ----------------------------------------------------------------------------
    def openapi(self) -> dict[str, Any] | None:
        """The OpenAPI document of ``target.openapi`` (a path on the target or a local file)."""
        if not self._openapi_loaded:
            self._openapi_loaded = True
            self._openapi = self._load_openapi()
        if isinstance(self._openapi, SetupError):
            raise self._openapi
        return self._openapi

    def _load_openapi(self) -> dict[str, Any] | None | SetupError:
        source = self.session.baseline.target.openapi
        if not source:
            return None
        local = Path(self.session.baseline.path).parent / source
        is_file = not source.startswith("/") and local.is_file()
        try:
            if is_file:
                text = local.read_text("utf-8")
            else:
                response = self.session.fetch("GET", source)
                if response.status != 200:
                    return SetupError(f"target.openapi {source} answered {response.status}; fix target.openapi")
                text = response.text
            data = json.loads(text) if text.lstrip().startswith("{") else _yaml(text)
        except (OSError, ValueError) as exc:
            return SetupError(f"target.openapi {source}: not a readable OpenAPI document ({exc})")
        if not isinstance(data, dict) or not isinstance(data.get("paths"), dict):
            return SetupError(f"target.openapi {source}: no `paths` in the document")
        return self._bundled(data, local.resolve().as_uri() if is_file else self.session.target.url(source), is_file)

    def _bundled(self, data: dict[str, Any], base: str, is_file: bool) -> dict[str, Any] | SetupError:
        """References followed only within target.scope (core.openapi_refs), so that schemathesis
        (authz explore) has nothing left to fetch."""
        from ..core.openapi_refs import bundle_refs

        def fetch(url: str) -> bytes:
            response = self.session.fetch("GET", url)
            if response.status != 200:
                raise SetupError(f"target.openapi: {url} (a reference of the document) answered {response.status}")
            return response.body

        try:
            return bundle_refs(data, base=base, allows=self.session.target.scope.allows, fetch=fetch, files=is_file)[0]
        except SetupError as exc:
            return SetupError(f"target.openapi {self.session.baseline.target.openapi}: {exc}")


def _yaml(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


def dig(value: Any, path: str) -> Any:
    """Follow a dotted path (``data.id``, ``items.0.id``) into JSON data."""
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def dig_all(value: Any, path: str) -> list[Any]:
    """Like :func:`dig`, but ``*`` walks every item of a list (``*.id``, ``items.*.id``)."""
    found = [value]
    for part in path.split("."):
        step: list[Any] = []
        for v in found:
            if part == "*":
                if isinstance(v, list):
                    step.extend(v)
                elif isinstance(v, dict):
                    step.extend(v.values())
            elif isinstance(v, dict) and part in v:
                step.append(v[part])
            elif isinstance(v, list) and part.isdigit() and int(part) < len(v):
                step.append(v[int(part)])
        found = step
    return found


class CleanupPlugin:
    """At the end of the run (before any report is written): delete what the authz checks made.

    Registered by the authz area on the controller and on every xdist worker."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(wrapper=True)  # before the reporters' own sessionfinish writes the JSON and SARIF
    def pytest_sessionfinish(self, session: pytest.Session) -> Any:
        from ..core.state import STATE

        state = self.config.stash.get(STATE, None)
        if state is not None:
            found = _RUNTIMES.get(state)
            if found is not None:
                state.created_objects.extend(found.cleanup())
            output = getattr(self.config, "workeroutput", None)
            if output is not None:
                output[WORKER_KEY] = [o.to_dict() for o in state.created_objects]
        return (yield)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """On the xdist controller: the objects a worker made, and whether it deleted them."""
        from ..core.state import STATE

        state = self.config.stash.get(STATE, None)
        output = getattr(node, "workeroutput", None) or {}
        if state is not None:
            state.created_objects.extend(CreatedObject.from_dict(d) for d in output.get(WORKER_KEY, ()))


def cleanup_plugin(config: pytest.Config) -> CleanupPlugin:
    return CleanupPlugin(config)
