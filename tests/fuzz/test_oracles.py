"""Security oracles: each fires on a harmful answer and stays quiet on a safe one, alone and as
a schemathesis check; responses of real clients (Flask, requests, httpx) are accepted."""

import html

import pytest

from pytest_secure.fuzz import oracles as o
from pytest_secure.fuzz.strategies import EVAL_MARKER

HTML = [("Content-Type", "text/html; charset=utf-8")]
JSON = [("Content-Type", "application/json")]


def ex(body="", status=200, headers=HTML, inputs=(), **kw):
    return o.Exchange(status=status, headers=list(headers), body=body, url="http://shop.local/x", inputs=tuple(inputs),
                      **kw)


# (oracle, harmful exchange, safe exchange, rule id)
CASES = [
    (o.no_server_error, ex(status=500), ex(status=400), "fuzz/server-error"),
    (o.no_stack_trace, ex('Traceback (most recent call last):\n  File "/app/x.py", line 3, in view'),
     ex("<p>Something went wrong (ref 12)</p>"), "fuzz/stack-trace"),
    (o.no_stack_trace, ex("at com.shop.Search.run(Search.java:42)"), ex("at home"), "fuzz/stack-trace"),
    (o.no_database_error, ex('{"error": "sqlite3.OperationalError: unrecognized token: \\"\'\\""}', headers=JSON),
     ex('{"error": "invalid name"}', headers=JSON), "fuzz/database-error"),
    (o.no_database_error, ex("You have an error in your SQL syntax; check the manual"), ex("syntax ok"),
     "fuzz/database-error"),
    (o.no_unencoded_reflection, ex("<p>Hi <script>alert(1)</script></p>", inputs=["<script>alert(1)</script>"]),
     ex("<p>Hi " + html.escape("<script>alert(1)</script>") + "</p>", inputs=["<script>alert(1)</script>"]),
     "fuzz/reflected-xss"),
    (o.no_unencoded_reflection, ex('<input value="" onmouseover="alert(1)">', inputs=['" onmouseover="alert(1)']),
     ex('<input value="&quot; onmouseover=&quot;alert(1)">', inputs=['" onmouseover="alert(1)']),
     "fuzz/reflected-xss"),
    (o.no_unencoded_reflection, ex("<script>var q = '';alert(1);//';</script>", inputs=["';alert(1);//"]),
     ex("<script>var q = '\\';alert(1);//';</script>", inputs=["';alert(1);//"]), "fuzz/reflected-xss"),
    (o.no_unencoded_reflection, ex('<a href="javascript:alert(1)">go</a>', inputs=["javascript:alert(1)"]),
     ex("<p>javascript:alert(1)</p>", inputs=["javascript:alert(1)"]), "fuzz/reflected-xss"),
    (o.no_template_evaluation, ex(f"<p>Hello {EVAL_MARKER}</p>", inputs=["{{9137*7331}}"]),
     ex("<p>Hello {{9137*7331}}</p>", inputs=["{{9137*7331}}"]), "fuzz/template-injection"),
    (o.no_command_execution, ex(f"ok psec{EVAL_MARKER}", inputs=[";echo psec$((9137*7331))"]),
     ex("ok ;echo psec$((9137*7331))", inputs=[";echo psec$((9137*7331))"]), "fuzz/command-injection"),
    (o.no_file_disclosure, ex("root:x:0:0:root:/root:/bin/bash\n", inputs=["../../../../etc/passwd"]),
     ex("no such file", inputs=["../../../../etc/passwd"]), "fuzz/path-traversal"),
    (o.no_open_redirect, ex(status=302, headers=[("Location", "https://psec-redirect.invalid/")],
                            inputs=["https://psec-redirect.invalid/"]),
     ex(status=302, headers=[("Location", "/home")], inputs=["https://psec-redirect.invalid/"]), "fuzz/open-redirect"),
    (o.no_open_redirect, ex(status=302, headers=[("Location", "/\\psec-redirect.invalid/")],
                            inputs=["/\\psec-redirect.invalid/"]),
     ex(status=302, headers=[("Location", "https://sso.shop.example/")], inputs=["/account"]), "fuzz/open-redirect"),
    (o.no_injected_header, ex(headers=[("X-Psec-Injected", "1")], inputs=["a\r\nX-Psec-Injected: 1"]),
     ex(headers=[("Location", "/a%0D%0AX-Psec-Injected:%201")], inputs=["a\r\nX-Psec-Injected: 1"]),
     "fuzz/header-injection"),
    (o.within_time(0.5), ex(elapsed=0.9), ex(elapsed=0.1), "fuzz/slow-response"),
    (o.invalid_input_rejected, ex(status=201, invalid_input=True), ex(status=422, invalid_input=True),
     "fuzz/invalid-input-accepted"),
    (o.no_sensitive_echo, ex('{"error": "wrong password hunter2-secret"}', sensitive_inputs=("hunter2-secret",)),
     ex('{"error": "wrong password"}', sensitive_inputs=("hunter2-secret",)), "fuzz/sensitive-echo"),
]


