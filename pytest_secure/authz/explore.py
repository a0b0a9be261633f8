"""Property search for a deny cell (``explore: true``).

Path, query and body parameters are drawn by hypothesis: through schemathesis from the
operation in ``target.openapi`` when it is described there, else from the rule's own
values. Object placeholders draw from the OTHER identities' object ids. The first request
that the cell should have refused but that was allowed is shrunk by hypothesis to a
minimal example, reported as a finding with a (redacted) curl line.

The search is bounded: ``max_examples`` generated cases plus a shrink budget of four times
that many requests, and a wall-clock budget.
"""

from __future__ import annotations

import random
import re
import time
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.findings import Finding
from .config import AuthzConfig, Rule
from .outcome import LEAK, judge, leak_rule, path_of, snippet
from .runtime import runtime

if TYPE_CHECKING:
    from ..core.session import SecureSession

TIME_BUDGET_SECONDS = 60.0


@dataclass
class Example:
    path_parameters: dict[str, Any]
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    has_body: bool = False


def explore_cell(session: SecureSession, config: AuthzConfig, rule: Rule, identity: str,
                 expected: str) -> list[Finding]:
    from ..core.extras import require

    require("fuzz", "authz explore")  # checked at start-up too (areas.py); Hypothesis is the fuzz extra
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import NoSuchExample

    rt = runtime(session, config)
    who = session.identity(identity)
    foreign: list[str] = []
    owner_of: dict[str, str] = {}
    if rule.kind is not None:
        for owner, ids in rt.others(config.objects[rule.kind], identity).items():
            foreign.extend(ids)
            owner_of.update({i: owner for i in ids})
    strategy = _strategy(rt.openapi(), rule, foreign)
    budget = rule.explore * 5
    deadline = time.monotonic() + TIME_BUDGET_SECONDS

    def send(example: Example) -> Any:
        kwargs: dict[str, Any] = {"params": _query(example.query) or None, "follow_redirects": False,
                                  "headers": rule.call.headers}
        if example.has_body:
            kwargs["json"] = example.body
        elif rule.call.json is not None:
            kwargs["json"] = rule.call.json
        elif rule.call.form is not None:
            kwargs["data"] = rule.call.form
        return who.request(rule.call.method, rule.call.render(example.path_parameters), **kwargs)

    def leaks(example: Example) -> bool:
        nonlocal budget
        if budget <= 0 or time.monotonic() > deadline:
            return False  # out of budget: stop finding (and stop shrinking further)
        budget -= 1
        return judge(expected, send(example), rule.matchers).verdict == LEAK

    seed = random.Random(zlib.crc32(f"{rule.label}::{identity}".encode()))
    try:
        minimal = find(strategy, leaks, random=seed, settings=settings(
            max_examples=rule.explore, database=None, deadline=None, phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck)))
    except NoSuchExample:
        return []
    response = send(minimal)
    where = f"{rule.call.method} {path_of(response)}"
    obj = minimal.path_parameters.get(rule.owner) if rule.owner else None
    shown = ", ".join(f"{k}={v!r}" for k, v in {**minimal.path_parameters, **minimal.query}.items())
    if minimal.has_body:
        shown += f", body={minimal.body!r}"
    if obj is not None and str(obj) in owner_of:
        rule_id = "authz/object-access"
        message = f"property search: {identity} read {owner_of[str(obj)]}'s object {obj} at {where}"
    else:
        rule_id = leak_rule(rule.call.method, identity)
        message = f"property search: {identity} was allowed {where}, which the baseline denies"
    return [Finding(rule_id, message + f" (minimal example: {shown or 'no parameters'})", where,
                    evidence=f"{identity} got HTTP {response.status}: {snippet(response)}",
                    request=response.request, key=f"{identity}:explore")]


def _query(query: dict[str, Any]) -> dict[str, Any]:
    """Query values as an HTTP client writes them (JSON spelling of booleans and nulls, as schemathesis)."""
    def one(value: Any) -> Any:
        if isinstance(value, bool):
            return "true" if value else "false"
        return "null" if value is None else value

    return {k: [one(v) for v in value] if isinstance(value, list) else one(value) for k, value in query.items()}


def _strategy(document: dict[str, Any] | None, rule: Rule, foreign: list[str]) -> Any:
    from hypothesis import strategies as st

    fixed: dict[str, Any] = {}
    for name in rule.call.placeholders:
        choices = [*foreign] if name == rule.owner else []
        choices += [v for v in rule.params.get(name, ()) if v not in choices]
        fixed[name] = st.sampled_from(choices) if choices else st.text(
            alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)
    path_values = st.fixed_dictionaries(fixed)
    operation = _operation(document, rule) if document else None
    if operation is None:
        return path_values.map(lambda p: Example(p))
    op, names = operation

    def with_case(path: dict[str, Any]) -> Any:
        given = {names[k]: v for k, v in path.items() if k in names}
        return op.as_strategy(path_parameters=given).map(lambda case: _example(case, path))

    return path_values.flatmap(with_case)


def _example(case: Any, path: dict[str, Any]) -> Example:
    from schemathesis.core import NOT_SET

    body = getattr(case, "body", NOT_SET)
    return Example(dict(path), dict(case.query or {}), None if body is NOT_SET else body, body is not NOT_SET)


_PARAM = re.compile(r"\{([^{}/]+)\}")


def _operation(document: dict[str, Any], rule: Rule) -> tuple[Any, dict[str, str]] | None:
    """The schemathesis operation for the rule's request, and rule placeholder -> its parameter name."""
    wanted = _PARAM.sub("{}", rule.call.path)
    for path, item in (document.get("paths") or {}).items():
        if _PARAM.sub("{}", path) == wanted and isinstance(item, dict) and rule.call.method.lower() in item:
            import schemathesis

            schema = schemathesis.openapi.from_dict(document)
            names = dict(zip(rule.call.placeholders, _PARAM.findall(path), strict=False))
            return schema[path][rule.call.method], names
    return None
