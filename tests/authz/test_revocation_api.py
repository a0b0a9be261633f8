"""assert_revoked_within: the revocation check for Python tests, with any revoke hook."""

import pytest

from pytest_secure.authz import assert_revoked_within
from pytest_secure.core.baseline.model import IdentityConfig, LoginConfig
from pytest_secure.core.identities import Identity
from pytest_secure.core.redaction import Redactor
from pytest_secure.core.target import InProcessTarget
from tests.authz.apps import flask_notes


def identities(bugs):
    target = InProcessTarget(flask_notes.create_app(bugs), base_url="http://notes.localhost", scope=["notes.localhost"])
    redactor = Redactor()

    def make(user):
        login = LoginConfig("POST", "/login", json={"username": user, "password": f"{user}-pw"}, token="token")
        return Identity(IdentityConfig(user, login=login), target, redactor)

    return make("erin"), make("dave")


def set_role(admin, role):
    assert admin.request("POST", "/admin/users/erin/role", json={"role": role}).status == 204


def test_access_ends_after_the_revoke_hook():
    erin, dave = identities(set())
    assert_revoked_within(erin, "GET /reports/public/export.csv", revoke=lambda: set_role(dave, "viewer"),
                          restore=lambda: set_role(dave, "analyst"), within=1, interval=0.1)
    assert erin.request("GET", "/reports/public/export.csv").status == 200  # restored


def test_a_role_cached_in_the_session_outlives_the_revocation():
    erin, dave = identities({"stale_role"})
    with pytest.raises(AssertionError, match=r"authz/revocation-delay: erin still had access 0.5 s after"):
        assert_revoked_within(erin, "GET /reports/public/export.csv", revoke=lambda: set_role(dave, "viewer"),
                              within=0.5, interval=0.1)
