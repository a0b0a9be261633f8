"""Exceptions raised by pytest-secure.

The tree, so that callers can see what to catch::

    SecureError
    ├── BaselineError        the baseline file is missing, malformed or invalid
    ├── TargetError          the target cannot be reached or answered badly
    │   ├── ScopeError       a request would leave the declared scope
    │   └── ResponseTooLarge (not raised: bodies are truncated; kept for callers)
    ├── AppImportError       ``target.app`` does not import
    └── SetupError           a precondition of a check failed (login, trust preflight)

User mistakes become ``pytest.UsageError`` (exit code 4) with the message of one of
these; none of them is shown with a traceback.
"""

from __future__ import annotations


class SecureError(Exception):
    """Base class of every pytest-secure error."""


class BaselineError(SecureError):
    """The baseline file is missing, not YAML, or does not match the schema.

    ``problems`` holds one line per problem, each ``file:line:col: path: message``.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class TargetError(SecureError):
    """The target could not be reached, timed out, or answered with something unusable."""


class ScopeError(TargetError):
    """A request was refused because its host is outside ``target.scope``."""


class AppImportError(SecureError):
    """``target.app`` names a module or attribute that does not import."""


class SetupError(SecureError):
    """A check's precondition failed, so its result cannot be trusted (reported as error)."""
