"""Per-session state of the authz checks: owned objects and the OpenAPI document.

One :class:`Runtime` per :class:`~pytest_secure.core.session.SecureSession` (so one per xdist
worker); objects are created lazily, once, by the first cell that needs them.
"""

from __future__ import annotations

import json
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import SetupError
from .config import AuthzConfig, ObjectKind

if TYPE_CHECKING:
    from ..core.session import SecureSession
    from .prefetch import Prefetcher

_RUNTIMES: weakref.WeakKeyDictionary[Any, Runtime] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


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
        assert kind.create is not None and kind.create_id is not None
        response = kind.create.send(self.session.identity(owner))
        if response.status >= 400:
            raise SetupError(f"setup untrustworthy: {owner} could not create a {kind.name} object: "
                             f"{kind.create.label} answered {response.status}; fix authz.objects.{kind.name}.create")
        try:
            value = dig(response.json(), kind.create_id)
        except (ValueError, KeyError, IndexError, TypeError):
            value = None
        if value is None or isinstance(value, dict | list):
            raise SetupError(f"setup untrustworthy: {kind.create.label} as {owner} answered {response.status} "
                             f"without an id at {kind.create_id!r}; fix authz.objects.{kind.name}.create.id")
        return str(value)

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
        try:
            if not source.startswith("/") and local.is_file():
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
        return data


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
