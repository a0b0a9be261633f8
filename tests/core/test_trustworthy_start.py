"""Start-up says what is wrong with the run itself, once and with the fix (issue 10, items 12-14):

* an http target that redirects everything to https (TLS ends at a proxy in production);
* a baseline whose sections define no check (pytest's exit 5 said nothing);
* ``target.verify: false`` and urllib3's InsecureRequestWarning on every request.

Planted apps: Django with ``SECURE_SSL_REDIRECT = True`` on a plain-http loopback server (and
its twin that trusts ``X-Forwarded-Proto``), a Flask app behind a trustme TLS server.
"""

from __future__ import annotations

import ssl
import textwrap

import pytest
import trustme
from flask import Flask, make_response

from tests.hygiene import apps
from tests.servers import serve_wsgi

HEADER_RULES = textwrap.dedent("""
    headers:
      paths: [/, /a, /b, /c]
      rules:
        X-Content-Type-Options: {required: true}
        X-Frame-Options: {required: true}
        Referrer-Policy: {required: true}
""")


def write(pytester, text: str, extra: str = "") -> None:
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(text) + extra})


# -- item 12: everything redirected to https ----------------------------------------------------

REDIRECTING = {**apps.DJANGO_DEFAULT, "DEBUG": False, "SECURE_SSL_REDIRECT": True}
BEHIND_PROXY = {**REDIRECTING, "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https")}


def test_http_target_redirecting_to_https_gets_one_clear_error(pytester):
    with serve_wsgi(apps.django_app(REDIRECTING)) as url:
        write(pytester, f"""
            version: 1
            target: {{base_url: "{url}", scope: [127.0.0.1]}}
            """, HEADER_RULES)
        result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    err = result.stderr.str()
    assert result.ret == 4
    assert "answers every request with a redirect to HTTPS" in err
    assert f"target.base_url: {url.replace('http://', 'https://')}" in err
    assert "target.headers: {X-Forwarded-Proto: https}" in err
    assert "start the service" not in err and "TLS handshake" not in err + result.stdout.str()
    assert err.count("ERROR:") == 1


def test_the_proxy_header_fix_runs_the_checks(pytester):
    """The twin: the app trusts X-Forwarded-Proto, the baseline sends it; every item runs."""
    with serve_wsgi(apps.django_app(BEHIND_PROXY)) as url:
        write(pytester, f"""
            version: 1
            target: {{base_url: "{url}", scope: [127.0.0.1], headers: {{X-Forwarded-Proto: https}}}}
            headers:
              paths: [/]
              rules:
                X-Content-Type-Options: {{required: true}}
                X-Frame-Options: {{required: true}}
            """)
        result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_a_redirect_to_a_login_page_is_not_an_https_upgrade():
    from pytest_secure.runner.startup import https_upgrade

    assert https_upgrade("http://127.0.0.1:8000/", 301, "https://127.0.0.1:8000/") == "https://127.0.0.1:8000"
    assert https_upgrade("http://127.0.0.1:8000/", 302, "/accounts/login/?next=/") == ""
    assert https_upgrade("http://127.0.0.1:8000/", 302, "https://sso.example/login") == ""
    assert https_upgrade("https://127.0.0.1:8000/", 301, "https://127.0.0.1:8000/") == ""
    assert https_upgrade("http://127.0.0.1:8000/", 200, None) == ""


# -- item 13: a baseline that defines no check --------------------------------------------------

FLASK_APP = """
    from flask import Flask

    app = Flask(__name__)

    @app.get("/")
    def index():
        return "<p>hello</p>"
    """


def test_headers_without_rules_says_why_instead_of_exit_5(pytester):
    pytester.makepyfile(emptyheaders=FLASK_APP)
    write(pytester, """
        version: 1
        target: {app: "emptyheaders:app"}
        headers:
          paths: [/, /login]
        """)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    assert result.ret == 4
    result.stderr.fnmatch_lines([
        "ERROR: *security-baseline.yaml:*: the baseline defines no checks (headers: lists no rules and no "
        "analysis*). Add rules*or start from a preset with `extends: recommended` (docs/presets.md)"])
    assert "Traceback" not in result.stderr.str()


def test_headers_with_a_preset_runs(pytester):
    pytester.makepyfile(presetheaders=FLASK_APP)
    write(pytester, """
        version: 1
        extends: recommended
        target: {app: "presetheaders:app"}
        headers:
          paths: [/]
        """)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    assert result.ret == 1  # the bare Flask page lacks the preset's headers: real items, real failures
    assert "defines no checks" not in result.stderr.str()


def test_identities_only_baseline_is_left_to_marker_tests(pytester):
    pytester.makepyfile(markeronly=FLASK_APP)
    write(pytester, """
        version: 1
        target: {app: "markeronly:app"}
        """)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    assert result.ret == 5  # nothing asked, nothing to explain: pytest's own "no tests ran"


# -- item 14: verify: false ---------------------------------------------------------------------

def tls_app() -> Flask:
    app = Flask("tlsapp")

    @app.get("/<path:anything>")
    @app.get("/")
    def page(anything: str = ""):
        response = make_response("<p>hello</p>")
        response.headers.update({"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                                 "Referrer-Policy": "same-origin"})
        return response

    return app


@pytest.fixture(scope="module")
def tls_url():
    ca = trustme.CA()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    with serve_wsgi(tls_app(), ssl_context=ctx) as url:
        yield url, ca


def test_verify_false_says_it_once_and_no_warning_flood(pytester, tls_url):
    url, _ = tls_url
    write(pytester, f"""
        version: 1
        target: {{base_url: "{url}", scope: [127.0.0.1], verify: false}}
        """, HEADER_RULES)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    out = result.stdout.str()
    result.assert_outcomes(passed=12)
    assert "InsecureRequestWarning" not in out
    assert out.count("TLS verification is off (target.verify: false)") == 1


def test_verify_false_keeps_the_users_own_warnings(pytester, tls_url):
    """Only the target's host is silenced, and only for pytest-secure's run: a user's own test
    that calls another host unverified still gets urllib3's warning."""
    url, _ = tls_url
    other = url.replace("127.0.0.1", "localhost")
    write(pytester, f"""
        version: 1
        target: {{base_url: "{url}", scope: [127.0.0.1, localhost], verify: false}}
        """, HEADER_RULES)
    pytester.makepyfile(test_own=f"""
        import requests

        def test_own_call():
            assert requests.get("{other}/", verify=False, timeout=5).status_code == 200
        """)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=13)
    out = result.stdout.str()
    assert "InsecureRequestWarning: Unverified HTTPS request is being made to host 'localhost'" in out
    assert "to host '127.0.0.1'" not in out


def test_verified_run_has_no_note(pytester, tls_url, tmp_path):
    url, ca = tls_url
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    write(pytester, f"""
        version: 1
        target: {{base_url: "{url}", scope: [127.0.0.1], verify: "{bundle}"}}
        """, HEADER_RULES)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=12)
    assert "TLS verification is off" not in result.stdout.str()
