"""Framing and the other document-only header rules judge pages a browser renders (HTML), not
stylesheets, scripts or images (issue 10, item 9: 32 false findings on static files)."""

from __future__ import annotations

import pytest
from flask import Flask, make_response

from pytest_secure.core.baseline import load_baseline
from pytest_secure.core.target import InProcessTarget, LiveTarget
from pytest_secure.hygiene.passive import audit_response
from tests.hygiene.audit import audit, load, summary
from tests.servers import serve_wsgi

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
BASE = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
FRAMING = {"X-Frame-Options": "DENY", "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
           "Permissions-Policy": "camera=()"}


def make_app(page_headers: dict[str, str]) -> Flask:
    """A Flask site whose static files never carry framing headers (as most CDNs and
    ``send_static_file`` serve them); ``page_headers`` go on its HTML pages only."""
    app = Flask(f"site{len(page_headers)}")

    def respond(body, mimetype, headers):
        response = make_response(body)
        response.mimetype = mimetype
        response.headers.update({**BASE, **headers})
        return response

    @app.get("/")
    def index():
        return respond("<link rel=stylesheet href=/static/site.css><script src=/static/app.js></script>",
                       "text/html", page_headers)

    @app.get("/account")
    def account():
        return respond('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>',
                       "application/xhtml+xml", page_headers)

    @app.get("/static/site.css")
    def css():
        return respond("body{color:red}", "text/css", {})

    @app.get("/static/app.js")
    def js():
        return respond("console.log(1)", "application/javascript", {})

    @app.get("/static/logo.png")
    def png():
        return respond(PNG, "image/png", {})

    @app.get("/raw")
    def raw():  # no Content-Type at all: browsers sniff it, so it is judged as a page
        response = make_response(b"<p>sniffed</p>")
        response.headers.update(BASE)
        del response.headers["Content-Type"]
        return response

    return app


BASELINE = """
    version: 1
    headers:
      paths: [/, /account, /static/site.css, /static/app.js, /static/logo.png, /raw]
      rules:
        X-Frame-Options: {required: true}
        Content-Security-Policy: {required: true}
        Permissions-Policy: {required: true}
        X-Content-Type-Options: {required: true, value: nosniff}
      analysis: {framing: true, csp: true, referrer: true}
    """

STATIC = ("GET /static/site.css", "GET /static/app.js", "GET /static/logo.png")


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_framing_rules_judge_pages_not_static_files(live):
    found = summary(audit(make_app({}), BASELINE, live=live))
    # the defect: HTML, XHTML and the untyped page can be framed, and they are reported
    for page in ("GET /", "GET /account", "GET /raw"):
        assert ("headers/framing-missing", page) in found
        assert ("headers/x-frame-options-missing", page) in found
        assert ("headers/csp-missing", page) in found
        assert ("headers/permissions-policy-missing", page) in found
    # static files are not pages: none of the document-only rules speaks about them
    assert not [f for f in found if f[1] in STATIC], found


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_hardened_site_is_quiet_and_rules_for_all_responses_still_apply(live):
    assert audit(make_app(FRAMING), BASELINE.replace("/raw]", "]"), live=live) == []
    # X-Content-Type-Options matters on a script too: it is still judged there
    app = make_app(FRAMING)

    @app.after_request
    def sniffable(response):
        response.headers.pop("X-Content-Type-Options", None)
        return response

    found = summary(audit(app, BASELINE.replace("/raw]", "]"), live=live))
    assert ("headers/x-content-type-options-missing", "GET /static/app.js") in found


def test_passive_audit_and_dast_audit_skip_static_files_too(tmp_path):
    path = tmp_path / "security-baseline.yaml"
    path.write_text("version: 1\nheaders:\n  rules: {X-Frame-Options: {required: true}}\n"
                    "  analysis: {framing: true}\n")
    baseline = load_baseline(path, environ={})
    with serve_wsgi(make_app({})) as url:
        target = LiveTarget(url, ["127.0.0.1"])
        try:
            css = audit_response(target.request("GET", "/static/site.css"), baseline)
            page = audit_response(target.request("GET", "/"), baseline)
        finally:
            target.close()
    assert css == []
    assert {f.rule_id for f in page} == {"headers/x-frame-options-missing", "headers/framing-missing"}


def test_in_process_target_same_result():
    baseline = load(BASELINE)
    target = InProcessTarget(make_app({}), scope=["localhost"])
    try:
        js = audit_response(target.request("GET", "/static/app.js"), baseline)
    finally:
        target.close()
    assert js == []
