"""Regular expressions written in the baseline: valid, and not prone to catastrophic backtracking.

A baseline regex runs on response bodies the target chooses. Python's ``re`` backtracks, so a
pattern with a repeated group that itself repeats (``(a+)+``, ``(.*)*``) or whose repeated
alternatives can match the same text (``(a|a)*``, ``(\\w|\\d)+``) can take exponential time on a
crafted body (ReDoS). :func:`regex_problem` refuses them statically, the rule of the safe-regex
tools ("star height" above 1), before anything runs; rewrite such a pattern without the nesting
(``(a+)+`` -> ``a+``).
"""

from __future__ import annotations

import importlib
from typing import Any

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT)
_MANY = 10  # an outer repeat allowing this many rounds or more counts as unbounded
_PROBE = [chr(i) for i in range(128)] + ["\u00e9", "\u03b1", "\u2028", "\u00a0"]


def regex_problem(pattern: str) -> str | None:
    """What is wrong with ``pattern`` as a baseline regex, or None when it is fine."""
    import re

    try:
        parsed = _parser.parse(pattern)
    except re.error as exc:
        at = f" at position {exc.pos}" if exc.pos is not None else ""
        return f"not a valid regular expression: {exc.msg}{at} of {pattern!r}"
    found = _walk(list(parsed), inside_repeat=False)
    if found is None:
        return None
    return (f"{pattern!r} can take exponential time on a crafted response body (ReDoS): {found}; "
            "rewrite it without a repeat inside a repeat, e.g. (a+)+ -> a+, (a|a)* -> a*")


def _walk(items: list[Any], inside_repeat: bool) -> str | None:
    for op, av in items:
        found = None
        if op in _REPEATS:
            low, high, sub = av
            if inside_repeat and high > 1 and high != low:
                return "a repeated group contains another repeat (nested quantifiers such as (a+)+)"
            many = high == _c.MAXREPEAT or high >= _MANY
            found = _walk(list(sub), inside_repeat or many)
        elif op is _c.SUBPATTERN:
            found = _walk(list(av[3]), inside_repeat)
        elif op is _c.BRANCH:
            if inside_repeat and _overlapping([list(a) for a in av[1]]):
                return "a repeated group's alternatives can match the same text (such as (a|a)*)"
            for alternative in av[1]:
                found = found or _walk(list(alternative), inside_repeat)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            found = _walk(list(av[1]), inside_repeat)
        elif op is _c.GROUPREF_EXISTS:
            found = _walk(list(av[1]), inside_repeat) or (_walk(list(av[2]), inside_repeat) if av[2] else None)
        # atomic groups and possessive repeats do not backtrack: nothing to look for inside
        if found:
            return found
    return None


def _overlapping(alternatives: list[list[Any]]) -> bool:
    """Whether two of the alternatives match the same text (equal, or one character in common)."""
    for i, first in enumerate(alternatives):
        for second in alternatives[i + 1:]:
            if first == second:
                return True
            one, two = _chars(first), _chars(second)
            if one is not None and two is not None and one & two:
                return True
    return False


def _chars(items: list[Any]) -> set[str] | None:
    """The probe characters a one-character alternative (``a``, ``[a-z]``, ``a?``, ``\\w+``) starts
    with (None: not such an alternative)."""
    if len(items) != 1:
        return None
    op, av = items[0]
    if op in _REPEATS:
        return _chars(list(av[2]))
    if op is _c.LITERAL:
        return {chr(av)}
    if op is _c.NOT_LITERAL:
        return {ch for ch in _PROBE if ch != chr(av)}
    if op is _c.ANY:
        return {ch for ch in _PROBE if ch != "\n"}
    if op is _c.IN:
        return {ch for ch in _PROBE if _in_set(av, ch)}
    return None


def _in_set(entries: list[Any], ch: str) -> bool:
    negate = bool(entries) and entries[0][0] is _c.NEGATE
    hit = False
    for op, av in entries[1:] if negate else entries:
        if op is _c.LITERAL:
            hit = hit or ch == chr(av)
        elif op is _c.RANGE:
            hit = hit or av[0] <= ord(ch) <= av[1]
        elif op is _c.CATEGORY:
            hit = hit or _category(av, ch)
    return hit != negate


def _category(category: Any, ch: str) -> bool:
    tests = {
        _c.CATEGORY_DIGIT: ch.isdigit(), _c.CATEGORY_NOT_DIGIT: not ch.isdigit(),
        _c.CATEGORY_SPACE: ch.isspace(), _c.CATEGORY_NOT_SPACE: not ch.isspace(),
        _c.CATEGORY_WORD: ch.isalnum() or ch == "_", _c.CATEGORY_NOT_WORD: not (ch.isalnum() or ch == "_"),
    }
    return tests.get(category, True)  # an unknown category: assume it overlaps
