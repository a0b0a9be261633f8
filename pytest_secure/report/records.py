"""Records: what a check item's report carries to the reporters (redacted, JSON-safe).

The record travels as an attribute of the pytest ``TestReport``, so it crosses from
pytest-xdist workers to the controller with the report itself.
"""

from __future__ import annotations

from typing import Any

import pytest

from ..findings import Finding
from ..gate import Verdict
from ..redaction import Redactor
from ..state import STATE


def attach_record(item: Any, when: str, report: pytest.TestReport) -> None:
    redactor = item.config.stash[STATE].redactor
    check = item.check
    record: dict[str, Any] = {"nodeid": item.nodeid, "area": check.area,
                              "check": redactor.mask_known(check.name),  # a name, not a credential
                              "findings": [], "stale_waivers": [], "used_waivers": [], "error": None}
    verdict: Verdict | None = item.verdict
    if when == "setup" or verdict is None:  # a setup error, or the gate itself did not run
        if when == "setup" and not report.failed:
            return
        record.update(outcome="error", error=redactor.clean(str(report.longrepr)))
    else:
        record.update(outcome=verdict.outcome, findings=verdict_findings(verdict, redactor, check.area),
                      stale_waivers=[_waiver(w, redactor) for w in verdict.stale],
                      used_waivers=[w.place for w in verdict.used_waivers])
    report.secure_record = record  # type: ignore[attr-defined]


def verdict_findings(verdict: Verdict, redactor: Redactor, area: str | None = None) -> list[dict[str, Any]]:
    """Every finding of a verdict as a record entry with its status (failing, warning, waived,
    expired) and area (``None``: the area of its rule)."""
    groups = (("failing", [(f, None) for f in verdict.failing]),
              ("warning", [(f, None) for f in verdict.warnings]),
              ("waived", verdict.waived), ("expired", verdict.expired))
    entries = []
    for status, pairs in groups:
        for finding, waiver in pairs:
            data = _finding_record(finding, redactor)
            data.update(status=status, area=area or finding.rule.area,
                        waiver=_waiver(waiver, redactor) if waiver else None)
            entries.append(data)
    return entries


def _finding_record(finding: Finding, redactor: Redactor) -> dict[str, Any]:
    """The finding as JSON-safe data: what came from the target redacted, the rule as registered."""
    clean = redactor.clean
    data = finding.to_dict()
    del data["request"]
    data = {k: clean(v) if isinstance(v, str) else v for k, v in data.items()}
    request = finding.request
    data["request"] = None if request is None else {
        "method": request.method, "url": clean(request.url),
        "headers": {k: redactor.header_value(k, v) for k, v in request.headers.items()},
        "body": clean(request.body) if request.body else None,
        "curl": clean(request.curl(redactor.header_value)),
    }
    data["rule"] = _rule_info(finding)
    return data


def _rule_info(finding: Any) -> dict[str, Any]:
    rule = finding.rule
    return {"id": rule.id, "title": rule.title, "cwe": rule.cwe, "fix": rule.fix, "description": rule.description,
            "default_severity": rule.severity.label}


def _waiver(w: Any, redactor: Redactor) -> dict[str, Any]:
    return {"rule": w.rule, "where": w.where, "reason": redactor.clean(w.reason), "owner": w.owner,
            "ticket": w.ticket, "expires": w.expires.isoformat(), "place": w.place}
