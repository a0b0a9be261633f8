"""pytest-secure's findings inside pytest-html's report, for teams that already read that one.

Registered only when the pytest-html plugin is loaded and writes a report (``--html PATH``): a
"Security findings" column in its results table, and each item's findings (severity, rule,
location, message, evidence, curl) as an HTML extra under the item (``report.extras``). The
findings come from the check record on the report, redacted already; every text is escaped.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest

from ..core.records import CheckRecord
from .screenshots import screenshots_of

PLUGIN_NAME = "secure-pytest-html"


def register(config: pytest.Config) -> None:
    """Add the plugin when pytest-html is active; its hooks exist only then."""
    manager = config.pluginmanager
    if not manager.hasplugin("html") or manager.hasplugin(PLUGIN_NAME):
        return
    try:
        if not config.getoption("htmlpath"):
            return
    except ValueError:  # another plugin named "html" without pytest-html's options
        return
    manager.register(PytestHtmlFindings(Path(config.invocation_params.dir)), PLUGIN_NAME)


def summary(record: CheckRecord) -> str:
    """The table cell's text: the findings per status, or what happened instead."""
    if record.outcome == "error":
        return "could not run"
    counts: dict[str, int] = {}
    for finding in record.findings:
        counts[finding.status] = counts.get(finding.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in counts.items()) or "none"


def findings_html(record: CheckRecord) -> str:
    """The item's findings as an escaped HTML fragment (pytest-html puts it under the item's row)."""
    e = html.escape
    rows = []
    for f in record.findings:
        detail = [f"<pre>{e(f.evidence)}</pre>"] if f.evidence else []
        if f.request is not None:
            detail.append(f"<pre>{e(f.request.curl)}</pre>")
        rows.append(f'<tr class="secure-finding" data-rule="{e(f.rule_id)}"><td>{e(f.status)}</td>'
                    f"<td>{e(f.severity)}</td><td><code>{e(f.rule_id)}</code><br>{e(f.rule.title)}</td>"
                    f"<td>{e(f.location)}</td><td>{e(f.message)}<br><b>Fix:</b> {e(f.rule.fix)}"
                    f"{''.join(detail)}</td></tr>")
    error = f"<pre>{e(record.error)}</pre>" if record.error else ""
    return (f'<div class="secure-findings"><p><b>pytest-secure</b> {e(record.item_name)}: {e(summary(record))}</p>'
            f"{error}"
            + ("<table><thead><tr><th>status</th><th>severity</th><th>rule</th><th>where</th><th>finding</th>"
               f"</tr></thead><tbody>{''.join(rows)}</tbody></table>" if rows else "")
            + "</div>")


class PytestHtmlFindings:
    """pytest-html's hooks; pytest-html reads an item's extras when its teardown is reported,
    so extras added here when the setup or call report is logged are in time (also under xdist,
    where this runs on the controller). Screenshots named in the evidence become image extras."""

    def __init__(self, base: Path) -> None:
        self.base = base  # where relative screenshot paths start: the directory pytest was started in

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = _record(report)
        if record is None or not (record.findings or record.error):
            return
        from pytest_html import extras

        added = [extras.html(findings_html(record))]
        for finding in record.findings:
            shots, _ = screenshots_of(finding.evidence, self.base)  # the HTML report lists what was not embedded
            added += [extras.png(shot.data_uri.partition(",")[2], name=shot.path) for shot in shots]
        report.extras = [*getattr(report, "extras", []), *added]  # type: ignore[attr-defined]

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(2, '<th class="sortable" data-column-type="secure">Security findings</th>')

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        record = _record(report)
        text = html.escape(summary(record)) if record is not None else ""
        cells.insert(2, f'<td class="col-secure">{text}</td>')


def _record(report: Any) -> CheckRecord | None:
    data = getattr(report, "secure_record", None)
    return CheckRecord.from_dict(data) if data is not None else None
