"""Reading a JWT without verifying it: the one decoder of its base64url JSON parts.

Used for the ``exp``/``iat`` of identities' bearer tokens (re-login, session lifetime checks)
and by the JWT forgery probes (which need the header and payload to forge copies). Nothing
here checks a signature.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


def b64url_decode(text: str) -> bytes:
    """Base64url without padding (as in JWTs) -> bytes. Invalid input raises ``ValueError``."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decode_part(segment: str) -> dict[str, Any]:
    """One JSON part (header or payload) of a JWT; ``ValueError`` when it is not a base64url JSON object."""
    try:
        value = json.loads(b64url_decode(segment))
    except (ValueError, binascii.Error) as exc:
        raise ValueError(f"a JWT part is not base64url-encoded JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError("JWT header and payload must be JSON objects")
    return value


def split_token(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(header, payload, signature segment) of a JWT; ``ValueError`` when it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("a JWT has three dot-separated parts")
    return decode_part(parts[0]), decode_part(parts[1]), parts[2]


def decode_payload(token: str) -> dict[str, Any] | None:
    """The claims of a JWT, unverified, or None when ``token`` is not a JWT with a JSON-object payload."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        return decode_part(parts[1])
    except ValueError:
        return None
