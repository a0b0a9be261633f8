"""What one scan produced, in a form that survives JSON: the controller scans once and hands
this to every pytest-xdist worker, which builds the same items from it."""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass, field, replace
from typing import Any

from ..core.findings import Finding, Severity
from ..core.rules import Rule

MAX_PAGES_SHOWN = 10  # pages named in a merged finding's evidence (all of them are in its places)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_HEX = re.compile(r"[0-9a-f]{16,}", re.IGNORECASE)


def _segment(segment: str) -> str:
    if segment.isdigit():
        return "{n}"
    if _UUID.fullmatch(segment):
        return "{uuid}"
    if _HEX.fullmatch(segment) and any(c.isdigit() for c in segment):
        return "{hex}"
    return segment


def url_pattern(where: str) -> str:
    """The pattern of a URL or path: numeric, UUID and long hex path segments become ``{n}``,
    ``{uuid}``, ``{hex}``; query values become ``*`` (names kept, sorted, each once); the
    fragment goes. ``/items/42?page=3&q=x`` -> ``/items/{n}?page=*&q=*``."""
    parts = urllib.parse.urlsplit(where)
    path = "/".join(_segment(s) for s in (parts.path or "/").split("/"))
    names = sorted({name for name, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)})
    query = "&".join(f"{name}=*" for name in names)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def location_pattern(location: str) -> str:
    """``METHOD <url pattern>`` of a finding's location (``GET /items/{n}``)."""
    method, sep, where = location.partition(" ")
    return f"{method} {url_pattern(where)}" if sep else url_pattern(location)


def merge_by_pattern(findings: list[Finding]) -> list[Finding]:
    """One finding per rule, key and location pattern, carrying every page it was seen on.

    A crawl reaches ``/items/1`` ... ``/items/300``; the same missing header on each is one
    problem of one page template, reported once at ``GET /items/{n}``, with the pages in its
    ``places`` (and so in SARIF's locations) and the first of them named in its evidence. The
    evidence and request are the first page's. A finding already at its pattern, alone, is kept
    as it is (a result that travelled to an xdist worker merges to itself)."""
    grouped: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in findings:
        grouped.setdefault((finding.rule_id, finding.key, location_pattern(finding.location)), []).append(finding)
    merged = []
    for (_, _, pattern), same in grouped.items():
        first = same[0]
        if len(same) == 1 and first.location == pattern:
            merged.append(first)
            continue
        pages = sorted({p for f in same for p in (f.places or (f.location,))})
        shown = ", ".join(p.split(" ", 1)[-1] for p in pages[:MAX_PAGES_SHOWN])
        more = f" and {len(pages) - MAX_PAGES_SHOWN} more" if len(pages) > MAX_PAGES_SHOWN else ""
        seen = f"seen on {len(pages)} page(s) of this pattern: {shown}{more}"
        merged.append(replace(first, location=pattern, places=tuple(pages),
                              evidence=f"{first.evidence}; {seen}" if first.evidence else seen))
    return merged


@dataclass
class RuleGroup:
    """One pytest item: every finding of one rule, one per URL pattern (:func:`merge_by_pattern`)."""

    rule_id: str
    label: str  # the item's name inside dast[...]
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.findings = merge_by_pattern(self.findings)


@dataclass
class ScanResult:
    engine: str
    target: str
    groups: list[RuleGroup] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)  # the rules of the alerts the scan raised
    incomplete: list[str] = field(default_factory=list)  # why the scan was cut short (partial results)
    notes: list[str] = field(default_factory=list)  # what the scan did, for the terminal
    known: list[dict[str, Any]] = field(default_factory=list)  # accepted fingerprints (--secure-dast-new-only)

    def all_findings(self) -> list[Finding]:
        return [f for g in self.groups for f in g.findings]

    def to_json(self) -> str:
        return json.dumps({
            "engine": self.engine, "target": self.target, "rules": [_rule_data(r) for r in self.rules],
            "incomplete": self.incomplete,
            "notes": self.notes, "known": self.known,
            "groups": [{"rule_id": g.rule_id, "label": g.label, "findings": [_finding_data(f) for f in g.findings]}
                       for g in self.groups],
        })

    @classmethod
    def from_json(cls, text: str) -> ScanResult:
        data = json.loads(text)
        result = cls(engine=data["engine"], target=data["target"], rules=[_rule(r) for r in data["rules"]],
                     incomplete=data["incomplete"], notes=data["notes"], known=data["known"])
        result.groups = [RuleGroup(g["rule_id"], g["label"], [Finding.from_dict(f) for f in g["findings"]])
                         for g in data["groups"]]
        return result


def _finding_data(finding: Finding) -> dict[str, Any]:
    data = finding.to_dict()
    # keep an unset severity unset, so that the rule's default still applies after the trip
    data["severity"] = finding.severity.label if finding.severity is not None else None
    return data


def _rule_data(rule: Rule) -> dict[str, Any]:
    return {"id": rule.id, "title": rule.title, "severity": rule.severity.label, "cwe": rule.cwe, "fix": rule.fix,
            "description": rule.description}


def _rule(data: dict[str, Any]) -> Rule:
    return Rule(data["id"], data["title"], Severity.parse(data["severity"]), data["cwe"], data["fix"],
                data["description"])
