"""Hand-written security tests beside the baseline: they use the `secure` fixture, which
gives the same target and identities as the baseline's checks."""

import pytest


@pytest.mark.secure
def test_viewer_sees_dashboard_but_cannot_export(secure):
    viewer = secure.identity("viewer")
    assert viewer.request("GET", "/dashboard").status == 200
    assert viewer.request("GET", "/reports/public/export.csv").status == 403


@pytest.mark.secure
def test_analyst_exports_only_non_sensitive_reports(secure):
    analyst = secure.identity("analyst")
    assert analyst.request("GET", "/reports/public/export.csv").status == 200
    assert analyst.request("GET", "/reports/sensitive/export.csv").status == 403


@pytest.mark.secure
def test_admin_exports_everything(secure):
    admin = secure.identity("admin")
    response = admin.request("GET", "/reports/sensitive/export.csv")
    assert response.status == 200
    assert response.header("content-type").startswith("text/csv")


@pytest.mark.secure
def test_anonymous_is_refused(secure):
    assert secure.identity("anonymous").request("GET", "/dashboard").status == 401


def test_login_rejects_wrong_password():
    from app import app

    client = app.test_client()
    assert client.post("/login", json={"username": "admin", "password": "wrong"}).status_code == 401
