"""examples/ci: the nightly baseline runs as the workflows run it (against the emulator and the
example service), and the workflow files say what the docs say they do."""

from __future__ import annotations

import shutil
import subprocess
import sys

import yaml

from tests.dast.helpers import literal
from tests.paths import ROOT

CI = ROOT / "examples" / "ci"


def nightly(pytester, zap, monkeypatch, url, *extra):
    for name in ("security-baseline.nightly.yaml", "zap-rules.tsv", "dast-known.json"):
        shutil.copy(CI / name, pytester.path / name)
    monkeypatch.setenv("ZAP_PROXY", zap.proxy)
    return pytester.runpytest("--secure", "--secure-dast", "--secure-dast-new-only", "-p", "no:cacheprovider",
                              "-rA", "--secure-baseline", "security-baseline.nightly.yaml", "--secure-target", url,
                              "--secure-sarif", "reports/dast.sarif", *extra)


def test_nightly_baseline_passes_on_the_example_service(pytester, zap, monkeypatch, example_url):
    result = nightly(pytester, zap, monkeypatch, example_url)
    result.assert_outcomes(passed=7)  # dast[scan] and the six FAIL/WARN rules of zap-rules.tsv
    assert (pytester.path / "reports" / "zap-report.json").is_file()
    assert (pytester.path / "reports" / "dast.sarif").is_file()


def test_nightly_baseline_fails_on_a_new_alert(pytester, zap, monkeypatch, example_url):
    zap.add_alert("10010", "/dashboard", param="tracking", evidence="Set-Cookie: tracking")
    result = nightly(pytester, zap, monkeypatch, example_url)
    assert result.ret == 1
    result.stdout.fnmatch_lines(literal(["FAILED security-baseline.nightly.yaml::dast[zap-10010 Cookie No HttpOnly "
                                         "Flag]*"]))


def test_github_workflow_runs_zap_stable_as_a_service_and_the_nightly_baseline():
    workflow = yaml.safe_load((CI / "github-nightly-dast.yml").read_text())
    job = workflow["jobs"]["dast"]
    assert job["services"]["zap"]["image"] == "zaproxy/zap-stable"
    steps = "\n".join(s.get("run", "") for s in job["steps"])
    assert "zap.sh -daemon" in steps and "--secure-dast --secure-dast-new-only" in steps
    assert "security-baseline.nightly.yaml" in steps
    assert job["env"]["ZAP_API_KEY"] == "${{ secrets.ZAP_API_KEY }}"


def test_gitlab_job_runs_zap_stable_as_a_service_and_the_nightly_baseline():
    job = yaml.safe_load((CI / "gitlab-dast.yml").read_text())["nightly-dast"]
    service = job["services"][0]
    assert service["name"] == "zaproxy/zap-stable" and "-daemon" in service["command"]
    assert job["variables"]["ZAP_PROXY"] == f"http://{service['alias']}:8080"
    assert any("--secure-dast --secure-dast-new-only" in line for line in job["script"])


def test_wait_for_zap_gives_up_in_bounded_time():
    from tests.servers import free_port

    proc = subprocess.run([sys.executable, str(CI / "wait_for_zap.py"), f"http://127.0.0.1:{free_port()}/", "0.5"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1 and "did not answer" in proc.stderr
