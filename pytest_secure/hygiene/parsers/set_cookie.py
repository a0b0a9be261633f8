"""Set-Cookie (RFC 6265bis): name, value and attributes, the lifetime a browser would keep,
and whether the ``__Host-`` / ``__Secure-`` prefix rules hold.

Attribute names are case-insensitive; when an attribute repeats, the last one wins. Max-Age
takes precedence over Expires.
"""

from __future__ import annotations

import datetime
import email.utils
import re
from dataclasses import dataclass, field

SAMESITE_VALUES = {"strict": "Strict", "lax": "Lax", "none": "None"}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


@dataclass
class SetCookie:
    name: str
    value: str
    raw: str
    attributes: dict[str, str | None] = field(default_factory=dict)  # lower-case name -> value (last wins)
    problems: list[str] = field(default_factory=list)

    @property
    def secure(self) -> bool:
        return "secure" in self.attributes

    @property
    def httponly(self) -> bool:
        return "httponly" in self.attributes

    @property
    def samesite(self) -> str | None:
        """``Strict``, ``Lax``, ``None``, the raw text of an invalid value, or None when absent."""
        value = self.attributes.get("samesite")
        if "samesite" not in self.attributes:
            return None
        return SAMESITE_VALUES.get((value or "").strip().lower(), value or "")

    @property
    def domain(self) -> str | None:
        value = self.attributes.get("domain")
        return value.strip().lstrip(".").lower() or None if value else None

    @property
    def path(self) -> str | None:
        return self.attributes.get("path")

    @property
    def deletes(self) -> bool:
        """A cookie set to expire at once (logout); its flags matter little."""
        lifetime = self.lifetime_seconds()
        return lifetime is not None and lifetime <= 0

    def lifetime_seconds(self, now: datetime.datetime | None = None) -> float | None:
        """Seconds the browser keeps the cookie; None for a session cookie (no Max-Age/Expires)."""
        max_age = self.attributes.get("max-age")
        if max_age is not None and re.fullmatch(r"-?\d+", max_age.strip()):
            return float(int(max_age.strip()))
        expires = self.attributes.get("expires")
        if expires:
            when = parse_cookie_date(expires)
            if when is not None:
                now = now or datetime.datetime.now(datetime.UTC)
                return (when - now).total_seconds()
        return None

    def prefix_problems(self) -> list[str]:
        """Why a ``__Host-`` or ``__Secure-`` cookie would be rejected by browsers."""
        problems = []
        lower = self.name.lower()
        if lower.startswith(("__secure-", "__host-")) and not self.secure:
            problems.append(f"{self.name} uses a prefix that requires the Secure attribute")
        if lower.startswith("__host-"):
            if self.domain is not None:
                problems.append(f"{self.name}: a __Host- cookie must not have a Domain attribute")
            if (self.path or "").strip() != "/":
                problems.append(f"{self.name}: a __Host- cookie must have Path=/")
        return problems


def parse_set_cookie(header: str) -> SetCookie:
    pair, _, rest = header.partition(";")
    name, sep, value = pair.partition("=")
    name, value = name.strip(), value.strip()
    cookie = SetCookie(name=name if sep else "", value=value if sep else name, raw=header)
    if not sep:
        cookie.problems.append("no name=value pair")
    for attr in rest.split(";"):
        key, sep, val = attr.partition("=")
        key = key.strip().lower()
        if key:
            cookie.attributes[key] = val.strip() if sep else None
    samesite = cookie.attributes.get("samesite", "lax")
    if "samesite" in cookie.attributes and (samesite or "").strip().lower() not in SAMESITE_VALUES:
        cookie.problems.append(f"SameSite={samesite} is not Strict, Lax or None (browsers treat it as Lax)")
    return cookie


def parse_cookie_date(text: str) -> datetime.datetime | None:
    """Expires dates: RFC 1123 first, then the lenient RFC 6265 algorithm's common shapes."""
    text = text.strip()
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        when = None
    if when is None:
        match = re.search(r"(\d{1,2})[- ]([A-Za-z]{3})[- ](\d{2,4})\s+(\d{1,2}):(\d{1,2}):(\d{1,2})", text)
        if not match or match.group(2).lower() not in _MONTHS:
            return None
        day, mon, year, hh, mm, ss = match.groups()
        year_n = int(year)
        year_n += 1900 if 70 <= year_n <= 99 else 2000 if year_n < 70 else 0
        try:
            when = datetime.datetime(year_n, _MONTHS.index(mon.lower()) + 1, int(day), int(hh), int(mm), int(ss))
        except ValueError:
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return when
