"""Transports to the system under test, behind one interface.

* :class:`LiveTarget`: a running service over HTTP(S), one keep-alive ``requests`` session
  from :mod:`.transport` (no proxy or netrc from the environment, a watchdog for the wall-clock cap).
* :class:`InProcessTarget`: a WSGI or ASGI app called in this process (through httpx's
  WSGI/ASGI transports, which ignore the environment too), no server and no socket.

Both share what makes the tool safe to point at anything: the scope guard (no request and no
redirect to a host outside ``target.scope``; credentials never cross hosts), timeouts and the
wall-clock cap of three times ``target.timeout`` on each exchange, a cap on the bytes read
from each body *after* decompression, and no cookie persistence (identities keep their own
cookies, so they never bleed into each other).
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json as jsonlib
import sys
import time
import urllib.parse
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AppImportError, AppRaised, ScopeError, TargetError
from .extras import require
from .findings import Request
from .public import hides_internals
from .scope import parse_scope_entry
from .transport import BodyCap, cap_message, capped_session, is_too_slow

if TYPE_CHECKING:
    import asyncio

    import requests

__all__ = ["BodyCap", "InProcessTarget", "LiveTarget", "Response", "ScopeGuard", "Target", "import_app",
           "is_asgi_app"]

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
CREDENTIAL_HEADERS = {"authorization", "cookie", "proxy-authorization"}


class HeaderLookup:
    """Case-insensitive access to a multi-valued ``headers`` list of (name, value) pairs."""

    headers: list[tuple[str, str]]

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]


@dataclass
class Response(HeaderLookup):
    """A response as checks see it: multi-valued headers, a capped body, the redirect chain."""

    method: str
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    elapsed: float
    request: Request
    truncated: bool = False
    history: list[Response] = field(default_factory=list)
    refused_redirect: str | None = None  # Location that was outside the scope, not followed

    def __repr__(self) -> str:
        """No header values and no body: pytest prints this in failing tests' locals, and a
        response carries session cookies and tokens (docs/safety.md)."""
        return f"<Response {self.request!r} -> {self.status}, {len(self.body)} bytes>"

    @property
    def text(self) -> str:
        charset = "utf-8"
        ctype = self.header("content-type")
        if ctype:
            from email.message import Message

            msg = Message()
            msg["content-type"] = ctype
            charset = msg.get_content_charset() or "utf-8"
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return jsonlib.loads(self.body)

    @property
    def path(self) -> str:
        return urllib.parse.urlsplit(self.url).path or "/"

    def all_set_cookies(self) -> list[tuple[str, str]]:
        """(url, Set-Cookie value) for every hop, redirects included."""
        return [(r.url, v) for r in (*self.history, self) for v in r.header_all("set-cookie")]


class ScopeGuard:
    """Decides whether a URL may be requested. Entries: ``host``, ``host:port``, ``*.domain``
    (parsed and matched by :mod:`.scope`, like the ZAP context's include patterns)."""

    def __init__(self, entries: tuple[str, ...] | list[str]) -> None:
        self.entries = tuple(e.lower() for e in entries)
        self.parsed = tuple(parse_scope_entry(e) for e in self.entries)

    def allows(self, url: str) -> bool:
        return any(entry.allows(url) for entry in self.parsed)

    def check(self, url: str) -> None:
        if not self.allows(url):
            host = urllib.parse.urlsplit(url).netloc or url
            raise ScopeError(
                f"refused to send a request to {host}: it is outside target.scope "
                f"({', '.join(self.entries) or 'empty'}); add it to target.scope if it really is yours",
                url=url,
            )


class Target:
    """Common request logic; subclasses provide :meth:`_send`, one hop without redirects."""

    base_url: str

    def __init__(self, base_url: str, scope: tuple[str, ...] | list[str], *, timeout: float = 10.0,
                 max_body_bytes: int = 1_048_576, max_redirects: int = 5,
                 default_headers: dict[str, str] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        host = urllib.parse.urlsplit(self.base_url).netloc
        self.scope = ScopeGuard(scope or (host,))
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
        self.max_redirects = max_redirects
        self.default_headers = dict(default_headers or {})
        self.requests_sent = 0

    # -- public -------------------------------------------------------------------------
    def url(self, path_or_url: str) -> str:
        if "://" in path_or_url:
            return path_or_url
        return self.base_url + ("" if path_or_url.startswith("/") else "/") + path_or_url

    @hides_internals  # a TargetError in a hand-written test shows no frame holding the request's headers
    def request(self, method: str, path_or_url: str, *, headers: dict[str, str] | None = None,
                params: dict[str, Any] | None = None, json: Any = None, data: dict[str, Any] | None = None,
                content: bytes | str | None = None, cookies: dict[str, str] | None = None,
                follow_redirects: bool = True) -> Response:
        """Send one request (following in-scope redirects) and return the final response."""
        url = self.url(path_or_url)
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params, doseq=True)
        all_headers = {**self.default_headers, **(headers or {})}
        if cookies:
            jar = "; ".join(f"{k}={v}" for k, v in cookies.items())
            all_headers["Cookie"] = "; ".join(filter(None, [all_headers.get("Cookie"), jar]))
        body: bytes | None = None
        if json is not None:
            body = jsonlib.dumps(json).encode()
            all_headers.setdefault("Content-Type", "application/json")
        elif data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif content is not None:
            body = content.encode() if isinstance(content, str) else content

        history: list[Response] = []
        origin = urllib.parse.urlsplit(url).netloc
        method = method.upper()
        while True:
            self.scope.check(url)
            response = self._timed_send(method, url, all_headers, body)
            location = response.header("location")
            if not (follow_redirects and response.status in REDIRECT_STATUSES and location):
                break
            next_url = urllib.parse.urljoin(url, location)
            if len(history) >= self.max_redirects or not self.scope.allows(next_url):
                response.refused_redirect = next_url if not self.scope.allows(next_url) else None
                break
            history.append(response)
            if urllib.parse.urlsplit(next_url).netloc != origin:  # never carry credentials across hosts
                all_headers = {k: v for k, v in all_headers.items() if k.lower() not in CREDENTIAL_HEADERS}
            if response.status in (301, 302, 303) and method not in ("GET", "HEAD"):
                method, body = "GET", None
                all_headers = {k: v for k, v in all_headers.items() if k.lower() != "content-type"}
            url = next_url
        response.history = history
        return response

    def close(self) -> None:
        """Release connections (and the event loop of an ASGI target)."""

    # -- internals ----------------------------------------------------------------------
    def _timed_send(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> Response:
        started = time.monotonic()
        self.requests_sent += 1
        status, resp_headers, resp_body, truncated = self._send(method, url, headers, body)
        return Response(
            method=method, url=url, status=status, headers=resp_headers, body=resp_body,
            elapsed=time.monotonic() - started, truncated=truncated,
            request=Request(method, url, dict(headers), body.decode("utf-8", "replace") if body else None),
        )

    def _send(self, method: str, url: str, headers: dict[str, str], body: bytes | None
              ) -> tuple[int, list[tuple[str, str]], bytes, bool]:
        raise NotImplementedError

    def _body_cap(self, deadline: float) -> BodyCap:
        return BodyCap(self.max_body_bytes, deadline, self.timeout * 3)

    def _read_capped(self, chunks: Any, deadline: float) -> tuple[bytes, bool]:
        cap = self._body_cap(deadline)
        for chunk in chunks:
            if cap.feed(chunk):
                break
        return cap.result()


class LiveTarget(Target):
    """A running service reached over the network with one keep-alive ``requests`` session
    (:func:`~pytest_secure.core.transport.capped_session`: no proxy or netrc from the
    environment, the wall-clock cap on each exchange, the body cap)."""

    def __init__(self, base_url: str, scope: tuple[str, ...] | list[str], *, verify: bool | str = True,
                 **kwargs: Any) -> None:
        super().__init__(base_url, scope, **kwargs)
        self.verify = verify
        self._session: requests.Session | None = None
        self._quiet: Any = None

    @property
    def session(self) -> requests.Session:
        """The keep-alive session, made (and requests imported) on the first request: a run
        that sends none, ``--collect-only``, does not pay for them."""
        if self._session is None:
            self._session = capped_session(timeout=self.timeout, max_body_bytes=self.max_body_bytes,
                                           verify=self.verify)
            # verify: false was asked for: urllib3's warning on each request would say it again,
            # hundreds of times; the run says it once in its summary instead (runner/startup.py)
            self._quiet = quiet_insecure_warnings(self.base_url) if self.verify is False else None
        return self._session

    def _send(self, method: str, url: str, headers: dict[str, str], body: bytes | None
              ) -> tuple[int, list[tuple[str, str]], bytes, bool]:
        import requests

        try:
            resp = self.session.request(method, url, headers=headers, data=body, allow_redirects=False,
                                        timeout=(self.timeout, self.timeout))
        except requests.exceptions.Timeout as exc:
            if is_too_slow(exc):
                raise TargetError(f"{method} {url}: {exc}", url=url) from None
            raise TargetError(f"{method} {url}: no answer within {self.timeout:g}s (target.timeout)", url=url) from None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            raise TargetError(f"{method} {url}: reading the response failed: {_reason(exc)}", url=url) from None
        except requests.exceptions.SSLError as exc:
            raise TargetError(f"{method} {url}: TLS handshake failed: {_reason(exc)}", url=url) from None
        except requests.exceptions.ConnectionError as exc:
            raise TargetError(f"{method} {url}: cannot connect: {_reason(exc)}", url=url) from None
        except requests.exceptions.RequestException as exc:
            raise TargetError(f"{method} {url}: request failed: {_reason(exc)}", url=url) from None
        raw_headers = list(resp.raw.headers.items()) if resp.raw is not None else list(resp.headers.items())
        return resp.status_code, raw_headers, resp.content, bool(getattr(resp, "secure_truncated", False))

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
        if self._quiet is not None:
            with contextlib.suppress(ValueError):
                filters: list[Any] = warnings.filters  # type: ignore[assignment]  # typeshed says Sequence
                filters.remove(self._quiet)
            warnings._filters_mutated()  # type: ignore[attr-defined]
            self._quiet = None


def quiet_insecure_warnings(base_url: str) -> Any:
    """Ignore urllib3's InsecureRequestWarning for requests to this target's host only (the
    user's own unverified requests elsewhere still warn); returns the filter, for removal."""
    import re

    from urllib3.exceptions import InsecureRequestWarning

    host = urllib.parse.urlsplit(base_url).hostname or ""
    warnings.filterwarnings("ignore", message=f"Unverified HTTPS request is being made to host '{re.escape(host)}'",
                            category=InsecureRequestWarning)
    return warnings.filters[0]


class InProcessTarget(Target):
    """A WSGI or ASGI application called in this process; no server, no socket."""

    def __init__(self, app: Any, base_url: str = "http://localhost", scope: tuple[str, ...] | list[str] = (),
                 **kwargs: Any) -> None:
        super().__init__(base_url, scope, **kwargs)
        require("app", "an in-process target (target.app, InProcessTarget)")
        import httpx

        self._httpx = httpx
        self.app = app
        self.is_asgi = is_asgi_app(app)
        self._loop: asyncio.AbstractEventLoop | None = None
        if self.is_asgi:
            import asyncio

            self._loop = asyncio.new_event_loop()
            self._aclient = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=self.timeout,
                                              trust_env=False)
        else:
            self._client = httpx.Client(transport=httpx.WSGITransport(app=app), timeout=self.timeout, trust_env=False)

    def _send(self, method: str, url: str, headers: dict[str, str], body: bytes | None
              ) -> tuple[int, list[tuple[str, str]], bytes, bool]:
        request = self._httpx.Request(method, url, headers=headers, content=body)
        deadline = time.monotonic() + self.timeout * 3
        try:
            if self._loop is not None:
                return self._loop.run_until_complete(self._asend_capped(request, deadline))
            resp = self._client.send(request, stream=True)
            try:
                body_bytes, truncated = self._read_capped(resp.iter_bytes(), deadline)
            finally:
                resp.close()
                self._client.cookies.clear()
            return resp.status_code, list(resp.headers.multi_items()), body_bytes, truncated
        except TargetError:
            raise
        except Exception as exc:  # the app raised: that is what a server turns into a 500
            raise AppRaised(
                f"{method} {url}: the application raised {type(exc).__name__}: {exc}. "
                "A server would answer 500; fix the exception or catch it in the app",
                url=url, raised=f"{type(exc).__name__}: {exc}",
            ) from exc

    async def _asend_capped(self, request: Any, deadline: float) -> tuple[int, list[tuple[str, str]], bytes, bool]:
        """:meth:`_asend` within the wall-clock cap, even when the app awaits for ever between chunks."""
        import asyncio

        try:
            return await asyncio.wait_for(self._asend(request, deadline), max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            raise TargetError(f"{request.method} {request.url}: {cap_message(self.timeout * 3)}",
                              url=str(request.url)) from None

    async def _asend(self, request: Any, deadline: float) -> tuple[int, list[tuple[str, str]], bytes, bool]:
        resp = await self._aclient.send(request, stream=True)
        cap = self._body_cap(deadline)
        try:
            async for chunk in resp.aiter_bytes():
                if cap.feed(chunk):
                    break
        finally:
            await resp.aclose()
            self._aclient.cookies.clear()
        return resp.status_code, list(resp.headers.multi_items()), *cap.result()

    def close(self) -> None:
        if self._loop is not None:
            self._loop.run_until_complete(self._aclient.aclose())
            self._loop.close()
        else:
            self._client.close()


def is_asgi_app(app: Any) -> bool:
    """ASGI apps are coroutine functions (or objects whose ``__call__`` is one)."""
    if inspect.iscoroutinefunction(app):
        return True
    call = getattr(app, "__call__", None)  # noqa: B004 - we need the bound method
    return call is not None and inspect.iscoroutinefunction(call)


def import_app(spec: str, search_paths: list[Path]) -> Any:
    """Import ``module:attr`` (or ``module:factory()``), trying ``search_paths`` first."""
    module_name, _, attr = spec.partition(":")
    call = attr.endswith("()")
    attr = attr.removesuffix("()")
    for folder in reversed(search_paths):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise AppImportError(f"cannot import module {module_name!r}: {exc}") from None
    except Exception as exc:
        raise AppImportError(f"importing {module_name!r} raised {type(exc).__name__}: {exc}") from None
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise AppImportError(f"module {module_name!r} has no attribute {attr!r}") from None
    if call:
        obj = obj()
    if not callable(obj):
        raise AppImportError(f"{spec} is a {type(obj).__name__}, not a WSGI or ASGI application")
    return obj


def _reason(exc: BaseException) -> str:
    """The innermost, readable cause of a requests/urllib3 error."""
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "timed out", "certificate verify failed",
                   "hostname mismatch", "Connection reset", "RemoteDisconnected", "Max retries exceeded"):
        if marker in text:
            return marker if marker != "Max retries exceeded" else text.split("(Caused by", 1)[-1].strip(" )")[:200]
    return text[:300]
