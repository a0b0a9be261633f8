"""Cells of rules with ``setup``: each cell makes what it needs first, then is judged.

For every cell (and every ``params`` value set) the rule's ``setup`` steps run afresh, each as
its ``as:`` identity (default: the cell's), with a new ``{unique}``; their ``extract`` values
fill the rule's request. So a destructive cell (an admin-only ``DELETE /users/{name}``) acts on
its own throwaway object, never on one another cell needs.

* **Reads** are judged like any matrix cell (allowed / denied, the trust preflight).
* **Writes are judged by their effect**: ``effect.read`` is sent as ``effect.as`` (default:
  who ran the first setup step) before and after the cell's request. A cell denied the write
  whose request changed what the read shows (the object is gone, or ``effect.field`` differs)
  is a violation whatever status it got; an unchanged object is none, whatever status it got
  (an app that answers 204 and acts on nothing is no leak). An allowed cell whose write shows
  no effect is a setup error: the oracle would be blind.
* ``teardown`` runs after every cell, pass or fail (a 404/410 there means already gone); what
  setup made and teardown could not remove is listed in the reports (``created_objects``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core.errors import SecureError, SetupError
from ..core.findings import Finding
from ..core.records import CreatedObject
from .cells import CellCheck, untrustworthy
from .config import ALLOW, AREA, UNIQUE, AuthzConfig, Rule
from .effects import read_state, show_state
from .outcome import (
    BLOCKED,
    UNCLEAR_DENIAL,
    WRONG_DENIAL,
    finding_for,
    judge,
    leak_rule,
    path_of,
    snippet,
)
from .rules import MATRIX_RULES
from .runtime import GONE_STATUSES
from .setup import run_steps, with_unique

if TYPE_CHECKING:
    from ..core.session import SecureSession

Runner = Callable[["SecureSession"], list[Finding]]


def setup_cell(config: AuthzConfig, rule: Rule, identity: str, name: str, expected: str) -> CellCheck:
    return CellCheck(area=AREA, name=name, rules=MATRIX_RULES + config.error_rules,
                     run=_runner(config, rule, identity, expected),
                     path=rule.call.path, row=rule.label, column=identity, expected=expected, rule_index=rule.index)


def _runner(config: AuthzConfig, rule: Rule, identity: str, expected: str) -> Runner:
    def run(session: SecureSession) -> list[Finding]:
        findings: list[Finding] = []
        where = f"authz.rules[{rule.index}].setup ({rule.place})"
        for params in rule.value_sets():
            values = with_unique(session, dict(params))
            senders = run_steps(session, rule.setup, identity, values, where)
            creator = senders[0] if senders else identity
            try:
                if rule.call.is_write:
                    findings += _judge_write(session, config, rule, identity, expected, values, creator)
                else:
                    findings += _judge_read(session, config, rule, identity, expected, values)
            finally:
                _teardown(session, rule, values, creator, identity)
        return findings

    return run


def _judge_read(session: SecureSession, config: AuthzConfig, rule: Rule, identity: str, expected: str,
                values: dict[str, Any]) -> list[Finding]:
    response = rule.call.send(session.identity(identity), values)
    errors = config.server_errors(response, session)
    judgement = judge(expected, response, rule.matchers)
    if judgement.verdict == BLOCKED:
        raise untrustworthy(identity, rule.call.method, response, expected)
    finding = finding_for(judgement, expected, identity, response, rule.label)
    return errors + ([finding] if finding is not None else [])


def _judge_write(session: SecureSession, config: AuthzConfig, rule: Rule, identity: str, expected: str,
                 values: dict[str, Any], creator: str) -> list[Finding]:
    assert rule.effect is not None and rule.effect.read is not None
    read, field = rule.effect.read, rule.effect.field
    reader_name = rule.effect.identity or creator
    reader = session.identity(reader_name)
    before = read_state(read, reader, values, field, rule)
    if not before[0]:
        raise SetupError(f"setup untrustworthy: after setup, {reader_name} cannot read {read.render(values)} "
                         f"(HTTP {before[1]}); the effect of {rule.label} could not be judged. Fix effect.read or "
                         "effect.as, or the setup steps")
    response = rule.call.send(session.identity(identity), values)
    errors = config.server_errors(response, session)
    after = read_state(read, reader, values, field, rule)
    where = f"{rule.call.method} {path_of(response)}"
    if expected == ALLOW:
        if before == after:
            raise SetupError(f"setup untrustworthy: {identity} may send {rule.label}, but its {where} (HTTP "
                             f"{response.status}) left no trace in {read.render(values)} as {reader_name}; the effect "
                             "check would be blind. Fix the rule's body, effect.read or effect.field")
        return errors
    if before != after:
        return errors + [Finding(
            leak_rule(rule.call.method, identity),
            f"{identity}'s {where} changed the object its setup made, which the baseline denies to {identity}",
            where, evidence=(f"{identity} got HTTP {response.status}; {reader_name} read {read.render(values)} "
                             f"before: {show_state(before)}; after: {show_state(after)}"),
            request=response.request, key=identity)]
    judgement = judge(expected, response, rule.matchers)  # no effect: only how it was refused can be wrong
    if judgement.verdict in (WRONG_DENIAL, UNCLEAR_DENIAL):
        finding = finding_for(judgement, expected, identity, response, rule.label)
        return errors + ([finding] if finding is not None else [])
    return errors


def _teardown(session: SecureSession, rule: Rule, values: dict[str, Any], creator: str, identity: str) -> None:
    """Run ``teardown`` (404/410 there: already gone); record what setup made and whether it went."""
    if not any(step.call.is_write for step in rule.setup):
        return  # setup only read: nothing was made
    made = ", ".join(f"{k}={v}" for k, v in values.items() if k != UNIQUE and k not in rule.params) or \
        str(values.get(UNIQUE, ""))
    kind = f"setup of {rule.label} ({identity}'s cell)"
    if not rule.teardown:
        session.created_objects.append(CreatedObject(AREA, kind, made, creator, False,
                                                     f"authz.rules[{rule.index}] has no teardown"))
        return
    for step in rule.teardown:
        who = step.identity or creator
        try:
            response = step.call.send(session.identity(who), values)
        except SecureError as exc:
            note = f"{step.call.label} as {who} failed: {exc}"
            break
        if response.status >= 400 and response.status not in GONE_STATUSES:
            note = f"{step.call.label} as {who} answered {response.status}: {snippet(response)}"
            break
    else:
        session.created_objects.append(CreatedObject(AREA, kind, made, creator, True))
        return
    session.created_objects.append(CreatedObject(AREA, kind, made, creator, False, note))
