"""An :class:`~pytest_secure.fuzz.oracles.Exchange` read from every client's response, field by
field: status, repeated headers, body, elapsed time, method and URL, from pytest-secure's own
Response, Flask/Werkzeug's test client, requests and httpx against a loopback server, and a
schemathesis case. Written from the mutation check (docs/testing.md): the adapters were covered
by one assert_safe call per library, which let most of their mutants through."""

import httpx
import pytest
import requests
from flask import Flask, make_response, request

from pytest_secure.fuzz import oracles as o
from tests.hygiene.responses import resp
from tests.servers import serve_wsgi

BODY = "h\u00e9llo <b>q</b>"


def app() -> Flask:
    app = Flask("exchanges")

    @app.post("/echo")
    def echo():
        answer = make_response(BODY, 201)
        answer.set_cookie("a", "1")
        answer.set_cookie("b", "2")
        answer.headers["X-Seen"] = request.args.get("q", "")
        return answer

    return app


def cookies_and_seen(ex):
    return [(k.lower(), v.split(";")[0]) for k, v in ex.headers if k.lower() in ("set-cookie", "x-seen")]


EXPECTED_HEADERS = [("set-cookie", "a=1"), ("set-cookie", "b=2"), ("x-seen", "v")]


def test_a_werkzeug_test_response():
    ex = o.exchange_from(app().test_client().post("/echo?q=v"), ["v"], sensitive=["s"], invalid_input=True)
    assert (ex.status, ex.body, ex.method, ex.url) == (201, BODY, "POST", "http://localhost/echo?q=v")
    assert cookies_and_seen(ex) == EXPECTED_HEADERS
    assert (ex.inputs, ex.sensitive_inputs, ex.invalid_input, ex.elapsed) == (("v",), ("s",), True, 0.0)


@pytest.fixture(scope="module")
def url():
    with serve_wsgi(app()) as base:
        yield base


def test_a_requests_response_keeps_repeated_headers_and_its_elapsed_time(url):
    response = requests.post(f"{url}/echo", params={"q": "v"}, timeout=5)
    ex = o.exchange_from(response)
    assert (ex.status, ex.body, ex.method, ex.url) == (201, BODY, "POST", f"{url}/echo?q=v")
    assert cookies_and_seen(ex) == EXPECTED_HEADERS
    assert ex.elapsed == response.elapsed.total_seconds() and ex.elapsed > 0
    assert (ex.inputs, ex.sensitive_inputs, ex.invalid_input) == ((), (), False)


def test_an_httpx_response_keeps_repeated_headers_and_its_elapsed_time(url):
    response = httpx.post(f"{url}/echo", params={"q": "v"}, timeout=5)
    ex = o.exchange_from(response)
    assert (ex.status, ex.body, ex.method, ex.url) == (201, BODY, "POST", f"{url}/echo?q=v")
    assert cookies_and_seen(ex) == EXPECTED_HEADERS
    assert ex.elapsed == response.elapsed.total_seconds() and ex.elapsed > 0


def test_an_httpx_response_that_was_never_read_has_no_elapsed_time():
    response = httpx.Response(200, text="plain", request=httpx.Request("DELETE", "https://app.test/x"))
    ex = o.exchange_from(response)
    assert (ex.status, ex.body, ex.elapsed, ex.method, ex.url) == (200, "plain", 0.0, "DELETE", "https://app.test/x")


def test_an_httpx_response_built_without_a_request():
    ex = o.exchange_from(httpx.Response(500, text="boom"))
    assert (ex.status, ex.body, ex.method, ex.url) == (500, "boom", "GET", "")


def test_a_pytest_secure_response():
    answer = resp([("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("X-Seen", "v")], body=BODY.encode(), status=201,
                  url="https://app.test/echo?q=v", method="POST")
    ex = o.exchange_from(answer)
    assert (ex.status, ex.body, ex.method, ex.url) == (201, BODY, "POST", "https://app.test/echo?q=v")
    assert cookies_and_seen(ex) == EXPECTED_HEADERS


def test_a_response_without_a_status_is_refused():
    with pytest.raises(TypeError, match="cannot read a status code from str"):
        o.exchange_from("200 OK")


def test_a_schemathesis_case_gives_its_inputs():
    import schemathesis

    flask_app = app()

    @flask_app.get("/openapi.json")
    def spec():
        return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/echo": {"post": {
            "parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}],
            "responses": {"201": {"description": "ok"}}}}}}

    schema = schemathesis.openapi.from_wsgi("/openapi.json", flask_app)
    case = schema["/echo"]["POST"].Case(query={"q": "djE="})  # base64 of "v1"
    response = case.call()
    ex = o.exchange_from_case(response, case)
    assert o.exchange_from_case(response, case) is ex  # built once for every check of the same response
    assert ex.status == 201 and ex.body == BODY
    assert ex.inputs[0] == "djE="  # the value sent first (names and decoded forms: tests/fuzz/test_fuzz_depth.py)
    assert cookies_and_seen(ex)[-1] == ("x-seen", "djE=")
    assert ex.invalid_input is False
