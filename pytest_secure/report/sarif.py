"""SARIF 2.1.0: one run, the rules that fired (with help and CWE tags), one result per finding."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

from .._version import version
from ..core.records import FindingRecord, RuleInfo

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub code scanning reads this 0-10 score; mid-points of its bands
_SCORE = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0", "info": "0.0"}
_LEVEL = {"failing": "error", "expired": "error", "warning": "warning", "waived": "warning"}


def build(reporter: Any) -> dict[str, Any]:
    findings = reporter.findings()
    rules: dict[str, RuleInfo] = {}
    for f in findings:
        rules.setdefault(f.rule_id, f.rule)
    rule_ids = sorted(rules)
    results = [_result(f, rule_ids.index(f.rule_id)) for f in findings]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "pytest-secure",
                "version": version,
                "semanticVersion": version,
                "informationUri": "https://pypi.org/project/pytest-secure/",
                "rules": [_rule(rules[r]) for r in rule_ids],
            }},
            "invocations": [_invocation(reporter)],
            "results": results,
        }],
    }


def _invocation(reporter: Any) -> dict[str, Any]:
    """Successful only when every check ran and none ended in error; an interrupted run says why."""
    errors = any(r.outcome == "error" for r in reporter.records)
    stop = getattr(reporter, "interruption", None)
    invocation: dict[str, Any] = {"executionSuccessful": not errors and stop is None}
    if stop is not None:
        invocation["toolExecutionNotifications"] = [{
            "level": "error",
            "descriptor": {"id": "pytest-secure/run-incomplete"},
            "message": {"text": stop.describe()},
            "properties": {"notRun": stop.to_dict()},
        }]
    return invocation


def _rule(rule: RuleInfo) -> dict[str, Any]:
    tags = ["security"] + ([f"external/cwe/cwe-{rule.cwe}"] if rule.cwe else [])
    text = rule.description or rule.title
    return {
        "id": rule.id,
        "name": "".join(p.capitalize() for p in rule.id.replace("/", "-").split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": text},
        "help": {"text": f"{text} Fix: {rule.fix}", "markdown": f"{text}\n\n**Fix:** {rule.fix}"},
        "defaultConfiguration": {"level": "error" if rule.default_severity in ("critical", "high") else "warning"},
        "properties": {"tags": tags, "security-severity": _SCORE[rule.default_severity],
                       "precision": "high"},
    }


def _result(f: FindingRecord, index: int) -> dict[str, Any]:
    level = "note" if f.severity == "info" and f.status == "warning" else _LEVEL[f.status]
    location: dict[str, Any] = {"logicalLocations": [{"name": f.location, "kind": "resource"}]}
    if f.request is not None and f.request.url:
        location["physicalLocation"] = {"artifactLocation": {"uri": f.request.url}}
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": level,
        "message": {"text": f"{f.message} at {f.location}" + (f" (evidence: {f.evidence})" if f.evidence else "")},
        "locations": [location, *(_place(p, f.request.url if f.request else "") for p in f.places
                                  if p != f.location)],
        "partialFingerprints": {"pytestSecure/v1": f.fingerprint},
        "properties": {"severity": f.severity, "status": f.status, "area": f.area,
                       **({"reproduce": f.request.curl} if f.request is not None else {})},
    }
    if f.status in ("waived", "expired") and f.waiver is not None:
        w = f.waiver
        result["suppressions"] = [{
            "kind": "external",
            "status": "accepted" if f.status == "waived" else "rejected",
            "justification": f"{w.reason} (owner {w.owner}, ticket {w.ticket or '-'}, expires {w.expires})",
        }]
    return result


def _place(place: str, url: str) -> dict[str, Any]:
    """Another place a finding was seen ("GET http://host/items/7", or "GET /items/7" on ``url``'s host)."""
    location: dict[str, Any] = {"logicalLocations": [{"name": place, "kind": "resource"}]}
    where = place.split(" ", 1)[-1]
    if "://" in where or url:
        location["physicalLocation"] = {"artifactLocation": {"uri": urllib.parse.urljoin(url, where)}}
    return location


def write(path: Path, reporter: Any) -> None:
    path.write_text(json.dumps(build(reporter), indent=2) + "\n", encoding="utf-8")
