"""What the HTML report shows, as typed data read from the run's check records.

:mod:`.html` renders it; nothing here writes markup. Everything that came from the target is
redacted already (the records are); what this module adds from the session (the target, the
waivers' reasons) goes through the redactor here.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._version import version
from ..core.findings import Severity
from ..core.records import FindingRecord, RuleInfo
from .authz_grid import build as build_authz_grid
from .screenshots import Screenshot, screenshots_of

STATUSES = ("failing", "warning", "waived", "expired")
# the owners dast/known.py gives the waivers it makes from the known-findings file (the report may not import dast)
KNOWN_OWNERS = frozenset({"known-findings file", "zap-baseline progress file"})
_GRADE = re.compile(r"grade (?P<grade>[A-F][+-]?) \(score (?P<score>-?\d+)\)")


@dataclass(frozen=True)
class Headline:
    """The run's verdict: ``passed``, ``failed`` or ``incomplete``, and why, in one line."""

    state: str
    text: str
    checks: dict[str, int]  # outcome -> count
    failing: dict[str, int]  # severity -> failing findings


@dataclass(frozen=True)
class FindingView:
    record: FindingRecord
    item: str  # the item that reported it: area[check]
    nodeid: str
    dast: str | None = None  # "new" or "known" for DAST findings, "" when the run did not compare
    screenshots: tuple[Screenshot, ...] = ()


@dataclass(frozen=True)
class RuleGroup:
    rule: RuleInfo
    findings: tuple[FindingView, ...]

    def count(self, status: str) -> int:
        return sum(f.record.status == status for f in self.findings)


@dataclass(frozen=True)
class SeverityGroup:
    severity: str
    rules: tuple[RuleGroup, ...]

    @property
    def count(self) -> int:
        return sum(len(r.findings) for r in self.rules)


@dataclass(frozen=True)
class WaiverRow:
    rule: str
    where: str | None
    owner: str
    ticket: str | None
    reason: str
    expires: str
    days_left: int  # negative: expired that many days ago
    used: bool
    unneeded: bool  # its checks ran and found nothing it covers: it fails the run until removed
    place: str


@dataclass(frozen=True)
class GradeView:
    """The Observatory-style grade as far as the records tell it: the grade and score when the
    check failed (they are in its finding), else only that it met the minimum."""

    location: str
    minimum: str
    outcome: str  # the grade item's outcome
    grade: str | None = None
    score: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class DastView:
    compared: bool  # the run had a known-findings file (--secure-dast-new-only)
    new: int
    known: int
    known_entries: int  # entries of the known-findings file


@dataclass(frozen=True)
class CheckError:
    item: str
    nodeid: str
    error: str


@dataclass(frozen=True)
class HtmlReport:
    headline: Headline
    target: str
    baseline: str
    fail_on: str
    generated: str
    tool_version: str
    severities: tuple[SeverityGroup, ...]
    grid: dict[str, Any] | None
    grade: GradeView | None
    waivers: tuple[WaiverRow, ...]
    dast: DastView | None
    errors: tuple[CheckError, ...]
    left_behind: tuple[str, ...]  # objects the run created and could not delete
    total_findings: int
    areas: dict[str, dict[str, int]]  # area -> outcome -> checks, in item order
    notes: tuple[str, ...] = field(default=())  # screenshots that could not be embedded, ...


def build(reporter: Any) -> HtmlReport:
    session = reporter.session
    clean, known = session.redactor.clean, session.redactor.mask_known
    base = Path(reporter.config.invocation_params.dir)
    views: list[FindingView] = []
    notes: list[str] = []
    compared = any(w.owner in KNOWN_OWNERS for w in session.waivers)  # the run read a known-findings file
    for record in reporter.records:
        for finding in record.findings:
            shots, missing = screenshots_of(finding.evidence, base)
            notes += [known(m) for m in missing]
            views.append(FindingView(finding, record.item_name, record.nodeid, _dast_state(finding, compared),
                                     shots))
    unneeded = {w.place for w in reporter.unneeded_waivers()}
    unneeded |= {w.place for r in reporter.records for w in r.stale_waivers}  # each fails its one item
    used = reporter.used_places()
    waivers = tuple(
        WaiverRow(w.rule, w.where, w.owner, w.ticket, clean(w.reason), w.expires.isoformat(),
                  (w.expires - session.today).days, w.place in used, w.place in unneeded, w.place)
        for w in sorted(session.waivers, key=lambda w: w.expires) if w.owner not in KNOWN_OWNERS)
    return HtmlReport(
        headline=_headline(reporter, views, unneeded),
        target=clean(session.target.base_url), baseline=known(_shown(session.baseline.path, base)),
        fail_on=session.baseline.gates.fail_on.label,
        generated=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"), tool_version=version,
        severities=_by_severity(views), grid=build_authz_grid(reporter), grade=_grade(reporter),
        waivers=waivers, dast=_dast(reporter, views),
        errors=tuple(CheckError(r.item_name, r.nodeid, r.error or "error") for r in reporter.records
                     if r.outcome == "error"),
        left_behind=tuple(clean(f"{o.label}: {o.note}") for o in session.created_objects if not o.deleted),
        total_findings=len(views), areas=_areas(reporter.records), notes=tuple(notes))


