"""Build :class:`~pytest_secure.core.target.Response` objects for offline rule tests."""

from pytest_secure.core.findings import Request
from pytest_secure.core.target import Response


def resp(headers=(), body=b"", status=200, url="https://example.test/", method="GET", request_headers=None,
         history=()):
    return Response(method=method, url=url, status=status, headers=list(headers), body=body, elapsed=0.0,
                    request=Request(method, url, dict(request_headers or {})), history=list(history))
