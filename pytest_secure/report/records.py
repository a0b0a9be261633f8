"""Records: what a check item's report carries to the reporters (redacted, JSON-safe).

The record travels as an attribute of the pytest ``TestReport``, so it crosses from
pytest-xdist workers to the controller with the report itself.
"""

from __future__ import annotations

from typing import Any

import pytest

from ..gate import Verdict
from ..state import STATE


def attach_record(item: Any, when: str, report: pytest.TestReport) -> None:
    state = item.config.stash[STATE]
    clean = state.redactor.clean
    check = item.check
    record: dict[str, Any] = {"nodeid": item.nodeid, "area": check.area, "check": check.name,
                              "findings": [], "stale_waivers": [], "error": None}
    if when == "setup":
        if not report.failed:
            return
        record["outcome"] = "error"
        record["error"] = clean(str(report.longrepr))
    else:
        verdict: Verdict | None = item.verdict
        if verdict is None:  # the gate itself did not run: an internal error
            record["outcome"] = "error"
            record["error"] = clean(str(report.longrepr))
        else:
            record["outcome"] = verdict.outcome
            groups = (("failing", [(f, None) for f in verdict.failing]),
                      ("warning", [(f, None) for f in verdict.warnings]),
                      ("waived", verdict.waived), ("expired", verdict.expired))
            for status, pairs in groups:
                for finding, waiver in pairs:
                    data = _clean_tree(finding.to_dict(), clean)
                    if finding.request is not None:
                        mask = state.redactor.header_value
                        data["request"]["headers"] = {k: mask(k, v) for k, v in finding.request.headers.items()}
                        data["request"]["curl"] = clean(finding.request.curl(mask))
                    data.update(status=status, area=check.area, rule=_rule_info(finding),
                                waiver=_clean_tree(_waiver(waiver), clean) if waiver else None)
                    record["findings"].append(data)
            record["stale_waivers"] = [_clean_tree(_waiver(w), clean) for w in verdict.stale]
            record["used_waivers"] = [w.place for w in verdict.used_waivers]
    names = {"nodeid": item.nodeid, "check": state.redactor.mask_known(check.name)}  # names, not credentials
    report.secure_record = {**_clean_tree(record, clean), **names}  # type: ignore[attr-defined]


def _rule_info(finding: Any) -> dict[str, Any]:
    rule = finding.rule
    return {"id": rule.id, "title": rule.title, "cwe": rule.cwe, "fix": rule.fix, "description": rule.description,
            "default_severity": rule.severity.label}


def _waiver(w: Any) -> dict[str, Any]:
    return {"rule": w.rule, "where": w.where, "reason": w.reason, "owner": w.owner, "ticket": w.ticket,
            "expires": w.expires.isoformat(), "place": w.place}


def _clean_tree(value: Any, clean: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {k: _clean_tree(v, clean) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_tree(v, clean) for v in value]
    return value
