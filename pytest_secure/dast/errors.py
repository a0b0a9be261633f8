"""Why a DAST scan could not run. Each message names the cause and the fix.

::

    DastError (SecureError)
    ├── ZapUnreachable      nothing listens at dast.zap.proxy
    ├── ZapKeyRejected      ZAP closed the connection without answering (wrong API key)
    ├── ZapNoAnswer         ZAP accepted the connection but did not answer in time
    ├── ZapApiError         ZAP answered an error code ("url_not_found", ...)
    ├── ZapTargetUnreachable  ZAP itself cannot reach the target
    └── CrawlError          the built-in engine reached no page at all
"""

from __future__ import annotations

from ..errors import SecureError


class DastError(SecureError):
    """The scan could not run; the run stops with a usage error carrying this message."""


class ZapUnreachable(DastError):
    pass


class ZapKeyRejected(DastError):
    pass


class ZapNoAnswer(DastError):
    pass


class ZapApiError(DastError):
    """ZAP answered with an error code instead of a result."""

    def __init__(self, endpoint: str, code: str, message: str = "") -> None:
        self.endpoint, self.code, self.detail = endpoint, code, message
        text = f"ZAP refused {endpoint}: {code}" + (f" ({message})" if message and message != code else "")
        super().__init__(text)


class ZapTargetUnreachable(DastError):
    pass


class CrawlError(DastError):
    pass
