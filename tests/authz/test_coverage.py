"""Coverage: operations without an authz rule, from the OpenAPI document or the route table of
real Flask, FastAPI and Django apps."""


from pytest_secure.authz.coverage import ignored
from pytest_secure.authz.routes import from_app, from_openapi, template_regex
from tests.authz.apps import django_notes, fastapi_notes, flask_notes
from tests.authz.helpers import json_identities, problems, run_secure
from tests.servers import serve_wsgi

NOTES_OPS = {("GET", "/dashboard"), ("GET", "/reports/{report_id}/export.csv"), ("GET", "/notes"),
             ("POST", "/notes"), ("GET", "/notes/{note_id}"), ("PUT", "/notes/{note_id}"),
             ("DELETE", "/notes/{note_id}"), ("POST", "/admin/users/{name}/role"), ("POST", "/login")}


def test_route_tables_of_the_three_frameworks():
    flask_ops = set(from_app(flask_notes.create_app()))
    assert NOTES_OPS | {("POST", "/logout"), ("GET", "/login"), ("POST", "/orders"), ("GET", "/orders/{order_id}"),
                        ("POST", "/orders/{order_id}/items"), ("GET", "/openapi.json")} == flask_ops
    assert set(from_app(fastapi_notes.create_app())) == NOTES_OPS  # /docs, /openapi.json are not in the schema
    django_ops = set(from_app(django_notes.create_app()))
    assert django_ops == NOTES_OPS | {("GET", "/login"), ("POST", "/logout")}  # from the class-based views' methods


def test_openapi_operations_and_template_matching():
    ops = from_openapi(flask_notes.OPENAPI)
    assert ("PUT", "/notes/{note_id}") in ops and ("POST", "/login") in ops
    assert template_regex("/notes/{note_id}").fullmatch("/notes/{id}")
    assert template_regex("/reports/{report_id}/export.csv").fullmatch("/reports/salaries/export.csv")
    assert not template_regex("/notes/{note_id}").fullmatch("/notes/1/extra")
    assert ignored("GET", "/static/app.js", ("GET /static/*",))
    assert ignored("POST", "/health", ("* /health",)) and ignored("GET", "/health", ("/health",))
    assert not ignored("POST", "/static/app.js", ("GET /static/*",))


BASELINE = """\
version: 1
gates: {{fail_on: low}}
target:
  {target}
  openapi: /openapi.json
""" + json_identities(("alice", "dave")).replace("{", "{{").replace("}", "}}") + """\
authz:
  rules:
    - {{request: GET /reports/public/export.csv, allow: [dave]}}
    - {{request: "GET /notes/{{id}}", params: {{id: "1"}}, allow: [alice, dave]}}
  coverage: {mode}
{extra}"""


def _run(pytester, app_module, mode="fail", extra="", target=None):
    target = target or f"app: {app_module('from tests.authz.apps.flask_notes import create_app; app = create_app()')}"
    pytester.makefile(".yaml", **{"security-baseline": BASELINE.format(target=target, mode=mode, extra=extra)})
    return run_secure(pytester, "-k", "coverage")


def test_openapi_coverage_fails_on_each_operation_without_a_rule(pytester, app_module):
    result, checks = _run(pytester, app_module)
    assert problems(checks) == {"coverage": ("failed", ["authz/uncovered-operation"])}
    out = result.stdout.str()
    for op in ("GET /dashboard", "GET /notes has", "POST /notes has", "PUT /notes/{note_id}",
               "DELETE /notes/{note_id}", "POST /admin/users/{name}/role", "POST /logout"):
        assert op in out
    # covered: the login request (an identity's login), the template that concrete rules match
    assert "POST /login has" not in out and "GET /reports/{report_id}/export.csv has" not in out
    assert "GET /notes/{note_id} has" not in out


def test_warn_mode_reports_without_failing(pytester, app_module):
    result, checks = _run(pytester, app_module, mode="warn")
    assert checks["coverage"][0] == "passed" and checks["coverage"][1] == ["authz/uncovered-operation"]
    assert result.ret == 0 and "GET /dashboard has no authz rule" in result.stdout.str()


def test_route_table_coverage_with_ignores(pytester, app_module):
    extra = ('  coverage_source: routes\n  coverage_ignore: ["GET /openapi.json", "GET /login", "* /orders*", '
             '"/logout", "/admin/*", "POST /notes", "PUT /notes/*", "DELETE /notes/*", "GET /notes", '
             '"GET /dashboard"]\n')
    _, checks = _run(pytester, app_module, extra=extra)
    assert problems(checks) == {}


def test_live_target_reads_the_route_table_of_module_app(pytester, app_module):
    module = app_module("from tests.authz.apps.flask_notes import create_app; app = create_app()")
    with serve_wsgi(flask_notes.create_app()) as url:
        extra = f"  coverage_source: {module}\n  coverage_ignore: [\"GET /login\", \"GET /openapi.json\"]\n"
        result, checks = _run(pytester, app_module, extra=extra, target=f"base_url: {url}")
    assert checks["coverage"][0] == "failed"
    assert "POST /orders/{order_id}/items has no authz rule" in result.stdout.str()  # only in the route table


def test_routes_without_an_in_process_app_is_a_setup_error(pytester, app_module):
    with serve_wsgi(flask_notes.create_app()) as url:
        _, checks = _run(pytester, app_module, extra="  coverage_source: routes\n", target=f"base_url: {url}")
    outcome, error = problems(checks)["coverage"]
    assert outcome == "error" and "coverage_source routes needs an in-process target.app" in error


