"""The ``browser:`` section of the baseline as a typed, frozen value."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHECKS = ("csp", "framing", "cookies", "dom_xss", "mixed_content")
DEFAULT_SESSION_COOKIES = ("session*", "*sessionid*", "*_session", "sid", "*.sid", "*auth*")


@dataclass(frozen=True)
class BrowserConfig:
    executable: str | None = None
    checks: tuple[str, ...] = CHECKS
    params: tuple[tuple[str, tuple[str, ...]], ...] = ()  # path -> parameters the page reflects
    frameable: tuple[str, ...] = ()
    session_cookies: tuple[str, ...] = DEFAULT_SESSION_COOKIES
    forms: bool = True
    page_timeout: float = 10.0
    max_pages: int = 20
    screenshots: str = ".secure/browser"

    @classmethod
    def of(cls, section: dict[str, Any]) -> BrowserConfig:
        params = section.get("params") or {}
        return cls(
            executable=section.get("executable"),
            checks=tuple(section.get("checks") or CHECKS),
            params=tuple((path, tuple(names)) for path, names in params.items()),
            frameable=tuple(section.get("frameable") or ()),
            session_cookies=tuple(section.get("session_cookies") or DEFAULT_SESSION_COOKIES),
            forms=bool(section.get("forms", True)),
            page_timeout=float(section.get("page_timeout", 10)),
            max_pages=int(section.get("max_pages", 20)),
            screenshots=str(section.get("screenshots", ".secure/browser")),
        )

    def params_of(self, path: str) -> tuple[str, ...]:
        bare = path.split("?", 1)[0]
        return next((names for where, names in self.params if where in (path, bare)), ())

    def is_session_cookie(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name.lower(), pattern.lower()) for pattern in self.session_cookies)

    def screenshot_dir(self, baseline_path: Path) -> Path:
        folder = Path(self.screenshots)
        return folder if folder.is_absolute() else baseline_path.parent.resolve() / folder
