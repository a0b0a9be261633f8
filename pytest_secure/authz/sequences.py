"""Attacker replay of a whole creating sequence (the answer to fuzz-lightyear#11).

The owner runs the steps, extracting ids as it goes, and reads ``check``. The attacker then
replays EVERY step (not only the last), with the owner's extracted values in place of its
own; a read step that uses the owner's values and is allowed is a leak, and so is any
change in what the owner's ``check`` read shows afterwards (writes judged by effect).

Steps are :mod:`.setup` steps: a step with ``as:`` is sent as that identity in the owner's run
and in the replay alike (it prepares, it is not the attacker's move); ``extract`` takes values
from the answer or from what the step sent; ``{unique}`` is one fresh value per owner run, and
another for each attacker's replay (its creates do not collide with the owner's).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core.findings import Finding
from .cells import CellCheck, untrustworthy
from .config import ALLOW, AREA, PLACEHOLDER, UNIQUE, AuthzConfig, Sequence
from .outcome import ALLOWED, BLOCKED, classify, judge, path_of, snippet
from .runtime import dig
from .setup import extract, run_step, unique_value, with_unique

if TYPE_CHECKING:
    from ..core.identities import Identity
    from ..core.session import SecureSession


def sequence_cells(config: AuthzConfig, sequence: Sequence) -> list[CellCheck]:
    row = f"sequence {sequence.name}"
    return [
        CellCheck(area=AREA, name=f"{row}::{identity}", rules=("authz/object-access", "authz/object-write"),
                  run=_runner(config, sequence, identity), path=sequence.steps[-1].call.path, row=row,
                  column=identity, expected="own")
        for identity in config.identities
    ]


def _runner(config: AuthzConfig, sequence: Sequence, identity: str) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        attacker = session.identity(identity)
        findings: list[Finding] = []
        for victim in sequence.owners:
            if victim == identity:
                continue
            owner = session.identity(victim)
            values = _run_as_owner(session, sequence, owner, victim, config)
            before = _check_state(sequence, owner, values, config)
            replay = {**values, UNIQUE: unique_value(session)}  # the owner's ids; a `{unique}` of its own cell
            for step in sequence.steps:
                used = set(PLACEHOLDER.findall(step.call.path)) | _body_refs(step.call)
                response = step.call.send(session.identity(step.identity) if step.identity else attacker, replay)
                if used & (set(values) - {UNIQUE}) and not step.call.is_write and step.identity is None \
                        and classify(response, config.matchers) == ALLOWED:
                    where = f"{step.call.method} {path_of(response)}"
                    findings.append(Finding(
                        "authz/object-access", f"replaying {victim}'s sequence {sequence.name!r}, {identity} read "
                        f"{where} with {victim}'s ids", where,
                        evidence=f"{identity} got HTTP {response.status}: {snippet(response)}",
                        request=response.request, key=f"{identity}->{victim}:{step.call.label}"))
            after = _check_state(sequence, owner, values, config)
            if before != after:
                last = sequence.steps[-1].call
                findings.append(Finding(
                    "authz/object-write", f"replaying {victim}'s sequence {sequence.name!r} as {identity} changed "
                    f"what {victim} sees at {sequence.check.render(values)}", f"{last.method} {last.render(values)}",
                    evidence=f"before: {_short(before)}; after: {_short(after)}", key=f"{identity}->{victim}"))
        return findings

    return run


def _run_as_owner(session: SecureSession, sequence: Sequence, owner: Identity, name: str,
                  config: AuthzConfig) -> dict[str, Any]:
    values: dict[str, Any] = with_unique(session, {})
    where = f"sequence {sequence.name!r}"
    for step in sequence.steps:
        if step.identity is not None:  # a step someone else sends (an admin's grant): setup
            run_step(session, step, step.identity, values, where)
            continue
        response = step.call.send(owner, values)
        if judge(ALLOW, response, config.matchers).verdict == BLOCKED:
            raise untrustworthy(name, step.call.method, response)
        extract(step, response, values, name, where)
    return values


def _check_state(sequence: Sequence, owner: Identity, values: dict[str, Any], config: AuthzConfig) -> Any:
    response = sequence.check.send(owner, values)
    if classify(response, config.matchers) != ALLOWED:
        return ("gone", response.status)
    if sequence.field:
        try:
            return json.dumps(dig(response.json(), sequence.field), sort_keys=True)
        except (ValueError, KeyError, IndexError, TypeError):
            return None
    return response.body


def _body_refs(call: Any) -> set[str]:
    text = json.dumps([call.json, call.form, call.query], default=str)
    return set(PLACEHOLDER.findall(text))


def _short(value: Any) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    text = " ".join(text.split())
    return text[:80] + ("..." if len(text) > 80 else "")
