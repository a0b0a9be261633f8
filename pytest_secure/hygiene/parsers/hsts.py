"""Strict-Transport-Security (RFC 6797): max-age, includeSubDomains, preload.

Browsers use only the first header and ignore a header with a missing or repeated
directive; both cases are recorded as problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SIX_MONTHS = 15_768_000  # the HTTP Observatory's threshold, and the HSTS preload list's minimum is a year


@dataclass
class Hsts:
    max_age: int | None = None
    include_subdomains: bool = False
    preload: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems and self.max_age is not None


def parse_hsts(values: list[str]) -> Hsts | None:
    """Parse the HSTS header(s) of a response; None when there is none."""
    if not values:
        return None
    result = Hsts()
    if len(values) > 1:
        result.problems.append(f"{len(values)} Strict-Transport-Security headers (browsers use only the first)")
    seen: set[str] = set()
    for part in values[0].split(";"):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip().lower()
        value = value.strip().strip('"')
        if name in seen:
            result.problems.append(f"directive {name} appears twice (the header is then ignored)")
            continue
        seen.add(name)
        if name == "max-age":
            if not sep or not value.isdigit():
                result.problems.append(f"max-age must be a number of seconds, got {part!r}")
            else:
                result.max_age = int(value)
        elif name == "includesubdomains":
            result.include_subdomains = True
        elif name == "preload":
            result.preload = True
    if result.max_age is None and not any("max-age" in p for p in result.problems):
        result.problems.append("no max-age directive (the header is ignored without one)")
    return result
