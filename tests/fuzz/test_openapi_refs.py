"""References in the target's OpenAPI document are followed only within target.scope.

A ``$ref`` (or an example's ``externalValue``) to a host outside the scope is a clear error
naming the reference, and nothing connects to that host (a canary listener on 127.0.0.1 counts
connections); a reference inside the scope is fetched through the target's own transport and
works; file references are followed from a local document only.
"""

from __future__ import annotations

import contextlib
import json
import textwrap
from pathlib import Path

import pytest

from pytest_secure.core.errors import SetupError
from pytest_secure.core.target import LiveTarget, ScopeGuard
from pytest_secure.fuzz.engine import FuzzSettings, load_schema
from tests.servers import Canary, serve_raw, serve_wsgi

SHARED = {"components": {"schemas": {"Item": {"type": "object", "required": ["name"],
                                              "properties": {"name": {"$ref": "#/components/schemas/Name"}}},
                                     "Name": {"type": "string", "minLength": 3, "maxLength": 3}}}}


def document(ref: str) -> dict:
    return {"openapi": "3.0.3", "info": {"title": "refs", "version": "1"}, "paths": {"/items": {"get": {
        "parameters": [{"name": "filter", "in": "query", "required": True,
                        "content": {"application/json": {"schema": {"$ref": ref}}}}],
        "responses": {"200": {"description": "ok"}}}}}}


@contextlib.contextmanager
def canary_host():
    canary = Canary()
    with serve_raw(canary.handle) as url:
        yield canary, url


def docs_app(documents: dict[str, object]):
    def app(environ, start_response):
        body = documents.get(environ["PATH_INFO"])
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no"]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    return app


def live_load(url: str, scope: list[str], source: str = "/openapi.json"):
    def fetch(u: str) -> bytes:
        target = LiveTarget(url, scope, timeout=5)
        try:
            return target.request("GET", u, follow_redirects=False).body
        finally:
            target.close()

    return load_schema(source, settings=FuzzSettings(max_examples=1), base_dir=Path("."), base_url=url,
                       scope=ScopeGuard(scope), fetch=fetch)


def item_name_schema(schema) -> dict:
    """The resolved schema of the filter parameter's ``name`` (follows every reference)."""
    from schemathesis.generation import GenerationMode
    from schemathesis.generation.hypothesis.examples import generate_one

    case = generate_one(schema["/items"]["GET"].as_strategy(generation_mode=GenerationMode.POSITIVE))
    return case.query


def test_an_off_scope_ref_in_a_live_document_is_an_error_naming_it_and_is_never_fetched():
    with canary_host() as (canary, elsewhere):
        evil = f"{elsewhere}/evil.json#/components/schemas/Item"
        with serve_wsgi(docs_app({"/openapi.json": document(evil)})) as url, pytest.raises(SetupError) as caught:
            item_name_schema(live_load(url, [url.split("://")[1]]))  # before the fix: schemathesis fetched it here
    assert evil in str(caught.value) and "outside target.scope" in str(caught.value)
    assert "#/paths/~1items/get/parameters/0/content/application~1json/schema" in str(caught.value)
    assert canary.connections == 0


def test_an_in_scope_ref_is_fetched_through_the_target_and_works():
    with serve_wsgi(docs_app({"/shared.json": SHARED, "/openapi.json": document("shared.json#/components/schemas/Item")})) \
            as url:
        schema = live_load(url, [url.split("://")[1]])
        query = item_name_schema(schema)
    name = json.loads(query["filter"])["name"] if isinstance(query["filter"], str) else query["filter"]["name"]
    assert isinstance(name, str) and len(name) == 3  # Name, a reference inside the referenced document


def test_an_off_scope_ref_in_a_local_document_is_refused_and_a_local_file_ref_works(tmp_path):
    (tmp_path / "shared.json").write_text(json.dumps(SHARED))
    (tmp_path / "good.json").write_text(json.dumps(document("./shared.json#/components/schemas/Item")))
    schema = load_schema("good.json", settings=FuzzSettings(max_examples=1), base_dir=tmp_path,
                         base_url="http://127.0.0.1:1", scope=ScopeGuard(["127.0.0.1:1"]))
    assert item_name_schema(schema)["filter"]
    with canary_host() as (canary, elsewhere):
        ref = f"{elsewhere}/evil.json#/components/schemas/Item"
        (tmp_path / "evil.json").write_text(json.dumps(document(ref)))
        with pytest.raises(SetupError, match="outside target.scope") as caught:
            item_name_schema(load_schema("evil.json", settings=FuzzSettings(max_examples=1), base_dir=tmp_path,
                                         base_url="http://127.0.0.1:1", scope=ScopeGuard(["127.0.0.1:1"])))
    assert ref in str(caught.value)
    assert canary.connections == 0


