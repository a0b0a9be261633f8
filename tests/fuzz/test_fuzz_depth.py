"""Issue 12, items 1-3: directed payloads reach every declared input (optional and nested body
fields, parameter names), in the encoding the field expects (base64), and time-based payloads are
judged against the operation's own latency. Planted FastAPI service and its fixed twin
(tests/fuzz/depth_apps.py), in process and on 127.0.0.1."""

import json
import textwrap

import pytest

from pytest_secure.fuzz import coverage
from tests.fuzz import depth_apps
from tests.paths import ROOT
from tests.servers import serve_asgi

FUZZ = "{max_examples: 60, seed: 0, record: false, destructive: true%s}"


@pytest.fixture(autouse=True)
def _subprocess_imports_tests(monkeypatch):
    """The runs are fresh processes (schemathesis imported once), which import tests.fuzz.depth_apps."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))


def run(pytester, target, more=""):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(f"""
        version: 1
        target: {target}
        fuzz: {FUZZ % more}
        gates: {{fail_on: low}}
        """)})
    result = pytester.runpytest_subprocess("--secure", "--secure-json", "report.json")
    assert result.ret in (0, 1), result.stdout.str()[-3000:]
    return result, json.loads((pytester.path / "report.json").read_text())["findings"]


def in_process(factory):
    return f'{{app: "tests.fuzz.depth_apps:{factory}()", openapi: /openapi.json}}'


def by_place(findings):
    return {(f["rule_id"], f["location"], f["message"].split(" in ", 1)[1].split(";")[0]): f for f in findings
            if " in " in f["message"]}


def check_planted(result, findings):
    found = by_place(findings)
    nested = found.get(("fuzz/database-error", "POST /items/search", "body filter.name"))
    assert nested is not None, sorted(found)
    assert "found by a directed payload (sqli)" in nested["message"]
    encoded = found.get(("fuzz/database-error", "GET /files/lookup", "query parameter ref"))
    assert encoded is not None, sorted(found)
    assert "base64-encoded" in encoded["message"]
    name = found.get(("fuzz/reflected-xss", "GET /report", "query parameter name"))
    assert name is not None, sorted(found)
    slow = found.get(("fuzz/slow-response", "GET /catalog", "query parameter sku"))
    assert slow is not None, sorted(found)
    assert "confirmed: slow again" in slow["message"]
    assert "WITH RECURSIVE" in slow["request"]["url"] or "WITH+RECURSIVE" in slow["request"]["url"]
    assert "reproduce: curl -i -X GET" in result.stdout.str()
    assert {f["location"] for f in findings} == {"POST /items/search", "GET /files/lookup", "GET /report",
                                                 "GET /catalog"}


def test_every_planted_input_defect_is_found_in_process_and_the_twin_is_quiet(pytester):
    result, findings = run(pytester, in_process("planted_api"))
    check_planted(result, findings)
    result, findings = run(pytester, in_process("fixed_api"))
    assert findings == [], [(f["rule_id"], f["location"], f["message"]) for f in findings]
    result.assert_outcomes(passed=4)


def test_on_loopback_too(pytester):
    with serve_asgi(depth_apps.planted_api()) as url:
        result, findings = run(pytester, f'{{base_url: "{url}", openapi: /openapi.json}}')
    check_planted(result, findings)
    with serve_asgi(depth_apps.fixed_api()) as url:
        result, findings = run(pytester, f'{{base_url: "{url}", openapi: /openapi.json}}')
    assert findings == [], [(f["rule_id"], f["location"], f["message"]) for f in findings]


def test_excluded_families_are_not_sent(pytester):
    # without the time-based family the blind injection of GET /catalog goes unseen
    _, findings = run(pytester, in_process("planted_api"), more=", exclude_payloads: [sqli-time]")
    assert "GET /catalog" not in {f["location"] for f in findings}
    assert ("fuzz/database-error", "POST /items/search", "body filter.name") in by_place(findings)


# -- the plan, without a server ------------------------------------------------------------------


class _Operation:
    """The parts of a schemathesis operation that coverage reads (the real ones are built from a
    FastAPI document in the tests above)."""

    def __init__(self, body_schema, document=None, query=()):
        self.body = [type("Body", (), {"media_type": "application/json", "definition": {"schema": body_schema}})()]
        self.schema = type("Schema", (), {"raw_schema": document or {}})()
        self.query = [type("P", (), {"name": n, "definition": {"schema": s}})() for n, s in query]
        self.path_parameters, self.headers = [], []


def test_optional_nested_and_referenced_fields_are_all_declared():
    document = {"components": {"schemas": {"Filter": {"type": "object", "properties": {
        "name": {"type": "string", "maxLength": 20}, "tags": {"type": "array", "items": {"type": "string"}},
        "kind": {"type": "string", "enum": ["a", "b"]}, "count": {"type": "integer"},
        "self": {"$ref": "#/components/schemas/Filter"}}}}}}
    body = {"type": "object", "properties": {"filter": {"anyOf": [{"$ref": "#/components/schemas/Filter"},
                                                                    {"type": "null"}]},
                                             "blob": {"type": "string", "format": "byte"}}}
    operation = _Operation(body, document, query=[("q", {"type": "string"}), ("data_b64", {"type": "string"})])
    fields = {(f.location, f.path): f for f in coverage.declared_fields(operation)}
    assert ("body", ("filter", "name")) in fields and fields[("body", ("filter", "name"))].max_length == 20
    assert ("body", ("filter", "tags", 0)) in fields
    assert ("body", ("filter", "self", "name")) not in fields  # a recursive $ref is followed once
    assert ("body", ("filter", "kind")) not in fields and ("body", ("filter", "count")) not in fields
    assert fields[("body", ("blob",))].encoded == "base64"
    assert fields[("query", ("data_b64",))].encoded == "base64" and fields[("query", ("q",))].encoded is None
    assert (coverage.QUERY_NAME, ()) in fields and (coverage.HEADER_NAME, ()) in fields


def test_each_family_reaches_each_field_once_first_then_encodings():
    fields = [coverage.Field("query", ("q",)), coverage.Field("body", ("a", "b")),
              coverage.Field("query", ("ref",), encoded="base64"), coverage.Field(coverage.HEADER_NAME, ())]
    payloads = {"sqli": ["'", "' OR '1'='1"], "xss": ["<psec-xss>", "<script>alert(1)</script>"]}
    sent, first = coverage.plan(fields, ["sqli", "xss"], lambda family, _length: payloads[family])
    assert sent[:len(first)] == first
    assert {(p.field.path, p.family) for p in first} == {
        (path, family) for path in (("q",), ("a", "b"), ("ref",)) for family in ("sqli", "xss")}
    names = [p for p in sent[len(first):] if p.field.location == coverage.HEADER_NAME and p.rank == 0]
    assert [p.value for p in names] == ["'"] and sent[len(first)] in names  # names come next; tokens only
    ref = [p for p in first if p.field.path == ("ref",)]
    assert {p.value for p in ref} == {"Jw==", "PHBzZWMteHNzPg=="} and {p.encoding for p in ref} == {"base64"}
    encodings = {p.encoding for p in sent[len(first):] if p.rank == 0 and p.field.location == "query"}
    assert encodings == {"url", "double-url", "json-escape"}
    assert all(p.field.encoded is None for p in sent if p.encoding in ("url", "double-url", "json-escape"))


@pytest.mark.parametrize(("value", "encoding", "sent"), [
    ("'", "base64", "Jw=="), ("<a>", "url", "%3Ca%3E"), ("<a>", "double-url", "%253Ca%253E"),
    ("'a", "json-escape", "\\u0027a"),
])
def test_encodings_and_what_a_server_decodes(value, encoding, sent):
    assert coverage.encode(value, encoding) == sent
    assert value in coverage.decoded_forms(sent)


def test_a_value_is_placed_at_a_nested_path_creating_what_is_missing():
    assert coverage.placed({}, ("filter", "name"), "'") == {"filter": {"name": "'"}}
    assert coverage.placed({"limit": 1, "filter": None}, ("filter", "tags", 0), "x") == {
        "limit": 1, "filter": {"tags": ["x"]}}
    original = {"filter": {"name": "a"}}
    assert coverage.placed(original, ("filter", "name"), "b") == {"filter": {"name": "b"}}
    assert original == {"filter": {"name": "a"}}
