"""Passive-mode overhead: `pytest --secure` on a 1,000-test suite whose every test makes one
request with the Flask test client, with `passive: true` against the same baseline with
`passive: false`.

Runs alternate (passive, off, passive, ...) so that drift hits both equally; the printed
figure is the ratio of the medians, measured in this run. It also prints the cost of judging
one response with the policies built once (what passive mode does) and rebuilt per response
(what it did before issue 17).

    python benchmarks/bench_passive.py [--rounds 7] [--tests 1000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

APP = '''
from flask import Flask, make_response

app = Flask(__name__)

@app.after_request
def headers(response):
    response.headers.update({
        "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})
    return response

@app.get("/item/<int:n>")
def item(n):
    response = make_response(f"<!doctype html><p>item {n}")
    response.set_cookie("session", "s", secure=True, httponly=True, samesite="Lax")
    return response
'''

BASELINE = """
version: 1
extends: recommended
target: {app: "benchapp:app"}
passive: %s
"""


def make_suite(folder: Path, count: int) -> None:
    per_file = 100
    (folder / "benchapp.py").write_text(APP)
    for f in range(count // per_file):
        body = "from benchapp import app\n\nclient = app.test_client()\n\n" + "".join(
            f"def test_{f}_{i}():\n    assert client.get('/item/{f * per_file + i}').status_code == 200\n\n"
            for i in range(per_file))
        (folder / f"test_requests_{f}.py").write_text(body)
    (folder / "passive-on.yaml").write_text(BASELINE % "true")
    (folder / "passive-off.yaml").write_text(BASELINE % "false")
    (folder / "pytest.ini").write_text("[pytest]\n")


def run(folder: Path, baseline: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--secure",
                           f"--secure-baseline={baseline}", "-W", "ignore"], cwd=folder, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(folder)})
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"pytest failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")
    return elapsed


def per_response(folder: Path) -> tuple[float, float]:
    """Seconds to judge one response: policies built once, and rebuilt for every response."""
    sys.path.insert(0, str(folder))
    from benchapp import app  # type: ignore[import-not-found]

    from pytest_secure.core.adapters import to_response
    from pytest_secure.core.baseline.loader import load_baseline
    from pytest_secure.hygiene.passive import ResponseAuditor

    baseline = load_baseline(folder / "passive-on.yaml")
    response = to_response(app.test_client().get("/item/1"))
    auditor = ResponseAuditor.of(baseline)
    n = 2000
    once = timeit.timeit(lambda: auditor.audit(response), number=n) / n
    rebuilt = timeit.timeit(lambda: ResponseAuditor.of(baseline).audit(response), number=n) / n
    return once, rebuilt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--tests", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_suite(folder, args.tests)
        run(folder, "passive-on.yaml")  # warm the file system and bytecode caches
        run(folder, "passive-off.yaml")
        on, off = [], []
        for _ in range(args.rounds):
            on.append(run(folder, "passive-on.yaml"))
            off.append(run(folder, "passive-off.yaml"))
        once, rebuilt = per_response(folder)
    a, b = statistics.median(on), statistics.median(off)
    print(f"tests: {args.tests} (one Flask test-client request each), rounds: {args.rounds} (alternating)")
    print(f"median pytest --secure, passive: true:  {a:.3f} s")
    print(f"median pytest --secure, passive: false: {b:.3f} s")
    print(f"passive overhead ratio: {a / b:.3f} ({(a - b) / args.tests * 1000:.3f} ms per test)")
    print(f"judging one response: {once * 1000:.3f} ms with policies built once, "
          f"{rebuilt * 1000:.3f} ms rebuilt per response")


if __name__ == "__main__":
    main()
