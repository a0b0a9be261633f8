"""``${VAR}`` and ``${VAR:-default}`` in baseline strings; ``$${`` writes a literal ``${``.

Interpolation is configuration, not secrecy: ``target.base_url: ${APP_URL}`` stays readable in
every curl line and report. A value is a **secret** (returned in ``secrets``, so that the
redactor masks it wherever it would otherwise appear) when

* the user marks it: ``${secret:VAR}`` (or ``${secret:VAR:-default}``), anywhere;
* it is a credential by its place (:func:`is_secret_place`): an identity's passwords, tokens,
  static headers and cookies, login fields other than the user name, and any key or header
  named like a credential (``Authorization``, ``Cookie``, ``X-Api-Key``, ``api_key``,
  ``password``, ``secret``, ``token``, ``signing_key``...), e.g. ``target.headers.Authorization``
  or ``dast.zap.api_key``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from ..errors import BadReference, MissingVariable
from .yamlpos import Path

_REFERENCE = re.compile(r"\$\$\{|\$\{(secret:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{[^}]*\}?")
_CREDENTIAL_NAME = re.compile(
    r"password|passwd|secret|token|api[_-]?key|apikey|signing[_-]?key|private[_-]?key|authorization|cookie"
    r"|credential|session", re.IGNORECASE)
# keys under identities.<name> that configure a login rather than hold a credential
_IDENTITY_CONFIG = frozenset({"request", "token", "expect_status", "page", "field", "cookie", "header", "username",
                              "user", "email", "login", "name", "roles", "role"})


def is_secret_place(path: Path) -> bool:
    """Whether a value at this key path is a credential (see the module docstring)."""
    keys = [k for k in path if isinstance(k, str)]
    if keys and keys[0] == "identities":
        parent = keys[-2] if len(keys) >= 2 else ""
        if parent in ("headers", "cookies") and len(keys) >= 4:
            return True  # an identity's static headers and cookies
        return bool(keys[2:]) and keys[-1].lower() not in _IDENTITY_CONFIG
    return any(_CREDENTIAL_NAME.search(k) for k in keys)


def interpolate(data: Any, environ: Mapping[str, str] | None = None) -> tuple[Any, set[str]]:
    """Return ``data`` with references replaced, and the set of secret values produced."""
    env = os.environ if environ is None else environ
    secrets: set[str] = set()

    def expand(text: str, path: Path) -> str:
        secret = is_secret_place(path)

        def replace(match: re.Match[str]) -> str:
            whole = match.group(0)
            if whole == "$${":
                return "${"
            marked, name, default = match.group(1), match.group(2), match.group(3)
            if name is None:
                raise BadReference(path, whole)
            if name in env:
                value = env[name]
            elif default is not None:
                value = default
            else:
                raise MissingVariable(path, name)
            if marked or secret:
                secrets.add(value)
            return value

        result = _REFERENCE.sub(replace, text)
        if secret and result != text:  # a credential field is a secret whole ("Token ${T}")
            secrets.add(result)
        return result

    def walk(value: Any, path: Path) -> Any:
        if isinstance(value, str):
            return expand(value, path) if "$" in value else value
        if isinstance(value, dict):
            return {k: walk(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*path, i)) for i, v in enumerate(value)]
        return value

    return walk(data, ()), {s for s in secrets if s}