def _headline(reporter: Any, views: list[FindingView], unneeded: set[str]) -> Headline:
    checks = Counter(r.outcome for r in reporter.records)
    failing = Counter(v.record.severity for v in views if v.record.status in ("failing", "expired"))
    parts = [f"{n} {o}" for o, n in sorted(checks.items())]
    if reporter.interruption is not None:
        return Headline("incomplete", reporter.interruption.describe(), dict(checks), dict(failing))
    bad = checks["failed"] + checks["error"]
    if bad or unneeded:
        why = [f"{checks['failed']} check(s) failed" if checks["failed"] else "",
               f"{checks['error']} could not run" if checks["error"] else "",
               f"{len(unneeded)} waiver(s) no longer needed" if unneeded else ""]
        return Headline("failed", ", ".join(w for w in why if w) + f" ({', '.join(parts)})", dict(checks),
                        dict(failing))
    warnings = sum(v.record.status == "warning" for v in views)
    tail = f", {warnings} finding(s) below the gate" if warnings else ", no finding at or above the gate"
    return Headline("passed", f"{len(reporter.records)} checks passed the gate{tail}", dict(checks), dict(failing))


def _by_severity(views: list[FindingView]) -> tuple[SeverityGroup, ...]:
    groups = []
    for severity in sorted(Severity, reverse=True):
        mine = [v for v in views if v.record.severity == severity.label]
        if not mine:
            continue
        rules: dict[str, list[FindingView]] = {}
        for view in mine:
            rules.setdefault(view.record.rule_id, []).append(view)
        ordered = sorted(rules.items(), key=lambda kv: (min(STATUSES.index(v.record.status) for v in kv[1]), kv[0]))
        groups.append(SeverityGroup(severity.label, tuple(
            RuleGroup(found[0].record.rule, tuple(sorted(found, key=lambda v: (STATUSES.index(v.record.status),
                                                                                v.record.location))))
            for _, found in ordered)))
    return tuple(groups)


def _dast_state(finding: FindingRecord, compared: bool) -> str | None:
    if finding.area != "dast":
        return None
    if finding.waiver is not None and finding.waiver.owner in KNOWN_OWNERS:
        return "known"
    return "new" if compared else ""


def _dast(reporter: Any, views: list[FindingView]) -> DastView | None:
    entries = sum(w.owner in KNOWN_OWNERS for w in reporter.session.waivers)
    dast = [v for v in views if v.dast is not None]
    if not dast and not entries and not any(r.area == "dast" for r in reporter.records):
        return None
    return DastView(entries > 0, sum(v.dast == "new" for v in dast), sum(v.dast == "known" for v in dast), entries)


def _grade(reporter: Any) -> GradeView | None:
    record = next((r for r in reporter.records if r.area == "grade"), None)
    if record is None:
        return None
    minimum = str((reporter.session.baseline.section("grade") or {}).get("min", ""))
    finding = next((f for f in record.findings if f.rule_id == "grade/below-minimum"), None)
    if finding is None:
        return GradeView(record.check, minimum, record.outcome)
    match = _GRADE.search(finding.message)
    return GradeView(record.check, minimum, record.outcome, match["grade"] if match else None,
                     int(match["score"]) if match else None, finding.evidence)


def _areas(records: list[Any]) -> dict[str, dict[str, int]]:
    areas: dict[str, Counter[str]] = {}
    for record in records:
        areas.setdefault(record.area, Counter())[record.outcome] += 1
    return {area: dict(counts) for area, counts in areas.items()}


def _shown(path: Path, base: Path) -> str:
    """The baseline's path as the user typed it: relative to where pytest was started, when inside."""
    try:
        return str(Path(path).resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)
