"""Secrets in the application's own logs (``leaks.app_logs``, ``leaks.log_file``).

In process the application logs through Python's ``logging`` in pytest's process. pytest-secure
redacts every log record when it is created (``core.redaction.install_log_redaction``), which
would hide the application's leak from this check; so :class:`LogCapture` wraps the record
factory and keeps each record's message as the application formatted it, before redaction
(bounded: :data:`MAX_RECORDS` records of :data:`MAX_CHARS` characters). The check, which runs
after every other item, searches them for the secrets pytest-secure holds (identities'
passwords, tokens, session cookies: everything the run's redactor knows) and for card numbers
(Luhn-valid). A live target's log file (``leaks.log_file``) is searched the same way. Findings
name the logger, the level and the kind of secret, never its value.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.cards import luhn
from ..core.errors import SetupError
from ..core.findings import Finding

if TYPE_CHECKING:
    from ..core.session import SecureSession

RULE = "leaks/secret-in-app-log"
MAX_RECORDS = 20_000
MAX_CHARS = 4_000
MAX_FILE_BYTES = 16 * 1024 * 1024
MIN_SECRET = 6  # shorter values would match by chance
# request lines logged by the servers and clients the tool itself drives: what the tool sent, not the app's leak
TOOL_LOGGERS = ("pytest_secure", "urllib3", "requests", "httpx", "httpcore", "werkzeug", "uvicorn.access",
                "uvicorn.error", "django.server")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")


def card_numbers(text: str) -> int:
    """How many Luhn-valid card numbers (13 to 19 digits, spaces or dashes allowed) ``text`` holds."""
    count = 0
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if 13 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn(digits):
            count += 1
    return count


@dataclass
class Record:
    logger: str
    level: str
    text: str


@dataclass
class LogCapture:
    """Keeps the raw text of the application's log records while installed."""

    records: deque[Record] = field(default_factory=lambda: deque(maxlen=MAX_RECORDS))
    _inner: Any = None
    _factory: Any = None

    def install(self) -> None:
        if self._factory is not None:
            return
        inner = logging.getLogRecordFactory()
        capture = self

        def factory(name: str, level: int, fn: str, lno: int, msg: object, args: Any, *rest: Any,
                    **kwargs: Any) -> logging.LogRecord:
            if not name.startswith(TOOL_LOGGERS):
                with contextlib.suppress(Exception):  # a broken format string is the app's problem, not ours
                    text = str(msg) % args if args else str(msg)
                    capture.records.append(Record(name, logging.getLevelName(level), text[:MAX_CHARS]))
            return inner(name, level, fn, lno, msg, args, *rest, **kwargs)

        # core.redaction.remove_log_redaction restores what the redaction wrapped, past this one too
        factory._secure_previous = getattr(inner, "_secure_previous", inner)  # type: ignore[attr-defined]
        self._inner, self._factory = inner, factory
        logging.setLogRecordFactory(factory)

    def uninstall(self) -> None:
        if self._factory is not None and logging.getLogRecordFactory() is self._factory:
            logging.setLogRecordFactory(self._inner)
        self._factory = self._inner = None


def scan(records: Iterable[Record], secrets: Iterable[str], where: str) -> list[Finding]:
    """One finding per (logger, kind): a held secret or card numbers in a record's text."""
    wanted = sorted({s for s in secrets if s and len(s) >= MIN_SECRET}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(s) for s in wanted)) if wanted else None
    counts: dict[tuple[str, str, str], int] = {}
    for record in records:
        if pattern is not None and pattern.search(record.text):
            key = (record.logger, record.level, "a credential pytest-secure holds (password, token or cookie)")
            counts[key] = counts.get(key, 0) + 1
        cards = card_numbers(record.text)
        if cards:
            key = (record.logger, record.level, "a card number")
            counts[key] = counts.get(key, 0) + cards
    return [Finding(RULE, f"{where}: logger {logger!r} ({level}) wrote {kind}", where,
                    evidence=f"{count} occurrence(s) in logger {logger!r} at {level}; the value is not shown",
                    key=f"{logger}:{kind}")
            for (logger, level, kind), count in sorted(counts.items())]


def file_records(path: Path) -> list[Record]:
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - MAX_FILE_BYTES))
            data = handle.read()
    except OSError as exc:
        raise SetupError(f"leaks.log_file {path}: cannot read it ({exc.strerror}); point it at the "
                         "application's log file, readable by this process") from None
    return [Record(path.name, "file", line[:MAX_CHARS]) for line in data.decode("utf-8", "replace").splitlines()]


_SECRET_KEY = re.compile(r"pass|secret|token|bearer|api.?key|otp|pin\b|credential|authorization",
                         re.IGNORECASE)


def identity_secrets(identities: Any) -> set[str]:
    """The secrets written in the baseline's identities: passwords and tokens of login bodies,
    bearer and basic credentials, credential headers and cookies (runtime tokens and cookies
    come from the run's redactor)."""
    found: set[str] = set()

    def walk(value: Any, key: str = "", secret: bool = False) -> None:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name), f.name, secret or bool(_SECRET_KEY.search(f.name)))
        elif isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, str(k), secret or bool(_SECRET_KEY.search(str(k))) or key == "cookies")
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                walk(v, key, secret or (key == "basic" and i == 1))
        elif isinstance(value, str) and secret:
            found.add(value)

    for config in identities.values():
        walk(config)
    return found


@dataclass
class AppLogCheck:
    """The ``run`` of ``leaks[app-logs]``: scans what :attr:`capture` kept and the log file."""

    capture: LogCapture | None
    log_file: Path | None

    def __call__(self, session: SecureSession) -> list[Finding]:
        secrets = set(session.redactor.secrets) | identity_secrets(session.baseline.identities)
        findings: list[Finding] = []
        if self.capture is not None:
            findings += scan(list(self.capture.records), secrets, "application log (in process)")
        if self.log_file is not None:
            findings += scan(file_records(self.log_file), secrets, f"log file {self.log_file.name}")
        return findings


class AppLogPlugin:
    """Starts the capture before any item runs and runs ``leaks[app-logs]`` last."""

    def __init__(self, checks: Callable[[], Iterable[Any]]) -> None:
        self.checks = checks
        self.captures: list[LogCapture] = []

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        for check in self.checks():
            if isinstance(check.run, AppLogCheck) and check.run.capture is not None:
                check.run.capture.install()
                self.captures.append(check.run.capture)
        last = [i for i in items if isinstance(getattr(getattr(i, "check", None), "run", None), AppLogCheck)]
        if last:
            items[:] = [i for i in items if i not in last] + last

    def pytest_unconfigure(self) -> None:
        for capture in self.captures:
            capture.uninstall()
