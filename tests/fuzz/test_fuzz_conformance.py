"""Issue 12 (4): schemathesis's own conformance checks are pytest-secure rules when listed in
fuzz.oracles: fuzz/response-schema, fuzz/undocumented-status, fuzz/undocumented-content-type.
Planted FastAPI service and its conforming twin (tests/fuzz/conformance_apps.py), in process
and on 127.0.0.1; without the opt-in the planted drift is not reported."""

import json
import textwrap

from tests.fuzz import conformance_apps
from tests.servers import serve_asgi

CONFORMANCE = "{max_examples: 15, seed: 0, record: false, payloads: [sqli], " \
              "oracles: [server-error, response-schema, status-code, content-type]}"


def run(pytester, target, fuzz=CONFORMANCE):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(f"""
        version: 1
        target: {target}
        fuzz: {fuzz}
        gates: {{fail_on: low}}
        """)})
    result = pytester.runpytest("--secure", "--secure-json", "report.json")
    return result, json.loads((pytester.path / "report.json").read_text())["findings"]


def places(findings):
    return {(f["rule_id"], f["location"]) for f in findings}


def in_process(factory):
    return f'{{app: "tests.fuzz.conformance_apps:{factory}()", openapi: /openapi.json}}'


PLANTED = {("fuzz/response-schema", "GET /items/{item_id}"), ("fuzz/undocumented-status", "GET /items/{item_id}"),
           ("fuzz/undocumented-content-type", "GET /export")}


def test_planted_drift_is_found_in_process_and_the_twin_is_quiet(pytester):
    result, findings = run(pytester, in_process("drifting_api"))
    assert places(findings) == PLANTED
    assert "Traceback" not in result.stdout.str()
    result, findings = run(pytester, in_process("conforming_api"))
    assert findings == []
    result.assert_outcomes(passed=2)


def test_on_loopback_too(pytester):
    with serve_asgi(conformance_apps.drifting_api()) as url:
        _, findings = run(pytester, f'{{base_url: "{url}", openapi: /openapi.json}}')
    assert places(findings) == PLANTED
    with serve_asgi(conformance_apps.conforming_api()) as url:
        _, findings = run(pytester, f'{{base_url: "{url}", openapi: /openapi.json}}')
    assert findings == []


def test_the_conformance_checks_are_opt_in(pytester):
    _, findings = run(pytester, in_process("drifting_api"), fuzz="{max_examples: 15, seed: 0, record: false, "
                                                                  "payloads: [sqli]}")
    assert not {rule for rule, _ in places(findings)} & {rule for rule, _ in PLANTED}
