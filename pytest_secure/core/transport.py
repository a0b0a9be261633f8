"""The ``requests`` session every network request of pytest-secure goes through.

:func:`capped_session` is used by :class:`~pytest_secure.core.target.LiveTarget` and handed to
schemathesis by the fuzz area, so that both keep the same three promises:

* nothing from the environment: ``trust_env`` is off, so ``HTTP(S)_PROXY``/``ALL_PROXY`` and
  ``NETRC``/``~/.netrc`` are never used, and no proxy is ever set (credentials go to the
  target only);
* a wall-clock cap on the whole exchange: a :class:`Watchdog` shuts the socket down when
  connecting, the headers and the body together take longer than the cap (three times
  ``target.timeout``), however slowly the server trickles them. A per-read timeout alone
  never fires against a server that sends one byte per read timeout;
* a cap on the body: at most ``max_body_bytes`` are kept, counted after decompression, read
  in small reads so that the cap and the deadline are checked as the bytes arrive.

No cookie is ever stored in the session (identities keep their own).
"""

from __future__ import annotations

import contextlib
import functools
import io
import socket
import threading
import time
from typing import Any

from .errors import TargetError

READ_SIZE = 65536
_ACTIVE = threading.local()  # the watchdog of the request this thread is sending, if any


class BodyCap:
    """A response body as it arrives, capped: the one place the body limits live.

    At most ``limit`` bytes are kept, counted *after* decompression (the transports hand over
    decoded chunks, so a gzip bomb stops at the cap), and reading must end by ``deadline`` (a
    ``time.monotonic()`` value; ``seconds`` only names it in the error). The readers loop
    ``if cap.feed(chunk): break`` and then take :meth:`result`.
    """

    def __init__(self, limit: int, deadline: float, seconds: float) -> None:
        self.limit = limit
        self.deadline = deadline
        self.seconds = seconds
        self.truncated = False
        self._buf = bytearray()

    def feed(self, chunk: bytes) -> bool:
        """Add ``chunk``; True when the cap is reached and reading should stop. Past the deadline: TargetError."""
        self._buf += chunk
        if len(self._buf) > self.limit:
            del self._buf[self.limit:]
            self.truncated = True
            return True
        if time.monotonic() > self.deadline:
            raise TargetError(cap_message(self.seconds))
        return False

    def result(self) -> tuple[bytes, bool]:
        """The body kept and whether it was cut at the cap."""
        return bytes(self._buf), self.truncated


def cap_message(seconds: float) -> str:
    return (f"the response took longer than {seconds:g}s to arrive (the wall-clock cap, three times "
            "target.timeout); the server is too slow or trickles its answer")


