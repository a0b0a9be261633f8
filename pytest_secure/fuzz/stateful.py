"""Stateful checks through schemathesis's state machine (``fuzz.stateful: true``).

Schemathesis builds a state machine from the OpenAPI document's links (``POST /items`` answers an
``item_id`` that ``GET /items/{item_id}`` and ``DELETE /items/{item_id}`` take; it also infers
links the document does not spell out where it can) and walks it: create, read, delete, read
again. Two of its checks judge the sequence:

* ``use_after_free``: a resource answered after its successful ``DELETE`` is
  ``fuzz/use-after-free`` (a delete that hides nothing, a cache that serves it on);
* ``ensure_resource_availability``: a resource that a successful create answered, and that the
  linked read then cannot find, is ``fuzz/resource-unavailable``.

Requests carry the fuzz identity's credentials and go through the same transport as every fuzz
request (no redirects, the caps). Failures are recorded, not raised: no shrinking, one finding
per rule with the request that showed it, and the walk is bounded by ``fuzz.max_examples``
(scenarios of at most :data:`STEPS` steps) and ``fuzz.max_seconds``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..core.errors import SetupError
from ..core.findings import Finding
from ..core.redaction import neutralise
from .pacing import Stop

if TYPE_CHECKING:
    from .engine import FuzzSettings, SendOptions

STEPS = 8  # steps per scenario
MAX_SCENARIOS = 50  # scenarios per run at most, whatever max_examples says
STATEFUL_RULES = {"UseAfterFree": "fuzz/use-after-free", "EnsureResourceAvailability": "fuzz/resource-unavailable"}


def has_links(schema: Any) -> bool:
    """Whether schemathesis found (or inferred) links to walk in the document."""
    machine = schema.as_state_machine()
    return bool(getattr(machine, "bundles", None))


def run(schema: Any, send: SendOptions, settings: FuzzSettings, identity: str | None) -> list[Finding]:
    """Walk the state machine as ``identity``; one finding per stateful rule that failed."""
    import hypothesis
    from schemathesis.specs.openapi.checks import ensure_resource_availability, use_after_free

    from ..core.target import is_asgi_app
    from .engine import _leaf_exceptions, _request_of, problem_of

    base = schema.as_state_machine()
    if not getattr(base, "bundles", None):
        raise SetupError("fuzz.stateful: the OpenAPI document has no links between operations (and schemathesis "
                         "inferred none): add `links` to the responses of the create operations, or drop "
                         "fuzz.stateful")
    kwargs = send.call_kwargs(asgi=send.app is not None and is_asgi_app(send.app))
    checks = [use_after_free, ensure_resource_availability]
    deadline = time.monotonic() + settings.max_seconds
    found: dict[str, Finding] = {}
    key = identity or ""

    class Machine(base):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return dict(kwargs)

        def call(self, case: Any, **call_kwargs: Any) -> Any:
            if time.monotonic() > deadline:
                raise Stop("the wall-clock budget fuzz.max_seconds was spent")
            return super().call(case, **call_kwargs)

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kw: Any) -> None:
            try:
                case.validate_response(response, checks=checks, headers=kw.get("headers"), transport_kwargs=kw,
                                       recorder=self.recorder)
            except (BaseExceptionGroup, AssertionError) as exc:
                for failure in _leaf_exceptions(exc):
                    rule = STATEFUL_RULES.get(type(failure).__name__) or problem_of(failure)[0]
                    if rule in STATEFUL_RULES.values() and rule not in found:
                        _rule, title, evidence = problem_of(failure)
                        found[rule] = Finding(rule, f"{title} (found by schemathesis's state machine)",
                                              f"{case.method.upper()} {case.operation.path}", evidence=evidence,
                                              request=_request_of(response), key=key)

    machine_settings = hypothesis.settings(
        max_examples=max(1, min(settings.max_examples, MAX_SCENARIOS)), stateful_step_count=STEPS, deadline=None,
        database=None, derandomize=True, suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate], verbosity=hypothesis.Verbosity.quiet,
        print_blob=False)
    try:
        Machine.run(settings=machine_settings)
    except Stop:
        pass
    except BaseExceptionGroup as group:
        if not all(isinstance(e, Stop) for e in _leaf_exceptions(group)):
            raise SetupError(f"fuzz.stateful could not run: {neutralise(str(group))[:300]}") from None
    except Exception as exc:
        raise SetupError(f"fuzz.stateful could not run: {type(exc).__name__}: {neutralise(str(exc))[:300]}") from None
    return sorted(found.values(), key=lambda f: f.rule_id)
