"""Masking of secrets and neutralising of hostile text.

Two jobs, both applied to every string that leaves the tool (failure messages, curl
lines, SARIF, JSON, logs):

* :class:`Redactor` masks known secret values (environment interpolations, credentials,
  tokens obtained at login) and anything that looks like a credential by its position:
  Authorization / Cookie / Set-Cookie header values, bearer tokens, token-like JSON fields
  and query parameters.
* :func:`neutralise` makes text taken from a response safe to print: control characters
  and ANSI escape sequences are shown as ``\\xNN`` escapes instead of being interpreted.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Iterable

MASK = "[REDACTED]"

_SENSITIVE_HEADERS = ("authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-zap-api-key")
_OPAQUE_HEADERS = tuple(h for h in _SENSITIVE_HEADERS if h not in ("cookie", "set-cookie"))  # masked whole
_HEADER_LINE = re.compile(
    r"(?im)^(\s*(?:" + "|".join(re.escape(h) for h in _OPAQUE_HEADERS) + r")\s*:\s*)([^\r\n]+)"
)
# -H 'Authorization: ...' in curl lines, and "Authorization": "..." in JSON dumps
_QUOTED_HEADER = re.compile(
    r"(?i)(['\"](?:" + "|".join(re.escape(h) for h in _OPAQUE_HEADERS) + r")['\"]?\s*[:,]\s*['\"]?)([^'\"\r\n]+)"
)
# Cookies: the values are masked, the names and a Set-Cookie's attributes stay readable
# ("Set-Cookie: sid=[REDACTED]; Path=/; HttpOnly", as docs/cookies.md shows evidence)
_SET_COOKIE = re.compile(r"(?i)(\bset-cookie['\"]?\s*[:,]\s*['\"]?)(?:([^=;,'\"\r\n]+)=)?([^;'\"\r\n]*)")
_COOKIE = re.compile(r"(?i)((?<![\w-])cookie['\"]?\s*[:,]\s*['\"]?)([^=;\s'\"]+=[^'\"\r\n]*)")
_OPAQUE_COOKIE = re.compile(r"(?im)^(\s*cookie\s*:\s*)([^=\r\n]+)$")  # a Cookie line without name=value
_COOKIE_PAIR = re.compile(r"([^=;\s]+)=([^;]*)")
# "Bearer x"/"Basic x" anywhere (plain prose such as "token signed" is left alone; a "Token x"
# credential is caught by the header patterns above)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+([A-Za-z0-9._~+/=-]{6,})")
_TOKEN_FIELD = re.compile(
    r"(?i)([\"']?(?:access_token|refresh_token|id_token|token|api_key|apikey|password|passwd|secret|session(?:id)?)[\"']?\s*[:=](?![:=])\s*[\"']?)([^\"'&\s,;}]{3,})"
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
# the start of a value cut off by a shortened text (an evidence snippet ends "...")
_CUT_WORD = re.compile(r"([A-Za-z0-9_~+/:-][A-Za-z0-9._~+/:-]{5,}?)(?=\.\.\.|\u2026)")

# C0 controls except tab and newline, DEL, C1 controls (0x9b is the one-byte CSI).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def neutralise(text: str) -> str:
    """Return ``text`` with control characters (and so ANSI escapes) made visible and inert."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class Redactor:
    """Masks secrets in text. One per test session; thread safe; secrets only ever added."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._cleaned: dict[str, str] = {}  # clean()'s results; a new dict whenever a secret is added
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        """Treat each value as a secret from now on (values shorter than 4 chars are ignored:
        masking ``"a"`` everywhere would destroy the text without protecting anything)."""
        with self._lock:
            new = {s for s in secrets if s and len(s) >= 4} - self._secrets
            if new:
                self._secrets |= new
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(s) for s in ordered))
                self._cleaned = {}

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self._secrets)

    def __call__(self, text: str) -> str:
        return self.redact(text)

    def redact(self, text: str) -> str:
        """Mask every known secret and every credential-shaped value in ``text``."""
        if not text:
            return text
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(MASK, text)
            text = _CUT_WORD.sub(self._mask_cut, text)
        text = _HEADER_LINE.sub(lambda m: m.group(1) + MASK, text)
        text = _SET_COOKIE.sub(_mask_set_cookie, text)
        text = _COOKIE.sub(lambda m: m.group(1) + _COOKIE_PAIR.sub(lambda p: p.group(1) + "=" + MASK, m.group(2)),
                           text)
        text = _OPAQUE_COOKIE.sub(lambda m: m.group(1) + MASK, text)
        text = _QUOTED_HEADER.sub(lambda m: m.group(1) + MASK, text)
        text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
        text = _TOKEN_FIELD.sub(lambda m: m.group(1) + MASK, text)
        text = _JWT.sub(MASK, text)
        return text

    def _mask_cut(self, match: re.Match[str]) -> str:
        """A known secret cut short (``canary-access-0b64...``): its start is a secret too."""
        word = match.group(1)
        return MASK if any(s.startswith(word) for s in self._secrets) else word

    def mask_known(self, text: str) -> str:
        """Mask only the known secret values, then neutralise: for names built from the baseline
        (``GET /password::bob`` names a test, it is not a credential)."""
        pattern = self._pattern
        return neutralise(pattern.sub(MASK, text) if pattern is not None and text else text)

    def clean(self, text: str) -> str:
        """Redact, then neutralise: the form every outgoing string takes.

        Results are remembered (a rule's title and fix, a location, come back on every item) until a
        secret is added: :meth:`add` starts a new memo, and a result computed meanwhile goes into the
        old one, never into the new."""
        cleaned = self._cleaned
        done = cleaned.get(text)
        if done is None:
            done = neutralise(self.redact(text))
            if len(text) <= _MEMO_TEXT and len(cleaned) < _MEMO_ENTRIES:
                cleaned[text] = done
        return done

    def header_value(self, name: str, value: str) -> str:
        """Mask a header value outright when the header carries credentials."""
        return MASK if name.lower() in _SENSITIVE_HEADERS else self.clean(value)


_MEMO_TEXT = 2000  # longer texts (response snippets, tracebacks) are rarely seen twice
_MEMO_ENTRIES = 20_000


def _mask_set_cookie(match: re.Match[str]) -> str:
    name = match.group(2)
    return match.group(1) + (f"{name}={MASK}" if name is not None else MASK)


def install_log_redaction(redactor: Redactor) -> None:
    """Redact every log record of the process when it is created, whoever logs it
    (urllib3 logs request lines, a user's code may log tokens); undone by :func:`remove_log_redaction`."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_secure_redactor", None) is not None:
        previous = previous._secure_previous  # type: ignore[attr-defined]

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        with contextlib.suppress(Exception):  # a broken format string is the caller's problem, not ours
            record.msg, record.args = redactor.clean(record.getMessage()), None
        return record

    factory._secure_redactor = redactor  # type: ignore[attr-defined]
    factory._secure_previous = previous  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def remove_log_redaction() -> None:
    current = logging.getLogRecordFactory()
    previous = getattr(current, "_secure_previous", None)
    if previous is not None:
        logging.setLogRecordFactory(previous)
