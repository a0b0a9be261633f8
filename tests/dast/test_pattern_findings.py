"""A crawl reports a finding once per rule and URL pattern, with the pages it was seen on
(issue 10, item 10: one crawl turned 50 findings into 380 with nothing new).

Planted: a Flask shop whose product pages (``/items/<n>``) and order pages (``/orders/<uuid>``)
come from one template each. The leaky twin's templates lack a CSP; the hardened twin sends it.
"""

from __future__ import annotations

import json
import textwrap
import uuid

import pytest

from pytest_secure.core.findings import Finding
from pytest_secure.dast.known import fingerprint
from pytest_secure.dast.result import RuleGroup, ScanResult, location_pattern, merge_by_pattern, url_pattern
from tests.servers import serve_wsgi

ITEMS = 24
ORDERS = [str(uuid.UUID(int=i + 1)) for i in range(6)]

APP = textwrap.dedent(f"""
    from flask import Flask, make_response

    app = Flask(__name__)
    ITEMS, ORDERS = {ITEMS}, {ORDERS!r}
    HARDENED = %s
    CSP = {{"Content-Security-Policy": "default-src 'self'"}}

    def page(html, template=False):
        response = make_response(html)
        if HARDENED or not template:
            response.headers.update(CSP)
        return response

    @app.get("/")
    def index():
        links = "".join(f"<a href='/items/{{i}}'>{{i}}</a>" for i in range(1, ITEMS + 1))
        links += "".join(f"<a href='/orders/{{o}}'>o</a>" for o in ORDERS)
        return page(links + "<a href='/about'>about</a>")

    @app.get("/about")
    def about():
        return page("<p>about</p>", template=True)

    @app.get("/items/<int:n>")
    def item(n):
        return page(f"<p>item {{n}}</p>", template=True)

    @app.get("/orders/<order>")
    def order(order):
        return page(f"<p>order {{order}}</p>", template=True)
    """)

BASELINE = """
    version: 1
    target: {%s}
    headers:
      paths: [/]
      rules:
        Content-Security-Policy: {required: true}
    dast:
      engine: builtin
      crawl: {max_pages: 60, max_depth: 3}
    gates: {fail_on: medium}
    """


def project(pytester, name: str, hardened: bool, target: str | None = None) -> None:
    pytester.makepyfile(**{name: APP % hardened})
    where = f'base_url: "{target}", scope: [127.0.0.1]' if target else f'app: "{name}:app"'
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE % where)})


def run(pytester):
    return pytester.runpytest("--secure", "--secure-dast", "-k", "dast", "-p", "no:cacheprovider", "-rA",
                              "--secure-json=out.json", "--secure-sarif=out.sarif")


def csp_findings(pytester):
    report = json.loads((pytester.path / "out.json").read_text())
    return [f for f in report["findings"] if f["rule_id"] == "headers/csp-missing"]


def load_app(pytester, name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, pytester.path / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_one_finding_per_pattern_with_its_pages(pytester, live):
    name = f"shop{int(live)}"
    if live:
        project(pytester, name, hardened=False, target="http://127.0.0.1:1")
        with serve_wsgi(load_app(pytester, name)) as url:
            project(pytester, name, hardened=False, target=url)
            result = run(pytester)
    else:
        project(pytester, name, hardened=False)
        result = run(pytester)
    assert result.ret == 1
    found = {f["location"]: f for f in csp_findings(pytester)}
    # 31 pages lack the CSP: three findings, one per page template
    assert set(found) == {"GET /items/{n}", "GET /orders/{uuid}", "GET /about"}
    items = found["GET /items/{n}"]
    assert len(items["places"]) == ITEMS and "GET /items/17" in items["places"]
    assert f"seen on {ITEMS} page(s) of this pattern: /items/1, /items/10" in items["evidence"]
    assert len(found["GET /orders/{uuid}"]["places"]) == len(ORDERS)
    assert found["GET /about"]["places"] == []  # one page, no variable part: as before
    # SARIF: one result per pattern, every page among its locations
    sarif = json.loads((pytester.path / "out.sarif").read_text())["runs"][0]["results"]
    [result_items] = [r for r in sarif if r["locations"][0]["logicalLocations"][0]["name"] == "GET /items/{n}"]
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 2)[-2:][1]
            for loc in result_items["locations"][1:]}
    assert uris == {str(i) for i in range(1, ITEMS + 1)}
    assert len([r for r in sarif if r["ruleId"] == "headers/csp-missing"]) == 3


def test_hardened_templates_give_a_passing_scan(pytester):
    project(pytester, "shophard", hardened=True)
    result = run(pytester)
    assert result.ret == 0
    assert csp_findings(pytester) == []


def test_pattern_definition():
    assert url_pattern("/items/42?page=3&q=x&q=y") == "/items/{n}?page=*&q=*"
    assert url_pattern("http://h:8/o/550e8400-e29b-41d4-a716-446655440000#top") == "http://h:8/o/{uuid}"
    assert url_pattern("/u/5f2b1c9d8e7a6b5c4d3e2f10/avatar") == "/u/{hex}/avatar"
    assert url_pattern("/static/app.3f9a.js") == "/static/app.3f9a.js"  # a name, not an id
    assert url_pattern("/0deadbeefdeadbeefdeadbee") == "/{hex}"
    assert url_pattern("/facadedefacedbead") == "/facadedefacedbead"  # hex letters, no digit: a word
    assert url_pattern("/accessibility-statement") == "/accessibility-statement"
    assert location_pattern("GET /items/{n}?page=*") == "GET /items/{n}?page=*"  # a pattern is its own


def test_merge_keeps_rules_and_keys_apart_and_survives_the_trip_to_workers():
    def f(rule, where, key="k"):
        return Finding(rule, "m", where, evidence="ev", key=key)

    findings = [f("r1", "GET /a/1"), f("r1", "GET /a/2"), f("r1", "GET /a/3", key="other"), f("r2", "GET /a/1"),
                f("r1", "POST /a/4")]
    merged = merge_by_pattern(findings)
    assert [(m.rule_id, m.location, m.key, m.places) for m in merged] == [
        ("r1", "GET /a/{n}", "k", ("GET /a/1", "GET /a/2")),
        ("r1", "GET /a/{n}", "other", ("GET /a/3",)),
        ("r2", "GET /a/{n}", "k", ("GET /a/1",)),
        ("r1", "POST /a/{n}", "k", ("POST /a/4",)),
    ]
    # tomorrow's crawl reaches other ids: the same fingerprint, so --secure-dast-new-only sees nothing new
    again = merge_by_pattern([f("r1", "GET /a/7"), f("r1", "GET /a/9")])
    assert fingerprint(again[0]) == fingerprint(merged[0]) and again[0].fingerprint == merged[0].fingerprint
    result = ScanResult("builtin", "http://t", groups=[RuleGroup("r1", "r1", findings[:2])])
    back = ScanResult.from_json(result.to_json())
    assert back.groups[0].findings == result.groups[0].findings