class Watchdog:
    """Shuts down the sockets of one request when it runs past ``seconds``.

    Used as a context manager around one exchange: the connections the request uses (new or
    reused from the pool) attach their sockets while it is active; at the deadline a timer thread
    shuts them down, which ends any blocked read at once.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.fired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._outer: Watchdog | None = None

    def attach(self, sock: Any) -> None:
        if sock is None:
            return
        with self._lock:
            if not self.fired:
                self._sockets.append(sock)
                return
        _shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shutdown(sock)

    def __enter__(self) -> Watchdog:
        self._outer = getattr(_ACTIVE, "watchdog", None)
        _ACTIVE.watchdog = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _ACTIVE.watchdog = self._outer
        with self._lock:
            self._sockets.clear()


def _attach(sock: Any) -> None:
    watchdog = getattr(_ACTIVE, "watchdog", None)
    if watchdog is not None:
        watchdog.attach(sock)


def _shutdown(sock: Any) -> None:
    with contextlib.suppress(OSError, TypeError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def capped_session(*, timeout: float, max_body_bytes: int, verify: bool | str = True) -> Any:
    """A ``requests.Session`` that ignores the environment, caps each exchange at three times
    ``timeout`` and keeps at most ``max_body_bytes`` of each body (see the module docstring).
    Its responses have their body read already (``response.content``) and carry
    ``secure_truncated``."""
    return _classes().session(timeout=timeout, max_body_bytes=max_body_bytes, verify=verify)


def is_too_slow(exc: BaseException) -> bool:
    """True for the error a request that ran past the wall-clock cap ends with."""
    return isinstance(exc, _classes().too_slow)


class _Classes:
    def __init__(self, session: type, too_slow: type) -> None:
        self.session = session
        self.too_slow = too_slow


@functools.cache
def _classes() -> _Classes:  # built on first use: importing pytest-secure does not import requests
    import http.cookiejar

    import requests
    import urllib3.exceptions
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class TooSlow(requests.exceptions.ReadTimeout):
        """The exchange ran past the wall-clock cap (a ``Timeout``, so callers treat it as one)."""

    class Watched:
        def _new_conn(self) -> Any:
            sock = super()._new_conn()  # type: ignore[misc]
            _attach(sock)
            return sock

        def request(self, *args: Any, **kwargs: Any) -> Any:
            _attach(getattr(self, "sock", None))  # a kept-alive connection: the socket exists already
            return super().request(*args, **kwargs)  # type: ignore[misc]

    class WatchedHTTPConnection(Watched, HTTPConnection):
        pass

    class WatchedHTTPSConnection(Watched, HTTPSConnection):
        pass

    class WatchedHTTPPool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

    class WatchedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

    class WatchedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}

        def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
            raise requests.exceptions.InvalidProxyURL(f"pytest-secure never sends through a proxy ({proxy})")

    class CappedSession(requests.Session):
        def __init__(self, *, timeout: float, max_body_bytes: int, verify: bool | str) -> None:
            super().__init__()
            self.trust_env = False  # no proxies and no netrc from the environment
            self.proxies = {}
            self.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
            self.verify = verify
            self.headers.clear()
            self.mount("https://", WatchedAdapter())
            self.mount("http://", WatchedAdapter())
            self.secure_timeout = timeout
            self.secure_max_body_bytes = max_body_bytes

        def send(self, request: Any, **kwargs: Any) -> Any:
            kwargs.update(stream=True, proxies={})
            seconds = self.secure_timeout * 3
            response = None
            with Watchdog(seconds) as watchdog:
                cap = BodyCap(self.secure_max_body_bytes, watchdog.deadline, seconds)
                try:
                    response = super().send(request, **kwargs)
                    body, truncated = b"", True
                    try:
                        body, truncated = _read(response, cap)
                    finally:
                        # read to the end: the connection goes back to the pool (keep-alive); else it is closed
                        response._content_consumed = not truncated  # type: ignore[attr-defined]
                        response.close()
                except (requests.exceptions.RequestException, TargetError) as exc:
                    if not (watchdog.fired or isinstance(exc, TargetError)):
                        raise
                    if response is None or not _is_event_stream(response):
                        raise TooSlow(cap_message(seconds), request=request) from None
                    # an event stream never ends: the cap is where reading it stops, not an error
                    body, truncated = cap.result()[0], True
                if watchdog.fired and not truncated:
                    raise TooSlow(cap_message(seconds), request=request)
            response._content = body
            response._content_consumed = True  # type: ignore[attr-defined]
            if _is_event_stream(response):  # schemathesis reads event streams from .raw: replay what was read
                response.raw = _Replay(response.raw, body)
            response.secure_truncated = truncated  # type: ignore[attr-defined]
            return response

    class _Replay:
        """A read body as ``response.raw`` again (``read1``/``read``), the rest from the original."""

        def __init__(self, raw: Any, body: bytes) -> None:
            self._raw = raw
            self._buffer = io.BytesIO(body)

        def read1(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
            return self._buffer.read1(amt if amt and amt > 0 else -1)

        def read(self, amt: int | None = None, decode_content: bool | None = None, **kwargs: Any) -> bytes:
            return self._buffer.read(amt if amt and amt > 0 else -1)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._raw, name)

    def _is_event_stream(response: Any) -> bool:
        return str(response.headers.get("content-type", "")).split(";")[0].strip().lower() == "text/event-stream"

    def _read(response: Any, cap: BodyCap) -> tuple[bytes, bool]:
        raw = response.raw
        read = getattr(raw, "read1", None) or raw.read
        try:
            while chunk := read(READ_SIZE, decode_content=True):
                if cap.feed(chunk):
                    break
        except urllib3.exceptions.DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(exc) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise requests.exceptions.ChunkedEncodingError(exc) from None
        return cap.result()

    return _Classes(CappedSession, TooSlow)
