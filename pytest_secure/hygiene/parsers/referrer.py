"""Referrer-Policy: a comma-separated list in which the last token the browser knows wins."""

from __future__ import annotations

from dataclasses import dataclass, field

VALID = ("no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin",
         "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url")
# Policies that send the full URL or the origin to other sites over any scheme (the Observatory's "unsafe").
UNSAFE = frozenset({"unsafe-url", "origin", "origin-when-cross-origin"})
PRIVATE = frozenset({"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"})


@dataclass
class ReferrerPolicy:
    tokens: list[str] = field(default_factory=list)
    effective: str | None = None  # None: no valid token, the browser default applies
    unknown: list[str] = field(default_factory=list)


def parse_referrer_policy(values: list[str]) -> ReferrerPolicy | None:
    if not values:
        return None
    result = ReferrerPolicy()
    for value in values:  # several headers combine like one comma-separated list
        for token in value.split(","):
            token = token.strip().lower()
            if not token:
                continue
            result.tokens.append(token)
            if token in VALID:
                result.effective = token
            else:
                result.unknown.append(token)
    return result
