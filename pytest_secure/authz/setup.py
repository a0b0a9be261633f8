"""Setup steps: the requests a check sends first to make what it needs, and the values it keeps.

Shared by object kinds (``objects.<kind>.create``), sequences (``sequences[].steps``) and the
rules' ``setup``/``teardown`` (:mod:`.setup_cells`): a step is sent as a chosen identity
(``as:``), and its ``extract`` takes values from the answer (a JSON path, a header, the last
segment of ``Location``) or from the request the step itself sent (``sent``: creates that
answer 201 with an empty body). ``{unique}`` is a value no other cell and no other run uses
(``psec`` + a per-run token + a per-cell counter: lowercase letters and digits, so it passes
username and slug validators).
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import urllib.parse
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..core.errors import SetupError
from .config import UNIQUE, Call, Source, Step, _fill
from .outcome import snippet

if TYPE_CHECKING:
    from ..core.session import SecureSession
    from ..core.target import Response

_COUNTERS: weakref.WeakKeyDictionary[Any, tuple[str, Iterator[int]]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def unique_value(session: SecureSession) -> str:
    """A new ``{unique}`` value: one per call, never the same twice in a run or across runs."""
    with _LOCK:
        found = _COUNTERS.get(session)
        if found is None:
            found = _COUNTERS[session] = (secrets.token_hex(3), itertools.count(1))
        token, counter = found
        return f"psec{token}{next(counter):03d}"


def sent_body(call: Call, values: dict[str, Any]) -> Any:
    """The body ``call`` sends with ``values`` (what :meth:`Call.send` fills in)."""
    return _fill(call.json if call.json is not None else call.form, values)


def take(source: Source, response: Response, sent: Any) -> str | None:
    """The value ``source`` names, as a string; None when it is not there."""
    value: Any = None
    if source.kind in ("json", "sent"):
        if source.kind == "json":
            try:
                document = response.json()
            except ValueError:
                return None
        else:
            document = sent
        value = _dig(document, source.path)
    elif source.kind == "location":
        location = response.header("location")
        if location:
            segments = [s for s in urllib.parse.urlsplit(location).path.split("/") if s]
            value = urllib.parse.unquote(segments[-1]) if segments else None
    else:
        value = response.header(source.path)
        if value is not None and source.regex:
            match = re.search(source.regex, value)
            value = (match.group(1) if match.groups() else match.group(0)) if match else None
    if value is None or isinstance(value, dict | list) or value == "":
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def _dig(value: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    return value


def run_step(session: SecureSession, step: Step, who: str, values: dict[str, Any], where: str) -> Response:
    """Send ``step`` as ``who`` with ``values``; put its extracted values into ``values``.

    A refused step (HTTP >= 400) or a missing value is a :class:`SetupError` saying which step
    and what came back: the check would otherwise judge something that was never made."""
    response = step.call.send(session.identity(who), values)
    if response.status >= 400:
        raise SetupError(f"setup untrustworthy: {where}: {step.call.label} as {who} answered {response.status} "
                         f"({snippet(response)}); fix the step (its body, its `as:` identity)")
    extract(step, response, values, who, where)
    return response


def extract(step: Step, response: Response, values: dict[str, Any], who: str, where: str) -> None:
    """Put the values ``step.extract`` names into ``values`` (a missing one is a :class:`SetupError`)."""
    sent = sent_body(step.call, values)
    for var, source in step.extract.items():
        value = take(source, response, sent)
        if value is None:
            raise SetupError(f"setup untrustworthy: {where}: {step.call.label} as {who} answered {response.status} "
                             f"without {source.describe()} ({snippet(response)}); fix the step's `extract.{var}` "
                             "(a create that answers no id: `{sent: field}` takes the id the step sent, "
                             "`{location: true}` the Location header's last segment)")
        values[var] = value


def run_steps(session: SecureSession, steps: tuple[Step, ...], default: str, values: dict[str, Any],
              where: str) -> list[str]:
    """Run ``steps`` in order (each as its ``as:`` identity, else ``default``); who sent each."""
    senders = []
    for step in steps:
        who = step.identity or default
        run_step(session, step, who, values, where)
        senders.append(who)
    return senders


def with_unique(session: SecureSession, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with a fresh ``{unique}`` (unless the caller set one)."""
    return values if UNIQUE in values else {**values, UNIQUE: unique_value(session)}
