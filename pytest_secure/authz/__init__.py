"""Authorization testing: the identities x requests matrix with a trust preflight,
object-level (BOLA/IDOR) reads, writes judged by effect, list leaks, attacker replay of
whole sequences, coverage of the route table, property search, revocation and session
checks, and the ``@pytest.mark.authz`` / ``authz_matrix`` Python API.

Modules: ``config`` (the typed ``authz:`` section), ``outcome`` (reading a response as
allowed/denied), ``matrix`` (cells), ``objects``, ``sequences``, ``coverage`` + ``routes``,
``explore``, ``revocation``, ``sessions``, ``runtime`` (per-session state), ``pytest_api``.
Nothing heavy is imported here.
"""

from __future__ import annotations

__all__ = ["AuthzMatrix", "assert_revoked_within"]


def __getattr__(name: str) -> object:
    if name == "AuthzMatrix":
        from .pytest_api import AuthzMatrix

        return AuthzMatrix
    if name == "assert_revoked_within":
        from .revocation import assert_revoked_within

        return assert_revoked_within
    raise AttributeError(name)
