"""One browser per run: started on the first browser item, closed when the run ends.

:class:`BrowserRun` owns Chromium, the loopback servers (the in-process bridge and the
attacker origin) and hands each check a fresh :class:`Visit`: its own browser context (no
cookie is shared between checks), the marker and violation log in every frame, and the scope
guard on every request the page makes.
"""

from __future__ import annotations

import contextlib
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import BrowserUnavailable
from ..core.target import InProcessTarget, LiveTarget
from .config import BrowserConfig
from .driver import LaunchedBrowser, find_browser, launch
from .serve import LoopbackServer, attacker_app, bridge_app

if TYPE_CHECKING:
    from ..core.session import SecureSession

# Runs in every frame before the page's own scripts (Playwright injects it outside the page's
# CSP): the marker an injected payload calls, and the page's CSP violation events.
INIT_SCRIPT = """
(() => {
  const log = [];
  Object.defineProperty(window, '__secureLog', {value: log});
  window.__secureMark = (tag) => { log.push('ran ' + String(tag)); };
  document.addEventListener('securitypolicyviolation', (e) => {
    log.push('violation ' + e.effectiveDirective + ' ' + (e.blockedURI || 'inline'));
  });
})();
"""


@dataclass
class BrowserRun:
    """What every browser check of one run shares. Nothing starts until :meth:`start`."""

    config: BrowserConfig
    launched: LaunchedBrowser | None = None
    bridge: LoopbackServer | None = None
    attacker: LoopbackServer | None = None
    bridge_target: InProcessTarget | None = None
    base_url: str = ""  # where the browser reaches the target
    attacker_origin: str = ""
    unavailable: str | None = None
    pages: tuple[str, ...] = ()
    screenshots: list[Path] = field(default_factory=list)

    def start(self, session: SecureSession) -> None:
        if self.unavailable is not None:
            raise BrowserUnavailable(self.unavailable)
        if self.launched is not None:
            return
        try:
            self._start(session)
        except BrowserUnavailable as exc:
            self.unavailable = str(exc)
            self.close()
            raise

    def _start(self, session: SecureSession) -> None:
        executable = find_browser(self.config.executable)
        target = session.target
        if isinstance(target, InProcessTarget):
            self.bridge_target = InProcessTarget(target.app, base_url=target.base_url, scope=target.scope.entries,
                                                 timeout=target.timeout, max_body_bytes=target.max_body_bytes)
            bridged = self.bridge_target
            self.bridge = LoopbackServer(lambda origin: bridge_app(bridged, origin))
            self.base_url = self.bridge.origin
        else:
            self.base_url = target.base_url
        host = urllib.parse.urlsplit(self.base_url).hostname or ""
        self.attacker = LoopbackServer(lambda _: attacker_app(self._page_url),
                                       host="127.0.0.1" if host == "localhost" else "localhost")
        self.attacker_origin = self.attacker.origin
        verify = target.verify if isinstance(target, LiveTarget) else True
        https = self.base_url if self.base_url.startswith("https://") else None
        self.launched = launch(executable, verify=verify, https_url=https, timeout=self.config.page_timeout)

    def _page_url(self, url: str) -> str | None:
        """``url`` if it is on the target (the attacker pages only ever point at it)."""
        return url if url.startswith(self.base_url + "/") or url == self.base_url else None

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def visit(self, session: SecureSession) -> Visit:
        self.start(session)
        assert self.launched is not None
        context = self.launched.new_context(self.config.page_timeout * 1000)
        visit = Visit(self, context, session)
        context.add_init_script(INIT_SCRIPT)
        context.route("**/*", visit.guard)
        return visit

    def close(self) -> None:
        for part in (self.launched, self.bridge, self.attacker, self.bridge_target):
            if part is not None:
                with contextlib.suppress(Exception):  # closing at the end of the run: nothing left to tell
                    part.close()
        self.launched = self.bridge = self.attacker = self.bridge_target = None


@dataclass
class Visit:
    """One check's browser context: pages opened in it share its cookies, and nothing else does."""

    run: BrowserRun
    context: Any
    session: SecureSession
    refused: list[str] = field(default_factory=list)  # requests the scope guard stopped

    def guard(self, route: Any) -> None:
        """Only the run's own origins, and for a live target its scope: an in-process app's host
        (``target.base_url``) is virtual, so a request to it would reach whatever answers there."""
        url = route.request.url
        in_scope = self.run.bridge is None and self.session.target.scope.allows(url)
        if url.startswith((self.run.base_url, self.run.attacker_origin)) or in_scope:
            route.continue_()
        else:
            if len(self.refused) < 20:
                self.refused.append(url)
            route.abort("blockedbyclient")

    def new_page(self) -> Any:
        return self.context.new_page()

    def goto(self, page: Any, url: str) -> Any:
        """Open ``url`` and wait for its load event (bounded by browser.page_timeout)."""
        return page.goto(url, wait_until="load")

    def settle(self, page: Any, ms: int = 300) -> None:
        """Give scripts that the page just received a moment to run (bounded)."""
        page.wait_for_timeout(ms)

    def log(self, page: Any) -> list[str]:
        """The marker and violation log of every frame of ``page``."""
        entries: list[str] = []
        for frame in page.frames[:20]:
            try:
                entries += frame.evaluate("() => Array.from(window.__secureLog || [])")
            except Exception:  # noqa: BLE001 - a frame that navigated away or errored has no log to read
                continue
        return entries

    def screenshot(self, page: Any, name: str) -> str:
        folder = self.run.config.screenshot_dir(self.session.baseline.path)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")[:120] + ".png")
        try:
            page.screenshot(path=str(path), timeout=self.run.config.page_timeout * 1000)
        except Exception as exc:  # noqa: BLE001 - evidence is a bonus: its failure must not hide the finding
            return f"(no screenshot: {type(exc).__name__})"
        self.run.screenshots.append(path)
        return str(path)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the context may already be gone with a crashed page
            self.context.close()
