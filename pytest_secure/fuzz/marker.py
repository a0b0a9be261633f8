"""Attack payloads in hand-written tests: ``@pytest.mark.fuzz`` and ``@fuzz_payloads``.

``@pytest.mark.fuzz("sqli", "xss")`` runs a test that takes a ``payload`` argument once per
payload of the named families (deterministic, one item per payload, like a scanner's word
list)::

    @pytest.mark.secure
    @pytest.mark.fuzz("sqli", "xss", per_family=5)
    def test_search_is_safe(secure, payload):
        response = secure.identity("viewer").request("GET", "/search", params={"q": payload})
        assert_safe(response, [payload])          # pytest_secure.fuzz.oracles

``@fuzz_payloads("sqli", max_examples=50)`` turns a function into a Hypothesis test whose
``payload`` is drawn from the families (embedded in benign text, shrinking to the minimal
failing payload), for the team's own functions as much as for endpoints::

    @fuzz_payloads("sqli", "unicode")
    def test_slug_is_safe(payload):
        assert re.fullmatch(r"[a-z0-9-]*", slugify(payload))

This module is registered by ``plugin.py``; it imports Hypothesis only when the decorator is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest

__all__ = ["fuzz_payloads", "marker_payloads"]

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_PER_FAMILY = 10


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fuzz(*families, per_family=10): run the test once per attack payload of the families "
        "(argument `payload`); families: sqli, xss, path-traversal, command, ssti, crlf, nosql, format-string, "
        "open-redirect, unicode, oversized, boundary, redos.")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("fuzz")
    if marker is None or getattr(metafunc.function, "_psec_fuzz_payloads", False):
        return
    if "payload" not in metafunc.fixturenames:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: a test marked fuzz takes a `payload` argument")
    if _missing_extra():  # reported once, as a usage error, when collection ends (pytest_collection_modifyitems)
        metafunc.config.stash.setdefault(_NEEDS_EXTRA, []).append(
            f"{metafunc.definition.nodeid}: {getattr(metafunc.function, '_psec_needs_extra', '@pytest.mark.fuzz')}")
        return
    try:
        cases = marker_payloads(*marker.args, per_family=marker.kwargs.get("per_family", DEFAULT_PER_FAMILY))
    except ValueError as exc:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: @pytest.mark.fuzz: {exc}") from None
    metafunc.parametrize("payload", [value for _, value in cases], ids=[name for name, _ in cases])


_NEEDS_EXTRA = pytest.StashKey[list[str]]()  # the fuzz tests collected without the fuzz extra installed


def _missing_extra() -> bool:
    from ..core.extras import missing

    return missing("fuzz") is not None


def pytest_collection_modifyitems(config: pytest.Config) -> None:
    """The payload families are Hypothesis strategies: a fuzz test collected without the fuzz extra
    stops the run with a usage error (exit 4) naming the test and the install line."""
    needing = config.stash.get(_NEEDS_EXTRA, None)
    if needing:
        from ..core.errors import MissingExtra
        from ..core.extras import require

        more = f" (and {len(needing) - 1} more test(s))" if len(needing) > 1 else ""
        try:
            require("fuzz", needing[0] + more)
        except MissingExtra as exc:
            raise pytest.UsageError(str(exc)) from None


def marker_payloads(*families: str, per_family: int = DEFAULT_PER_FAMILY) -> list[tuple[str, Any]]:
    """``(id, payload)`` for the first ``per_family`` payloads of each family (all when none named)."""
    from . import strategies

    chosen = families or tuple(strategies.FAMILIES)
    out: list[tuple[str, Any]] = []
    for family in chosen:
        strategy = strategies.family(family)
        while hasattr(strategy, "wrapped_strategy"):
            strategy = strategy.wrapped_strategy
        elements = list(getattr(strategy, "elements", ()))
        if not elements:  # built strategies (oversized, boundary): take their simplest values
            elements = _simplest(strategies.family(family), per_family)
        out += [(f"{family}-{i}", value) for i, value in enumerate(elements[:per_family])]
    return out


def _simplest(strategy: Any, count: int) -> list[Any]:
    from hypothesis import find, settings

    found: list[Any] = []
    for _ in range(count):
        try:
            found.append(find(strategy, lambda v: v not in found, settings=settings(database=None, max_examples=200)))
        except Exception:  # no more distinct values
            break
    return found


def fuzz_payloads(*families: str, max_examples: int = 50, embedded: bool = True,
                  seed: int | None = None) -> Callable[[F], F]:
    """Decorate a test taking ``payload``: Hypothesis draws it from the families (all when none
    are named), optionally inside benign text, and shrinks a failure to the minimal payload."""

    def decorate(test: F) -> F:
        if _missing_extra():  # no Hypothesis: the marker path reports it when collection ends
            test._psec_needs_extra = "@fuzz_payloads"  # type: ignore[attr-defined]
            return pytest.mark.fuzz(*families)(test)  # type: ignore[no-any-return]
        import hypothesis

        from . import strategies

        strategy = strategies.payloads(*families)
        if embedded:
            strategy = hypothesis.strategies.one_of(
                strategy, strategies.embedded(strategies.payloads(*families, strings_only=True)))
        wrapped = hypothesis.given(payload=strategy)(test)
        wrapped = hypothesis.settings(max_examples=max_examples, deadline=None, database=None,
                                      derandomize=seed is None)(wrapped)
        if seed is not None:
            wrapped = hypothesis.seed(seed)(wrapped)
        wrapped._psec_fuzz_payloads = True  # type: ignore[attr-defined]
        return pytest.mark.fuzz(*families)(wrapped)  # type: ignore[no-any-return]

    return decorate
