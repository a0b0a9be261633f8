"""Content discovery: a small, curated list of well-known sensitive paths, fetched with GET only.

A path is reported only when its answer is a 2xx whose body carries the signature of what the
path names (a ``.env`` file's ``KEY=value`` lines, a Git ``HEAD``, Spring's actuator JSON...)
and the application's answer for a random path does not carry it: a catch-all page or a soft
404 that answers 200 everywhere raises no false alarm. Users add paths of their own
(``leaks.discovery_paths``), which are reported when they answer 2xx with anything other than
the random path's answer. Backups of the pages the baseline lists (``/index.php.bak``,
``/settings.py~``...) are judged the same way.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from ..core.findings import Finding
from ..core.target import Response


@dataclass(frozen=True)
class KnownPath:
    path: str
    rule: str  # leaks/sensitive-file, leaks/exposed-console or leaks/api-description
    what: str
    signature: re.Pattern[bytes]


def _k(path: str, rule: str, what: str, signature: bytes) -> KnownPath:
    return KnownPath(path, rule, what, re.compile(signature, re.IGNORECASE | re.MULTILINE))


FILE, CONSOLE, API = "leaks/sensitive-file", "leaks/exposed-console", "leaks/api-description"
KNOWN_PATHS: tuple[KnownPath, ...] = (
    _k("/.env", FILE, "an environment file", rb"^\s*(?:export\s+)?[A-Z][A-Z0-9_]{2,}\s*=\s*\S"),
    _k("/.git/HEAD", FILE, "the Git repository (HEAD)", rb"\Aref: refs/|\A[0-9a-f]{40}\s*\Z"),
    _k("/.git/config", FILE, "the Git repository (config)", rb"^\[core\]\s*$"),
    _k("/.hg/hgrc", FILE, "the Mercurial repository", rb"^\[paths\]\s*$"),
    _k("/.svn/wc.db", FILE, "the Subversion working copy", rb"\ASQLite format 3"),
    _k("/.DS_Store", FILE, "a macOS folder index", rb"\A\x00\x00\x00\x01Bud1"),
    _k("/.aws/credentials", FILE, "AWS credentials", rb"aws_access_key_id\s*="),
    _k("/config.php.bak", FILE, "a PHP configuration backup", rb"<\?php"),
    _k("/backup.sql", FILE, "a database dump", rb"CREATE TABLE|INSERT INTO"),
    _k("/db.sqlite3", FILE, "a SQLite database", rb"\ASQLite format 3"),
    _k("/backup.zip", FILE, "a backup archive", rb"\APK\x03\x04"),
    _k("/console", CONSOLE, "the Werkzeug interactive console", rb"Werkzeug|__debugger__|Interactive Console"),
    _k("/server-status", CONSOLE, "Apache's server status", rb"Apache Server Status for"),
    _k("/phpinfo.php", CONSOLE, "phpinfo()", rb"<title>(?:phpinfo\(\)|PHP \d)"),
    _k("/actuator/env", CONSOLE, "Spring Boot's actuator (env)", rb'"(?:activeProfiles|propertySources)"'),
    _k("/actuator", CONSOLE, "Spring Boot's actuator", rb'"_links"\s*:\s*\{\s*"self"'),
    _k("/_profiler/", CONSOLE, "Symfony's profiler", rb"Symfony Profiler"),
    _k("/elmah.axd", CONSOLE, "ELMAH's error log", rb"Error Log for"),
    _k("/h2-console/", CONSOLE, "the H2 database console", rb"H2 Console"),
    _k("/__debug__/", CONSOLE, "a debug endpoint", rb"djDebug|Debug Toolbar"),
    _k("/openapi.json", API, "an OpenAPI description", rb'"openapi"\s*:\s*"3'),
    _k("/swagger.json", API, "a Swagger description", rb'"swagger"\s*:\s*"2'),
    _k("/v3/api-docs", API, "an OpenAPI description (springdoc)", rb'"openapi"\s*:\s*"3'),
    _k("/docs", API, "Swagger UI", rb"swagger-ui"),
)
BACKUP_SUFFIXES = (".bak", "~", ".old")
MAX_BACKUP_PAGES = 5  # backups are tried for the first pages only: the request count stays small


@dataclass(frozen=True)
class Discovery:
    api_descriptions: bool = True
    extra: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()

    def plan(self) -> list[tuple[str, KnownPath | None]]:
        """Every (path, what it would be) to fetch, in order, each once."""
        out: list[tuple[str, KnownPath | None]] = []
        seen: set[str] = set()

        def add(path: str, known: KnownPath | None) -> None:
            if path not in seen:
                seen.add(path)
                out.append((path, known))

        for known in KNOWN_PATHS:
            if self.api_descriptions or known.rule != API:
                add(known.path, known)
        for page in self.pages[:MAX_BACKUP_PAGES]:
            name = page.split("?", 1)[0].rstrip("/")
            if name and "." in name.rsplit("/", 1)[-1]:  # only pages that name a file: /index.php, /app.py
                for suffix in BACKUP_SUFFIXES:
                    add(name + suffix, None)
        for path in self.extra:
            add(path, None)
        return out

    def run(self, get: Callable[[str], Response]) -> list[Finding]:
        """Fetch the random path, then each planned path; ``get(path)`` sends one GET."""
        control = get(f"/pytest-secure-{secrets.token_hex(6)}")
        findings = []
        for path, known in self.plan():
            response = get(path)
            finding = judge(path, known, response, control)
            if finding is not None:
                findings.append(finding)
        return findings


def _same_page(a: Response, b: Response) -> bool:
    """The two answers are one page (a catch-all): equal bodies once each's own path is removed."""
    return a.body.replace(a.path.encode(), b"") == b.body.replace(b.path.encode(), b"")


def judge(path: str, known: KnownPath | None, response: Response, control: Response) -> Finding | None:
    if not 200 <= response.status < 300 or not response.body:
        return None
    if 200 <= control.status < 300 and _same_page(response, control):
        return None
    location = f"GET {path}"
    if known is None:  # a backup of a listed page or the user's own path: anything but the soft 404
        return Finding(FILE, f"{path} is served (HTTP {response.status}, {len(response.body)} bytes)", location,
                       evidence=f"HTTP {response.status}; the random path answered HTTP {control.status}",
                       request=response.request, key=path)
    if not known.signature.search(response.body[:65536]) or known.signature.search(control.body[:65536]):
        return None
    return Finding(known.rule, f"{path} serves {known.what}", location,
                   evidence=f"HTTP {response.status}, body matches the signature of {known.what}; the random path "
                   "does not", request=response.request, key=path)
