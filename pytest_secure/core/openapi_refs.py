"""References of an OpenAPI document, followed only within the scope.

A target's OpenAPI document is input from the system under test: left to schemathesis, a
``$ref: http://elsewhere/x.json#/...`` (or an example's ``externalValue``) is fetched from
wherever it points, with a client that follows the environment's proxies. :func:`bundle_refs`
runs before the document reaches schemathesis and leaves it nothing to fetch:

* local references (``#/components/...``) stay as they are;
* a reference to an ``http(s)`` URL inside ``target.scope`` is fetched once, through the
  caller's scope-checked ``fetch`` (the target's own transport), and copied into the document
  under ``x-pytest-secure-refs``; the reference is rewritten to point there;
* a reference to a file is followed only when the document itself is a local file (the
  user's own files); a document fetched from the target may not make the tool read files;
* anything else (a host outside the scope, another scheme) is a :class:`SetupError` that
  names the reference, where it is, and the fix. Nothing is fetched for it.
"""

from __future__ import annotations

import copy
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import SetupError

STORE = "x-pytest-secure-refs"
MAX_DOCUMENTS = 100  # external documents one OpenAPI document may pull in

__all__ = ["MAX_DOCUMENTS", "STORE", "bundle_refs"]


def bundle_refs(document: dict[str, Any], *, base: str, allows: Callable[[str], bool],
                fetch: Callable[[str], bytes] | None = None, files: bool = False) -> tuple[dict[str, Any], bool]:
    """``document`` (loaded from ``base``, a URL or ``file://`` URI) with every external reference
    inlined, and whether anything changed. ``allows(url)`` is the scope; ``fetch(url)`` returns the
    body of an in-scope URL; ``files`` allows file references (for a local document)."""
    return _Bundler(base, allows, fetch, files).run(document)


class _Bundler:
    def __init__(self, base: str, allows: Callable[[str], bool], fetch: Callable[[str], bytes] | None,
                 files: bool) -> None:
        self.base = base
        self.allows = allows
        self.fetch = fetch
        self.files = files
        self.keys: dict[str, str] = {}  # document URI -> its key under STORE
        self.store: dict[str, Any] = {}
        self.pending: list[tuple[str, str]] = []  # (document URI, key) still to walk
        self.changed = False

    def run(self, document: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        self.ids = _named_ids(document)
        if not _has_external(document):
            return document, False
        root = copy.deepcopy(document)
        self._walk(root, self.base, "", "#")
        while self.pending:
            uri, key = self.pending.pop()
            self._walk(self.store[key], uri, f"/{STORE}/{key}", uri)
        if self.store:
            root[STORE] = self.store
        return root, self.changed

    def _walk(self, node: Any, doc_uri: str, prefix: str, where: str) -> None:
        stack: list[tuple[Any, str]] = [(node, where)]
        while stack:
            current, at = stack.pop()
            if isinstance(current, dict):
                ref = current.get("$ref")
                if isinstance(ref, str):
                    current["$ref"] = self._rewrite(ref, doc_uri, prefix, at)
                external = current.get("externalValue")
                if isinstance(external, str) and not isinstance(current.get("value"), dict | list):
                    current["value"] = self._external_value(external, doc_uri, at)
                    del current["externalValue"]
                    self.changed = True
                stack += [(v, f"{at}/{_escape(str(k))}") for k, v in current.items() if isinstance(v, dict | list)]
            elif isinstance(current, list):
                stack += [(v, f"{at}/{i}") for i, v in enumerate(current) if isinstance(v, dict | list)]

    def _rewrite(self, ref: str, doc_uri: str, prefix: str, where: str) -> str:
        if ref.startswith("#"):
            return _local(ref[1:], prefix, ref)
        resolved = urllib.parse.urljoin(doc_uri, ref.strip())
        uri, _, fragment = resolved.partition("#")
        if uri == doc_uri.partition("#")[0]:
            return _local(fragment, prefix, "#" + fragment)
        if uri in self.ids:  # a part of this document that names itself: schemathesis finds it in place
            return ref
        key = self._load(uri, ref, where)
        self.changed = True
        return _local(fragment, f"/{STORE}/{key}", "#" + fragment)

    def _load(self, uri: str, ref: str, where: str) -> str:
        if uri in self.keys:
            return self.keys[uri]
        if len(self.keys) >= MAX_DOCUMENTS:
            raise SetupError(f"the OpenAPI document refers to more than {MAX_DOCUMENTS} other documents "
                             f"(at {where}: {ref!r}); bundle it into one file")
        document = _parse(self._read(uri, ref, where, "reference"), uri)
        key = self.keys[uri] = str(len(self.keys))
        self.store[key] = document
        self.pending.append((uri, key))
        return key

    def _read(self, uri: str, ref: str, where: str, what: str) -> bytes:
        scheme = urllib.parse.urlsplit(uri).scheme.lower()
        if scheme in ("http", "https"):
            if not self.allows(uri):
                raise SetupError(
                    f"the OpenAPI document has a {what} to {ref!r} (at {where}), on a host outside target.scope: "
                    "it was not fetched. Make the document self-contained (inline that part), or add the host to "
                    "target.scope if it really is yours")
            if self.fetch is None:
                raise SetupError(f"the OpenAPI document has a {what} to {ref!r} (at {where}), which cannot be "
                                 "fetched here; make the document self-contained")
            return self.fetch(uri)
        if scheme == "file":
            if not self.files:
                raise SetupError(
                    f"the OpenAPI document has a {what} to the file {ref!r} (at {where}): a document served by the "
                    "target may refer only within itself or to URLs inside target.scope; make it self-contained")
            path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(uri).path))
            try:
                return path.read_bytes()
            except OSError as exc:
                raise SetupError(f"the OpenAPI document has a {what} to {ref!r} (at {where}), and {path} cannot be "
                                 f"read: {exc.strerror or exc}; fix the reference") from None
        raise SetupError(
            f"the OpenAPI document has a {what} to {ref!r} (at {where}): only local references (#/...), files next "
            "to a local document and http(s) URLs inside target.scope are followed; make the document self-contained")

    def _external_value(self, value: str, doc_uri: str, where: str) -> str:
        uri = urllib.parse.urljoin(doc_uri, value.strip()).partition("#")[0]
        return self._read(uri, value, where, "externalValue").decode("utf-8", "replace")


def _local(fragment: str, prefix: str, original: str) -> str:
    """A fragment of the document stored at ``prefix`` (a JSON pointer; anchors stay as they are)."""
    if not prefix:
        return original
    if fragment == "" or fragment.startswith("/"):
        return f"#{prefix}{fragment}"
    return original


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _named_ids(document: Any) -> set[str]:
    found: set[str] = set()
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            value = node.get("$id")
            if isinstance(value, str) and ("://" in value or value.startswith("urn:")):
                found.add(value.partition("#")[0])
            stack += [v for v in node.values() if isinstance(v, dict | list)]
        elif isinstance(node, list):
            stack += [v for v in node if isinstance(v, dict | list)]
    return found


def _has_external(document: Any) -> bool:
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return True
            if isinstance(node.get("externalValue"), str):
                return True
            stack += [v for v in node.values() if isinstance(v, dict | list)]
        elif isinstance(node, list):
            stack += [v for v in node if isinstance(v, dict | list)]
    return False


def _parse(raw: bytes, where: str) -> Any:
    import yaml

    try:
        document = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SetupError(f"{where} (referenced by the OpenAPI document) is not JSON or YAML: {exc}") from None
    if not isinstance(document, dict | list):
        raise SetupError(f"{where} (referenced by the OpenAPI document) is not a mapping or a list")
    return document
