"""The hand-written API never prints the secrets it was handed (docs/safety.md, "Redaction").

A test project calls every public helper (``assert_secure_headers``, ``assert_secure_cookies``,
``audit_headers``, ``audit_response``, ``assert_safe``, ``AuthzMatrix.check``,
``assert_revoked_within``, ``LiveTarget.request``) with a canary bearer token and a canary
``${ENV}`` password in the request headers, and each test fails. The run uses ``-l`` (every
frame's locals), ``--tb=long`` and ``--junitxml``: the canaries must appear nowhere in stdout,
stderr or the JUnit XML. The test's own frames hold only the response objects, never a
credential; what pytest could print from the helpers' frames is what this test is about.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tests.paths import ROOT

TOKEN = "canary-token-9d3e7b51"
PASSWORD = "canary-pw-61c0fa28"

APP = '''
    import os

    from flask import Flask, request

    app = Flask(__name__)


    @app.get("/")
    def index():
        # no security headers, a session cookie without attributes, the query reflected
        response = app.make_response("<p>" + request.args.get("q", "") + "</p>")
        response.set_cookie("sid", "s3ss10n-value")
        return response


    @app.get("/reports")
    def reports():  # everyone gets in: the authz matrix fails
        return "reports"
    '''

TESTS = '''
    import os

    import pytest

    from pytest_secure import (AuthzMatrix, LiveTarget, assert_revoked_within, assert_safe,
                               assert_secure_cookies, assert_secure_headers, audit_response, load_baseline,
                               to_response)
    from pytest_secure.hygiene.assertions import audit_headers
    from secure_app import app


    @pytest.fixture
    def response():
        """The app's answer to a request that carries both canaries (they are not this test's locals)."""
        return app.test_client().get("/?q=<script>x</script>", headers={
            "Authorization": "Bearer " + os.environ["CANARY_TOKEN"],
            "X-Api-Password": os.environ["CANARY_PW"]})


    @pytest.fixture
    def requests_response(live_url):
        import requests

        return requests.get(live_url + "/?q=<script>x</script>", headers={
            "Authorization": "Bearer " + os.environ["CANARY_TOKEN"],
            "X-Api-Password": os.environ["CANARY_PW"]}, timeout=5)


    def test_headers(response):
        assert_secure_headers(response, "policy.yaml")


    def test_headers_of_a_requests_response(requests_response):
        assert_secure_headers(requests_response, "policy.yaml")


    def test_headers_preset(response):
        assert_secure_headers(response)


    def test_cookies(response):
        assert_secure_cookies(response, "policy.yaml")


    def test_audit_headers_returned(response):
        findings = audit_headers(response, "policy.yaml")
        assert not findings


    def test_audit_response_returned(response):
        findings = audit_response(to_response(response), load_baseline("policy.yaml"))
        assert findings == []


    def test_assert_safe(response):
        assert_safe(response, ["<script>x</script>"])


    def test_authz_matrix(authz_matrix):
        authz_matrix.rule("GET /reports", allow=["admin"])
        authz_matrix.check()


    def test_revocation(secure):
        assert_revoked_within(secure.identity("viewer"), "GET /reports", revoke=lambda: None, within=0.2,
                              interval=0.1)


    def test_target_request_error():
        target = LiveTarget("http://127.0.0.1:9", ["127.0.0.1:9"], timeout=1,
                            default_headers={"Authorization": "Bearer " + os.environ["CANARY_TOKEN"]})
        target.request("GET", "/")
    '''

CONFTEST = '''
    import pytest


    @pytest.fixture
    def live_url():
        from tests.servers import serve_wsgi
        from secure_app import app

        with serve_wsgi(app) as url:
            yield url
    '''

BASELINE = '''
    version: 1
    target: {app: "secure_app:app"}
    identities:
      viewer: {headers: {Authorization: "Bearer ${CANARY_TOKEN}", X-Api-Password: "${CANARY_PW}"}}
      admin: {headers: {Authorization: "Bearer admin-${CANARY_PW}"}}
    '''
# the helpers' policy (assert_secure_headers(response, "policy.yaml")), not the --secure run's
POLICY = '''
    version: 1
    target: {app: "secure_app:app"}
    identities:
      viewer: {headers: {Authorization: "Bearer ${CANARY_TOKEN}", X-Api-Password: "${CANARY_PW}"}}
    headers:
      rules: {X-Frame-Options: {required: true}, Content-Security-Policy: {required: true}}
    cookies:
      rules: {"*": {secure: true, httponly: true}}
    '''


@pytest.mark.parametrize("style", ["long", "auto"])
def test_no_helper_prints_a_canary(pytester, style):
    pytester.makepyfile(secure_app=textwrap.dedent(APP), test_helpers=textwrap.dedent(TESTS),
                        conftest=textwrap.dedent(CONFTEST))
    (pytester.path / "security-baseline.yaml").write_text(textwrap.dedent(BASELINE))
    (pytester.path / "policy.yaml").write_text(textwrap.dedent(POLICY))
    env = {**os.environ, "CANARY_TOKEN": TOKEN, "CANARY_PW": PASSWORD,
           "PYTHONPATH": os.pathsep.join([str(pytester.path), str(ROOT)])}
    env.pop("PYTEST_ADDOPTS", None)
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--secure", "-l",
                             f"--tb={style}", "-rA", "--junitxml=junit.xml", "test_helpers.py"],
                            cwd=pytester.path, env=env, capture_output=True, text=True, timeout=300)
    junit = (pytester.path / "junit.xml").read_text()
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED test_helpers.py::")]
    assert len(failed) == 10, result.stdout[-4000:]  # every helper's test failed, none errored
    for canary in (TOKEN, PASSWORD):
        assert canary not in result.stdout, _around(result.stdout, canary)
        assert canary not in result.stderr
        assert canary not in junit
    assert "[REDACTED]" in result.stdout  # the failures do show the credentials' places, masked


def _around(text: str, needle: str) -> str:
    at = text.find(needle)
    return text[max(0, at - 1500): at + 300]
