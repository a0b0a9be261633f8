"""What every helper of the hand-written API (``assert_secure_headers``, ``AuthzMatrix.check``,
``assert_safe``, ...) does at its boundary: it never shows its insides in pytest's output.

pytest prints, for the frames of a failing test's traceback, their arguments (at the default
``--tb=auto`` for the last frame) and with ``-l``/``--showlocals`` their locals. A helper's
frames hold what it was given and what it built: requests with their ``Authorization`` and
``Cookie`` headers, passwords from ``${ENV}``, tokens. :func:`hides_internals` makes a helper

* hide its own frame (``__tracebackhide__``), and
* cut the frames below it from the :class:`AssertionError`, ``ValueError`` (a wrong argument)
  or pytest-secure error it raises (their messages are redacted already), so that the last
  frame pytest shows is the test's own.

Other exceptions (a bug) keep their traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import SecureError

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["hides_internals"]


def hides_internals(func: F) -> F:
    """Decorate a public helper: see the module docstring."""

    @functools.wraps(func)
    def helper(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        try:
            return func(*args, **kwargs)
        except (AssertionError, SecureError, ValueError) as exc:
            raise exc.with_traceback(None) from None

    return helper  # type: ignore[return-value]
