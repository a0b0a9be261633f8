"""The directed plan of one operation: every input the schema declares, and what goes into each.

Random generation reaches the fields of the cases schemathesis happens to build; an object schema
without ``required`` gets ``{}`` and its fields are never attacked. The directed phase of the
engine therefore starts from the schema, not from a case:

* :func:`declared_fields` lists every text parameter (path, query, header) and every string field
  of the JSON body, optional and nested ones included (``filter.name``, ``tags[0]``), plus the
  *names* of query parameters and headers (a name the server echoes is injectable too);
* :func:`plan` crosses them with the payload families, first payloads first, and with the
  encodings a field expects: base64 for ``format: byte`` (and base64-looking parameters), URL,
  double-URL and JSON-string escapes for the others;
* :func:`placed` puts a value at a path of a body, creating the objects and arrays on the way.

No I/O, no schemathesis import: the engine hands in the operation.
"""

from __future__ import annotations

import base64
import copy
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

# Fields looked at per operation, and the depth of nested objects followed (bounded work).
MAX_FIELDS = 64
MAX_DEPTH = 8
# Header parameters that carry the identity's credentials: left to the identity.
CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
# Location names of the injected *names* (not a case attribute: handled by the engine).
QUERY_NAME, HEADER_NAME = "query_name", "header_name"
# Families whose first payloads are also sent encoded (URL, double-URL, JSON escapes), and
# those injected into parameter and header names.
ENCODED_FAMILIES = ("sqli", "xss", "path-traversal", "command", "ssti", "crlf", "open-redirect")
NAME_FAMILIES = ("xss", "sqli", "ssti", "crlf")
ENCODINGS = ("url", "double-url", "json-escape")
_BASE64_NAME = re.compile(r"(?:^|[-_.])(?:b64|base64)(?:$|[-_.])|base64|b64$", re.I)
# A header name every server parses (an RFC 9110 token): anything else meets the server's own
# 400 (h11, nginx) before the application sees it, which would judge the server, not the app.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


@dataclass(frozen=True)
class Field:
    """One input of an operation: where it is (``query``, ``path_parameters``, ``headers``,
    ``body``, or the names of query parameters / headers), the path inside it, and what its
    schema says about it."""

    location: str
    path: tuple[Any, ...]
    max_length: int | None = None
    encoded: str | None = None  # "base64": the field carries base64 (format: byte, or its name says so)

    @property
    def takes_any_value(self) -> bool:
        """A JSON body field: NoSQL operator objects and numbers may go there too."""
        return self.location == "body"


@dataclass(frozen=True)
class Planned:
    """One directed request: the family, the field, the value sent and how it was encoded."""

    family: str
    field: Field
    value: Any
    encoding: str = ""  # "", "base64", "url", "double-url", "json-escape"
    rank: int = 0  # 0: the family's first payload


# -- what the schema declares ---------------------------------------------------------------------


def parameter_fields(operation: Any) -> list[Field]:
    """Text parameters of ``operation`` (path, query, header), optional ones included."""
    fields = []
    for location in ("path_parameters", "query", "headers"):
        for param in getattr(operation, location, None) or ():
            definition = getattr(param, "definition", None)
            schema = definition.get("schema", {}) if isinstance(definition, dict) else {}
            if not isinstance(schema, dict) or schema.get("type") not in ("string", None) or "enum" in schema:
                continue
            if location == "headers" and param.name.lower() in CREDENTIAL_HEADERS:
                continue  # the identity's own credential: a payload there tests nothing but the login
            length = schema.get("maxLength")
            encoded = "base64" if schema.get("format") == "byte" or _BASE64_NAME.search(param.name) else None
            fields.append(Field(location, (param.name,), length if isinstance(length, int) else None, encoded))
    return fields


