"""Judging a write by its effect: what a reader sees of an object before and after the write
(object-level write cells and setup cells share it)."""

from __future__ import annotations

import json
from typing import Any

from .config import Call, Rule
from .outcome import ALLOWED, classify
from .runtime import dig

State = tuple[Any, ...]  # (True, the field or the body) when visible, else (False, the status)


def read_state(read: Call, reader: Any, values: dict[str, Any], field: str | None, rule: Rule) -> State:
    """What ``reader`` sees when it sends ``read`` with ``values``."""
    response = read.send(reader, values)
    if classify(response, rule.matchers) != ALLOWED:
        return (False, response.status)
    if field:
        try:
            return (True, json.dumps(dig(response.json(), field), sort_keys=True))
        except (ValueError, KeyError, IndexError, TypeError):
            return (True, None)
    return (True, response.body)


def show_state(state: State) -> str:
    if not state[0]:
        return f"gone (HTTP {state[1]})"
    value = state[1]
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    text = " ".join(text.split())
    return text[:80] + ("..." if len(text) > 80 else "")
