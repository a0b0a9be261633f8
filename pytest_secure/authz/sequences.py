"""Attacker replay of a whole creating sequence (the answer to fuzz-lightyear#11).

The owner runs the steps, extracting ids as it goes, and reads ``check``. The attacker then
replays EVERY step (not only the last), with the owner's extracted values in place of its
own; a read step that uses the owner's values and is allowed is a leak, and so is any
change in what the owner's ``check`` read shows afterwards (writes judged by effect).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core.errors import SetupError
from ..core.findings import Finding
from .cells import CellCheck, untrustworthy
from .config import ALLOW, AREA, PLACEHOLDER, AuthzConfig, Sequence
from .outcome import ALLOWED, BLOCKED, classify, judge, path_of, snippet
from .runtime import dig

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
            values = _run_as_owner(sequence, owner, victim, config)
            before = _check_state(sequence, owner, values, config)
            for step in sequence.steps:
                used = set(PLACEHOLDER.findall(step.call.path)) | _body_refs(step.call)
                response = step.call.send(attacker, values)
                if used & set(values) and not step.call.is_write \
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


def _run_as_owner(sequence: Sequence, owner: Identity, name: str, config: AuthzConfig) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for step in sequence.steps:
        response = step.call.send(owner, values)
        if judge(ALLOW, response, config.matchers).verdict == BLOCKED:
            raise untrustworthy(name, step.call.method, response)
        for var, path in step.extract.items():
            try:
                values[var] = dig(response.json(), path)
            except (ValueError, KeyError, IndexError, TypeError):
                raise SetupError(f"setup untrustworthy: sequence {sequence.name!r}: {step.call.label} as {name} "
                                 f"has no {path!r} in its answer ({snippet(response)}); fix the step's "
                                 "extract") from None
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
