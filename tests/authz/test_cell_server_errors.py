"""Server errors on authz cells (issue 13, item 1): a deny cell whose request crashes the server
is judged by the leaks policy too, so the 5xx is ``leaks/server-error`` (and a traceback in the
body ``leaks/stack-trace-*``) on that cell, beside the cell's own ``authz/unclear-denial``. On
Flask, Django and FastAPI, in process and on loopback, on plain and object cells; the twins
refuse (403, 404) and are quiet.
Without a ``leaks`` section the cell judges only access, as before."""

from __future__ import annotations

import traceback
from typing import Any

import pytest

from tests.hygiene import apps
from tests.hygiene.audit import audit

ROW = "GET /reports/export"
BASELINE = """
    version: 1
    leaks: {server_errors: true, banners: false}
    identities:
      admin: {roles: [admin], bearer: admin-token-7f3}
      viewer: {roles: [viewer], bearer: viewer-token-9c1}
    authz:
      rules: [{request: GET /reports/export, allow: [admin]}]
    """


def _user(header: str | None) -> str:
    return {"Bearer admin-token-7f3": "admin", "Bearer viewer-token-9c1": "viewer"}.get(header or "", "")


def flask_app(*, planted: bool) -> Any:
    from flask import Flask, request

    app = Flask(f"cell_errors_{planted}")

    @app.get("/")
    def home() -> Any:
        return "home"

    @app.get("/reports/export")
    def export() -> Any:
        user = _user(request.headers.get("Authorization"))
        if user == "admin":
            return "id,total\n1,10\n"
        if planted:
            return {"admin": True}[user]  # KeyError: Flask answers its plain 500 page
        return "forbidden", 403

    return app


def django_app(*, planted: bool) -> Any:
    from django.core.handlers.wsgi import WSGIHandler
    from django.http import HttpResponse, HttpResponseForbidden
    from django.test.utils import override_settings
    from django.urls import path

    apps.django_app(apps.DJANGO_HARDENED)  # configures Django once for this process

    def home(request: Any) -> Any:
        return HttpResponse("home")

    def export(request: Any) -> Any:
        user = _user(request.headers.get("Authorization"))
        if user == "admin":
            return HttpResponse("id,total\n1,10\n")
        if planted:
            raise PermissionError("no export grant for " + user)  # not Django's PermissionDenied: a 500
        return HttpResponseForbidden("forbidden")

    urls = type("Urls", (), {"urlpatterns": [path("", home), path("reports/export", export)]})

    def app(environ: Any, start_response: Any) -> Any:
        with override_settings(**{**apps.DJANGO_HARDENED, "ROOT_URLCONF": urls}):
            return list(WSGIHandler()(environ, start_response))

    return app


def fastapi_app(*, planted: bool) -> Any:
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    app = FastAPI()

    async def home(request: Any) -> Any:
        return PlainTextResponse("home")

    async def export(request: Any) -> Any:
        user = _user(request.headers.get("authorization"))
        if user == "admin":
            return PlainTextResponse("id,total\n1,10\n")
        if planted:
            raise KeyError(user)
        return PlainTextResponse("forbidden", status_code=403)

    async def crashed(request: Any, exc: Exception) -> Any:  # the planted app shows its traceback
        return PlainTextResponse("".join(traceback.format_exception(exc)), status_code=500)

    app.add_route("/", home, methods=["GET"])
    app.add_route("/reports/export", export, methods=["GET"])
    app.add_exception_handler(KeyError, crashed)
    return app


APPS_BY_NAME = {"flask": flask_app, "django": django_app, "fastapi": fastapi_app}
ON_CELL = {"authz/unclear-denial", "leaks/server-error"}
FOUND = {"flask": ON_CELL, "django": ON_CELL, "fastapi": ON_CELL | {"leaks/stack-trace-python"}}


def on_row(findings) -> set[str]:
    return {f.rule_id for f in findings if f.location == ROW}


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
@pytest.mark.parametrize("name", list(APPS_BY_NAME))
def test_a_crashing_deny_cell_is_a_server_error_twin_quiet(name, live):
    assert on_row(audit(APPS_BY_NAME[name](planted=True), BASELINE, live=live, base_url="http://localhost")) == FOUND[name]
    assert on_row(audit(APPS_BY_NAME[name](planted=False), BASELINE, live=live, base_url="http://localhost")) == set()


def test_without_a_leaks_section_the_cell_judges_access_only():
    baseline = BASELINE.replace("leaks: {server_errors: true, banners: false}", "")
    assert on_row(audit(flask_app(planted=True), baseline, live=False, base_url="http://localhost")) == {
        "authz/unclear-denial"}


OBJECTS_BASELINE = """
    version: 1
    leaks: {server_errors: true, banners: false}
    identities:
      alice: {bearer: alice-token-41d}
      bob: {bearer: bob-token-0e7}
    authz:
      destructive: true
      objects:
        doc:
          create: {request: POST /docs, json: {text: draft}, id: id}
          owners: [alice, bob]
          read: "GET /docs/{id}"
      rules:
        - {request: "GET /docs/{id}", owner: id}
    """


def flask_docs_app(*, planted: bool) -> Any:
    """Planted: reading another user's doc crashes (the ACL lookup raises). Twin: 404."""
    import itertools

    from flask import Flask, request

    app = Flask(f"cell_errors_docs_{planted}")
    docs: dict[str, tuple[str, str]] = {}
    ids = itertools.count(1)
    users = {"Bearer alice-token-41d": "alice", "Bearer bob-token-0e7": "bob"}

    @app.get("/")
    def home() -> Any:
        return "home"

    @app.post("/docs")
    def create() -> Any:
        doc_id = str(next(ids))
        docs[doc_id] = (users[request.headers["Authorization"]], request.get_json()["text"])
        return {"id": doc_id}, 201

    @app.get("/docs/<doc_id>")
    def read(doc_id: str) -> Any:
        owner, text = docs[doc_id]
        user = users.get(request.headers.get("Authorization", ""))
        if user != owner:
            return {"shared_with": []}["shared_with"][0] if planted else ("not found", 404)  # IndexError: a 500
        return {"id": doc_id, "text": text}

    return app


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_a_crashing_object_cell_is_a_server_error_twin_quiet(live):
    def errors(planted):
        found = audit(flask_docs_app(planted=planted), OBJECTS_BASELINE, live=live, base_url="http://localhost")
        return {(f.rule_id, f.location.split("/")[1]) for f in found if f.location.startswith("GET /docs/")}

    assert errors(True) == {("leaks/server-error", "docs"), ("authz/unclear-denial", "docs")}
    assert errors(False) == set()
