"""The JSON report: every check record, every finding and the waivers' state."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from pathlib import Path
from typing import Any

from .._version import version
from .authz_grid import build as build_authz_grid


def build(reporter: Any) -> dict[str, Any]:
    session = reporter.session
    findings = reporter.findings()
    unused = {w.place for w in reporter.unused_waivers()}
    return {
        "tool": {"name": "pytest-secure", "version": version},
        "generated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "baseline": str(session.baseline.path),
        "target": session.redactor.clean(session.target.base_url),
        "fail_on": session.baseline.gates.fail_on.label,
        "interrupted": reporter.interruption is not None,  # the run ended before all its checks ran
        "not_run": reporter.interruption.to_dict() if reporter.interruption is not None else None,
        "summary": {
            "checks": dict(Counter(r.outcome for r in reporter.records)),
            "findings": dict(Counter(f.status for f in findings)),
            "by_severity": dict(Counter(f.severity for f in findings)),
        },
        "checks": [r.to_dict() for r in reporter.records],
        "findings": [f.to_dict() for f in findings],
        "authz_grid": build_authz_grid(reporter),
        "created_objects": [{**o.to_dict(), "note": session.redactor.clean(o.note)} for o in session.created_objects],
        "waivers": [
            {"rule": w.rule, "where": w.where, "owner": w.owner, "ticket": w.ticket,
             "reason": session.redactor.clean(w.reason), "expires": w.expires.isoformat(),
             "expired": w.expired(session.today), "used": w.place not in unused,
             "place": w.place}
            for w in session.waivers
        ],
    }


def write(path: Path, reporter: Any) -> None:
    path.write_text(json.dumps(build(reporter), indent=2) + "\n", encoding="utf-8")
