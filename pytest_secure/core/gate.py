"""The gate: findings + thresholds + waivers -> a :class:`Verdict`, and how a verdict reads.

=======================================  ==============================================
situation                                outcome
=======================================  ==============================================
finding at or above ``fail_on``          failed
finding below ``fail_on``                passed, reported as a warning
waived finding still present             xfailed (owner, ticket, expiry shown)
waiver covering only this check, unused  failed: the waiver is no longer needed
waiver covering several checks, unused   the run fails (judged by the reporter over the
in every one of them                     whole run: :func:`unneeded_waivers`)
waiver past its expiry                   failed: the waiver expired
=======================================  ==============================================

The gate never edits a finding: the severity it settles on (the check's own, else the
rule's default, then the baseline's ``gates.severity`` overrides) is part of the verdict.
:mod:`.outcome` turns a verdict into the pytest outcome.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .baseline.model import Gates, Waiver
from .findings import Finding, Severity
from .redaction import Redactor
from .rules import RuleTable

PASSED, FAILED, XFAILED = "passed", "failed", "xfailed"
FAILING, WARNING, WAIVED, EXPIRED = "failing", "warning", "waived", "expired"


@dataclass(frozen=True)
class Judged:
    """One finding as the gate judged it: its effective severity, its status, the waiver that matched."""

    finding: Finding
    severity: Severity
    status: str  # FAILING, WARNING, WAIVED or EXPIRED
    waiver: Waiver | None = None


@dataclass(frozen=True)
class Verdict:
    outcome: str  # PASSED, FAILED or XFAILED
    judged: tuple[Judged, ...] = ()
    stale: tuple[Waiver, ...] = ()  # waivers covering only this check that matched nothing

    def _with(self, status: str) -> list[Judged]:
        return [j for j in self.judged if j.status == status]

    @property
    def failing(self) -> list[Judged]:
        return self._with(FAILING)

    @property
    def warnings(self) -> list[Judged]:
        return self._with(WARNING)

    @property
    def waived(self) -> list[Judged]:
        return self._with(WAIVED)

    @property
    def expired(self) -> list[Judged]:
        return self._with(EXPIRED)

    @property
    def used_waivers(self) -> list[Waiver]:
        return [j.waiver for j in self.judged if j.waiver is not None]


def default_severity(finding: Finding, rules: RuleTable) -> Severity:
    """The check's own severity for the finding, else its rule's default."""
    return finding.severity if finding.severity is not None else rules.rule(finding.rule_id).severity


def severity_of(finding: Finding, gates: Gates, rules: RuleTable) -> Severity:
    """The severity a finding is judged at: :func:`default_severity` after the baseline's overrides."""
    return gates.severity_of(finding.rule_id, default_severity(finding, rules))


def judge(findings: Iterable[Finding], *, gates: Gates, waivers: Sequence[Waiver], rules: RuleTable,
          sole_waivers: Sequence[Waiver] = (), today: datetime.date | None = None) -> Verdict:
    """Decide the outcome of one check from its findings, the gate and the waivers.

    ``sole_waivers`` are the waivers that cover this check and no other: one of them that
    matched no finding is stale and fails the check (strict waivers cannot rot). A waiver that
    covers several checks is judged over the whole run instead (see :func:`unneeded_waivers`).
    """
    today = today or datetime.date.today()
    judged = []
    for finding in findings:
        severity = severity_of(finding, gates, rules)
        waiver = next((w for w in waivers if w.matches(finding)), None)
        if waiver is not None:
            judged.append(Judged(finding, severity, EXPIRED if waiver.expired(today) else WAIVED, waiver))
        else:
            judged.append(Judged(finding, severity, FAILING if severity >= gates.fail_on else WARNING))
    matched = {id(j.waiver) for j in judged if j.waiver is not None}
    stale = tuple(w for w in sole_waivers if id(w) not in matched)
    statuses = {j.status for j in judged}
    if FAILING in statuses or EXPIRED in statuses or stale:
        outcome = FAILED
    elif WAIVED in statuses:
        outcome = XFAILED
    else:
        outcome = PASSED
    return Verdict(outcome, tuple(judged), stale)


def waiver_coverage(waivers: Sequence[Waiver], checks: Iterable[Any]) -> dict[str, list[str]]:
    """For each waiver (by its place in the baseline), the item names of the checks it covers:
    those that could report one of its rules where it applies."""
    checks = list(checks)
    return {w.place: [c.item_name for c in checks if any(w.covers(rule, c.path) for rule in c.rules)]
            for w in waivers}


def unneeded_waivers(waivers: Sequence[Waiver], coverage: dict[str, list[str]], judged: set[str],
                     used: set[str]) -> list[Waiver]:
    """Waivers covering several checks that matched nothing although every check they cover
    was judged in this run (a run of a subset, ``-k`` or ``--lf``, proves nothing)."""
    return [w for w in waivers
            if len(coverage.get(w.place, ())) > 1 and w.place not in used
            and all(name in judged for name in coverage[w.place])]


# -- how a verdict reads -------------------------------------------------------------------------
def format_finding(judged: Judged, rules: RuleTable, redactor: Redactor, heading: str = "") -> str:
    finding, rule = judged.finding, rules.rule(judged.finding.rule_id)
    lines = [f"{heading}{finding.rule_id} [{judged.severity.label}] {finding.message}",
             f"  at:        {finding.location}"]
    if finding.evidence:
        lines.append(f"  evidence:  {finding.evidence}")
    lines.append(f"  fix:       {rule.fix}")
    if rule.cwe:
        lines.append(f"  cwe:       CWE-{rule.cwe}")
    if finding.request is not None:
        lines.append(f"  reproduce: {finding.request.curl(redactor.header_value)}")
    return redactor.clean("\n".join(lines))


def format_verdict(verdict: Verdict, rules: RuleTable, redactor: Redactor) -> str:
    parts = [format_finding(j, rules, redactor) for j in verdict.failing]
    for j in verdict.expired:
        waiver = j.waiver
        assert waiver is not None
        parts.append(format_finding(j, rules, redactor, heading=f"waiver expired on {waiver.expires}: ")
                     + f"\n  waiver:    {waiver.place}: renew it with a new expiry, or fix the finding")
    for waiver in verdict.stale:
        parts.append(f"waiver no longer needed, remove it: {waiver.label} ({waiver.place}) "
                     f"matched nothing here")
    if verdict.warnings:
        parts.append(f"(and {len(verdict.warnings)} finding(s) below the fail_on threshold)")
    return redactor.clean("\n\n".join(parts))


def waiver_reasons(verdict: Verdict, redactor: Redactor) -> str:
    """Why a waived verdict is xfailed: each waiver's owner, ticket, expiry and reason."""
    return redactor.clean("; ".join(sorted({j.waiver.describe() for j in verdict.waived if j.waiver})))
