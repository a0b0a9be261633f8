"""The regression store: every failing fuzz example, kept in a file the team commits.

Hypothesis keeps failing examples in its own database, which is a cache: it lives outside the
repository and is cleared freely. A fixed injection must stay fixed, so pytest-secure writes
each failing (shrunk) example to ``.secure/regressions.yaml`` beside the baseline and replays
the stored examples of an operation *before* generating new ones. A stored example that
fails again fails the item at once; one that passes stays in the file as a permanent test.

The file is plain YAML, sorted and stable, so diffs in review are readable::

    # pytest-secure regressions: failing inputs found by fuzzing, replayed first on every run.
    version: 1
    regressions:
    - operation: GET /search
      identity: viewer
      rules: [fuzz/database-error]
      found: '2026-11-12'
      case:
        query: {q: "'"}

Credentials are never stored: identities' headers and cookies are added when a case is sent,
and credential headers found in a case are dropped before it is written.
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..core.errors import SetupError

__all__ = ["CASE_KEYS", "DEFAULT_PATH", "Regression", "RegressionStore"]

DEFAULT_PATH = ".secure/regressions.yaml"
CASE_KEYS = ("path_parameters", "query", "headers", "cookies", "body", "media_type")
_CREDENTIAL_HEADERS = {"authorization", "cookie", "proxy-authorization", "x-api-key"}
_HEADER_COMMENT = ("# pytest-secure regressions: failing inputs found by fuzzing, replayed first on every run.\n"
                   "# Commit this file. An entry that passes stays as a permanent regression test.\n")


@dataclass
class Regression:
    """One stored failing example of one operation."""

    operation: str  # "GET /search"
    case: dict[str, Any]  # the keys of CASE_KEYS that were set
    rules: tuple[str, ...] = ()
    identity: str | None = None
    found: str = field(default_factory=lambda: datetime.date.today().isoformat())

    @property
    def key(self) -> str:
        """Stable identity of the example: operation, identity and the inputs, not the rules."""
        canonical = json.dumps([self.operation, self.identity, _jsonable(self.case)], sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def describe(self) -> str:
        """A short, readable summary of the inputs (for failure messages)."""
        parts = []
        for name in CASE_KEYS:
            if name in self.case and self.case[name] not in (None, {}, ""):
                text = json.dumps(_jsonable(self.case[name]), ensure_ascii=True)
                parts.append(f"{name.replace('_parameters', '')}={text[:160]}")
        return ", ".join(parts) or "(no inputs)"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"operation": self.operation}
        if self.identity:
            data["identity"] = self.identity
        data["rules"] = list(self.rules)
        data["found"] = self.found
        data["case"] = {k: self.case[k] for k in CASE_KEYS if k in self.case}
        return data

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Regression:
        if not isinstance(data, dict) or not isinstance(data.get("operation"), str) \
                or not isinstance(data.get("case", {}), dict):
            raise SetupError(f"{where}: each regression needs `operation: METHOD /path` and a `case:` mapping; "
                             "fix the entry or delete it")
        case = data.get("case") or {}
        unknown = set(case) - set(CASE_KEYS)
        if unknown:
            raise SetupError(f"{where}: unknown case key(s) {', '.join(sorted(unknown))}; "
                             f"expected {', '.join(CASE_KEYS)}")
        return cls(operation=data["operation"], case=dict(case), rules=tuple(data.get("rules") or ()),
                   identity=data.get("identity"), found=str(data.get("found", "")))


def clean_case(case: dict[str, Any]) -> dict[str, Any]:
    """The case without credential headers and without empty parts."""
    out: dict[str, Any] = {}
    for name in CASE_KEYS:
        value = case.get(name)
        if name == "headers" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k.lower() not in _CREDENTIAL_HEADERS}
        if value is None or (isinstance(value, dict) and not value and name != "body"):
            continue
        out[name] = value
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"$bytes": hashlib.sha256(bytes(value)).hexdigest()}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class RegressionStore:
    """Reads and appends to one regressions file; safe for several pytest-xdist workers."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._cache: list[Regression] | None = None

    def load(self) -> list[Regression]:
        """Every stored regression (an absent file is an empty store)."""
        if self._cache is None:
            self._cache = self._read()
        return list(self._cache)

    def for_operation(self, operation: str, identity: str | None = None) -> list[Regression]:
        """Stored regressions of ``operation`` as ``identity`` (entries without identity match any)."""
        return [r for r in self.load()
                if r.operation == operation and (r.identity is None or identity is None or r.identity == identity)]

    def add(self, regressions: list[Regression]) -> list[Regression]:
        """Store new regressions (ones already stored are skipped); returns those written."""
        if not regressions:
            return []
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            current = self._read()
            known = {r.key for r in current}
            new = []
            for regression in regressions:
                if regression.key not in known:
                    known.add(regression.key)
                    new.append(regression)
            if new:
                self._write(current + new)
            self._cache = current + new
        return new

    def _read(self) -> list[Regression]:
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise SetupError(f"{self.path}: cannot read the regressions file: {exc}") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{self.path}:{mark.line + 1}:{mark.column + 1}" if mark else str(self.path)
            raise SetupError(f"{where}: the regressions file is not valid YAML ({getattr(exc, 'problem', exc)}); "
                             "fix it or restore it from version control") from None
        if data is None:
            return []
        if not isinstance(data, dict) or not isinstance(data.get("regressions", []), list):
            raise SetupError(f"{self.path}: expected `version: 1` and a `regressions:` list; "
                             "fix the file or restore it from version control")
        return [Regression.from_dict(entry, f"{self.path}: regressions[{i}]")
                for i, entry in enumerate(data.get("regressions") or [])]

    def _write(self, regressions: list[Regression]) -> None:
        ordered = sorted(regressions, key=lambda r: (r.operation, r.identity or "", r.found, r.key))
        document = {"version": 1, "regressions": [r.to_dict() for r in ordered]}
        text = _HEADER_COMMENT + yaml.safe_dump(document, sort_keys=False, allow_unicode=False, width=120)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".regressions-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        # Lock the folder rather than a lock file, so that no stray file ends up in commits.
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock
