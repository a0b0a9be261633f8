"""Runs that end early (Ctrl-C, -x, --maxfail) stop promptly and say so in every report.

The SIGINT tests run the real ``pytest --secure`` in a subprocess against a Flask app on a
loopback server whose ``/slow`` page blocks until the test releases it: the signal is sent once
the first item's request has reached the app (an event, not a guessed sleep), and the run must
end within a hard bound with its reports marked incomplete.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from tests.core.project import GOOD_HEADERS, make_project
from tests.report.helpers import sarif_multitool
from tests.servers import serve_wsgi

HARD_BOUND = 15  # seconds: the run must be over well within this after SIGINT (it takes ~1 s)


def validate_sarif(path):
    tool = sarif_multitool()
    proc = subprocess.run([str(tool), "validate", str(path)], capture_output=True, text=True, timeout=300)
    errors = [line for line in proc.stdout.splitlines() if ": error " in line]
    assert proc.returncode == 0 and not errors, proc.stdout + proc.stderr


@pytest.fixture
def blocking_app():
    """A Flask app: ``/slow`` blocks (until released, at most 60 s); every other page answers at once."""
    from flask import Flask

    app = Flask("blocking")
    reached, release = threading.Event(), threading.Event()

    @app.route("/openapi.json")
    def spec():
        return {"openapi": "3.0.3", "info": {"title": "blocking", "version": "1"}, "paths": {"/slow": {"get": {
            "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "late"}}}}}}

    @app.route("/slow")
    def slow():
        reached.set()
        release.wait(60)
        return "late"

    @app.route("/", defaults={"path": ""})
    @app.route("/<path:path>")
    def fast(path):
        return '<a href="/slow">slow</a>', 200, {**GOOD_HEADERS, "Content-Type": "text/html"}

    with serve_wsgi(app) as url:
        try:
            yield url, reached
        finally:
            release.set()


def run_and_interrupt(tmp_path, baseline, reached, *options):
    (tmp_path / "security-baseline.yaml").write_text(textwrap.dedent(baseline))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "--secure", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--secure-json=out.json", "--secure-sarif=out.sarif", "--secure-html=out.html", "-q", *options],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(600):  # at most 60 s for the run to reach the app
            if reached.wait(0.1) or proc.poll() is not None:
                break
        assert reached.is_set(), "the run never reached /slow:\n" + (proc.communicate(timeout=60)[0]
                                                                     if proc.poll() is not None else "(still running)")
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=HARD_BOUND)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, output


def test_sigint_stops_the_run_and_marks_every_report_incomplete(tmp_path, blocking_app):
    url, reached = blocking_app
    baseline = f"""
        version: 1
        target: {{base_url: "{url}", timeout: 120}}
        cookies:
          paths: [/slow]
          rules:
            "*": {{httponly: true}}
        headers:
          paths: [/, /fast]
          rules:
            X-Frame-Options: {{required: true}}
            X-Content-Type-Options: {{required: true}}
        """
    code, output = run_and_interrupt(tmp_path, baseline, reached)
    assert code == pytest.ExitCode.INTERRUPTED, output
    assert "Traceback" not in output and "INTERNALERROR" not in output, output
    assert "run incomplete, interrupted (Ctrl-C): 5 checks did not run: cookies (1), headers (4)" in output, output

    report = json.loads((tmp_path / "out.json").read_text())
    assert report["interrupted"] is True
    assert report["not_run"]["areas"] == {"cookies": 1, "headers": 4}
    assert "cookies[GET /slow]" in report["not_run"]["items"]

    sarif = json.loads((tmp_path / "out.sarif").read_text())
    [invocation] = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "interrupted" in note["message"]["text"]
    validate_sarif(tmp_path / "out.sarif")
    page = (tmp_path / "out.html").read_text()
    assert 'data-state="incomplete"' in page and "Security verdict: INCOMPLETE" in page
    assert "run incomplete, interrupted (Ctrl-C): 5 checks did not run: cookies (1), headers (4)" in page


@pytest.mark.parametrize("section", [
    "fuzz: {openapi: /openapi.json, max_examples: 50, seed: 1}",
    "abuse:\n  rate_limits:\n    - {request: GET /slow, limit: 50/minute}",
], ids=["fuzz", "abuse-rate-limit"])
def test_sigint_stops_the_long_request_loops(tmp_path, blocking_app, section):
    url, reached = blocking_app
    baseline = f'version: 1\ntarget: {{base_url: "{url}", timeout: 120}}\n{section}\n'
    code, output = run_and_interrupt(tmp_path, baseline, reached)
    assert code == pytest.ExitCode.INTERRUPTED, output
    area = section.partition(":")[0]
    assert f"run incomplete, interrupted (Ctrl-C): 1 check did not run: {area} (1)" in output, output
    assert json.loads((tmp_path / "out.json").read_text())["not_run"]["areas"] == {area: 1}


def test_sigint_during_start_up_the_dast_crawl_still_writes_reports_marked_incomplete(tmp_path, blocking_app):
    url, reached = blocking_app  # the crawl runs at session start, where pytest skips its session finish
    baseline = f"""
        version: 1
        target: {{base_url: "{url}", timeout: 120}}
        dast: {{engine: builtin}}
        headers:
          paths: [/]
          rules:
            X-Frame-Options: {{required: true}}
        """
    code, output = run_and_interrupt(tmp_path, baseline, reached, "--secure-dast")
    assert code == pytest.ExitCode.INTERRUPTED, output
    assert "run incomplete, interrupted (Ctrl-C) during start-up: no check ran (sections dast, headers)" in output
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["interrupted"] is True and report["not_run"]["sections"] == ["dast", "headers"]
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
    validate_sarif(tmp_path / "out.sarif")


def test_sigint_during_a_prefetched_authz_matrix_does_not_wait_for_the_prefetch_threads(tmp_path, blocking_app):
    url, reached = blocking_app
    baseline = f"""
        version: 1
        target: {{base_url: "{url}", timeout: 120}}
        identities:
          alice: {{bearer: token-a}}
          bob: {{bearer: token-b}}
        authz:
          concurrency: 4
          rules:
            - {{request: GET /slow, allow: "*"}}
            - {{request: GET /one, allow: "*"}}
            - {{request: GET /two, allow: "*"}}
        """
    code, output = run_and_interrupt(tmp_path, baseline, reached)
    assert code == pytest.ExitCode.INTERRUPTED, output
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["interrupted"] is True and report["not_run"]["areas"]["authz"] >= 1


FAILING_FIRST = """
    version: 1
    target: {app: "{app}"}
    headers:
      paths: [/, /login]
      rules:
        X-Powered-By: {required: false, severity: high}
        X-Frame-Options: {required: true}
    cookies:
      paths: [/]
      rules:
        "*": {httponly: true}
    """


@pytest.mark.parametrize("option", ["-x", "--maxfail=1"])
def test_a_run_stopped_by_x_or_maxfail_is_marked_incomplete(pytester, option):
    make_project(pytester, FAILING_FIRST, headers={**GOOD_HEADERS, "X-Powered-By": "Express"})
    result = pytester.runpytest("--secure", option, "--secure-json=out.json", "--secure-sarif=out.sarif",
                                "--secure-html=out.html")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*run incomplete, stopped early (stopping after 1 failures*): "
                                 "3 checks did not run: headers (3)"])
    report = json.loads((pytester.path / "out.json").read_text())
    assert report["interrupted"] is True
    assert report["not_run"]["items"] == ["headers[GET /::X-Frame-Options]", "headers[GET /login::X-Powered-By]",
                                          "headers[GET /login::X-Frame-Options]"]
    sarif = json.loads((pytester.path / "out.sarif").read_text())
    [invocation] = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "did not run" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    validate_sarif(pytester.path / "out.sarif")
    assert 'data-state="incomplete"' in (pytester.path / "out.html").read_text()


def test_a_complete_run_is_not_marked_incomplete(pytester):
    make_project(pytester, FAILING_FIRST, headers={**GOOD_HEADERS, "X-Powered-By": "Express"})
    result = pytester.runpytest("--secure", "--secure-json=out.json", "--secure-sarif=out.sarif")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert "run incomplete" not in result.stdout.str()
    report = json.loads((pytester.path / "out.json").read_text())
    assert report["interrupted"] is False and report["not_run"] is None
    sarif = json.loads((pytester.path / "out.sarif").read_text())
    assert "toolExecutionNotifications" not in sarif["runs"][0]["invocations"][0]


def test_x_on_the_last_item_leaves_nothing_unrun_and_the_run_complete(pytester):
    make_project(pytester, """
        version: 1
        target: {app: "{app}"}
        headers:
          paths: [/]
          rules:
            X-Powered-By: {required: false, severity: high}
        """, headers={**GOOD_HEADERS, "X-Powered-By": "Express"})
    result = pytester.runpytest("--secure", "-x", "--secure-json=out.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert json.loads((pytester.path / "out.json").read_text())["interrupted"] is False


def test_a_run_stopped_by_x_under_xdist_is_marked_incomplete_too(pytester):
    # 100 failing items: the controller stops at the first failure, long before it has handed
    # the workers every item (xdist sends them in batches as the workers report back)
    paths = ", ".join(["/"] + [f"/p{i}" for i in range(99)])
    make_project(pytester, f"""
        version: 1
        target: {{app: "{{app}}"}}
        headers:
          paths: [{paths}]
          rules:
            X-Powered-By: {{required: false, severity: high}}
        """, headers={**GOOD_HEADERS, "X-Powered-By": "Express"})
    result = pytester.runpytest_subprocess("--secure", "-x", "-n", "2", "--secure-json=out.json")
    assert result.ret == pytest.ExitCode.INTERRUPTED  # how pytest-xdist ends a -x run
    result.stdout.fnmatch_lines(["*run incomplete, stopped early (stopping after * failures*): * did not run: *"])
    report = json.loads((pytester.path / "out.json").read_text())
    assert report["interrupted"] is True and report["not_run"]["reason"].startswith("stopped early")