def test_a_served_document_may_not_refer_to_local_files(tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps(SHARED))
    served = docs_app({"/openapi.json": document(secret.as_uri() + "#/components/schemas/Item")})
    with serve_wsgi(served) as url, pytest.raises(SetupError, match="refer only within itself"):
        item_name_schema(live_load(url, [url.split("://")[1]]))


def test_an_off_scope_external_value_is_refused():
    with canary_host() as (canary, elsewhere):
        doc = document("#/components/schemas/Item")
        doc["components"] = SHARED["components"]
        doc["paths"]["/items"]["get"]["parameters"][0]["examples"] = {"x": {"externalValue": f"{elsewhere}/ex.json"}}
        with serve_wsgi(docs_app({"/openapi.json": doc})) as url, \
                pytest.raises(SetupError, match="externalValue") as caught:
            item_name_schema(live_load(url, [url.split("://")[1]]))
    assert f"{elsewhere}/ex.json" in str(caught.value)
    assert canary.connections == 0


def test_the_fuzz_area_reports_the_off_scope_ref_and_connects_nowhere(pytester):
    with canary_host() as (canary, elsewhere):
        evil = f"{elsewhere}/evil.json#/components/schemas/Item"
        with serve_wsgi(docs_app({"/openapi.json": document(evil)})) as url:
            pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(f"""
                version: 1
                target: {{base_url: "{url}", openapi: /openapi.json}}
                fuzz: {{max_examples: 2, seed: 0}}
                """)})
            result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*{evil}*outside target.scope*"])
    assert "Traceback" not in result.stdout.str()
    assert canary.connections == 0


def test_authz_reads_the_document_with_refs_followed_within_scope_only():
    """authz (explore, coverage) reads target.openapi through the same bundling."""
    from pytest_secure.core.openapi_refs import STORE, bundle_refs

    with canary_host() as (canary, elsewhere), pytest.raises(SetupError, match="outside target.scope"):
        bundle_refs(document(f"{elsewhere}/x.json#/a"), base="http://127.0.0.1:1/openapi.json",
                    allows=ScopeGuard(["127.0.0.1:1"]).allows, fetch=lambda url: b"{}")
    assert canary.connections == 0
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return json.dumps(SHARED).encode()

    bundled, changed = bundle_refs(document("/shared.json#/components/schemas/Item"),
                                   base="http://127.0.0.1:1/openapi.json", allows=ScopeGuard(["127.0.0.1:1"]).allows,
                                   fetch=fetch)
    assert changed and fetched == ["http://127.0.0.1:1/shared.json"]
    param = bundled["paths"]["/items"]["get"]["parameters"][0]["content"]["application/json"]["schema"]
    assert param == {"$ref": f"#/{STORE}/0/components/schemas/Item"}
    assert bundled[STORE]["0"]["components"]["schemas"]["Item"]["properties"]["name"] == {
        "$ref": f"#/{STORE}/0/components/schemas/Name"}


def test_authz_coverage_reports_the_off_scope_ref_and_connects_nowhere(pytester):
    """authz reads target.openapi (coverage, explore) with the same rule."""
    with canary_host() as (canary, elsewhere):
        evil = f"{elsewhere}/evil.json#/components/schemas/Item"
        served = docs_app({"/openapi.json": document(evil), "/items": {"items": []}})
        with serve_wsgi(served) as url:
            pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(f"""
                version: 1
                target: {{base_url: "{url}", openapi: /openapi.json}}
                identities:
                  reader: {{headers: {{X-User: reader}}}}
                authz:
                  rules:
                    - {{request: GET /items, allow: [reader]}}
                  coverage: fail
                """)})
            result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "-rA")
    result.stdout.fnmatch_lines([f"*{evil}*outside target.scope*"])
    assert "Traceback" not in result.stdout.str()
    assert canary.connections == 0
