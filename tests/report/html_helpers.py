"""Helpers of the HTML report tests: the planted project every test reads, and headless Chromium."""

import datetime
import itertools
import os
import struct
import sys
import textwrap
import zlib
from pathlib import Path

import pytest

from tests.authz.helpers import notes_authz, notes_baseline

_counter = itertools.count()
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
INSTALL = "apt-get install chromium; pip install 'pytest-secure[browser]'"

APP = "from tests.authz.apps.flask_notes import create_app\napp = create_app({'note_owner'})\n"

# a conftest check that reports a browser-style finding whose evidence names a screenshot it took
SCREENSHOT_CONFTEST = """
    from pytest_secure import Check, Finding, Rule

    FRAMED = Rule("custom/framed", "The page renders inside a cross-origin frame", "medium", 1021,
                  "Send Content-Security-Policy: frame-ancestors 'none'.")

    def pytest_secure_collect_checks(baseline):
        def run(session):
            r = session.fetch("GET", "/login")
            return [Finding("custom/framed", "GET /login rendered inside a frame from another origin", "GET /login",
                            evidence="framed by http://evil.localhost\\nscreenshot: shots/framed.png",
                            request=r.request)]
        return [Check("custom", "GET /login::framing", ("custom/framed",), run, path="/login", defines=(FRAMED,))]
    """