def body_fields(operation: Any) -> list[Field]:
    """Every string field of the operation's JSON body schema, optional and nested ones included
    (array items as index 0), with local ``$ref`` resolved; at most :data:`MAX_FIELDS`."""
    root = getattr(getattr(operation, "schema", None), "raw_schema", None)
    for body in getattr(operation, "body", None) or ():
        if "json" not in str(getattr(body, "media_type", "")):
            continue
        definition = getattr(body, "definition", None)
        schema = definition.get("schema") if isinstance(definition, dict) else None
        if not isinstance(schema, dict):
            continue
        found: dict[tuple[Any, ...], Field] = {}
        _walk(schema, (schema, root if isinstance(root, dict) else {}), (), 0, found, frozenset())
        return list(found.values())
    return []


def _resolve(schema: Any, roots: tuple[dict[str, Any], ...], seen: frozenset[str]) -> tuple[Any, frozenset[str]]:
    for _ in range(MAX_DEPTH):
        if not isinstance(schema, dict) or not isinstance(schema.get("$ref"), str):
            return schema, seen
        ref = schema["$ref"]
        if not ref.startswith("#/") or ref in seen:
            return {}, seen
        seen = seen | {ref}
        target: Any = None
        for root in roots:
            node: Any = root
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                node = node.get(part) if isinstance(node, dict) else None
            if node is not None:
                target = node
                break
        schema = target if isinstance(target, dict) else {}
    return schema, seen


def _walk(schema: Any, roots: tuple[dict[str, Any], ...], path: tuple[Any, ...], depth: int,
          found: dict[tuple[Any, ...], Field], seen: frozenset[str]) -> None:
    schema, seen = _resolve(schema, roots, seen)
    if not isinstance(schema, dict) or depth > MAX_DEPTH or len(found) >= MAX_FIELDS:
        return
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key) or ():
            _walk(branch, roots, path, depth + 1, found, seen)
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name, sub in properties.items():
            _walk(sub, roots, (*path, str(name)), depth + 1, found, seen)
    if "array" in kinds or "items" in schema:
        _walk(schema.get("items", {}), roots, (*path, 0), depth + 1, found, seen)
    if "string" in kinds and path and path not in found and "enum" not in schema:
        length = schema.get("maxLength")
        encoded = "base64" if schema.get("format") == "byte" or _BASE64_NAME.search(str(path[-1])) else None
        found[path] = Field("body", path, length if isinstance(length, int) else None, encoded)


def declared_fields(operation: Any, *, names: bool = True) -> list[Field]:
    """Every input of ``operation`` a payload can reach: its text parameters, its body's string
    fields and, with ``names``, the names of query parameters and of headers."""
    fields = parameter_fields(operation) + body_fields(operation)
    if names:
        fields += [Field(QUERY_NAME, ()), Field(HEADER_NAME, ())]
    return fields[:MAX_FIELDS]


# -- encodings -------------------------------------------------------------------------------------


def encode(value: str, encoding: str) -> str:
    """``value`` encoded as ``base64``, ``url``, ``double-url`` or ``json-escape`` (``\\uXXXX``
    for every character but letters and digits)."""
    if encoding == "base64":
        return base64.b64encode(value.encode("utf-8")).decode("ascii")
    if encoding == "url":
        return urllib.parse.quote(value, safe="")
    if encoding == "double-url":
        return urllib.parse.quote(urllib.parse.quote(value, safe=""), safe="")
    if encoding == "json-escape":
        return "".join(c if c.isascii() and c.isalnum() else "".join(
            f"\\u{unit:04x}" for unit in _utf16(c)) for c in value)
    raise ValueError(f"unknown encoding {encoding!r}")


def _utf16(char: str) -> Iterator[int]:
    data = char.encode("utf-16-be")
    for i in range(0, len(data), 2):
        yield int.from_bytes(data[i:i + 2], "big")


