"""``--secure-json PATH`` with a space and an existing PATH outside the project (issue 11, item 8).

pytest chooses the rootdir before plugins load, so the existing report file is taken for a
test path and the rootdir moves next to it: the second run used to fail with "baseline file
not found". It now stops with a usage error that names the option and shows the ``=``
spelling; ``=`` (and a space with a path inside the project) keep working. Real runs in a
subprocess, from the project's folder, as a CI job runs them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

APP = """
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html"), ("X-Frame-Options", "DENY")])
        return [b"<p>ok</p>"]
    """
BASELINE = """
    version: 1
    target: {app: "rootdir_app:app"}
    headers: {paths: [/], rules: {X-Frame-Options: {required: true}}}
    """


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.pytest.ini_options]\naddopts = \"-p no:cacheprovider\"\n")
    (root / "rootdir_app.py").write_text(textwrap.dedent(APP))
    (root / "security-baseline.yaml").write_text(textwrap.dedent(BASELINE))
    outside = tmp_path / "reports"
    outside.mkdir()
    return root, outside


def run(root, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    return subprocess.run([sys.executable, "-m", "pytest", "--secure", "-q", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("option", ["--secure-json", "--secure-sarif", "--secure-html"])
def test_a_spaced_report_path_outside_the_project_gives_the_pointed_error(project, option):
    root, outside = project
    report = outside / "out"
    first = run(root, option, str(report))
    assert first.returncode == 0, first.stdout + first.stderr
    assert report.is_file()
    second = run(root, option, str(report))
    assert second.returncode == 4, second.stdout + second.stderr
    output = second.stdout + second.stderr
    assert f"{option}={report}" in output and "written with a space" in output
    assert "baseline file not found" not in output and "Traceback" not in output


@pytest.mark.parametrize("option", ["--secure-json", "--secure-sarif"])
def test_the_equals_spelling_runs_again_and_again(project, option):
    root, outside = project
    report = outside / "out"
    for _ in range(2):
        result = run(root, f"{option}={report}")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "1 passed" in result.stdout
    assert report.is_file()


def test_a_spaced_path_inside_the_project_keeps_working(project):
    root, _ = project
    for _ in range(2):
        result = run(root, "--secure-json", "report.json")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "1 passed" in result.stdout
