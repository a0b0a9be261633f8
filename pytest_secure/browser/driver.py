"""Finding and launching the operating system's Chromium through Playwright.

Browser downloads (``playwright install``) are never used: the browser is the one the
operating system's packages provide. It is looked up in this order: ``browser.executable``
in the baseline, the ``PYTEST_SECURE_CHROMIUM`` environment variable, ``/usr/bin/chromium``,
then ``chromium``, ``chromium-browser`` and ``google-chrome`` on ``PATH``. Without a browser
or without Playwright the browser items skip with the line that installs what is missing.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import socket
import ssl
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import BrowserUnavailable

ENV_VAR = "PYTEST_SECURE_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
INSTALL_BROWSER = "no Chromium found: install it with `apt-get install chromium` (or set browser.executable)"
INSTALL_PLAYWRIGHT = "Playwright is not installed: pip install 'pytest-secure[browser]'"
# Without these, headless Chromium as root refuses to start (--no-sandbox) and reaches out to
# Google's services, which a closed network refuses slowly.
LAUNCH_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync")


def find_browser(configured: str | None = None) -> str:
    """The Chromium executable to use, or :class:`BrowserUnavailable` with the install line."""
    if configured:
        path = shutil.which(configured) or configured
        if not Path(path).is_file():
            raise BrowserUnavailable(f"browser.executable {configured!r} does not exist; {INSTALL_BROWSER}")
        return path
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        if not Path(from_env).is_file():
            raise BrowserUnavailable(f"{ENV_VAR}={from_env!r} does not exist; {INSTALL_BROWSER}")
        return from_env
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailable(INSTALL_BROWSER)


def playwright_available() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class LaunchedBrowser:
    """One Playwright driver and one Chromium for the run; contexts are made per check."""

    playwright: Any
    browser: Any
    ignore_https_errors: bool

    def new_context(self, timeout_ms: float) -> Any:
        context = self.browser.new_context(ignore_https_errors=self.ignore_https_errors, service_workers="block")
        context.set_default_timeout(timeout_ms)
        context.set_default_navigation_timeout(timeout_ms)
        return context

    def close(self) -> None:
        try:
            self.browser.close()
        finally:
            self.playwright.stop()


def launch(executable: str, *, verify: bool | str, https_url: str | None, timeout: float) -> LaunchedBrowser:
    """Start Chromium headless. ``verify`` is the target's: False accepts any certificate; a CA
    file pins the certificate that CA vouches for (checked here by Python, then trusted by its key)."""
    if not playwright_available():
        raise BrowserUnavailable(INSTALL_PLAYWRIGHT)
    from playwright.sync_api import Error, sync_playwright

    args = list(LAUNCH_ARGS)
    if isinstance(verify, str) and https_url:
        args.append("--ignore-certificate-errors-spki-list=" + pinned_key(https_url, verify, timeout))
    driver = sync_playwright().start()
    try:
        browser = driver.chromium.launch(executable_path=executable, args=args, timeout=timeout * 3000)
    except Error as exc:
        driver.stop()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BrowserUnavailable(f"Chromium at {executable} did not start ({first}); {INSTALL_BROWSER}") from None
    return LaunchedBrowser(driver, browser, ignore_https_errors=verify is False)


def pinned_key(https_url: str, ca_file: str, timeout: float) -> str:
    """The base64 SHA-256 of the server certificate's public key, after Python verified the
    certificate against ``ca_file`` and the host name: Chromium then trusts exactly that key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    parts = urllib.parse.urlsplit(https_url)
    host, port = parts.hostname or "", parts.port or 443
    ctx = ssl.create_default_context(cafile=ca_file)
    with socket.create_connection((host, port), timeout=timeout) as raw, \
            ctx.wrap_socket(raw, server_hostname=host) as tls:
        der = tls.getpeercert(binary_form=True)
    if der is None:
        raise ssl.SSLError(f"{host}:{port} sent no certificate")
    spki = x509.load_der_x509_certificate(der).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()
