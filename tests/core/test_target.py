"""Transports: live and in-process behave alike, and a hostile target cannot hurt the tool."""

import gzip
import time

import pytest

from pytest_secure.core.errors import ScopeError, TargetError
from pytest_secure.core.redaction import Redactor, neutralise
from pytest_secure.core.target import InProcessTarget, LiveTarget, ScopeGuard, import_app
from tests.servers import serve_asgi, serve_raw, serve_wsgi


def flask_app():
    from flask import Flask, redirect, request

    app = Flask("target_test")

    @app.get("/")
    def index():
        return "hello", 200, {"X-Test": "1"}

    @app.get("/echo-headers")
    def echo_headers():
        return {k: v for k, v in request.headers.items()}

    @app.get("/go")
    def go():
        return redirect(request.args["to"])

    @app.get("/set")
    def set_cookie():
        resp = redirect("/")
        resp.set_cookie("sid", "abc")
        return resp

    return app


def fastapi_app():
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    app = FastAPI()

    @app.get("/")
    def index():
        return PlainTextResponse("hello", headers={"X-Test": "1"})

    return app


@pytest.mark.parametrize("make", [flask_app, fastapi_app], ids=["wsgi", "asgi"])
def test_in_process_and_live_give_the_same_response(make):
    app = make()
    inproc = InProcessTarget(app, scope=["localhost"])
    r1 = inproc.request("GET", "/")
    inproc.close()
    serve = serve_asgi if make is fastapi_app else serve_wsgi
    with serve(app) as url:
        live = LiveTarget(url, ["127.0.0.1"])
        r2 = live.request("GET", "/")
        live.close()
    assert (r1.status, r1.body, r1.header("x-test")) == (r2.status, r2.body, r2.header("x-test")) == (200, b"hello", "1")


def test_scope_guard_entries():
    guard = ScopeGuard(["localhost", "127.0.0.1:8080", "*.example.test"])
    assert guard.allows("http://localhost/x") and guard.allows("https://localhost:9/x")
    assert guard.allows("http://127.0.0.1:8080/") and not guard.allows("http://127.0.0.1:8081/")
    assert guard.allows("https://api.example.test/") and not guard.allows("https://example.org/")
    assert not guard.allows("file:///etc/passwd") and not guard.allows("gopher://localhost/")


def test_request_outside_scope_is_refused_before_sending():
    target = InProcessTarget(flask_app(), scope=["localhost"])
    before = target.requests_sent
    with pytest.raises(ScopeError, match="outside target.scope"):
        target.request("GET", "http://other.invalid/")
    assert target.requests_sent == before


def test_off_scope_redirect_is_not_followed():
    with serve_wsgi(flask_app()) as url:
        target = LiveTarget(url, ["127.0.0.1"])
        response = target.request("GET", "/go", params={"to": "http://evil.invalid/steal"})
        target.close()
    assert response.status == 302
    assert response.refused_redirect == "http://evil.invalid/steal"
    assert target.requests_sent == 1


def test_credentials_do_not_follow_a_redirect_to_another_host():
    with serve_wsgi(flask_app()) as url:
        port = url.rsplit(":", 1)[1]
        other = f"http://localhost:{port}/echo-headers"  # in scope, but another host name
        target = LiveTarget(url, ["127.0.0.1", "localhost"])
        response = target.request("GET", "/go", params={"to": other},
                                  headers={"Authorization": "Bearer s3cret-token"}, cookies={"sid": "c00kie"})
        target.close()
    echoed = response.json()
    assert response.status == 200 and len(response.history) == 1
    assert "Authorization" not in echoed and "Cookie" not in echoed


def test_cookies_are_not_persisted_by_the_transport():
    app = flask_app()
    for target in (InProcessTarget(app, scope=["localhost"]),):
        target.request("GET", "/set")
        echoed = target.request("GET", "/echo-headers").json()
        assert "Cookie" not in echoed
    with serve_wsgi(app) as url:
        live = LiveTarget(url, ["127.0.0.1"])
        first = live.request("GET", "/set")
        assert first.all_set_cookies()[0][1].startswith("sid=abc")
        assert "Cookie" not in live.request("GET", "/echo-headers").json()
        live.close()


def _gzip_bomb(conn):
    conn.recv(65536)
    payload = gzip.compress(b"\0" * (50 * 1024 * 1024))  # 50 MB of zeros, ~50 KB on the wire
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Type: text/plain\r\n"
                 + f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode() + payload)


def test_gzip_bomb_is_capped_after_decompression():
    with serve_raw(_gzip_bomb) as url:
        target = LiveTarget(url, ["127.0.0.1"], max_body_bytes=64 * 1024)
        response = target.request("GET", "/")
        target.close()
    assert response.truncated
    assert len(response.body) == 64 * 1024


def test_in_process_body_is_capped_too():
    def big(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return (b"x" * 65536 for _ in range(1000))  # 64 MB if read in full

    target = InProcessTarget(big, scope=["localhost"], max_body_bytes=100_000)
    response = target.request("GET", "/")
    assert response.truncated and len(response.body) == 100_000


def _silent(conn):
    conn.recv(65536)
    time.sleep(5)


def test_a_target_that_never_answers_hits_the_timeout():
    with serve_raw(_silent) as url:
        target = LiveTarget(url, ["127.0.0.1"], timeout=0.5)
        with pytest.raises(TargetError, match="no answer within 0.5s"):
            target.request("GET", "/")
        target.close()


def test_unreachable_target_is_a_clear_error():
    from tests.servers import free_port

    target = LiveTarget(f"http://127.0.0.1:{free_port()}", ["127.0.0.1"], timeout=2)
    with pytest.raises(TargetError, match="cannot connect: Connection refused"):
        target.request("GET", "/")


def test_control_characters_and_ansi_are_neutralised():
    hostile = "ok\x1b[2J\x1b]0;pwned\x07\r\x9b31m"
    assert neutralise(hostile) == "ok\\x1b[2J\\x1b]0;pwned\\x07\\x0d\\x9b31m"
    assert "\x1b" not in Redactor().clean(hostile)


def test_import_app_errors_name_the_problem(tmp_path):
    from pytest_secure.core.errors import AppImportError

    (tmp_path / "badmod.py").write_text("raise RuntimeError('boom')\n")
    (tmp_path / "okmod.py").write_text("x = 1\ndef make():\n    return lambda e, s: []\n")
    with pytest.raises(AppImportError, match="cannot import module 'nosuchmodule'"):
        import_app("nosuchmodule:app", [tmp_path])
    with pytest.raises(AppImportError, match="importing 'badmod' raised RuntimeError: boom"):
        import_app("badmod:app", [tmp_path])
    with pytest.raises(AppImportError, match="has no attribute 'app'"):
        import_app("okmod:app", [tmp_path])
    with pytest.raises(AppImportError, match="is a int, not a WSGI or ASGI application"):
        import_app("okmod:x", [tmp_path])
    assert callable(import_app("okmod:make()", [tmp_path]))
