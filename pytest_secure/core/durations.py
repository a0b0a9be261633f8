"""Durations in the baseline (``12h``, ``30m``, ``7d``, ``3600``): the one parser.

Used by the cookie policy (``cookies.*.max-age``) and the authz session checks
(``authz.sessions.max_lifetime``), so both accept the same spellings.
"""

from __future__ import annotations

import re

UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*")


def parse_duration(value: str | int | float) -> float:
    """Seconds in ``value``: a number of seconds, or a number with a unit s, m, h, d or w.

    ``"12h"`` -> 43200.0, ``"1.5 m"`` -> 90.0, ``"3600"`` -> 3600.0, ``45`` -> 45.0. Units are
    case-insensitive and spaces around the number and unit are ignored. Anything else raises
    ``ValueError``.
    """
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.fullmatch(value.lower())
    if not match:
        raise ValueError(f"expected a duration such as 12h, 30m, 7d or seconds, got {value!r}")
    return float(match.group(1)) * UNITS[match.group(2)]
