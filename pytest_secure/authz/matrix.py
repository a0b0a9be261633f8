"""Expanding the authz section into checks: one per (request, identity) cell, plus the
object-level, list, sequence, revocation, session and coverage checks.

Allow cells come first and are the trust preflight: every other cell of an identity
``depends_on`` its allow cells, so when an identity cannot do what it should (a wrong
password, an expired token, a broken role), its deny cells report an error instead of
passing for the wrong reason.

:func:`build` is the one place that knows every kind of cell: only the area's ``collect``
imports this module, and the kinds of cells share :mod:`.cells`, so the imports form no cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..core.area import Check
from ..core.findings import Finding
from .cells import CellCheck, cell_name, untrustworthy
from .config import ALLOW, AREA, AuthzConfig, Rule
from .outcome import BLOCKED, finding_for, judge
from .prefetch import prefetchable
from .rules import MATRIX_RULES
from .runtime import runtime

if TYPE_CHECKING:
    from ..core.session import SecureSession


def build(config: AuthzConfig) -> list[Check]:
    # `from .module import name`, not `from . import module`: the latter reads the package's
    # attribute, which can outlive the module (pytester's in-process runs restore sys.modules)
    from .coverage import coverage_check
    from .objects import list_cell, object_cell
    from .revocation import revocation_checks
    from .sequences import sequence_cells
    from .sessions import session_checks

    allow_cells: dict[str, list[str]] = {i: [] for i in config.all_identities}
    first: list[Check] = []
    later: list[Check] = []
    for rule in config.rules:
        for identity in config.identities:
            expected = config.expectation(rule, identity)
            name = cell_name(rule.label, identity)
            if rule.owner is not None:
                later.append(object_cell(config, rule, identity, name))
            elif rule.list_kind is not None:
                later.append(list_cell(config, rule, identity, name))
            elif expected == ALLOW:
                first.append(_cell(config, rule, identity, name, expected))
                allow_cells[identity].append(f"{AREA}[{name}]")
            else:
                later.append(_cell(config, rule, identity, name, expected))
    for sequence in config.sequences:
        later.extend(sequence_cells(config, sequence))
    for check in later:
        if isinstance(check, CellCheck) and check.column in allow_cells:
            check.depends_on = (*check.depends_on, *allow_cells[check.column])
    checks = [*first, *later]
    config.prefetch_plan = [(c.column, c.rule_index) for c in checks
                            if isinstance(c, CellCheck) and c.rule_index is not None
                            and prefetchable(config.rules[c.rule_index])]
    checks.extend(revocation_checks(config))
    checks.extend(session_checks(config))
    if config.coverage != "off":
        checks.append(coverage_check(config))
    return checks


def _cell(config: AuthzConfig, rule: Rule, identity: str, name: str, expected: str) -> CellCheck:
    if rule.setup:  # the cell makes what it needs first (setup steps); writes judged by their effect
        from .setup_cells import setup_cell

        return setup_cell(config, rule, identity, name, expected)
    return CellCheck(area=AREA, name=name, rules=MATRIX_RULES + config.error_rules,
                     run=_plain_runner(config, rule, identity, expected),
                     path=rule.call.path, row=rule.label, column=identity, expected=expected, rule_index=rule.index)


def _plain_runner(config: AuthzConfig, rule: Rule, identity: str, expected: str
                  ) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        who = session.identity(identity)
        prefetched = runtime(session, config).prefetcher
        findings: list[Finding] = []
        for values in rule.value_sets():
            response = prefetched.take(who, rule, values) or rule.call.send(who, values)
            findings.extend(config.server_errors(response, session))
            judgement = judge(expected, response, rule.matchers)
            if judgement.verdict == BLOCKED:
                raise untrustworthy(identity, rule.call.method, response, expected)
            finding = finding_for(judgement, expected, identity, response, rule.label)
            if finding is not None:
                findings.append(finding)
        if rule.explore and expected != ALLOW and not findings:
            from .explore import explore_cell

            findings.extend(explore_cell(session, config, rule, identity, expected))
        return findings

    return run
