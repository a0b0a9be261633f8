"""SARIF 2.1.0 (checked by Microsoft's official validator) and JSON reports."""

import json
import subprocess

import pytest

from tests.core.project import GOOD_HEADERS, make_project
from tests.report.helpers import sarif_multitool

BASELINE = """
    version: 1
    target: {app: "{app}"}
    headers:
      paths: [/, /login, /legacy/admin]
      rules:
        Content-Security-Policy: {}
        X-Frame-Options: {}
        X-Powered-By: {required: false}
    waivers:
      - {rule: headers/csp-missing, where: /legacy/*, reason: old admin ui, owner: web, ticket: SEC-9, expires: 2099-12-31}
    """


@pytest.fixture
def reports(pytester):
    headers = {k: v for k, v in GOOD_HEADERS.items() if k != "Content-Security-Policy"}
    make_project(pytester, BASELINE, headers={**headers, "X-Powered-By": "Express"})
    result = pytester.runpytest("--secure", "--secure-sarif=reports/out.sarif", "--secure-json=reports/out.json")
    result.assert_outcomes(passed=6, failed=2, xfailed=1)
    return pytester.path / "reports"


def test_sarif_passes_the_official_validator(reports):
    tool = sarif_multitool()
    proc = subprocess.run([str(tool), "validate", str(reports / "out.sarif")], capture_output=True, text=True,
                          timeout=300)
    errors = [line for line in proc.stdout.splitlines() if ": error " in line]
    assert proc.returncode == 0 and not errors, proc.stdout + proc.stderr


def test_sarif_content(reports):
    sarif = json.loads((reports / "out.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    [run] = sarif["runs"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert set(rules) == {"headers/csp-missing", "headers/x-powered-by-present"}
    assert "external/cwe/cwe-693" in rules["headers/csp-missing"]["properties"]["tags"]
    assert rules["headers/csp-missing"]["help"]["text"].endswith("Fix: " + rules["headers/csp-missing"]["help"]["text"].split("Fix: ")[1])
    by_status = {}
    for result in run["results"]:
        by_status.setdefault(result["properties"]["status"], []).append(result)
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert len(result["partialFingerprints"]["pytestSecure/v1"]) == 32
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("http://localhost/")
    assert [r["level"] for r in by_status["failing"]] == ["error", "error"]
    assert {r["level"] for r in by_status["warning"]} == {"warning"}  # x-powered-by is low, below high
    [waived] = by_status["waived"]
    assert waived["suppressions"][0]["status"] == "accepted"
    assert "SEC-9" in waived["suppressions"][0]["justification"]


def test_json_report(reports):
    report = json.loads((reports / "out.json").read_text())
    assert report["summary"]["checks"] == {"passed": 6, "failed": 2, "xfailed": 1}
    assert report["summary"]["findings"] == {"failing": 2, "warning": 3, "waived": 1}
    assert report["fail_on"] == "high"
    [waiver] = report["waivers"]
    assert waiver["used"] and not waiver["expired"] and waiver["ticket"] == "SEC-9"
    failing = [f for f in report["findings"] if f["status"] == "failing"]
    assert {f["location"] for f in failing} == {"GET /", "GET /login"}
    assert all(f["rule"]["cwe"] == 693 and f["request"]["curl"].startswith("curl -i -X GET") for f in failing)


def test_fingerprints_are_stable_across_runs(pytester):
    make_project(pytester, BASELINE, headers={})
    prints = []
    for _ in range(2):
        pytester.runpytest("--secure", "--secure-json=r.json")
        prints.append(sorted(f["fingerprint"] for f in json.loads((pytester.path / "r.json").read_text())["findings"]))
    assert prints[0] == prints[1] and len(set(prints[0])) == len(prints[0]) > 0