@pytest.mark.parametrize(("oracle", "bad", "good", "rule"), CASES, ids=[f"{c[3]}-{i}" for i, c in enumerate(CASES)])
def test_oracle_fires_on_harm_and_stays_quiet_otherwise(oracle, bad, good, rule):
    problem = oracle(bad)
    assert problem is not None and problem.rule_id == rule and problem.evidence
    assert oracle(good) is None


def test_reflection_needs_html_and_a_breakout():
    reflected = "<p><psec-xss></p>"
    assert o.no_unencoded_reflection(ex(reflected, headers=JSON, inputs=["<psec-xss>"])) is None
    assert o.no_unencoded_reflection(ex("<p>it's fine</p>", inputs=["it's"])) is None  # quote in text: harmless
    assert o.no_unencoded_reflection(ex(reflected, headers=[], inputs=["<psec-xss>"])) is None
    assert o.no_unencoded_reflection(ex("<!doctype html>" + reflected, headers=[], inputs=["<psec-xss>"])) is not None


def test_card_numbers_are_personal_but_large_numbers_are_not():
    assert o.looks_personal("4111 1111 1111 1111")
    assert not o.looks_personal("-9223372036854775809")
    inputs, sensitive = o.collect_inputs({"q": "x", "password": "p4ssw0rd!", "card": "1"}, [{"token": "abc"}])
    assert set(sensitive) == {"p4ssw0rd!", "1", "abc"} and "x" in inputs


def test_judge_applies_every_default_oracle_with_the_time_bound():
    problems = o.judge(ex("Traceback (most recent call last):", status=500, elapsed=3.0))
    assert {p.rule_id for p in problems} == {"fuzz/server-error", "fuzz/stack-trace", "fuzz/slow-response"}
    assert o.judge(ex("fine", elapsed=3.0), max_response_time=None) == []


@pytest.fixture(scope="module")
def flask_app():
    from flask import Flask, redirect, request

    app = Flask("oracle_targets")

    @app.get("/bad")
    def bad():
        return f"<p>{request.args['q']}</p>"

    @app.get("/good")
    def good():
        return f"<p>{html.escape(request.args['q'])}</p>"

    @app.get("/go")
    def go():
        return redirect(request.args["next"])

    @app.get("/openapi.json")
    def spec():
        return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            path: {"get": {"parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}],
                           "responses": {"200": {"description": "ok"}}}} for path in ("/bad", "/good")}}

    return app


def test_assert_safe_accepts_flask_requests_and_httpx_responses(flask_app):
    import httpx
    import requests

    from tests.servers import serve_wsgi

    payload = "<img src=x onerror=alert(1)>"
    client = flask_app.test_client()
    o.assert_safe(client.get("/good", query_string={"q": payload}), [payload])
    with pytest.raises(AssertionError, match="fuzz/reflected-xss"):
        o.assert_safe(client.get("/bad", query_string={"q": payload}), [payload])
    with serve_wsgi(flask_app) as url:
        with pytest.raises(AssertionError, match="fuzz/open-redirect"):
            o.assert_safe(requests.get(f"{url}/go", params={"next": "//psec-redirect.invalid/"},
                                       allow_redirects=False, timeout=5), ["//psec-redirect.invalid/"])
        o.assert_safe(httpx.get(f"{url}/good", params={"q": payload}, timeout=5), [payload])
        with pytest.raises(AssertionError, match="reflected-xss"):
            o.assert_safe(httpx.get(f"{url}/bad", params={"q": payload}, timeout=5), [payload])


def test_oracles_run_as_schemathesis_checks(flask_app):
    import schemathesis
    from schemathesis.core.failures import FailureGroup

    schema = schemathesis.openapi.from_wsgi("/openapi.json", flask_app)
    checks = o.schemathesis_checks()
    case = schema["/bad"]["GET"].Case(query={"q": "<psec-xss>"})
    with pytest.raises(FailureGroup) as info:
        case.call_and_validate(checks=checks)
    assert [f.rule_id for f in info.value.exceptions] == ["fuzz/reflected-xss"]
    schema["/good"]["GET"].Case(query={"q": "<psec-xss>"}).call_and_validate(checks=checks)
    from schemathesis.checks import CHECKS

    try:
        names = o.register()
        assert "secure_no_unencoded_reflection" in names and o.register() == names
        assert "secure_no_unencoded_reflection" in CHECKS.get_all_names()
        with pytest.raises(FailureGroup):  # registered checks run by default in a team's own tests
            schema["/bad"]["GET"].Case(query={"q": "<psec-xss>"}).call_and_validate()
    finally:
        o.unregister()
    assert "secure_no_unencoded_reflection" not in CHECKS.get_all_names()
