"""Auditing 100 paths of a live loopback server: pytest-secure vs drHEADer's bulk scan.

Both audit the same 100 URLs of one werkzeug server on 127.0.0.1 with the same rules
(drHEADer's defaults; pytest-secure runs them converted by ``convert_drheader``), in the
same run. Two pairs are timed, best of ``--rounds``:

* CLI vs CLI: ``pytest --secure`` on a baseline naming the 100 paths, against
  ``drheader scan bulk -ff txt urls.txt`` (both as subprocesses, start-up included);
* API vs API: pytest-secure's checks run by a SecureSession (no pytest), against the loop
  that drHEADer's bulk command runs (``Drheader(url=...).analyze()`` per URL).

Run from the repository root (it imports ``tests.servers``):
``.venv/bin/python -m benchmarks.bench_headers`` (prints the ratios; < 1 means faster).
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

BIN = Path(sys.executable).parent
PATHS = [f"/page/{i}" for i in range(100)]


def app(environ, start_response):
    i = int(environ["PATH_INFO"].rsplit("/", 1)[-1] or 0)
    headers = [("Content-Type", "text/html"), ("X-Content-Type-Options", "nosniff"),
               ("Content-Security-Policy", "default-src 'self'" + ("; script-src 'unsafe-inline'" if i % 3 else "")),
               ("Set-Cookie", f"session=v{i}; Path=/" + ("; Secure; HttpOnly" if i % 2 else ""))]
    start_response("200 OK", headers)
    return [b"<!doctype html><p>page"]


def timed(fn, rounds):
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request would dominate

    from drheader import Drheader
    from drheader.utils import default_rules

    from pytest_secure.areas import RULES
    from pytest_secure.core.baseline import load_baseline
    from pytest_secure.core.redaction import Redactor
    from pytest_secure.core.session import SecureSession
    from pytest_secure.core.target import LiveTarget
    from pytest_secure.hygiene.convert_drheader import convert
    from pytest_secure.runner.collect import collect_checks
    from tests.servers import serve_wsgi

    doc, _ = convert(default_rules())
    with tempfile.TemporaryDirectory() as folder, serve_wsgi(app) as url:
        work = Path(folder)
        urls = [url + p for p in PATHS]
        (work / "urls.txt").write_text("\n".join(urls) + "\n")
        doc["target"] = {"base_url": url, "scope": ["127.0.0.1"]}
        doc["headers"]["paths"] = PATHS
        doc["cookies"]["paths"] = PATHS
        (work / "security-baseline.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
        (work / "pytest.ini").write_text("[pytest]\n")
        baseline = load_baseline(work / "security-baseline.yaml", environ={})
        checks_per_run = len(collect_checks(baseline))

        # Both CLIs as users run them: bytecode caches allowed (pytest caches its assertion
        # rewriting there; without it every start re-compiles each plugin module).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

        def ours_cli():
            subprocess.run([str(BIN / "pytest"), "--secure", "-q", "-p", "no:cacheprovider"],
                           cwd=work, capture_output=True, check=False, timeout=600, env=env)

        def drheader_cli():
            subprocess.run([str(BIN / "drheader"), "scan", "bulk", "-ff", "txt", "urls.txt", "-o", "json"],
                           cwd=work, capture_output=True, check=False, timeout=600, env=env)

        def ours_api():
            target = LiveTarget(url, ["127.0.0.1"])
            session = SecureSession(baseline, target, Redactor(), RULES)
            session.start_run(collect_checks(baseline))
            try:
                for check in session.checks:
                    session.run_check(check)
            finally:
                session.close()

        def drheader_api():
            rules = default_rules()
            for u in urls:
                Drheader(url=u).analyze(rules=rules)

        cli_ours, cli_drh = timed(ours_cli, args.rounds), timed(drheader_cli, args.rounds)
        api_ours, api_drh = timed(ours_api, args.rounds), timed(drheader_api, args.rounds)

    print(f"100 URLs on a loopback werkzeug server, drHEADer default rules; {checks_per_run} pytest-secure items; "
          f"best of {args.rounds}")
    print(f"CLI  pytest --secure       {cli_ours:7.3f} s | drheader scan bulk  {cli_drh:7.3f} s | "
          f"ratio ours/drHEADer = {cli_ours / cli_drh:.2f}")
    print(f"API  SecureSession checks  {api_ours:7.3f} s | Drheader(url).analyze {api_drh:7.3f} s | "
          f"ratio ours/drHEADer = {api_ours / api_drh:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
