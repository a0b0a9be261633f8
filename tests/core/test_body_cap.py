"""core.target.BodyCap: the one body limit (bytes after decompression, time), for sync and async reads."""

import asyncio
import time

import pytest

from pytest_secure.core.errors import TargetError
from pytest_secure.core.target import BodyCap, InProcessTarget


def test_cap_keeps_exactly_the_limit_and_says_stop():
    cap = BodyCap(10, time.monotonic() + 60, 30)
    assert cap.feed(b"1234") is False
    assert cap.feed(b"567") is False
    assert cap.feed(b"89abcdef") is True
    assert cap.result() == (b"123456789a", True)


def test_body_at_the_limit_is_not_truncated():
    cap = BodyCap(4, time.monotonic() + 60, 30)
    assert cap.feed(b"ab") is False and cap.feed(b"cd") is False
    assert cap.result() == (b"abcd", False)


def test_past_the_deadline_is_an_error():
    cap = BodyCap(1000, time.monotonic() - 1, 1.5)
    with pytest.raises(TargetError, match="took longer than 1.5s to arrive"):
        cap.feed(b"x")


def _wsgi_big(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return (bytes([65 + i % 26]) * 4096 for i in range(100))  # 400 KB if read in full


async def _asgi_big(scope, receive, send):
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    for i in range(100):
        await send({"type": "http.response.body", "body": bytes([65 + i % 26]) * 4096, "more_body": i < 99})


@pytest.mark.parametrize("limit", [1, 4096, 10_000, 409_600, 500_000])
def test_sync_and_async_paths_cap_alike(limit):
    bodies = []
    for app in (_wsgi_big, _asgi_big):
        target = InProcessTarget(app, scope=["localhost"], max_body_bytes=limit)
        response = target.request("GET", "/")
        target.close()
        bodies.append((response.body, response.truncated))
    full = b"".join(bytes([65 + i % 26]) * 4096 for i in range(100))
    assert bodies[0] == bodies[1] == (full[:limit], limit < len(full))


def test_the_async_reader_uses_the_shared_cap(monkeypatch):
    seen = []
    real_feed = BodyCap.feed

    def spy(self, chunk):
        seen.append(len(chunk))
        return real_feed(self, chunk)

    monkeypatch.setattr(BodyCap, "feed", spy)
    target = InProcessTarget(_asgi_big, scope=["localhost"], max_body_bytes=8192)
    assert isinstance(target._loop, asyncio.AbstractEventLoop)
    response = target.request("GET", "/")
    target.close()
    assert response.truncated and len(response.body) == 8192 and sum(seen) >= 8192
