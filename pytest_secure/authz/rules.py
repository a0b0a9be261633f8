"""The rules the authz area reports, as data (CWE-285/639/862/863 for access control;
CWE-384/613 for sessions; CWE-204 for a denial that reveals existence)."""

from __future__ import annotations

from ..core.findings import Severity
from ..core.rules import Rule

_DEFINITIONS: tuple[tuple[str, str, str, int, str, str], ...] = (
    ("authz/unauthenticated-access", "Anonymous request allowed", "high", 862,
     "Require authentication on this route (deny by default), then add the role check the baseline describes.",
     "A request without credentials got an answer the baseline reserves for logged-in identities."),
    ("authz/forbidden-access", "Identity reads what its role may not", "high", 863,
     "Check the caller's role or permission on the server before answering (a central policy check, deny by default).",
     "An identity got a response that the authorization matrix denies to it (broken function-level authorization)."),
    ("authz/forbidden-action", "Identity performs an action its role may not", "critical", 285,
     "Enforce the role check before the action runs, on the server; never rely on the UI hiding the button.",
     "A state-changing request denied to an identity was accepted (privilege escalation)."),
    ("authz/object-access", "Another identity's object can be read (BOLA/IDOR)", "high", 639,
     "Look the object up within the caller's scope (WHERE owner = caller) or check ownership before answering.",
     "An identity read an object owned by another identity by changing the id in the request."),
    ("authz/object-write", "Another identity's object can be changed or deleted (BOLA/IDOR)", "critical", 639,
     "Check ownership before updating or deleting; judge it in the data layer (scoped queries), not in the UI.",
     "After another identity's update or delete, the owner read the object back and found it changed or gone."),
    ("authz/list-leak", "List endpoint returns other identities' objects", "high", 639,
     "Filter list queries by the caller's ownership (or tenant) on the server.",
     "A list response of one identity contained object ids owned by another identity."),
    ("authz/denial-status", "Denied with the wrong status", "low", 204,
     "Answer 404 where the baseline asks to conceal existence, 401 where it asks for authentication.",
     "The request was refused, but not the way the baseline asks (403 where 404 conceals, 403 where 401 is due)."),
    ("authz/unclear-denial", "Neither allowed nor clearly denied", "low", 285,
     "Refuse with 401/403/404 (or add the status to authz.deny); a 400 or 500 where a denial is due often means "
     "the check runs after other processing.",
     "A request the baseline denies was answered with a status that is not in authz.deny."),
    ("authz/uncovered-operation", "Operation without an authorization rule", "high", 862,
     "Add an authz rule (who may call it) for the operation, or list it in authz.coverage_ignore.",
     "An operation of the OpenAPI document or the app's route table has no authz rule."),
    ("authz/revocation-delay", "Access survives revocation", "high", 863,
     "Re-read roles and permissions on every request (or on a short cache); end sessions when access is revoked.",
     "After the revoke hook ran, the identity's running session kept its access longer than allowed."),
    ("authz/session-fixation", "Session identifier survives login", "high", 384,
     "Issue a new session identifier at login and at every privilege change (e.g. Django's cycle_key, "
     "Flask-Login's session protection).",
     "The session cookie issued before login (or planted by an attacker) was still the session after login."),
    ("authz/logout-session-alive", "Session still valid after logout", "high", 613,
     "Invalidate the session (or revoke the token) on the server at logout; clearing the cookie is not enough.",
     "The cookie or token replayed after logout was still accepted."),
    ("authz/session-lifetime", "Session or token lives longer than allowed", "medium", 613,
     "Shorten the session cookie's Max-Age/Expires or the token's exp to the baseline's cap (12 h by default).",
     "The session cookie or token issued at login is valid for longer than authz.sessions.max_lifetime."),
    ("authz/client-side-role", "A role held by the client grants more access", "critical", 602,
     "Decide roles on the server from the session; never trust a role or privilege flag in a cookie, hidden "
     "field or unsigned token.",
     "authz.client_roles: after a role marker in the identity's cookies (role=user, admin=0, base64 JSON "
     "claims) was raised, a request the identity is refused succeeded."),
)

RULES: tuple[Rule, ...] = tuple(Rule(rule_id, title, Severity.parse(severity), cwe, fix, description)
                                for rule_id, title, severity, cwe, fix, description in _DEFINITIONS)

MATRIX_RULES = ("authz/unauthenticated-access", "authz/forbidden-access", "authz/forbidden-action",
                "authz/denial-status", "authz/unclear-denial")
OBJECT_RULES = ("authz/object-access", "authz/object-write", "authz/unauthenticated-access",
                "authz/denial-status", "authz/unclear-denial")
