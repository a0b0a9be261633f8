"""Every area of pytest-secure, listed explicitly, and the rule table composed from them.

This is the one module that knows all areas (model: pytest-xdist's ``scheduler/__init__.py``).
Adding an area is writing its folder and adding it here; the order below is the order of
its items in a run.
"""

from __future__ import annotations

from .abuse import controls as abuse
from .abuse import jwt
from .authz import area as authz
from .core.area import Area
from .core.rules import RuleTable
from .dast import area as dast
from .fuzz import area as fuzz
from .hygiene import cookies, cors, grade, headers, leaks, passive, tls

AREAS: tuple[Area, ...] = (
    abuse.area,
    authz.area,
    cookies.area,
    cors.area,
    dast.DastArea(audit=passive.audit_response),  # the built-in engine applies the hygiene policy
    fuzz.area,
    grade.area,
    headers.area,
    jwt.area,
    leaks.area,
    tls.area,
    passive.area,  # no items: a plugin that audits the user's own tests
)

RULES = RuleTable(rule for area in AREAS for rule in area.rules)
"""Every rule an area declares, composed once."""
