"""Authorization testing: the identities x requests matrix with a trust preflight,
object-level (BOLA/IDOR) reads, writes judged by effect, list leaks, attacker replay of
whole sequences, coverage of the route table, property search, revocation and session
checks, and the ``@pytest.mark.authz`` / ``authz_matrix`` Python API.

Modules: ``area`` (the area's entry in :mod:`pytest_secure.areas`: ``collect`` and ``area``),
``rules`` (the area's rules, as data), ``config`` (the typed ``authz:`` section), ``outcome``
(reading a response as allowed/denied), ``cells`` (what every kind of cell shares:
``CellCheck``, ``cell_name``, ``untrustworthy``), ``matrix`` (expands the section into the
cells of every kind), ``objects``, ``sequences``, ``coverage`` + ``routes``, ``explore``,
``revocation``, ``sessions``, ``runtime`` (per-session state), ``prefetch`` (read-only cells
sent ahead), ``pytest_api`` (``@pytest.mark.authz`` and ``authz_matrix``).
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
