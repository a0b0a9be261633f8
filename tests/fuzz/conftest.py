"""Import schemathesis's lazily imported modules once, before the first test.

pytester's in-process runs remove the modules first imported inside a run when the run
ends; the next run imports them anew, and objects kept from the earlier copy (a parameter
class, a failure class) then fail isinstance checks against the new one. Importing them here
puts them in pytester's snapshot, so every run shares one copy."""

import pytest

_SPEC = {"openapi": "3.0.3", "info": {"title": "preload", "version": "1"}, "paths": {"/x/{id}": {"post": {
    "parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "string", "pattern": "^a"}},
                   {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
    "responses": {"200": {"description": "ok"}}}}}}


@pytest.fixture(scope="session", autouse=True)
def _schemathesis_imported_once() -> None:
    import schemathesis
    from schemathesis.generation import GenerationMode
    from schemathesis.generation.hypothesis.examples import generate_one
    from schemathesis.specs.openapi.checks import negative_data_rejection  # noqa: F401

    operation = schemathesis.openapi.from_dict(_SPEC)["/x/{id}"]["POST"]
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        generate_one(operation.as_strategy(generation_mode=mode))
