"""The authorization matrix as a grid: rows are requests, columns identities, each cell the
expectation and what happened (AuthMatrix's colour grid, as text and as JSON).

Cells come from the authz area's checks (their expectation) and the check records (their
outcome), so the grid is the same whether the run was split over xdist workers or not.
"""

from __future__ import annotations

from typing import Any

EXPECTED_SHORT = {"allow": "allow", "deny": "deny", "conceal": "404", "unauthenticated": "401"}
RESULT = {"passed": "ok", "failed": "FAIL", "xfailed": "waived", "error": "ERROR"}
MAX_TERMINAL_ROWS = 200


def build(reporter: Any) -> dict[str, Any] | None:
    """The grid as JSON-ready data, or None when the run had no authz cells."""
    cells = [(c, c.cell) for c in reporter.session.checks if c.area == "authz" and c.cell is not None]
    if not cells:
        return None
    records = {r.check: r for r in reporter.records if r.area == "authz"}
    order = list(reporter.session.baseline.identities)
    columns = sorted({cell.column for _, cell in cells},
                     key=lambda n: (order.index(n) if n in order else len(order), n))
    rows: dict[str, dict[str, Any]] = {}
    counts = {"violations": 0, "errors": 0, "warnings": 0}
    name_of = reporter.session.redactor.mask_known  # how records name their checks
    for check, cell in cells:
        record = records.get(name_of(check.name))
        outcome = record.outcome if record else "not run"
        findings = record.findings if record else ()
        result = RESULT.get(outcome, "-")
        if outcome == "passed" and findings:
            result = "warn"
            counts["warnings"] += 1
        counts["violations"] += outcome == "failed"
        counts["errors"] += outcome == "error"
        rows.setdefault(cell.row, {})[cell.column] = {
            "expected": cell.expected, "result": result, "outcome": outcome,
            "rules": sorted({f.rule_id for f in findings}),
            "nodeid": record.nodeid if record else None,
        }
    return {"identities": columns, "rows": [{"request": r, "cells": c} for r, c in rows.items()], **counts}


def write_grid(tr: Any, reporter: Any) -> None:
    """The grid in the terminal summary (nothing when the run had no authz cells)."""
    grid = build(reporter)
    if grid is None:
        return
    clean = reporter.session.redactor.clean
    columns = grid["identities"]
    table = [[_text(row["cells"].get(name)) for name in columns] for row in grid["rows"]]
    first = max([len("request"), *(len(r["request"]) for r in grid["rows"])])
    widths = [max(len(name), *(len(line[i]) for line in table)) for i, name in enumerate(columns)]
    tr.write_sep("-", "authz matrix (expected result per identity)")
    header = ["request".ljust(first), *(n.ljust(w) for n, w in zip(columns, widths, strict=True))]
    tr.write_line(clean("  ".join(header).rstrip()))
    for row, line in list(zip(grid["rows"], table, strict=True))[:MAX_TERMINAL_ROWS]:
        cells = [text.ljust(w) for text, w in zip(line, widths, strict=True)]
        tr.write_line(clean("  ".join([row["request"].ljust(first), *cells]).rstrip()),
                      red=any(c["result"] in ("FAIL", "ERROR") for c in row["cells"].values()))
    if len(table) > MAX_TERMINAL_ROWS:
        tr.write_line(f"... and {len(table) - MAX_TERMINAL_ROWS} more rows (see --secure-json)")
    tr.write_line(f"authz cells: {sum(len(r['cells']) for r in grid['rows'])}, violations: {grid['violations']}, "
                  f"setup errors: {grid['errors']}, warnings: {grid['warnings']}")


def _text(cell: dict[str, Any] | None) -> str:
    if cell is None:
        return ""
    expected = EXPECTED_SHORT.get(cell["expected"], cell["expected"])
    return cell["result"] if expected == "ok" else f"{expected} {cell['result']}"
