"""The baseline's JSON Schema: ``schema/_root.json`` plus one file per area.

The composed schema is the single source of truth for the file format: the loader
validates against it and ``docs/baseline.md`` is generated from it. Adding an area means
adding ``schema/<area>.json``; nothing else here changes.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any


@functools.cache
def baseline_schema() -> dict[str, Any]:
    """Return the composed baseline schema (cached; treat it as read-only)."""
    folder = resources.files(__package__) / "schema"
    root: dict[str, Any] = json.loads((folder / "_root.json").read_text("utf-8"))
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json") and not entry.name.startswith("_"):
            root["properties"][entry.name[: -len(".json")]] = json.loads(entry.read_text("utf-8"))
    return root