def png(width: int = 24, height: int = 16, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real PNG file of one colour (what a browser screenshot is, in small)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def full_project(pytester) -> None:
    """The notes service with a planted ownership bug, no CSP on /login, a grade below A, two
    waivers (one used and expiring in 10 days, one no longer needed), and a check whose finding
    carries a screenshot."""
    soon = datetime.date.today() + datetime.timedelta(days=10)
    later = datetime.date.today() + datetime.timedelta(days=200)
    authz = notes_authz(sessions=False, revocation=False, sequences=False, coverage="off")
    extra = textwrap.dedent(f"""
        headers:
          paths: [/login, /legacy/admin]
          rules:
            Content-Security-Policy: {{}}
            X-Content-Type-Options: {{}}
        grade: {{min: A, path: /login}}
        waivers:
          - {{rule: headers/x-content-type-options-missing, where: /legacy/*, reason: old admin ui, owner: web,
              ticket: SEC-9, expires: {soon}}}
          - {{rule: headers/csp-missing, where: /legacy/*, reason: fixed since, owner: web, expires: {later}}}
        """)
    pytester.makefile(".yaml", **{"security-baseline": notes_baseline(f"app: {app_module(pytester)}", authz) + extra})
    (pytester.path / "shots").mkdir()
    (pytester.path / "shots" / "framed.png").write_bytes(png())
    pytester.makeconftest(textwrap.dedent(SCREENSHOT_CONFTEST))


def app_module(pytester) -> str:
    """The planted notes app as a module of the project, named uniquely (pytester runs in-process)."""
    name = f"htmlnotes{next(_counter)}"
    pytester.makepyfile(**{name: APP})
    return f"{name}:app"


def markup_project(pytester) -> None:
    """A check whose rule, message, location, key and evidence are markup (and an item name with a tag)."""
    pytester.makefile(".yaml", **{"security-baseline": "version: 1\ntarget: {app: 'markupapp:app'}\n"})
    pytester.makepyfile(markupapp="""
        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/html")])
            return [b"<p>hi</p>"]
        """)
    pytester.makeconftest(textwrap.dedent("""
        from pytest_secure import Check, Finding, Rule

        RULE = Rule("custom/markup", "<b>title</b> & co", "high", 79, "fix <i>it</i>", "about \\"quotes\\"")

        def pytest_secure_collect_checks(baseline):
            def run(session):
                return [Finding("custom/markup", '<img src=x onerror="window.pwned=1">', "GET /?q=<script>",
                                evidence="</pre><script>window.pwned=2</script>", key='"><svg onload=alert(1)>')]
            return [Check("custom", "GET /<x>", ("custom/markup",), run, path="/", defines=(RULE,))]
        """))


def many_findings_project(root: Path, paths: int = 250) -> list[str]:
    """An app answering every path without security headers and a baseline asking for four on
    ``paths`` pages: 4 x ``paths`` findings. Returns the pytest arguments (run in ``root``)."""
    (root / "bareapp.py").write_text(textwrap.dedent("""
        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/html")])
            return [b"<p>bare</p>"]
        """))
    pages = ", ".join(f"/page/{i}" for i in range(paths))
    (root / "security-baseline.yaml").write_text(textwrap.dedent(f"""
        version: 1
        target: {{app: "bareapp:app"}}
        headers:
          paths: [{pages}]
          rules:
            Content-Security-Policy: {{}}
            X-Frame-Options: {{}}
            X-Content-Type-Options: {{}}
            Referrer-Policy: {{}}
        gates: {{fail_on: high}}
        """))
    return ["--secure", "-p", "no:cacheprovider", "-q", "--secure-html=big.html", "--secure-json=big.json"]


def pytest_html_data(path: Path) -> tuple[dict, str]:
    """The test data pytest-html writes into its page (the JSON its script renders), and the page."""
    import html
    import json
    import re

    text = path.read_text(encoding="utf-8")
    return json.loads(html.unescape(re.search(r'data-jsonblob="([^"]*)"', text).group(1))), text


def chromium():
    """Playwright's sync API and the system Chromium; skips without them (fails under CI)."""
    missing = []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing.append("playwright")
        sync_playwright = None
    if not CHROMIUM.exists():
        missing.append(str(CHROMIUM))
    if missing:
        reason = f"{' and '.join(missing)} not installed ({INSTALL})"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return sync_playwright


class _Folder:
    """What :func:`full_project` uses of pytester, on a plain folder (for the docs' screenshots)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def makefile(self, ext: str, **files: str) -> None:
        for name, text in files.items():
            (self.path / f"{name}{ext}").write_text(textwrap.dedent(text))

    def makepyfile(self, **files: str) -> None:
        self.makefile(".py", **files)

    def makeconftest(self, text: str) -> None:
        self.makefile(".py", conftest=text)


def _screenshot(page: Path, out: Path, width: int, height: int | None) -> None:
    with chromium()() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": width, "height": height or 800})
        tab.goto(page.as_uri(), wait_until="load")
        tab.screenshot(path=str(out), full_page=height is None)
        browser.close()


def docs_screenshots(folder: Path, width: int = 1100) -> None:
    """The docs' pictures, from real runs: ``report.png`` (the README's: the example's report,
    ``pytest --secure --secure-html``) and ``report-findings.png`` (docs/reports.md: the planted
    project of these tests, top of the page). ``python -m tests.report.html_helpers docs/img``."""
    import subprocess
    import tempfile

    from tests.paths import ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp, "report.html")
        subprocess.run([sys.executable, "-m", "pytest", "--secure", "-p", "no:cacheprovider", "-q",
                        f"--secure-html={page}"], cwd=ROOT / "examples" / "reporting_service", env=env,
                       check=True, capture_output=True, timeout=600)
        _screenshot(page, folder / "report.png", width, None)
    with tempfile.TemporaryDirectory() as tmp:
        full_project(_Folder(Path(tmp)))
        proc = subprocess.run([sys.executable, "-m", "pytest", "--secure", "-p", "no:cacheprovider", "-q",
                               "--secure-html=report.html"], cwd=tmp, env={**env, "PYTHONPATH": str(ROOT)},
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 1:
            raise RuntimeError(proc.stdout[-2000:] + proc.stderr[-2000:])
        _screenshot(Path(tmp, "report.html"), folder / "report-findings.png", width, 1500)


if __name__ == "__main__":
    docs_screenshots(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/img"))
