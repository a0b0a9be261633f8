"""The README's main job: `pytest --secure` on the example reporting service passes, collects
items for every area its baseline names, and writes SARIF the official validator accepts."""

import json
import subprocess
import sys

import pytest
import yaml

from tests.paths import ROOT
from tests.report.helpers import sarif_multitool

EXAMPLE = ROOT / "examples" / "reporting_service"
NOT_AREAS = {"version", "extends", "target", "identities", "gates", "waivers", "passive"}


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
    if not job:
        areas.discard("dast")  # the DAST area runs only in the nightly job
    collected = {check["area"] for check in json.loads(report.read_text())["checks"]}
    assert areas <= collected, f"areas named in the baseline but not collected: {areas - collected}"
    validator = sarif_multitool()
    out = subprocess.run([str(validator), "validate", str(sarif)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and ": error " not in out.stdout, out.stdout
