"""The one place that turns findings into a pytest outcome.

==================================  =========================================
situation                           outcome
==================================  =========================================
finding at or above ``fail_on``     failed
finding below ``fail_on``           passed, reported as a warning
waived finding still present        xfailed (owner, ticket, expiry shown)
waiver covering the check, unused   failed: the waiver is no longer needed
waiver past its expiry              failed: the waiver expired
==================================  =========================================
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .baseline.model import Gates, Waiver
from .findings import Finding

PASSED, FAILED, XFAILED = "passed", "failed", "xfailed"


@dataclass
class Verdict:
    outcome: str
    failing: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    waived: list[tuple[Finding, Waiver]] = field(default_factory=list)
    expired: list[tuple[Finding, Waiver]] = field(default_factory=list)
    stale: list[Waiver] = field(default_factory=list)

    @property
    def used_waivers(self) -> list[Waiver]:
        return [w for _, w in (*self.waived, *self.expired)]


def judge(findings: Iterable[Finding], *, rules: Sequence[str], path: str | None, gates: Gates,
          waivers: Sequence[Waiver], today: datetime.date | None = None) -> Verdict:
    """Decide the outcome of one check from its findings, the gate and the waivers.

    ``rules`` and ``path`` say what the check could report and where; a waiver that covers
    them but matched no finding is stale and fails the check (strict waivers cannot rot).
    Each finding's severity is resolved through the baseline's overrides in place.
    """
    today = today or datetime.date.today()
    verdict = Verdict(PASSED)
    matched: set[int] = set()
    for finding in findings:
        finding.severity = gates.severity_of(finding)
        waiver = next((w for w in waivers if w.matches(finding)), None)
        if waiver is not None:
            matched.add(id(waiver))
            (verdict.expired if waiver.expired(today) else verdict.waived).append((finding, waiver))
        elif finding.severity >= gates.fail_on:
            verdict.failing.append(finding)
        else:
            verdict.warnings.append(finding)
    verdict.stale = [
        w for w in waivers if id(w) not in matched and any(w.covers(rule, path) for rule in rules)
    ]
    if verdict.failing or verdict.expired or verdict.stale:
        verdict.outcome = FAILED
    elif verdict.waived:
        verdict.outcome = XFAILED
    return verdict
