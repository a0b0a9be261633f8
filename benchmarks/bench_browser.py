"""What the browser checks cost per page, against a plain ``requests`` fetch of the same page
measured in the same run.

The server is a Flask app with ``--pages`` hardened pages (a strict nonce CSP, framing denied,
an HttpOnly SameSite=Lax session cookie, a GET form, a reflected ``q`` parameter), served by
werkzeug on 127.0.0.1 in its OWN process. Timed, best of ``--rounds``:

* ``requests``: one keep-alive ``requests`` session GETting every page once, timed again beside
  each check (on a shared machine the load moves both);
* each browser check alone (csp, framing, cookies, dom_xss, mixed_content) over every page, and
  all five together: the checks' ``run`` as a pytest item calls it, through the browser area
  (a fresh browser context per item, every page load, the settle time the checks wait for
  injected scripts), with Chromium already started: its start-up is timed on its own.

The pages are hardened, so no finding is made and no screenshot is taken (a failing item adds
one screenshot, timed separately as ``screenshot``). ``mixed_content`` only judges https pages:
on this http server it returns at once, so it is measured on an in-process app called as
``https://localhost`` (served to the browser by the run's loopback bridge).

Run: ``.venv/bin/python benchmarks/bench_browser.py`` (prints per-page times and the ratios).
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHECKS = ("csp", "framing", "cookies", "dom_xss", "mixed_content")


def make_app(pages: int) -> Any:
    import secrets

    from flask import Flask, make_response, request

    app = Flask("bench_browser")

    def page(i: int) -> Any:
        def view() -> Any:
            nonce = secrets.token_urlsafe(12)
            q = request.args.get("q", "")
            resp = make_response(
                f"<!doctype html><title>Page {i}</title><h1>Page {i}: {q}</h1>"
                "<form method=get><input name=q><button>search</button></form>"
                f"<script nonce='{nonce}'>document.title += ' ready';</script>")
            resp.headers["Content-Security-Policy"] = (
                f"script-src 'nonce-{nonce}' 'strict-dynamic'; object-src 'none'; base-uri 'none'; "
                "frame-ancestors 'none'")
            resp.headers["X-Frame-Options"] = "DENY"
            resp.set_cookie("session", "bench-session", httponly=True, samesite="Lax")
            return resp

        view.__name__ = f"page{i}"
        return view

    for i in range(pages):
        app.add_url_rule(f"/page/{i}", view_func=page(i))
    return app


def server_main(port: int, pages: int) -> None:
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    make_server("127.0.0.1", port, make_app(pages), threaded=True).serve_forever()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the benchmark server did not start")


def baseline_file(folder: Path, pages: int, checks: tuple[str, ...]) -> Path:
    path = folder / "security-baseline.yaml"
    listed = ", ".join(f"/page/{i}" for i in range(pages))
    params = ", ".join(f"/page/{i}: [q]" for i in range(pages))
    path.write_text(textwrap.dedent(f"""
        version: 1
        browser:
          paths: [{listed}]
          params: {{{params}}}
          checks: [{", ".join(checks)}]
        """))
    return path


def browser_pass(baseline_path: Path, target: Any, browser: Any = None) -> tuple[float, Any, int]:
    """Seconds to run every browser item once (Chromium already started when ``browser`` is given)."""
    from pytest_secure.areas import RULES
    from pytest_secure.browser.area import BrowserCheck
    from pytest_secure.core.baseline import load_baseline
    from pytest_secure.core.redaction import Redactor
    from pytest_secure.core.session import SecureSession
    from pytest_secure.runner.collect import collect_checks

    baseline = load_baseline(baseline_path, environ={})
    session = SecureSession(baseline, target, Redactor(baseline.secrets), RULES)
    session.start_run(collect_checks(baseline))
    checks = [c for c in session.checks if isinstance(c, BrowserCheck)]
    run = browser if browser is not None else checks[0].browser
    for check in checks:  # every item shares one run: hand them the started one
        check.browser = run
    run.start(session)
    findings = 0
    started = time.perf_counter()
    for check in checks:
        findings += len(check.run(session))
    return time.perf_counter() - started, run, findings


def requests_pass(base: str, pages: int) -> float:
    import requests

    with requests.Session() as http:
        http.trust_env = False
        started = time.perf_counter()
        for i in range(pages):
            http.get(f"{base}/page/{i}", timeout=10).raise_for_status()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from pytest_secure.browser.driver import BrowserUnavailable
    from pytest_secure.core.target import InProcessTarget, LiveTarget

    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(args.pages)])
    try:
        wait_for(port)
        base = f"http://127.0.0.1:{port}"
        requests_pass(base, args.pages)  # warm up
        plain = min(requests_pass(base, args.pages) for _ in range(args.rounds)) / args.pages
        print(f"pages: {args.pages}, rounds: {args.rounds} (best of)")
        print(f"requests GET, per page: {plain * 1000:8.2f} ms")
        with tempfile.TemporaryDirectory() as folder:
            times: dict[str, float] = {}
            started = time.perf_counter()
            try:
                _, shared, _ = browser_pass(baseline_file(Path(folder), 1, ("framing",)), LiveTarget(base, []))
            except BrowserUnavailable as exc:
                print(f"no browser: {exc}")
                return
            launch = time.perf_counter() - started
            shared.close()
            plain_of: dict[str, float] = {}
            for kind in (*CHECKS, "all"):
                chosen = CHECKS if kind == "all" else (kind,)
                path = baseline_file(Path(folder), args.pages, chosen)
                best = float("inf")
                # the plain fetch is timed again beside each check: a shared machine's load moves both
                plain_of[kind] = min(requests_pass(base, args.pages) for _ in range(args.rounds)) / args.pages
                for _ in range(args.rounds):
                    if kind == "mixed_content":  # only https pages: an in-process app called as https
                        target: Any = InProcessTarget(make_app(args.pages), base_url="https://localhost",
                                                      scope=["localhost"])
                    else:
                        target = LiveTarget(base, [])
                    seconds, run, findings = browser_pass(path, target)
                    run.close()
                    target.close()
                    assert findings == 0, f"{kind}: {findings} findings on hardened pages"
                    best = min(best, seconds)
                times[kind] = best / args.pages
            print(f"Chromium start (once per run): {launch * 1000:8.0f} ms")
            for kind, seconds in times.items():
                print(f"browser {kind:<13} per page: {seconds * 1000:8.1f} ms  = {seconds / plain_of[kind]:6.0f} x "
                      f"requests ({plain_of[kind] * 1000:.2f} ms per page, timed beside it)")
            shot = screenshot_cost(Path(folder), base)
            print(f"screenshot (failing items only): {shot * 1000:8.1f} ms")
    finally:
        server.terminate()
        server.wait(10)


def screenshot_cost(folder: Path, base: str) -> float:
    from playwright.sync_api import sync_playwright

    from pytest_secure.browser.driver import LAUNCH_ARGS, find_browser

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_browser(), args=list(LAUNCH_ARGS))
        page = browser.new_page()
        page.goto(f"{base}/page/0")
        page.screenshot(path=str(folder / "warm.png"))
        started = time.perf_counter()
        for i in range(5):
            page.screenshot(path=str(folder / f"shot{i}.png"))
        cost = (time.perf_counter() - started) / 5
        browser.close()
    return cost


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        server_main(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
