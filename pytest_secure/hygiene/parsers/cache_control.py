"""Cache-Control directives (RFC 9111): a comma-separated list of ``name`` or ``name=value``."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CacheControl:
    directives: dict[str, str | None] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.directives

    @property
    def max_age(self) -> int | None:
        value = self.directives.get("max-age")
        return int(value) if value is not None and value.isdigit() else None

    @property
    def prevents_storage(self) -> bool:
        """``no-store`` keeps the response out of every cache (browser and shared)."""
        return self.has("no-store")


def parse_cache_control(values: list[str]) -> CacheControl | None:
    if not values:
        return None
    result = CacheControl()
    for value in values:
        for item in value.split(","):
            name, sep, arg = item.strip().partition("=")
            name = name.strip().lower()
            if name and name not in result.directives:
                result.directives[name] = arg.strip().strip('"') if sep else None
    return result
