"""The wall-clock cap (three times target.timeout) holds against a server that trickles.

A per-read timeout never fires against a server that sends one byte every 0.2 s: each read
returns in time. The cap must end the exchange anyway, for the live transport (headers or
body trickled), for the fuzz area's transport (schemathesis with pytest-secure's session) and
for an in-process ASGI app that never finishes. Each call runs in a thread that must end
within a hard bound (10 s; the cap here is 1.5 s), or the test fails.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest

from pytest_secure.core.errors import TargetError
from pytest_secure.core.target import InProcessTarget, LiveTarget
from tests.servers import serve_raw

BOUND = 10.0  # seconds the call may take at most, or the test fails (the cap is 1.5 s)
TIMEOUT = 0.5


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return
        data += chunk


def _trickle(conn: socket.socket, head: bytes, byte: bytes, stop_after: float = 60) -> None:
    """Send ``head`` at once, then ``byte`` every 0.2 s until the client goes (or 60 s pass)."""
    _read_request(conn)
    conn.sendall(head)
    ends = time.monotonic() + stop_after
    while time.monotonic() < ends:
        time.sleep(0.2)
        conn.sendall(byte)


def trickled_body(conn: socket.socket) -> None:
    _trickle(conn, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n", b"x")


def trickled_chunked_body(conn: socket.socket) -> None:
    _trickle(conn, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
             b"1\r\nx\r\n")


def trickled_headers(conn: socket.socket) -> None:
    _trickle(conn, b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a")


def bounded(call: Any) -> BaseException | Any:
    """Run ``call`` in a thread; its result or exception. Fails the test past BOUND seconds."""
    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(BOUND)
    if thread.is_alive():
        pytest.fail(f"the request was still running after {BOUND:g}s: the wall-clock cap did not hold")
    return outcome[0]


@pytest.mark.parametrize("server", [trickled_body, trickled_chunked_body, trickled_headers])
def test_live_target_ends_a_trickle_at_the_cap(server):
    with serve_raw(server) as url:
        target = LiveTarget(url, ["127.0.0.1"], timeout=TIMEOUT)
        try:
            outcome = bounded(lambda: target.request("GET", "/"))
        finally:
            target.close()
    assert isinstance(outcome, TargetError), outcome
    assert "took longer than 1.5s to arrive" in str(outcome) and "three times target.timeout" in str(outcome)


def test_the_cap_leaves_a_prompt_answer_alone():
    def prompt(conn: socket.socket) -> None:
        _read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")

    with serve_raw(prompt) as url:
        target = LiveTarget(url, ["127.0.0.1"], timeout=TIMEOUT)
        try:
            response = bounded(lambda: [target.request("GET", "/") for _ in range(3)])
        finally:
            target.close()
    assert [(r.status, r.body) for r in response] == [(200, b"hello")] * 3


def test_the_fuzz_transport_ends_a_trickle_at_the_cap():
    """schemathesis sends through pytest-secure's session: the slow answer is a slow-response
    problem naming the cap, and the call ends."""
    import schemathesis

    from pytest_secure.fuzz.engine import FuzzSettings, OperationFuzzer, SendOptions

    document = {"openapi": "3.0.3", "info": {"title": "slow", "version": "1"},
                "paths": {"/slow": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    with serve_raw(trickled_body) as url:
        schema = schemathesis.openapi.from_dict(document)
        schema.config.update(base_url=url)
        fuzzer = OperationFuzzer(schema, "GET /slow", FuzzSettings(max_examples=1, families=()))
        send = SendOptions(base_url=url, timeout=TIMEOUT)
        observed = bounded(lambda: fuzzer._send(fuzzer.operation.Case(), send))
        send.session.close()
    assert not isinstance(observed, BaseException), observed
    assert [rule for rule, _, _ in observed.problems] == ["fuzz/slow-response"]
    assert "took longer than 1.5s to arrive" in observed.problems[0][2]


async def never_ending_asgi(scope, receive, send):
    import asyncio

    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    while True:
        await asyncio.sleep(0.2)
        await send({"type": "http.response.body", "body": b"x", "more_body": True})


async def silent_asgi(scope, receive, send):
    import asyncio

    await send({"type": "http.response.start", "status": 200, "headers": []})
    await asyncio.sleep(3600)


@pytest.mark.parametrize("app", [never_ending_asgi, silent_asgi])
def test_in_process_asgi_app_ends_at_the_cap(app):
    target = InProcessTarget(app, scope=["localhost"], timeout=TIMEOUT)
    try:
        outcome = bounded(lambda: target.request("GET", "/"))
    finally:
        target.close()
    assert isinstance(outcome, TargetError), outcome
    assert "took longer than 1.5s to arrive" in str(outcome)


def endless_event_stream(conn: socket.socket) -> None:
    _trickle(conn, b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
             b"9\r\ndata: x\n\n\r\n")


def test_an_event_stream_is_read_up_to_the_cap_not_failed():
    """An event stream never ends: the cap is where reading stops (the body is kept, marked
    truncated), for the live target and for schemathesis, which reads streams itself."""
    import schemathesis

    from pytest_secure.fuzz.engine import SendOptions

    document = {"openapi": "3.0.3", "info": {"title": "sse", "version": "1"}, "paths": {"/events": {"get": {
        "responses": {"200": {"description": "ok", "content": {"text/event-stream": {"schema": {"type": "string"}}}}}}}}}
    with serve_raw(endless_event_stream) as url:
        target = LiveTarget(url, ["127.0.0.1"], timeout=TIMEOUT)
        try:
            response = bounded(lambda: target.request("GET", "/events"))
        finally:
            target.close()
        schema = schemathesis.openapi.from_dict(document)
        send = SendOptions(base_url=url, timeout=TIMEOUT)
        answer = bounded(lambda: schema["/events"]["GET"].Case().call(**send.call_kwargs(asgi=False)))
        send.session.close()
    assert not isinstance(response, BaseException), response
    assert response.status == 200 and response.truncated and response.body.startswith(b"data: x\n\n")
    assert not isinstance(answer, BaseException), answer
    assert answer.status_code == 200 and answer.content.startswith(b"data: x\n\n")


def test_the_watchdog_keeps_connections_alive():
    """A body read to its end returns the connection to the pool: five requests, one connection."""
    accepted: list[int] = []

    def keep_alive(conn: socket.socket) -> None:
        accepted.append(1)
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                data = conn.recv(4096)
                if not data:
                    return
                buffer += data
            buffer = buffer.partition(b"\r\n\r\n")[2]
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    with serve_raw(keep_alive) as url:
        target = LiveTarget(url, ["127.0.0.1"], timeout=TIMEOUT)
        try:
            bodies = bounded(lambda: [target.request("GET", "/").body for _ in range(5)])
        finally:
            target.close()
    assert bodies == [b"ok"] * 5
    assert len(accepted) == 1
