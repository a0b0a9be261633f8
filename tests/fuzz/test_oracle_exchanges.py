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

    @app.get("/export")
    def export():  # a CSV export: text/* without a charset, which requests reads as ISO-8859-1
        return make_response("name\nJos\u00e9\n".encode(), 200, {"Content-Type": "text/csv"})

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


USERS_SPEC = {"openapi": "3.0.3", "info": {"title": "users", "version": "1"}, "paths": {"/users/{user_id}": {
    "post": {
        "parameters": [{"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                       {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                       {"name": "X-Api-Key", "in": "header", "required": True, "schema": {"type": "string"}},
                       {"name": "session", "in": "cookie", "required": True, "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {
            "name": {"type": "string"}, "password": {"type": "string"}}}}}},
        "responses": {"201": {"description": "ok"}}},
    "get": {"responses": {"200": {"description": "ok"}}}}}}


@pytest.fixture(scope="module")
def users():
    import schemathesis

    users_app = Flask("users")

    @users_app.route("/users/<user_id>", methods=["GET", "POST"])
    def user(user_id):
        return {"id": user_id}, 201 if request.method == "POST" else 200

    @users_app.get("/openapi.json")
    def spec():
        return USERS_SPEC

    return schemathesis.openapi.from_wsgi("/openapi.json", users_app)["/users/{user_id}"]


def test_a_schemathesis_case_s_inputs_come_from_every_part_of_the_request(users):
    case = users["POST"].Case(path_parameters={"user_id": 7}, query={"q": "djE="}, headers={"X-Api-Key": "k-123456"},
                              cookies={"session": "s3ss10n"}, body={"name": "bob", "password": "hunter2!"},
                              media_type="application/json")
    ex = o.exchange_from_case(case.call(), case)
    # path, query, header, cookie and body values; the names of the query parameters and headers;
    # the decoded form of a base64 value ("djE=" is "v1")
    assert ex.inputs == ("7", "djE=", "k-123456", "s3ss10n", "bob", "hunter2!", "q", "X-Api-Key", "v1")
    assert ex.sensitive_inputs == ("k-123456", "hunter2!")  # an API key header, a password field
    assert (ex.status, ex.method, ex.invalid_input) == (201, "POST", False)


def test_a_case_without_a_body_query_or_headers(users):
    case = users["GET"].Case(path_parameters={"user_id": 7})
    ex = o.exchange_from_case(case.call(), case)
    assert (ex.inputs, ex.sensitive_inputs, ex.status, ex.invalid_input) == (("7",), (), 200, False)


def test_a_negative_case_is_invalid_input(users):
    from hypothesis import HealthCheck, given, settings
    from schemathesis.generation.meta import GenerationMode

    drawn = []

    @given(users["POST"].as_strategy(generation_mode=GenerationMode.NEGATIVE))
    @settings(max_examples=1, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    def draw(case):
        drawn.append(case)

    draw()
    assert drawn[0].meta.generation.mode.is_negative
    assert o.exchange_from_case(drawn[0].call(), drawn[0]).invalid_input is True


@pytest.mark.parametrize(("containers", "inputs", "sensitive"), [
    (({"user": {"name": "bob", "tags": ["admin", "ops"]}},), ("bob", "admin", "ops"), ()),
    (({"tokens": ["tok-abcdef", "tok-ghijkl"]},), ("tok-abcdef", "tok-ghijkl"), ("tok-abcdef", "tok-ghijkl")),
    (({"age": 7, "admin": True, "note": None, "ratio": 0.5},), ("7", "0.5"), ()),   # booleans and nulls are not text
    ((b"name=bob&card=4111111111111111",), ("name=bob&card=4111111111111111",), ("name=bob&card=4111111111111111",)),
    (("078-05-1120", "bob", "bob"), ("078-05-1120", "bob"), ("078-05-1120",)),        # each value once
    (({"password": b"hunter2!"},), ("hunter2!",), ("hunter2!",)),                    # bytes under a sensitive name
    ((b"\xff\xd8\xff\xe0 JFIF",), ("\ufffd\ufffd\ufffd\ufffd JFIF",), ()),  # a JPEG upload: read, not refused
    ((b"a" * 4097,), ("a" * 4096,), ()),                                            # the first 4096 bytes
])
def test_the_text_values_of_a_request_and_the_sensitive_ones(containers, inputs, sensitive):
    assert o.collect_inputs(*containers) == (inputs, sensitive)


urlpatterns: list = []  # the Django views below (ROOT_URLCONF is this module)


def test_a_django_test_client_redirect_keeps_no_url_but_the_request_s():
    """Django's test response has ``request`` (a dict) and, on a redirect, ``url``: the Location.
    Taken as the request's URL, it made every redirect look like one to the app's own host."""
    from django.http import HttpResponseRedirect
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import path

    from tests.hygiene import apps

    apps.django_app({})  # configures Django once per process, as the other test modules do
    if not urlpatterns:
        urlpatterns.append(path("go", lambda request: HttpResponseRedirect(request.GET["next"])))
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"], MIDDLEWARE=[]):
        response = Client().get("/go", {"next": "https://evil.example/"})
    assert response.url == "https://evil.example/"
    ex = o.exchange_from(response, ["https://evil.example/"])
    assert (ex.status, ex.method, ex.url, ex.header("location")) == (302, "GET", "", "https://evil.example/")
    problem = o.no_open_redirect(ex)
    assert (problem.rule_id, problem.evidence) == ("fuzz/open-redirect", "Location: https://evil.example/")


def test_a_response_without_a_request_gives_its_own_url():
    import urllib3

    response = urllib3.HTTPResponse(body=b"moved", status=302, headers={"Location": "https://evil.example/"},
                                    request_url="http://shop.local/login?next=https://evil.example/",
                                    preload_content=True)
    ex = o.exchange_from(response, ["https://evil.example/"])
    assert (ex.status, ex.url, ex.body) == (302, "http://shop.local/login?next=https://evil.example/", "moved")


def test_a_case_sent_again_is_judged_on_its_new_response(users):
    case = users["GET"].Case(path_parameters={"user_id": 7})
    first, second = case.call(), case.call()
    assert o.exchange_from_case(first, case) is o.exchange_from_case(first, case)
    again = o.exchange_from_case(second, case)
    assert again is not o.exchange_from_case(first, case) and again.status == 200


def test_a_response_that_has_only_a_status_and_a_body():
    import types

    ex = o.exchange_from(types.SimpleNamespace(status=204, body=b""))  # a library's minimal response object
    assert (ex.status, ex.headers, ex.body, ex.method, ex.url, ex.elapsed) == (204, [], "", "GET", "", 0.0)


def test_a_body_that_is_not_utf_8_is_read_not_refused():
    flask_app = Flask("bytes")

    @flask_app.get("/logo")
    def logo():
        return b"\x89PNG\r\n\x1a\n", 200, {"Content-Type": "image/png"}

    ex = o.exchange_from(flask_app.test_client().get("/logo"))
    assert ex.body == "\ufffdPNG\r\n\x1a\n"


def test_a_utf_8_body_without_a_charset_is_read_as_utf_8(url):
    response = requests.get(f"{url}/export", timeout=5)
    assert response.headers["Content-Type"] == "text/csv" and response.text == "name\nJos\u00c3\u00a9\n"
    assert o.exchange_from(response).body == "name\nJos\u00e9\n"  # the bytes, not requests' guess
