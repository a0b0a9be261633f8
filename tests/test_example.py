"""The README's main job: `pytest --secure` on the example reporting service passes with no
finding at all, runs the items its baseline implies (counted per area) and its hand-written
tests, and writes SARIF the official validator accepts."""

import json
import subprocess
import sys
from collections import Counter

import pytest
import yaml

from tests.paths import ROOT
from tests.report.helpers import sarif_multitool

EXAMPLE = ROOT / "examples" / "reporting_service"
NOT_AREAS = {"version", "extends", "target", "identities", "gates", "waivers", "passive"}
# Items per area. authz: 4 rules x (3 identities + anonymous) + coverage + 3 session checks
# (fixation, logout, lifetime) x 3 login identities; fuzz: the 6 OpenAPI operations less the
# excluded POST /logout; abuse: one enumeration check; headers, cookies, cors and leaks: the
# recommended preset over the 5 header paths; dast: one scan item, nightly only.
# browser: 2 pages x 5 checks (they skip without Chromium: tests/browser fails under CI then).
ITEMS = {"authz": 4 * 4 + 1 + 3 * 3, "fuzz": 6 - 1, "abuse": 1, "headers": 65, "cookies": 8, "cors": 5, "leaks": 8,
         "browser": 2 * 5}
HAND_WRITTEN_TESTS = 5  # examples/reporting_service/tests/test_reporting.py


def _browser_ready() -> bool:
    from pytest_secure.browser.driver import find_browser, playwright_available
    from pytest_secure.core.errors import BrowserUnavailable

    try:
        find_browser()
    except BrowserUnavailable:
        return False
    return playwright_available()


@pytest.mark.parametrize("job", [[], ["--secure-dast"]], ids=["pull-request", "nightly"])
def test_example_passes_with_every_area_collected(tmp_path, job):
    sarif, report = tmp_path / "example.sarif", tmp_path / "example.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--secure", *job, "-p", "no:cacheprovider", "-q",
         f"--secure-sarif={sarif}", f"--secure-json={report}"],
        cwd=EXAMPLE, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "security summary" in proc.stdout
    areas = set(yaml.safe_load((EXAMPLE / "security-baseline.yaml").read_text())) - NOT_AREAS
    expected = dict(ITEMS, **({"dast": 1} if job else {}))  # the DAST area runs only in the nightly job
    if not _browser_ready():
        del expected["browser"]  # skipped items carry no record
    assert areas <= set(ITEMS) | {"dast"}  # every area the baseline names is counted
    data = json.loads(report.read_text())
    ran = Counter(check["area"] for check in data["checks"])
    assert dict(ran) == expected
    assert {check["outcome"] for check in data["checks"]} == {"passed"}
    findings = [(c["check"], f["rule_id"]) for c in data["checks"] for f in c["findings"]]
    assert findings == [] and data["summary"]["findings"] == {}
    assert data["summary"]["checks"] == {"passed": sum(expected.values())}
    assert f"{sum(expected.values()) + HAND_WRITTEN_TESTS} passed" in proc.stdout.splitlines()[-1]
    validator = sarif_multitool()
    out = subprocess.run([str(validator), "validate", str(sarif)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and ": error " not in out.stdout, out.stdout
