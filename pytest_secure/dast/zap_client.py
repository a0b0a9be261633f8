"""The ``zaproxy`` client, bounded in time and with errors a reader can act on.

The client (``zapv2.ZAPv2``) builds every call as a GET of ``http://zap/JSON/...`` sent
*through* ZAP as a proxy, and gives requests no timeout: a ZAP that accepts a connection and
never answers would hang the run for ever. :func:`connect` returns a client whose one
transport method, ``_request_api``, does what the original does (the ``http://zap/`` guard,
the ``X-ZAP-API-Key`` header, status validation) plus a timeout, and turns each way a call can
fail into a :class:`~pytest_secure.core.errors.DastError` naming the cause and the fix.
Everything else, the endpoint methods and their parameter names, is the client's own.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Iterator
from typing import Any

from ..core.errors import ZapApiError, ZapKeyRejected, ZapNoAnswer, ZapUnreachable

_DROPPED = ("RemoteDisconnected", "Remote end closed connection", "Connection aborted", "Connection reset",
            "BadStatusLine", "without response")
_REFUSED = ("Connection refused", "Failed to establish a new connection", "Name or service not known",
            "No route to host", "nodename nor servname", "Temporary failure in name resolution")


def connect(proxy: str, api_key: str | None, timeout: float) -> Any:
    """A client for the ZAP listening at ``proxy`` (``http://host:port``)."""
    from ..core.extras import require

    require("dast", "dast.engine: zap")  # zaproxy is the dast extra: a MissingExtra with the install line
    cls = _client_class()
    return cls(proxies={"http": proxy, "https": proxy}, apikey=api_key, validate_status_code=True,
               timeout=timeout, proxy=proxy)


@functools.cache
def _client_class() -> type:
    import requests
    import zapv2

    class BoundedZAPv2(zapv2.ZAPv2):  # type: ignore[misc]
        def __init__(self, *, proxies: dict[str, str], apikey: str | None, validate_status_code: bool,
                     timeout: float, proxy: str) -> None:
            super().__init__(proxies=proxies, apikey=apikey, validate_status_code=validate_status_code)
            self._secure_proxies = proxies
            self._secure_key = apikey
            self._secure_timeout = timeout
            self._secure_proxy = proxy
            self._secure_setting = "dast.zap.timeout"

        @contextlib.contextmanager
        def budget(self, seconds: float, setting: str) -> Iterator[None]:
            """Calls inside get ``seconds`` each (a slow phase's own timeout, named by ``setting``)."""
            saved = self._secure_timeout, self._secure_setting
            self._secure_timeout, self._secure_setting = seconds, setting
            try:
                yield
            finally:
                self._secure_timeout, self._secure_setting = saved

        def _request_api(self, url: str, query: Any = None, method: str = "GET", body: Any = None) -> Any:
            if not url.startswith("http://zap/"):  # the client's guard: the key goes to ZAP only
                raise ValueError("A non ZAP API url was specified " + url)
            endpoint = _endpoint(url)
            with requests.Session() as session:
                session.trust_env = False  # no proxy or netrc from the environment on the way to ZAP
                if self._secure_key is not None:
                    session.headers["X-ZAP-API-Key"] = self._secure_key
                try:
                    response = session.request(method, url, params=query, data=body, proxies=self._secure_proxies,
                                               verify=False, timeout=(min(10.0, self._secure_timeout),
                                                                      self._secure_timeout))
                except requests.exceptions.Timeout:
                    raise ZapNoAnswer(
                        f"ZAP at {self._secure_proxy} accepted the connection but did not answer {endpoint} within "
                        f"{self._secure_timeout:g}s ({self._secure_setting}); check that ZAP has finished starting "
                        f"and is not overloaded, or raise {self._secure_setting}") from None
                except requests.exceptions.ConnectionError as exc:
                    raise _connection_error(exc, self._secure_proxy, endpoint) from None
            if response.status_code >= 300:
                raise _status_error(response, endpoint, self._secure_proxy)
            return response

        def _request(self, url: str, get: Any = None, method: str = "GET", body: Any = None) -> Any:
            response = self._request_api(url, get, method, body)
            try:
                data = response.json()
            except ValueError:
                raise ZapApiError(_endpoint(url), "not JSON",
                                  f"the server at {self._secure_proxy} answered {response.text[:120]!r}; "
                                  "is dast.zap.proxy really ZAP?") from None
            if not isinstance(data, dict) or not data:
                raise ZapApiError(_endpoint(url), "unexpected answer", f"{str(data)[:120]}")
            return data

    return BoundedZAPv2


def _endpoint(url: str) -> str:
    """``http://zap/JSON/core/view/version/`` -> ``core/view/version``."""
    parts = url[len("http://zap/"):].strip("/").split("/")
    return "/".join(parts[1:]) if len(parts) > 1 else url


def _connection_error(exc: Exception, proxy: str, endpoint: str) -> Exception:
    text = repr(exc)
    if any(marker in text for marker in _REFUSED):
        return ZapUnreachable(
            f"nothing answers at {proxy}, where dast.zap.proxy says ZAP listens (connection refused); start ZAP, "
            f"e.g. `zap.sh -daemon -host 127.0.0.1 -port {proxy.rsplit(':', 1)[-1].strip('/')} -config "
            "api.key=$ZAP_API_KEY`, or fix dast.zap.proxy")
    if any(marker in text for marker in _DROPPED):
        return ZapKeyRejected(
            f"ZAP at {proxy} closed the connection without answering {endpoint}. ZAP does this when the API key is "
            "wrong or missing (or when this machine's address is not allowed by api.addrs): make dast.zap.api_key "
            "(e.g. ${ZAP_API_KEY}) equal to ZAP's -config api.key=..., and allow this address with "
            "-config api.addrs.addr.name=... if ZAP runs elsewhere")
    return ZapUnreachable(f"cannot talk to ZAP at {proxy}: {text[:300]}; check dast.zap.proxy")


def _status_error(response: Any, endpoint: str, proxy: str) -> Exception:
    """ZAP answers errors as 400/500 with ``{"code": ..., "message": ...}``."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("code"), str):
        if data["code"] == "bad_api_key":
            return ZapKeyRejected(
                f"ZAP at {proxy} rejected the API key ({endpoint}: bad_api_key); make dast.zap.api_key equal to "
                "ZAP's -config api.key=...")
        return ZapApiError(endpoint, data["code"], str(data.get("message", "")))
    body = response.text.strip()[:160]
    return ZapApiError(endpoint, f"HTTP {response.status_code}",
                       f"{body or 'empty body'}; if this is not ZAP answering, fix dast.zap.proxy")


def expect_digits(value: Any, endpoint: str) -> str:
    """ZAP's ids, percentages and counts are strings of digits; anything else is an error code."""
    if isinstance(value, str) and value.isdigit():
        return value
    raise ZapApiError(endpoint, str(value)[:80] if isinstance(value, str) else json.dumps(value)[:80],
                      "expected a number as a string")


def expect_ok(value: Any, endpoint: str) -> None:
    if value != "OK":
        raise ZapApiError(endpoint, str(value)[:80], "expected OK")
