"""Issue 12, item 4: schemathesis's stateful checks as rules of ours (``fuzz.stateful: true``).
The state machine walks the document's links; a resource still served after its successful
DELETE is fuzz/use-after-free. Planted FastAPI service and its fixed twin
(tests/fuzz/stateful_apps.py), in process and on 127.0.0.1."""

import json
import textwrap

import pytest

from tests.fuzz import stateful_apps
from tests.paths import ROOT
from tests.servers import serve_asgi


@pytest.fixture(autouse=True)
def _subprocess_imports_tests(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))


def run(pytester, target, more="destructive: true"):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(f"""
        version: 1
        target: {target}
        fuzz: {{max_examples: 20, seed: 0, record: false, stateful: true, operations: ['GET /items/{{item_id}}'],
                payloads: [sqli], {more}}}
        gates: {{fail_on: low}}
        """)})
    result = pytester.runpytest_subprocess("--secure", "--secure-json", "report.json", "-v")
    assert result.ret in (0, 1), result.stdout.str()[-3000:]
    return result, json.loads((pytester.path / "report.json").read_text())["findings"]


def in_process(factory):
    return f'{{app: "tests.fuzz.stateful_apps:{factory}()", openapi: /openapi.json}}'


def check_planted(result, findings):
    (finding,) = [f for f in findings if f["rule_id"] == "fuzz/use-after-free"]
    assert finding["location"] == "GET /items/{item_id}"
    assert "state machine" in finding["message"]
    assert finding["request"]["method"] == "GET" and "/items/" in finding["request"]["url"]
    result.stdout.fnmatch_lines(["*fuzz[[]stateful[]] FAILED*"])


def test_a_deleted_resource_still_served_is_found_in_process_and_the_twin_is_quiet(pytester):
    result, findings = run(pytester, in_process("planted_api"))
    check_planted(result, findings)
    result, findings = run(pytester, in_process("fixed_api"))
    assert findings == [], [(f["rule_id"], f["location"], f["message"]) for f in findings]
    result.stdout.fnmatch_lines(["*fuzz[[]stateful[]] PASSED*"])


def test_on_loopback_too(pytester):
    with serve_asgi(stateful_apps.planted_api()) as url:
        result, findings = run(pytester, f'{{base_url: "{url}", openapi: /openapi.json}}')
    check_planted(result, findings)
    with serve_asgi(stateful_apps.fixed_api()) as url:
        result, findings = run(pytester, f'{{base_url: "{url}", openapi: /openapi.json}}')
    assert findings == [], [(f["rule_id"], f["location"], f["message"]) for f in findings]


def test_without_the_destructive_opt_in_the_walk_is_skipped(pytester):
    result, findings = run(pytester, in_process("planted_api"), more="destructive: false")
    assert findings == []
    result.stdout.fnmatch_lines(["*fuzz[[]stateful[]] SKIPPED*"])


def test_a_document_without_links_is_a_clear_error(pytester):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent("""
        version: 1
        target: {app: "tests.fuzz.depth_apps:fixed_api()", openapi: /openapi.json}
        fuzz: {max_examples: 5, seed: 0, record: false, stateful: true, destructive: true,
               operations: [GET /report]}
        """)})
    result = pytester.runpytest_subprocess("--secure")
    result.stdout.fnmatch_lines(["*fuzz.stateful: the OpenAPI document has no links between operations*"])
    assert "Traceback" not in result.stdout.str()
