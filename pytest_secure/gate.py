"""The one place that turns findings into a pytest outcome.

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
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

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


def judge(findings: Iterable[Finding], *, gates: Gates, waivers: Sequence[Waiver],
          sole_waivers: Sequence[Waiver] = (), today: datetime.date | None = None) -> Verdict:
    """Decide the outcome of one check from its findings, the gate and the waivers.

    ``sole_waivers`` are the waivers that cover this check and no other: one of them that
    matched no finding is stale and fails the check (strict waivers cannot rot). A waiver that
    covers several checks is judged over the whole run instead (see :func:`unneeded_waivers`).
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
    verdict.stale = [w for w in sole_waivers if id(w) not in matched]
    if verdict.failing or verdict.expired or verdict.stale:
        verdict.outcome = FAILED
    elif verdict.waived:
        verdict.outcome = XFAILED
    return verdict


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
