"""Server errors anywhere and CORS without an Origin (issue 13, items 1, 2 and 8), on Flask,
Django and FastAPI, in process and behind a loopback server: each planted app is found, its
hardened twin is quiet. The baseline is what a README user writes: ``extends: recommended``
and the pages to check, so the preset is what turns these checks on."""

from __future__ import annotations

import pytest

from pytest_secure.areas import RULES
from pytest_secure.core.adapters import to_response
from pytest_secure.core.redaction import Redactor
from pytest_secure.core.session import SecureSession
from pytest_secure.core.target import InProcessTarget
from pytest_secure.dast.config import dast_settings
from pytest_secure.dast.engines import run_builtin
from pytest_secure.dast.progress import Progress
from pytest_secure.hygiene.passive import audit_response

from . import depth_apps
from .audit import audit, load

BASELINE = f"""
    version: 1
    extends: recommended
    headers: {{paths: [/, /reports]}}
    cors: {{allowed_origins: ["{depth_apps.ALLOWED_ORIGIN}"]}}
    """
WATCHED = ("leaks/server-error", "leaks/stack-trace-", "cors/")


def watched(findings) -> set[tuple[str, str]]:
    return {(f.rule_id, f.location) for f in findings if f.rule_id.startswith(WATCHED)}


SERVER_ERROR = {("leaks/server-error", "GET /reports")}
WILDCARD = {("cors/wildcard-credentials", "GET /"), ("cors/wildcard-credentials", "GET /reports")}
# Starlette's CORSMiddleware with allow_origins=["*"] and allow_credentials=True echoes every Origin
REFLECTED = {(rule, where) for rule in ("cors/origin-reflected-credentials", "cors/null-origin",
                                        "cors/origin-validation-bypass") for where in ("GET /", "GET /reports")}
APPS = {
    # name: (planted, hardened, found on the planted one)
    "flask": (lambda: depth_apps.flask_app(planted=True), lambda: depth_apps.flask_app(planted=False),
              SERVER_ERROR | WILDCARD),  # * with credentials only when no Origin is sent
    "django": (lambda: depth_apps.django_app(planted=True), lambda: depth_apps.django_app(planted=False),
               SERVER_ERROR | WILDCARD),
    "fastapi": (lambda: depth_apps.fastapi_app(planted=True), lambda: depth_apps.fastapi_app(planted=False),
                SERVER_ERROR | REFLECTED),
}


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
@pytest.mark.parametrize("name", list(APPS))
def test_planted_server_error_and_wildcard_credentials_are_found(name, live):
    planted, _hardened, expected = APPS[name]
    assert watched(audit(planted(), BASELINE, live=live)) == expected


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
@pytest.mark.parametrize("name", list(APPS))
def test_hardened_twin_is_quiet(name, live):
    _planted, hardened, _expected = APPS[name]
    assert watched(audit(hardened(), BASELINE, live=live)) == set()


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_django_debug_page_reports_the_trace_on_top_of_the_500(live):
    found = watched(audit(depth_apps.django_app(planted=True, debug=True), BASELINE, live=live))
    assert {("leaks/stack-trace-django", "GET /reports"), ("leaks/server-error", "GET /reports")} <= found


def test_wildcard_without_origin_names_the_missing_origin():
    findings = audit(depth_apps.flask_app(planted=True), BASELINE, live=False)
    [first, *_] = [f for f in findings if f.rule_id == "cors/wildcard-credentials"]
    assert "no Origin sent" in first.message and first.evidence.startswith("no Origin -> HTTP")


# -- passive mode and the DAST engine apply the same policy ----------------------------------------
def test_passive_audit_reports_server_error_and_wildcard_credentials():
    baseline = load(BASELINE)
    for planted, rules in ((True, {"leaks/server-error", "cors/wildcard-credentials"}), (False, set())):
        client = depth_apps.flask_app(planted=planted).test_client()
        found = {f.rule_id for path in ("/", "/reports")
                 for f in audit_response(to_response(client.get(path)), baseline)}
        assert found & {"leaks/server-error", "cors/wildcard-credentials"} == rules, planted


@pytest.mark.parametrize("planted", [True, False], ids=["planted", "hardened"])
def test_builtin_dast_engine_applies_server_error_and_cors(planted):
    baseline = load(BASELINE.rstrip(" ") + "    dast: {engine: builtin}\n")
    target = InProcessTarget(depth_apps.flask_app(planted=planted), base_url="https://localhost", scope=["localhost"])
    session = SecureSession(baseline, target, Redactor(baseline.secrets), RULES)
    try:
        result = run_builtin(session, dast_settings(baseline), Progress(), audit_response)
    finally:
        session.close()
    found = {(f.rule_id, f.location) for group in result.groups for f in group.findings
             if f.rule_id.startswith(WATCHED)}
    assert found == ({("leaks/server-error", "GET /reports"), ("cors/wildcard-credentials", "GET /"),
                      ("cors/wildcard-credentials", "GET /reports")} if planted else set())


def fastapi_crashing_on_bad_json():
    import json

    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    app = FastAPI()

    async def index(request):
        if request.method == "POST":
            json.loads(await request.body())  # the defect: a malformed body is an unhandled exception
        return HTMLResponse(depth_apps.INDEX)

    app.add_route("/", index, methods=["GET", "POST"])
    return app


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_exception_on_a_probe_is_a_server_error(live):
    """On a server the exception is a 500; in process it reaches pytest-secure, which reports the
    500 the server would send instead of passing in silence."""
    found = watched(audit(fastapi_crashing_on_bad_json(), "version: 1\nleaks: {paths: [/], banners: false}\n",
                          live=live))
    assert found == {("leaks/server-error", "POST /")}