def decoded_forms(value: str) -> list[str]:
    """What a server may make of ``value`` once it decodes it: URL-decoded (once and twice),
    JSON-unescaped, base64-decoded (when it is printable text). The oracles look for effects of
    these as well as of the value sent."""
    forms = []
    once = urllib.parse.unquote(value)
    if once != value:
        forms.append(once)
        twice = urllib.parse.unquote(once)
        if twice != once:
            forms.append(twice)
    if "\\u" in value:
        try:
            unescaped = re.sub(r"(?:\\u[0-9a-fA-F]{4})+", lambda m: m.group().encode("ascii").decode(
                "unicode-escape").encode("utf-16", "surrogatepass").decode("utf-16"), value)
        except (UnicodeError, ValueError):
            unescaped = value
        if unescaped != value:
            forms.append(unescaped)
    if len(value) >= 4 and len(value) % 4 == 0 and re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", value):
        try:
            text = base64.b64decode(value, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            text = ""
        if text and text.isprintable():
            forms.append(text)
    return forms


# -- the plan ----------------------------------------------------------------------------------------


def plan(fields: Sequence[Field], families: Iterable[str], first_payloads: Any,
         per_family: int = 2) -> tuple[list[Planned], list[Planned]]:
    """(the requests in sending order, the first-rank ones among them).

    Order: the first payload of every family into every field (base64-encoded into base64
    fields), then into the names of query parameters and headers, then the first payloads again
    URL-, double-URL- and JSON-escaped into the text fields, then the later payloads of each
    family. The first-rank list holds the (field, family) pairs of the first step only.
    ``first_payloads(family, max_length)`` returns a family's payloads, simplest first."""
    families = tuple(families)
    first: list[Planned] = []
    named: list[Planned] = []
    encoded: list[Planned] = []
    later: list[Planned] = []
    for family in families:
        for field in fields:
            values = [v for v in first_payloads(family, field.max_length) if _fits(v, field)][:per_family]
            for rank, value in enumerate(values):
                item = _item(family, field, value, rank)
                if item is None:
                    continue
                if rank > 0:
                    later.append(item)
                elif field.location in (QUERY_NAME, HEADER_NAME):
                    named.append(item)
                else:
                    first.append(item)
                if rank == 0 and family in ENCODED_FAMILIES and field.encoded is None \
                        and field.location not in (QUERY_NAME, HEADER_NAME) and isinstance(value, str):
                    encoded += [Planned(family, field, encode(value, e), e) for e in ENCODINGS
                                if encode(value, e) != value]
    # rank by rank, family by family: a late family reaches the last field as surely as the first
    first = _interleave(first, families)
    return first + _interleave(named, families) + _interleave(encoded, families) + _interleave(later, families), first


def _item(family: str, field: Field, value: Any, rank: int) -> Planned | None:
    if field.location in (QUERY_NAME, HEADER_NAME):
        if family not in NAME_FAMILIES or not isinstance(value, str):
            return None
        if field.location == HEADER_NAME and not _HEADER_NAME.fullmatch(value):
            return None
        return Planned(family, field, value, "", rank)
    if field.encoded == "base64":
        if not isinstance(value, str):
            return None
        return Planned(family, field, encode(value, "base64"), "base64", rank)
    return Planned(family, field, value, "", rank)


def _fits(value: Any, field: Field) -> bool:
    if field.takes_any_value:
        return True
    return isinstance(value, str)


def _interleave(items: list[Planned], families: Sequence[str]) -> list[Planned]:
    """Items ordered so that every (field, family) gets its first before any gets its second."""
    order = {family: i for i, family in enumerate(families)}
    return sorted(items, key=lambda p: (p.rank, order.get(p.family, 0)))


# -- putting a value in place ----------------------------------------------------------------------


def placed(container: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of ``container`` with ``value`` at ``path``, creating the objects (for names) and
    arrays (for indexes) on the way; a container of another type is replaced."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        result: Any = copy.deepcopy(container) if isinstance(container, list) else []
        while len(result) <= head:
            result.append(None)
        result[head] = placed(result[head], rest, value)
        return result
    result = copy.deepcopy(container) if isinstance(container, dict) else {}
    result[head] = placed(result.get(head), rest, value)
    return result
