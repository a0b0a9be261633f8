"""Host-header probes (issue 13, item 3) on Flask, Django and FastAPI, in process and on a
loopback server: a foreign Host / X-Forwarded-Host reflected into links or redirects, an app
that answers any Host, a debug page for a disallowed host; the hardened twins are quiet."""

from __future__ import annotations

import pytest

from pytest_secure.hygiene import leaks

from . import depth_apps
from .audit import audit, load

BASELINE = """
    version: 1
    leaks: {paths: [/], banners: false, host_header: true}
    """
WATCHED = ("leaks/host-header-injection", "leaks/any-host-accepted", "leaks/stack-trace-", "leaks/server-error")


def host_items(findings) -> set[tuple[str, str]]:
    return {(f.rule_id, f.key) for f in findings if f.rule_id.startswith(WATCHED) and f.key in
            ("foreign-host", "forwarded-host", "leaks/stack-trace-django")}


CASES = {
    # name: (planted, hardened, found on the planted one as (rule, probe))
    "flask": (lambda: depth_apps.flask_host_app(planted=True), lambda: depth_apps.flask_host_app(planted=False),
              {("leaks/host-header-injection", "foreign-host"),     # the reset link names the foreign host
               ("leaks/host-header-injection", "forwarded-host")}),  # ProxyFix trusts X-Forwarded-Host
    "django": (lambda: depth_apps.django_host_app(planted=True), lambda: depth_apps.django_host_app(planted=False),
               {("leaks/stack-trace-django", "leaks/stack-trace-django")}),  # DisallowedHost debug page
    "fastapi": (lambda: depth_apps.fastapi_host_app(planted=True),
                lambda: depth_apps.fastapi_host_app(planted=False),
                {("leaks/host-header-injection", "foreign-host")}),  # the redirect goes to the foreign host
}


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
@pytest.mark.parametrize("name", list(CASES))
def test_planted_host_header_defect_is_found(name, live):
    planted, _hardened, expected = CASES[name]
    assert host_items(audit(planted(), BASELINE, live=live)) == expected


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
@pytest.mark.parametrize("name", list(CASES))
def test_hardened_twin_is_quiet(name, live):
    _planted, hardened, _expected = CASES[name]
    findings = audit(hardened(), BASELINE, live=live)
    assert [f for f in findings if f.rule_id.startswith(WATCHED)] == []


def test_django_debug_page_is_found_on_the_foreign_host_probe():
    findings = audit(depth_apps.django_host_app(planted=True), BASELINE, live=False)
    # GET / itself redirects; with the foreign Host it is Django's DisallowedHost debug page
    assert "GET /" in [f.location for f in findings if f.rule_id == "leaks/stack-trace-django"]
    hardened = audit(depth_apps.django_host_app(planted=False), BASELINE, live=False)
    assert [f for f in hardened if f.rule_id.startswith("leaks/")] == []


def test_any_host_accepted_when_nothing_is_reflected():
    from flask import Flask

    app = Flask("plain")
    app.get("/")(lambda: "<!doctype html><title>Home</title><a href='/about'>about</a>")
    found = {(f.rule_id, f.key) for f in audit(app, BASELINE, live=False)}
    assert found == {("leaks/any-host-accepted", "foreign-host")}
    app.config["TRUSTED_HOSTS"] = depth_apps.TRUSTED
    assert audit(app, BASELINE, live=False) == []


def test_probes_accept_headers_and_host_probes_are_opt_in():
    checks = leaks.collect(load("""
        version: 1
        leaks: {probes: [{request: GET /, name: fwd, headers: {X-Forwarded-Host: a.invalid}}]}
        """))
    [probe] = [c for c in checks if c.name.startswith("probe:fwd")]
    assert leaks.probes(load("version: 1\nleaks: {probes: [{request: GET /, headers: {X-A: b}}]}\n")
                        .section("leaks"), "/")[-1].headers == {"X-A": "b"}
    assert not [c for c in checks if c.name.startswith("host:")]
    assert probe.path == "/"
