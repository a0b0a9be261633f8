"""The built-in engine, with no ZAP at all: it crawls in scope (links, GET forms, OpenAPI
paths; bounded) and judges every page it reached by the baseline's own policies."""

from __future__ import annotations

import textwrap

from pytest_secure.dast.crawler import Form, openapi_paths, parse_page
from tests.dast.helpers import literal
from tests.servers import serve_wsgi

APP = r'''
import pathlib

from flask import Flask, jsonify, make_response, request

app = Flask(__name__)
FIXED = False  # the hardened twin (same pages, same links and forms) sets True
GOOD = {"Content-Security-Policy": "default-src 'self'", "X-Content-Type-Options": "nosniff"}
VISITS = pathlib.Path(__file__).with_name("visits.txt")


@app.before_request
def remember():
    with VISITS.open("a") as f:
        f.write(request.method + " " + request.full_path.rstrip("?") + "\n")


def page(html, **headers):
    response = make_response(html)
    response.headers.update({**GOOD, **headers})
    return response


@app.get("/")
def index():
    return page("<a href='/about'>about</a> <a href='http://elsewhere.example/x'>out</a> <a href='mailto:a@b'>m</a>")


@app.get("/about")
def about():
    return page("<a href='/deep/page#top'>deep</a><form action='/search'><input name='q' value='x'>"
                "<input type='submit' name='go'></form><form method='post' action='/subscribe'></form>")


@app.get("/deep/page")
def deep():
    response = page("<p>only reachable by following links</p>")
    if not FIXED:
        del response.headers["Content-Security-Policy"]
    return response


@app.get("/search")
def search():
    response = page(f"<p>results for {request.args.get('q', '')}</p>")
    if FIXED:
        response.set_cookie("prefs", "dark", secure=True, httponly=True, samesite="Lax")
    else:
        response.set_cookie("prefs", "dark")  # no Secure, no HttpOnly, no SameSite
    return response


@app.post("/subscribe")
def subscribe():
    raise AssertionError("the crawler must not submit POST forms unless asked")


@app.get("/api/status")
def status():
    return jsonify(ok=True), 200, GOOD if FIXED else {**GOOD, "X-Powered-By": "Express 4.17"}


@app.get("/openapi.json")
def openapi():
    return jsonify({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
        "/api/status": {"get": {"responses": {"200": {"description": "ok"}}}},
        "/api/items/{id}": {"get": {"responses": {"200": {"description": "ok"}}}},
    }}), 200, GOOD
'''

BASELINE = """
    version: 1
    target: {app: "%s", openapi: /openapi.json}
    headers:
      paths: [/]
      rules:
        Content-Security-Policy: {required: true}
        X-Powered-By: {required: false}
    cookies:
      rules:
        "*": {secure: true, httponly: true, samesite: [Lax, Strict]}
    dast:
      engine: builtin
      crawl: {max_pages: 30, max_depth: 4}
    gates: {fail_on: medium}
    """


def project(pytester, name, baseline=BASELINE, fixed=False):
    pytester.makepyfile(**{name: APP.replace("FIXED = False", "FIXED = True") if fixed else APP})
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(baseline % f"{name}:app")})


def test_finds_header_and_cookie_problems_on_pages_reached_only_by_crawling(pytester):
    project(pytester, "crawlapp1")
    result = pytester.runpytest("--secure", "--secure-dast", "-k", "dast", "-p", "no:cacheprovider", "-rA",
                                "--secure-fail-on=low")
    out = result.stdout.str()
    # the baseline names only "/"; every other page was found by the crawler
    result.stdout.fnmatch_lines(literal([
        "*dast: built-in engine crawling http://localhost as anonymous",
        "*dast: crawled 5 page(s), 5 finding(s) in 5 rule(s)",
        "*1 POST form(s) not submitted (dast.crawl.submit_post_forms: false)",
    ]))
    result.stdout.fnmatch_lines(literal([
        "headers/csp-missing [high] Content-Security-Policy is missing",
        "  at:        GET /deep/page",
    ]))
    result.stdout.fnmatch_lines(literal(["headers/x-powered-by-present [low]*", "  at:        GET /api/status"]))
    for rule in ("cookies/missing-secure", "cookies/missing-httponly", "cookies/samesite-missing"):
        assert f"{rule} [" in out
    assert "at:        GET /search" in out
    result.stdout.fnmatch_lines(literal(["FAILED security-baseline.yaml::dast[headers/csp-missing *]*"]))
    assert result.ret == 1
    assert "Traceback" not in out and "prefs=dark" not in out  # cookie values never reach the output


def test_crawl_stays_in_scope_and_off_post_forms(pytester):
    project(pytester, "crawlapp2")
    result = pytester.runpytest("--secure", "--secure-dast", "-k", "dast", "-p", "no:cacheprovider")
    visits = (pytester.path / "visits.txt").read_text().splitlines()
    assert sorted(visits) == ["GET /", "GET /about", "GET /api/status", "GET /deep/page", "GET /openapi.json",
                              "GET /robots.txt", "GET /search?q=x", "GET /sitemap.xml"]
    # each once; no POST form, no templated path, nothing off-site; robots.txt and sitemap.xml are read
    assert result.ret == 1


