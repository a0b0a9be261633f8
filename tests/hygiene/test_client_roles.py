"""Client-side roles (issue 13, item 6): a role cookie, an is_admin flag and an unsigned base64
JSON claim, each trusted by /admin on Flask, Django and FastAPI, are raised and found
(``authz/client-side-role``), in process and on loopback; the twins that decide the role on the
server, with the same cookies present, are quiet."""

from __future__ import annotations

import pytest

from pytest_secure.authz.client_roles import markers
from pytest_secure.core.target import InProcessTarget, LiveTarget

from . import depth_apps
from .audit import load, run_checks, served


def baseline(request: str, form: str | None = None, login: str = "form") -> str:
    entry = f"{{request: {request}, identity: viewer" + (f", form: {form}}}" if form else "}")
    return f"""
        version: 1
        identities:
          viewer: {{login: {{request: POST /login, {login}: {{username: viewer, password: "{depth_apps.ROLE_PASSWORD}"}}{", token: token" if login == "json" else ""}}}}}
        authz:
          destructive: {str(form is not None).lower()}
          rules: [{{request: {request}, allow: []}}]
          client_roles: [{entry}]
        """


CASES = {
    # name: (app, the entry's request, its form page, login body, finding key)
    "flask-role-cookie": (depth_apps.flask_role_app, "GET /admin", None, "form", "viewer:role"),
    "django-is-admin-cookie": (depth_apps.django_role_app, "GET /admin-panel", None, "form", "viewer:is_admin"),
    "fastapi-base64-claims": (depth_apps.fastapi_role_app, "GET /admin", None, "form", "viewer:profile"),
    "flask-hidden-field-stored": (depth_apps.flask_profile_form_app, "GET /admin", "GET /profile", "form", "viewer:role"),
    "django-hidden-field-submitted": (depth_apps.django_approve_form_app, "POST /orders/approve", "GET /orders", "form",
                                      "viewer:is_manager"),
    "fastapi-unsigned-jwt-claim": (depth_apps.fastapi_unsigned_jwt_app, "GET /admin", None, "json", "viewer:token"),
}


def client_role_findings(app, text, live):
    base = load(text)
    if not live:
        return [f for f in run_checks(base, InProcessTarget(app, base_url="http://localhost", scope=["localhost"]))
                if f.rule_id == "authz/client-side-role"]
    with served(app) as url:
        return [f for f in run_checks(base, LiveTarget(url, ["127.0.0.1"])) if f.rule_id == "authz/client-side-role"]


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
@pytest.mark.parametrize("name", list(CASES))
def test_trusted_client_role_is_found_twin_quiet(name, live):
    make, request, form, login, key = CASES[name]
    found = client_role_findings(make(planted=True), baseline(request, form, login), live)
    assert [(f.key, f.location) for f in found] == [(key, request)]
    assert "HTTP 403 -> HTTP 200" in found[0].evidence
    assert client_role_findings(make(planted=False), baseline(request, form, login), live) == []


def test_markers():
    import base64
    import json

    claims = base64.urlsafe_b64encode(json.dumps({"role": "viewer", "n": 1}).encode()).decode().rstrip("=")
    found = {t.name: t.value for t in markers({"role": "user", "isAdmin": "false", "level": "0", "theme": "dark",
                                                  "sessionid": "0a1b2c3d4e", "p": claims, "lang": "no",
                                                  "who": "guest"})}
    assert found.pop("role") == "admin" and found.pop("isAdmin") == "true" and found.pop("level") == "1"
    assert json.loads(base64.urlsafe_b64decode(found.pop("p") + "==")) == {"role": "admin", "n": 1}
    assert found == {"who": "admin"}  # a role word counts by its value; lang=no, theme, sessionid do not


def test_unsigned_jwt_claims_and_hidden_fields_are_markers_signed_tokens_are_not():
    import base64
    import json

    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    unsigned = f"{part({'alg': 'none'})}.{part({'sub': 'viewer', 'role': 'user'})}."
    signed = f"{part({'alg': 'HS256'})}.{part({'sub': 'viewer', 'role': 'user'})}.c2lnbmF0dXJl"
    (token,) = markers({}, token=unsigned)
    assert (token.place, token.label) == ("token", "unsigned JWT claim role of the token")
    assert json.loads(base64.urlsafe_b64decode(token.value.split(".")[1] + "==")) == {"sub": "viewer", "role": "admin"}
    assert token.value.endswith(".")  # still alg none, no signature
    assert markers({"session": signed}, token=signed) == []
    fields = markers({}, hidden={"order": "7", "is_manager": "false", "csrf": "a1b2c3"})
    assert [(t.place, t.name, t.value) for t in fields] == [("hidden field", "is_manager", "true")]


def test_a_write_needs_the_destructive_opt_in():
    from pytest_secure.core.errors import BaselineError

    text = baseline("POST /orders/approve", "GET /orders").replace("destructive: true", "destructive: false")
    with pytest.raises(BaselineError, match=r"security-baseline.yaml:\d+:\d+: authz.client_roles\[0\].request: "
                                            r"POST /orders/approve changes state; set `authz.destructive: true`"):
        from pytest_secure.authz.client_roles import collect

        collect(load(text))


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_a_form_that_writes_elsewhere_needs_the_destructive_opt_in(live):
    text = baseline("GET /admin", "GET /profile").replace("destructive: true", "destructive: false")
    with pytest.raises(AssertionError, match=r"the form on /profile submits POST /profile, which changes state; "
                                             r"set `authz.destructive: true`"):
        client_role_findings(depth_apps.flask_profile_form_app(planted=True), text, live)
