"""Cross-user scenarios: two identities act on the same resource in one run.

For every pair of operations that create and read one resource (``POST /notes`` and
``GET /notes/{note_id}`` in the OpenAPI document), with two identities A and B:

1. A creates an object (a valid body generated from the schema);
2. B creates the same (the same body): a 5xx is ``fuzz/cross-user-conflict``, one user's data
   made another user's request fail (a uniqueness that is global instead of per owner); a 4xx
   (409 Conflict, or a refusal) is a correct answer;
3. A reads B's object and B reads A's, by the id each create answered: a 2xx that carries the
   other's object (its id) is ``fuzz/cross-user-read``.

Each identity sends with its own cookies and tokens (:class:`~pytest_secure.core.identities.Identity`),
through the run's target (scope guard, caps). The objects are deleted afterwards by their creator
when the document has ``DELETE`` on the item path. Runs only with ``fuzz.destructive: true``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.errors import AppRaised, ScopeError, SetupError, TargetError
from ..core.findings import Finding, Request

if TYPE_CHECKING:
    from ..core.session import SecureSession
    from ..core.target import Response

_ITEM = re.compile(r"^(?P<collection>.*)/\{(?P<param>[^/{}]+)\}$")


@dataclass(frozen=True)
class Pair:
    """A create operation and the read operation of the object it creates."""

    create: str  # POST /notes
    read: str  # GET /notes/{note_id}
    param: str  # note_id
    delete: str | None = None  # DELETE /notes/{note_id}, when documented

    @property
    def name(self) -> str:
        return f"scenario {self.create} -> {self.read}"


def pairs(labels: Iterable[str]) -> list[Pair]:
    """Create/read pairs among ``labels`` (``METHOD /path``): ``POST /x`` with ``GET /x/{id}``."""
    labels = list(labels)
    by_method: dict[str, set[str]] = {}
    for label in labels:
        method, _, path = label.partition(" ")
        by_method.setdefault(method.upper(), set()).add(path)
    found = []
    for path in sorted(by_method.get("GET", ())):
        match = _ITEM.match(path)
        if match and match["collection"] in by_method.get("POST", ()):
            delete = f"DELETE {path}" if path in by_method.get("DELETE", ()) else None
            found.append(Pair(f"POST {match['collection']}", f"GET {path}", match["param"], delete))
    return found


def created_id(response: Response, param: str) -> str | None:
    """The id a create answered: the JSON field named like the path parameter, ``id``, or the
    last segment of ``Location``."""
    try:
        document = json.loads(response.text) if response.body else None
    except ValueError:
        document = None
    if isinstance(document, dict):
        for key in (param, "id", param.removesuffix("_id"), f"{param.removesuffix('_id')}Id"):
            value = document.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value)
    location = response.header("location")
    if location:
        return location.rstrip("/").rsplit("/", 1)[-1] or None
    return None


def valid_body(schema: Any, label: str) -> Any:
    """A valid body of the create operation (schemathesis, positive data); None when it has no body."""
    from schemathesis.generation import GenerationMode
    from schemathesis.generation.hypothesis.examples import generate_one

    operation = schema.find_operation_by_label(label)
    if operation is None:
        raise SetupError(f"the OpenAPI document has no operation {label}")
    case = generate_one(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    body = case.body
    return None if type(body).__name__ == "NotSet" else body


def run(session: SecureSession, schema: Any, pair: Pair, first: str, second: str) -> list[Finding]:
    """The scenario of ``pair`` with identities ``first`` (A) and ``second`` (B)."""
    a, b = session.identity(first), session.identity(second)
    body = valid_body(schema, pair.create)
    method, path = pair.create.split(" ", 1)
    findings: list[Finding] = []
    created: list[tuple[Any, str]] = []
    try:
        made_a = _send(a, method, path, json=body)
        if not 200 <= made_a.status < 300:
            raise SetupError(f"{pair.name}: {first} could not create (HTTP {made_a.status}); the scenario needs "
                             "a create that succeeds: check the identity's permissions or exclude the operation")
        id_a = created_id(made_a, pair.param)
        if id_a is not None:
            created.append((a, id_a))
        made_b: Response | None
        try:
            made_b = _send(b, method, path, json=body)
            status, evidence, request = made_b.status, f"HTTP {made_b.status} {made_b.text[:160]}", made_b.request
        except AppRaised as exc:  # in process: the app raised, which a server answers with a 500
            made_b, status, evidence = None, 500, str(exc)[:300]
            request = Request(method, session.target.base_url.rstrip("/") + path,
                              {"Content-Type": "application/json"}, json.dumps(body))
        if status >= 500 and status not in (501, 505):
            findings.append(Finding(
                "fuzz/cross-user-conflict", f"{second} creating what {first} had created answered {status}: "
                f"{first}'s data made {second}'s request fail", pair.create,
                evidence=evidence, request=request, key=f"{first}|{second}"))
        id_b = created_id(made_b, pair.param) if made_b is not None and 200 <= made_b.status < 300 else None
        if id_b is not None:
            created.append((b, id_b))
        for reader, reader_name, owner_name, object_id in ((a, first, second, id_b), (b, second, first, id_a)):
            if object_id is None or object_id in (id_a if reader is a else id_b,):
                continue
            read = _send(reader, "GET", _item_path(pair.read, pair.param, object_id))
            if 200 <= read.status < 300 and created_id(read, pair.param) == object_id:
                findings.append(Finding(
                    "fuzz/cross-user-read", f"{reader_name} read the object {owner_name} created "
                    f"({pair.param}={object_id}): answered {read.status} with it", pair.read,
                    evidence=f"HTTP {read.status} {read.text[:160]}", request=read.request,
                    key=f"{reader_name}|{owner_name}"))
                break
    except TargetError as exc:
        raise SetupError(f"{pair.name}: {exc}") from None
    finally:
        _cleanup(pair, created)
    return findings


def _send(identity: Any, method: str, path: str, **kwargs: Any) -> Response:
    """``identity.request``, once more when the connection broke: a server closes its keep-alive
    connection after a 500, and the next request on it meets a reset."""
    try:
        response: Response = identity.request(method, path, **kwargs)
    except (AppRaised, ScopeError):
        raise
    except TargetError:
        response = identity.request(method, path, **kwargs)
    return response


def _item_path(template: str, param: str, value: str) -> str:
    import urllib.parse

    return template.split(" ", 1)[1].replace("{" + param + "}", urllib.parse.quote(value, safe=""))


def _cleanup(pair: Pair, created: list[tuple[Any, str]]) -> None:
    """Delete what the scenario created, each object by its creator (best effort)."""
    if pair.delete is None:
        return
    for identity, object_id in created:
        try:
            _send(identity, "DELETE", _item_path(pair.delete, pair.param, object_id))
        except (TargetError, SetupError):
            continue
