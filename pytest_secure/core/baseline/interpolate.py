"""``${VAR}`` and ``${VAR:-default}`` in baseline strings; ``$${`` writes a literal ``${``.

Every value produced by interpolation is a secret: it is returned in ``secrets`` so that the
redactor masks it wherever it would otherwise appear.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from ..errors import BadReference, MissingVariable
from .yamlpos import Path

_REFERENCE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{[^}]*\}?")


def interpolate(data: Any, environ: Mapping[str, str] | None = None) -> tuple[Any, set[str]]:
    """Return ``data`` with references replaced, and the set of secret values produced."""
    env = os.environ if environ is None else environ
    secrets: set[str] = set()

    def expand(text: str, path: Path) -> str:
        used = False

        def replace(match: re.Match[str]) -> str:
            nonlocal used
            whole = match.group(0)
            if whole == "$${":
                return "${"
            name, default = match.group(1), match.group(2)
            if name is None:
                raise BadReference(path, whole)
            used = True
            if name in env:
                value = env[name]
                secrets.add(value)
                return value
            if default is not None:
                return default
            raise MissingVariable(path, name)

        result = _REFERENCE.sub(replace, text)
        if used:
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
