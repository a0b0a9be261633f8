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


def baseline(path: str) -> str:
    return f"""
        version: 1
        identities:
          viewer: {{login: {{request: POST /login, form: {{username: viewer, password: "{depth_apps.ROLE_PASSWORD}"}}}}}}
        authz:
          rules: [{{request: GET {path}, allow: []}}]
          client_roles: [{{request: GET {path}, identity: viewer}}]
        """


CASES = {
    "flask-role-cookie": (depth_apps.flask_role_app, "/admin", "viewer:role"),
    "django-is-admin-cookie": (depth_apps.django_role_app, "/admin-panel", "viewer:is_admin"),
    "fastapi-base64-claims": (depth_apps.fastapi_role_app, "/admin", "viewer:profile"),
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
    make, path, key = CASES[name]
    found = client_role_findings(make(planted=True), baseline(path), live)
    assert [(f.key, f.location) for f in found] == [(key, f"GET {path}")]
    assert "HTTP 403 -> HTTP 200" in found[0].evidence
    assert client_role_findings(make(planted=False), baseline(path), live) == []


def test_markers():
    import base64
    import json

    claims = base64.urlsafe_b64encode(json.dumps({"role": "viewer", "n": 1}).encode()).decode().rstrip("=")
    found = {t.cookie: t.value for t in markers({"role": "user", "isAdmin": "false", "level": "0", "theme": "dark",
                                                  "sessionid": "0a1b2c3d4e", "p": claims, "lang": "no",
                                                  "who": "guest"})}
    assert found.pop("role") == "admin" and found.pop("isAdmin") == "true" and found.pop("level") == "1"
    assert json.loads(base64.urlsafe_b64decode(found.pop("p") + "==")) == {"role": "admin", "n": 1}
    assert found == {"who": "admin"}  # a role word counts by its value; lang=no, theme, sessionid do not
