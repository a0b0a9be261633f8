"""Real apps on real frameworks, in process and behind a real server on 127.0.0.1: each gets
exactly the findings its configuration implies, and no others.

In process the apps are called as https://localhost (as behind a TLS-terminating proxy); the
servers speak plain HTTP on loopback, so Django's and Talisman's HSTS (sent only over HTTPS)
is missing there, and werkzeug's development server adds a versioned Server banner.
"""

import pytest

from . import apps
from .audit import audit, summary

BASELINE = """
    version: 1
    extends: recommended
    headers: {paths: [/]}
    leaks: {paths: [/]}
    cors: {paths: [/]}
    """
PROBES = ["GET /", "GET /pytest-secure-probe/does-not-exist", "SECUREPROBE /", "POST /"]
WERKZEUG_BANNER = {("leaks/version-banner", where) for where in PROBES}
HSTS_MISSING = {("headers/hsts-missing", "GET /")}
NO_HEADERS = {("headers/csp-missing", "GET /"), ("headers/hsts-missing", "GET /"),
              ("headers/x-content-type-options-missing", "GET /"), ("headers/referrer-policy-missing", "GET /"),
              ("headers/framing-missing", "GET /")}

DJANGO_DEFAULT = {
    ("headers/csp-missing", "GET /"),            # Django 5 sends no CSP
    ("headers/hsts-missing", "GET /"),           # SECURE_HSTS_SECONDS = 0
    ("cookies/missing-secure", "GET /"),         # sessionid and csrftoken: *_COOKIE_SECURE = False
    ("cookies/lifetime-too-long", "GET /"),      # SESSION_COOKIE_AGE = two weeks
    ("leaks/stack-trace-django", "GET /pytest-secure-probe/does-not-exist"),  # DEBUG = True
}
FASTAPI_BARE = NO_HEADERS | {("cookies/missing-secure", "GET /"), ("cookies/missing-httponly", "GET /"),
                             ("cookies/samesite-missing", "GET /")}
HTTPBIN = NO_HEADERS | {
    ("cors/origin-reflected-credentials", "GET /"),  # echoes Origin with Allow-Credentials: true
    ("cors/null-origin", "GET /"),
    ("cors/wildcard-credentials", "GET /"),  # without an Origin: * with Allow-Credentials: true
    ("cors/preflight-permissive", "OPTIONS /"),
    ("cookies/missing-httponly", "GET /cookies/set?session=abc"),  # set on the redirect hop
    ("cookies/samesite-missing", "GET /cookies/set?session=abc"),
}
HTTPBIN_PLAIN_HTTP = {("cookies/missing-secure", "GET /cookies/set?session=abc")}  # Secure only over https

CASES = {
    # name: (app factory, baseline, expected in process, expected behind a loopback server)
    "django-default": (lambda: apps.django_app(apps.DJANGO_DEFAULT), BASELINE, DJANGO_DEFAULT,
                       DJANGO_DEFAULT | WERKZEUG_BANNER),
    "django-hardened": (lambda: apps.django_app(apps.DJANGO_HARDENED), BASELINE, set(),
                        HSTS_MISSING | WERKZEUG_BANNER),
    "flask-talisman": (apps.talisman_app, BASELINE, set(), HSTS_MISSING | WERKZEUG_BANNER),
    "fastapi-bare": (lambda: apps.fastapi_app(secure=False), BASELINE, FASTAPI_BARE, FASTAPI_BARE),
    "fastapi-security-middleware": (lambda: apps.fastapi_app(secure=True), BASELINE, set(), set()),
    "httpbin": (apps.httpbin_app, BASELINE + "cookies: {paths: ['/cookies/set?session=abc']}\n", HTTPBIN,
                HTTPBIN | HTTPBIN_PLAIN_HTTP | WERKZEUG_BANNER),
}


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback-server"])
@pytest.mark.parametrize("name", list(CASES))
def test_exactly_the_findings_the_configuration_implies(name, live):
    make, baseline, in_process, served = CASES[name]
    found = summary(audit(make(), baseline, live=live))
    assert found == (served if live else in_process)


def test_django_default_findings_name_both_cookies():
    findings = audit(apps.django_app(apps.DJANGO_DEFAULT), BASELINE, live=False)
    insecure = sorted(f.key for f in findings if f.rule_id == "cookies/missing-secure")
    assert insecure == ["csrftoken", "sessionid"]
    [lifetime] = [f for f in findings if f.rule_id == "cookies/lifetime-too-long"]
    assert lifetime.key == "sessionid" and "14.0 days" in lifetime.message
