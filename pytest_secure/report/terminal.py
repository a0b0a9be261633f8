"""The ``security`` section of pytest's terminal summary."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..core.findings import Severity
from .authz_grid import write_grid


def write_summary(tr: Any, reporter: Any) -> None:
    findings = reporter.findings()
    records = reporter.records
    clean = reporter.session.redactor.clean
    tr.write_sep("=", "security summary")
    if getattr(reporter, "interruption", None) is not None:
        tr.write_line(reporter.interruption.describe(), red=True)
    outcomes = Counter(r.outcome for r in records)
    tr.write_line(f"checks: {len(records)} "
                  + " ".join(f"{k}={outcomes[k]}" for k in ("passed", "failed", "xfailed", "error") if outcomes[k]))
    if findings:
        tr.write_line("findings by severity and area:")
        by = Counter((f.severity, f.area, f.status) for f in findings)
        for sev in sorted(Severity, reverse=True):
            rows = {(a, s): n for (sv, a, s), n in by.items() if sv == sev.label}
            if rows:
                detail = ", ".join(f"{a} {n} {s}" for (a, s), n in sorted(rows.items()))
                tr.write_line(f"  {sev.label:<8} {detail}")
    else:
        tr.write_line("findings: none")
    warnings = [f for f in findings if f.status == "warning"]
    if warnings:
        tr.write_line(f"warnings (below fail_on={reporter.session.baseline.gates.fail_on.label}):")
        for f in warnings[:50]:
            tr.write_line(clean(f"  {f.rule_id} [{f.severity}] {f.location}: {f.message}"))
        if len(warnings) > 50:
            tr.write_line(f"  ... and {len(warnings) - 50} more (see --secure-json)")
    for w in reporter.expiring_waivers():
        state = "EXPIRED" if w.expires < reporter.session.today else "expires"
        tr.write_line(clean(f"waiver {state} {w.expires}: {w.label}, owner {w.owner} ({w.place})"))
    unneeded = reporter.unneeded_waivers()
    for w in unneeded:
        checks = len(reporter.session.waiver_coverage[w.place])
        tr.write_line(clean(f"FAILED waiver no longer needed, remove it: {w.label} ({w.place}) matched nothing "
                            f"in the {checks} checks it covers"), red=True)
    for w in reporter.unused_waivers():
        if w not in unneeded and not reporter.session.waiver_coverage.get(w.place):
            tr.write_line(clean(f"unused waiver: {w.label} ({w.place}) matched no check of this run"))
    left = [o for o in reporter.session.created_objects if not o.deleted]
    if left:
        tr.write_line(clean(f"pytest-secure created {len(left)} objects it could not delete: "
                            + ", ".join(f"{o.label}: {o.note}" for o in left)), yellow=True)
    write_grid(tr, reporter)
