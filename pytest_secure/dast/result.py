"""What one scan produced, in a form that survives JSON: the controller scans once and hands
this to every pytest-xdist worker, which builds the same items from it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..core.findings import Finding, Severity
from ..core.rules import Rule


@dataclass
class RuleGroup:
    """One pytest item: every finding of one rule."""

    rule_id: str
    label: str  # the item's name inside dast[...]
    findings: list[Finding] = field(default_factory=list)


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
