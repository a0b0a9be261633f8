"""The one currency of pytest-secure: severities and findings.

Every check, ZAP included, returns :class:`Finding` objects; the gate decides what they
mean for the pytest outcome (:mod:`.gate`) and the reporters write them. A finding never
formats its own pass/fail, and never changes after its check returned it: the severity the
gate settles on is part of the verdict, not of the finding.
"""

from __future__ import annotations

import enum
import hashlib
import json
import shlex
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


class Severity(enum.IntEnum):
    """Ordered severities; ``Severity.HIGH >= Severity.MEDIUM``."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, value: str | Severity) -> Severity:
        if isinstance(value, Severity):
            return value
        try:
            return cls[value.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {value!r}: expected one of {names}") from None

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass
class Request:
    """What was sent, kept for the curl reproduction line (credentials are redacted later)."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None

    def __repr__(self) -> str:
        """Header names only, and the URL and body redacted: pytest prints this in failing tests'
        locals and assertion diffs, and the header values are credentials (docs/safety.md)."""
        from .redaction import Redactor

        clean = Redactor().clean
        body = f", body=<{len(self.body)} characters>" if self.body else ""
        return f"Request({self.method} {clean(self.url)}, headers={list(self.headers)}{body})"

    def curl(self, mask: Callable[[str, str], str] | None = None) -> str:
        """The request as a curl command; ``mask(name, value)`` hides credential headers."""
        parts = ["curl", "-i", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.headers.items():
            shown = mask(name, value) if mask else value
            parts += ["-H", shlex.quote(f"{name}: {shown}")]
        if self.body:
            parts += ["--data-raw", shlex.quote(self.body)]
        return " ".join(parts)


@dataclass
class Finding:
    """One problem found by one check at one place."""

    rule_id: str
    message: str
    location: str  # "GET /login" or a URL; what a reader needs to find the place
    evidence: str = ""
    severity: Severity | None = None  # None: the rule's default severity (the gate resolves it)
    request: Request | None = None
    key: str = ""  # extra identity for the fingerprint, e.g. the header or cookie name
    places: tuple[str, ...] = ()  # every place it was seen, when one finding stands for several (a crawl's pattern)

    @property
    def fingerprint(self) -> str:
        """Stable across runs: rule, place and key, never the evidence (which may vary)."""
        raw = "\x1f".join((self.rule_id, self.location, self.key))
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    @property
    def path(self) -> str:
        """The path part of the location, used by waivers' ``where``."""
        loc = self.location.split(" ", 1)[-1]
        if "://" in loc:
            loc = "/" + loc.split("://", 1)[1].partition("/")[2]
        return loc.split("?", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.label if self.severity is not None else None
        data["fingerprint"] = self.fingerprint
        data["request"] = asdict(self.request) if self.request else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        req = data.get("request")
        return cls(
            rule_id=data["rule_id"],
            message=data["message"],
            location=data["location"],
            evidence=data.get("evidence", ""),
            severity=Severity.parse(data["severity"]) if data.get("severity") else None,
            request=Request(**req) if req else None,
            key=data.get("key", ""),
            places=tuple(data.get("places") or ()),
        )

    def __str__(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)
