"""``target.scope`` entries: the one parser, and the one meaning of an entry.

An entry is ``host``, ``host:port`` or ``*.domain`` (``*`` matches any run of characters
other than ``/`` and ``:`` in the host name, so never an IPv6 literal). Without a port every
port matches; ``host:443`` also matches an ``https://`` URL with no port (and ``host:80`` an
``http://`` one), because that is the port the URL means. An IPv6 literal is written in
brackets, ``[::1]`` or ``[::1]:8000``.

Both users read the entry from here, so they cannot disagree: the scope guard in front of
every request (:class:`~pytest_secure.core.target.ScopeGuard`, via :meth:`ScopeEntry.allows`)
and the include patterns of the ZAP context (:meth:`ScopeEntry.url_regex`).
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class ScopeEntry:
    """One parsed scope entry: a lower-case host pattern (brackets of IPv6 removed) and an optional port."""

    host: str
    port: int | None = None

    @property
    def host_regex(self) -> str:
        """The host pattern as a regex (Python and Java alike): ``*`` matches any run of characters but / and :."""
        return re.escape(self.host).replace(r"\*", "[^/:]*")

    def matches(self, host: str, port: int) -> bool:
        """Whether a request to ``host`` (brackets of IPv6 removed) on ``port`` is inside this entry."""
        return re.fullmatch(self.host_regex, host.lower()) is not None and self.port in (None, port)

    def allows(self, url: str) -> bool:
        """Whether ``url`` (http or https only) is inside this entry."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            return False
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:  # a port that is not a number, or out of range
            return False
        return self.matches(parts.hostname, port)

    def url_regex(self) -> str:
        """A regex over the whole URL (a ZAP context include pattern) matching what :meth:`allows` allows."""
        host = rf"\[{self.host_regex}\]" if ":" in self.host else self.host_regex  # IPv6 literal: in brackets
        if self.port is None:
            where = rf"https?://{host}(?::\d+)?"
        elif self.port in DEFAULT_PORTS.values():
            default = next(s for s, p in DEFAULT_PORTS.items() if p == self.port)
            other = "https" if default == "http" else "http"
            where = rf"(?:{default}://{host}(?::{self.port})?|{other}://{host}:{self.port})"
        else:
            where = rf"https?://{host}:{self.port}"
        return f"(?i:{where})(?:[/?#].*)?"  # scheme and host are case-insensitive, as in the guard

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port is None else f"{host}:{self.port}"


def parse_scope_entry(entry: str) -> ScopeEntry:
    """``"API.example.com:8443"`` -> ScopeEntry("api.example.com", 8443); ``"[::1]"`` -> ScopeEntry("::1")."""
    text = entry.strip().lower()
    head, sep, tail = text.rpartition(":")
    if sep and tail.isdigit() and not head.endswith(":"):
        return ScopeEntry(head.strip("[]"), int(tail))
    return ScopeEntry(text.strip("[]"))


def scope_regexes(scope: tuple[str, ...] | list[str]) -> list[str]:
    """ZAP context include patterns (Java regexes over the whole URL), one per ``target.scope`` entry."""
    return [parse_scope_entry(entry).url_regex() for entry in scope]
