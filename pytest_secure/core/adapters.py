"""Turn the response objects of common HTTP clients into :class:`~pytest_secure.core.target.Response`.

Supported: ``requests``, ``httpx`` (and so Starlette's/FastAPI's ``TestClient``), the
Flask/werkzeug test client and Django's test client. Detection goes by attributes and module
names, so no framework is imported here.
"""

from __future__ import annotations

from typing import Any

from .findings import Request
from .public import hides_internals
from .target import Response

MAX_BODY = 1_048_576


@hides_internals
def to_response(obj: Any) -> Response:
    """Convert ``obj`` (a response of a supported client, or a Response) into a Response."""
    if isinstance(obj, Response):
        return obj
    module = type(obj).__module__.split(".", 1)[0]
    if hasattr(obj, "wsgi_request") or module == "django":
        return _from_django(obj)
    if module == "requests":
        return _from_requests(obj)
    if module == "httpx" or (hasattr(obj, "headers") and hasattr(obj.headers, "multi_items")):
        return _from_httpx(obj)
    if module in ("werkzeug", "flask") or hasattr(obj, "get_data"):
        return _from_werkzeug(obj)
    raise TypeError(f"cannot audit a {type(obj).__module__}.{type(obj).__name__}: pass a response of requests, "
                    "httpx (or Starlette's TestClient), the Flask/werkzeug test client or Django's test client")


def _from_requests(r: Any) -> Response:
    raw = getattr(r, "raw", None)
    raw_headers = getattr(raw, "headers", None)
    headers = list(raw_headers.items()) if raw_headers is not None and hasattr(raw_headers, "getlist") \
        else list(r.headers.items())
    req = r.request
    return Response(
        method=(req.method or "GET").upper(), url=r.url, status=r.status_code, headers=headers,
        body=(r.content or b"")[:MAX_BODY], elapsed=r.elapsed.total_seconds() if r.elapsed else 0.0,
        request=Request((req.method or "GET").upper(), req.url or r.url, dict(req.headers)),
        history=[_from_requests(h) for h in r.history],
    )


def _from_httpx(r: Any) -> Response:
    req = r.request
    try:
        body = r.content
    except Exception:  # a streamed response that was never read: judge the headers alone
        body = b""
    return Response(
        method=req.method.upper(), url=str(req.url), status=r.status_code, headers=list(r.headers.multi_items()),
        body=body[:MAX_BODY], elapsed=0.0, request=Request(req.method.upper(), str(req.url), dict(req.headers)),
        history=[_from_httpx(h) for h in getattr(r, "history", [])],
    )


def _from_werkzeug(r: Any) -> Response:
    req = getattr(r, "request", None)
    method = (req.method if req is not None else "GET").upper()
    url = req.url if req is not None else "http://localhost/"
    try:
        body = r.get_data() if not getattr(r, "is_streamed", False) else b""
    except RuntimeError:  # direct_passthrough file responses
        body = b""
    return Response(
        method=method, url=url, status=r.status_code, headers=list(r.headers.items()), body=body[:MAX_BODY],
        elapsed=0.0, request=Request(method, url, dict(req.headers) if req is not None else {}),
        history=[_from_werkzeug(h) for h in getattr(r, "history", ())],
    )


def _from_django(r: Any) -> Response:
    req = getattr(r, "wsgi_request", None) or getattr(r, "asgi_request", None)
    method = (req.method if req is not None else "GET").upper()
    url = req.build_absolute_uri() if req is not None else "http://testserver/"
    headers = list(r.items())
    # Django keeps cookies apart from the headers until its handler serialises them
    headers += [("Set-Cookie", morsel.output(header="").strip()) for morsel in r.cookies.values()]
    body = b"" if getattr(r, "streaming", False) else bytes(r.content)
    return Response(
        method=method, url=url, status=r.status_code, headers=headers, body=body[:MAX_BODY], elapsed=0.0,
        request=Request(method, url, dict(req.headers) if req is not None else {}),
    )
