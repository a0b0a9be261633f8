"""Security headers whose value is one token: X-Frame-Options, X-Content-Type-Options and the
cross-origin isolation headers (COOP, COEP, CORP)."""

from __future__ import annotations

from dataclasses import dataclass

COOP_VALUES = ("same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none")
COEP_VALUES = ("require-corp", "credentialless", "unsafe-none")
CORP_VALUES = ("same-origin", "same-site", "cross-origin")


@dataclass(frozen=True)
class SingleToken:
    value: str | None  # the recognised token, lower case; None when invalid
    raw: str
    problem: str | None = None


def _single(values: list[str], allowed: tuple[str, ...], header: str) -> SingleToken | None:
    if not values:
        return None
    raw = ", ".join(values)
    tokens = {v.split(";", 1)[0].strip().lower() for value in values for v in value.split(",") if v.strip()}
    if len(tokens) != 1:
        return SingleToken(None, raw, f"{header} has conflicting values {raw!r} (browsers then ignore it)")
    token = tokens.pop()
    if token not in allowed:
        return SingleToken(None, raw, f"{header} value {raw!r} is not one of {', '.join(allowed)}")
    return SingleToken(token, raw)


def parse_xfo(values: list[str]) -> SingleToken | None:
    """X-Frame-Options: DENY or SAMEORIGIN; ALLOW-FROM is obsolete and ignored by browsers."""
    result = _single(values, ("deny", "sameorigin"), "X-Frame-Options")
    if result is not None and result.value is None and "allow-from" in result.raw.lower():
        return SingleToken(None, result.raw, "X-Frame-Options ALLOW-FROM is obsolete; browsers ignore it")
    return result


def parse_xcto(values: list[str]) -> SingleToken | None:
    return _single(values, ("nosniff",), "X-Content-Type-Options")


def parse_coop(values: list[str]) -> SingleToken | None:
    return _single(values, COOP_VALUES, "Cross-Origin-Opener-Policy")


def parse_coep(values: list[str]) -> SingleToken | None:
    return _single(values, COEP_VALUES, "Cross-Origin-Embedder-Policy")


def parse_corp(values: list[str]) -> SingleToken | None:
    return _single(values, CORP_VALUES, "Cross-Origin-Resource-Policy")
