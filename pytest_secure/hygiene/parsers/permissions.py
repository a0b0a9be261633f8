"""Permissions-Policy (an RFC 8941 structured-field dictionary) and the older Feature-Policy.

``camera=(), geolocation=(self "https://maps.example")``: each feature maps to an inner list
of origins (``self``, ``*`` or quoted origins). A syntax error makes browsers drop the whole
header, so problems are recorded rather than skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_KEY = re.compile(r"^[a-z*][a-z0-9_.*-]*$")
_ITEM = re.compile(r'\s*(\*|self|src|"[^"\\]*")\s*')


@dataclass
class PermissionsPolicy:
    features: dict[str, list[str]] = field(default_factory=dict)  # feature -> allowlist ([] = disabled)
    problems: list[str] = field(default_factory=list)
    legacy: bool = False  # Feature-Policy syntax

    def allows_everyone(self, feature: str) -> bool:
        return "*" in self.features.get(feature, [])


def parse_permissions_policy(values: list[str], *, legacy: bool = False) -> PermissionsPolicy | None:
    if not values:
        return None
    result = PermissionsPolicy(legacy=legacy)
    text = ", ".join(values)
    if legacy:  # Feature-Policy: "camera 'none'; geolocation 'self' https://x"
        for item in text.split(";"):
            parts = item.split()
            if parts:
                result.features[parts[0].lower()] = [p.strip("'").lower() for p in parts[1:] if p.strip("'") != "none"]
        return result
    for member in _split_members(text):
        key, sep, value = member.partition("=")
        key = key.strip()
        if not _KEY.match(key):
            result.problems.append(f"invalid feature name {key!r}")
            continue
        if not sep:  # a bare key is the boolean true, which is not an allowlist
            result.problems.append(f"{key} has no allowlist; write {key}=() to disable it or {key}=(self)")
            continue
        value = value.split(";", 1)[0].strip()  # drop parameters such as ;report-to=x
        if value in ("*", "self"):
            result.features[key] = [value]
        elif value.startswith("(") and value.endswith(")"):
            inner = value[1:-1]
            items = inner.split()
            if not all(_ITEM.fullmatch(i) for i in items):
                result.problems.append(f"{key}: invalid allowlist {value}")
                continue
            result.features[key] = [i.strip('"') for i in items]
        elif value.startswith('"') and value.endswith('"'):
            result.features[key] = [value.strip('"')]
        else:
            result.problems.append(f"{key}: invalid allowlist {value!r} (Feature-Policy syntax in Permissions-Policy?)")
    return result


def _split_members(text: str) -> list[str]:
    """Split on commas outside quotes and parentheses."""
    out: list[str] = []
    buf: list[str] = []
    depth, quoted = 0, False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0 and not quoted:
            out.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
    if "".join(buf).strip():
        out.append("".join(buf).strip())
    return [m for m in out if m]
