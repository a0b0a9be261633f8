"""The one currency of pytest-secure: rules, severities and findings.

Every check, ZAP included, returns :class:`Finding` objects; the gate decides what they
mean for the pytest outcome and the reporters write them. A finding never formats its own
pass/fail.
"""

from __future__ import annotations

import enum
import hashlib
import json
import shlex
from collections.abc import Callable, Iterable
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


@dataclass(frozen=True)
class Rule:
    """A stable, namespaced rule id with its default severity, CWE and fix advice."""

    id: str
    title: str
    severity: Severity
    cwe: int | None
    fix: str
    description: str = ""

    @property
    def area(self) -> str:
        return self.id.split("/", 1)[0]


_RULES: dict[str, Rule] = {}


def register_rule(
    id: str, title: str, severity: str | Severity, cwe: int | None, fix: str, description: str = ""
) -> Rule:
    """Declare a rule. Check modules call this at import time; ids must be unique."""
    rule = Rule(id, title, Severity.parse(severity), cwe, fix, description)
    existing = _RULES.get(id)
    if existing is not None and existing != rule:
        raise ValueError(f"rule {id!r} registered twice with different definitions")
    _RULES[id] = rule
    return rule


def register_rules(table: Iterable[tuple[str, str, str, int | None, str]],
                   describe: Callable[[str], str] = lambda title: title + ".") -> tuple[str, ...]:
    """Register ``(id, title, severity, cwe, fix)`` rows; ``describe(title)`` gives each description.
    Returns the ids, in order, for a check's ``rules``."""
    return tuple(register_rule(i, title, sev, cwe, fix, describe(title)).id for i, title, sev, cwe, fix in table)


def get_rule(rule_id: str) -> Rule:
    """Return a registered rule; unknown ids (e.g. a ZAP plugin id) get a generic rule."""
    rule = _RULES.get(rule_id)
    if rule is None:
        rule = Rule(rule_id, rule_id, Severity.MEDIUM, None, "See the rule's documentation.")
    return rule


def all_rules() -> list[Rule]:
    """Every registered rule, sorted by id (check modules must have been imported)."""
    return sorted(_RULES.values(), key=lambda r: r.id)


@dataclass
class Request:
    """What was sent, kept for the curl reproduction line (credentials are redacted later)."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None

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
    severity: Severity | None = None  # None: the rule's default severity
    request: Request | None = None
    key: str = ""  # extra identity for the fingerprint, e.g. the header or cookie name

    @property
    def rule(self) -> Rule:
        return get_rule(self.rule_id)

    @property
    def effective_severity(self) -> Severity:
        return self.severity if self.severity is not None else self.rule.severity

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
        data["severity"] = self.effective_severity.label
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
        )

    def __str__(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)