def test_the_hardened_twin_gives_a_passing_scan_of_the_same_pages(pytester):
    """The twin has every page, link and form of the planted app, each defect fixed: the crawl
    reaches the same pages and the scan passes (quiet because the pages are right, not absent)."""
    project(pytester, "crawltwin", fixed=True)
    result = pytester.runpytest("--secure", "--secure-dast", "-k", "dast", "-p", "no:cacheprovider", "-rA",
                                "--secure-fail-on=low")
    result.stdout.fnmatch_lines(literal([
        "*dast: crawled 5 page(s), 0 finding(s) in 0 rule(s)",
        "*1 POST form(s) not submitted (dast.crawl.submit_post_forms: false)",
        "PASSED security-baseline.yaml::dast[scan]",
    ]))
    result.assert_outcomes(passed=1)
    visits = (pytester.path / "visits.txt").read_text().splitlines()
    assert sorted(visits) == ["GET /", "GET /about", "GET /api/status", "GET /deep/page", "GET /openapi.json",
                              "GET /robots.txt", "GET /search?q=x", "GET /sitemap.xml"]


def test_live_target_is_crawled_too(pytester, example_app):
    with serve_wsgi(example_app) as url:
        pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(f"""
            version: 1
            extends: recommended
            target: {{base_url: "{url}", scope: [127.0.0.1], openapi: /openapi.json}}
            dast: {{engine: builtin}}
            """)})
        result = pytester.runpytest("--secure", "--secure-dast", "-k", "dast", "-p", "no:cacheprovider", "-rA")
    # the example service sends its headers everywhere; over plain http only HSTS is moot
    result.stdout.fnmatch_lines(["*dast: built-in engine crawling http://127.0.0.1:*",
                                 "*dast: crawled * page(s)*"])
    assert "PASSED security-baseline.yaml::dast[scan]" in result.stdout.str()


def test_time_cap_cuts_the_crawl_short_as_an_error(pytester):
    project(pytester, "crawlapp3", BASELINE.replace("max_depth: 4}", "max_depth: 4, max_seconds: 0.000001}"))
    result = pytester.runpytest("--secure", "--secure-dast", "-k", "dast", "-p", "no:cacheprovider", "-rA")
    result.stdout.fnmatch_lines(["*the crawl did not finish within 1e-06s (dast.crawl.max_seconds)*"])
    assert result.ret == 1


def test_baseline_without_any_policy_is_refused(pytester):
    pytester.makepyfile(emptyapp="def app(environ, start_response):\n    start_response('200 OK', [])\n"
                                 "    return [b'']\n")
    pytester.makefile(".yaml", **{"security-baseline": "version: 1\ntarget: {app: 'emptyapp:app'}\n"
                                                       "dast: {engine: builtin}\n"})
    result = pytester.runpytest("--secure", "--secure-dast", "-p", "no:cacheprovider")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: dast: the built-in engine judges every page*add `extends: recommended`*"])


def test_parse_page_finds_links_and_forms():
    links, forms = parse_page("<a href='/a'>x</a><link href='/s.css'><script src='/j.js'></script>"
                              "<iframe src='/f'></iframe><form action='/s' method='get'><input name='q' value='1'>"
                              "<input type='submit' name='go' value='Go'><textarea name='t'></textarea></form>"
                              "<form method=POST action=/p><input name=a></form><a>no href</a>")
    assert [link.url for link in links] == ["/a", "/s.css", "/j.js", "/f"]
    assert links[0].text == "x"
    assert forms == [Form("/s", "GET", {"q": "1", "t": ""}, ["Go", "go", ""]), Form("/p", "POST", {"a": ""})]


def test_openapi_paths_skip_templates_and_use_the_server_prefix():
    doc = {"servers": [{"url": "https://api.example/v1"}],
           "paths": {"/a": {"get": {}}, "/b/{id}": {"get": {}}, "/c": {"post": {}}}}
    assert openapi_paths(doc) == (["/v1/a"], 1)
    assert openapi_paths(None) == ([], 0)


def test_without_a_dast_section_the_builtin_engine_runs_with_defaults(pytester):
    pytester.makepyfile(plainapp="""
        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/html")])
            return [b"<a href='/next'>next</a>"]
        """)
    pytester.makefile(".yaml", **{"security-baseline": "version: 1\nextends: recommended\n"
                                                       "target: {app: 'plainapp:app'}\n"})
    result = pytester.runpytest("--secure", "--secure-dast", "-k", "dast", "-p", "no:cacheprovider", "-rA")
    result.stdout.fnmatch_lines([
        "*dast: no dast: section in the baseline; using the built-in engine with its defaults",
        "*dast: crawled 2 page(s)*",
    ])
    result.stdout.fnmatch_lines(literal(["FAILED security-baseline.yaml::dast[headers/csp-missing *]*"]))
    assert "at:        GET /next" in result.stdout.str()


def test_collect_only_lists_items_without_scanning(pytester):
    project(pytester, "crawlapp9")
    result = pytester.runpytest("--secure", "--secure-dast", "--collect-only", "-q", "-p", "no:cacheprovider")
    assert result.ret == 0
    out = result.stdout.str()
    assert "dast: --collect-only: no scan" in out
    assert "crawling" not in out and "dast[" not in out
    assert "headers[GET /::" in out  # the other areas are listed as usual
