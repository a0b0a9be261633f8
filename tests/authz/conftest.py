"""Fixtures of the authz tests."""

import itertools
import textwrap

import pytest

_counter = itertools.count()


@pytest.fixture
def app_module(pytester):
    """Write a module exposing ``app`` built by ``factory_expr``; returns 'module:app'."""

    def write(source: str) -> str:
        name = f"authzapp{next(_counter)}"
        pytester.makepyfile(**{name: textwrap.dedent(source)})
        return f"{name}:app"

    return write


