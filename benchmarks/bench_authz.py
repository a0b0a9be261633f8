"""A 400-cell authz matrix (100 requests x 4 identities) against a live loopback server, vs a
bare ``requests`` loop sending the same 400 requests, in the same run; then the same matrix
under pytest-xdist ``-n 2``, whose per-cell results must equal the single-process run's.

The server is a Flask app with 100 routes and role checks (five of them planted wrong, so
the results hold failures too), served by werkzeug on 127.0.0.1 in its OWN process, so that
neither client shares an interpreter (or a GIL) with it. Timed, best of ``--rounds``:

* run phase: the matrix from the first cell to the last (pytest's run loop, measured by a
  tiny plugin), against the bare loop run in this process with one keep-alive session; once
  with the default ``authz.concurrency`` (2: read-only cells sent a window ahead of their
  items) and once with ``concurrency: 1`` (every request sent by its own item);
* end to end: the whole ``pytest --secure`` process (start-up, collection, login, reports)
  against a ``python -c`` process that imports requests and sends the 400 requests.

Run: ``.venv/bin/python benchmarks/bench_authz.py`` (prints the ratios; the issue's target is
a run-phase ratio within 1.5).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUTES = 100
IDENTITIES = {"viewer": "tok-viewer-0123456789", "analyst": "tok-analyst-0123456789", "admin": "tok-admin-0123456789"}
RANK = {"anonymous": 0, "viewer": 1, "analyst": 2, "admin": 3}
PLANTED = {7, 23, 42, 61, 88}  # routes whose role check is missing: any logged-in user passes


def needed(i: int) -> str:
    return ("viewer", "analyst", "admin")[i % 3]


def server_main(port: int) -> None:
    import logging

    from flask import Flask, abort, request
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log on the benchmark's output

    app = Flask("bench")
    users = {token: name for name, token in IDENTITIES.items()}

    def view(i: int):  # type: ignore[no-untyped-def]
        def handler() -> str:
            user = users.get(request.headers.get("Authorization", "")[7:])
            if user is None:
                abort(401)
            if RANK[user] < RANK[needed(i)] and i not in PLANTED:
                abort(403)
            return f'{{"route": {i}, "user": "{user}"}}'

        return handler

    for i in range(ROUTES):
        app.add_url_rule(f"/r/{i}", f"r{i}", view(i))
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("the benchmark server did not start")


def baseline(url: str, concurrency: int | None = None) -> str:
    """The 400-cell baseline; ``concurrency`` None keeps the default."""
    lines = ["version: 1", f"target: {{base_url: '{url}'}}", "identities:"]
    lines += [f"  {name}: {{bearer: {token}}}" for name, token in IDENTITIES.items()]
    lines += ["authz:"] + ([f"  concurrency: {concurrency}"] if concurrency is not None else []) + ["  rules:"]
    allowed = {"viewer": "[viewer, analyst, admin]", "analyst": "[analyst, admin]", "admin": "[admin]"}
    lines += [f"    - {{request: GET /r/{i}, allow: {allowed[needed(i)]}}}" for i in range(ROUTES)]
    return "\n".join(lines) + "\n"


TIMER_PLUGIN = textwrap.dedent("""
    import json, os, time
    import pytest

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(session):
        started = time.perf_counter()
        try:
            return (yield)
        finally:
            with open(os.environ["BENCH_TIMER_OUT"], "w") as out:
                json.dump({"run_phase": time.perf_counter() - started}, out)
""")


def bare_requests(url: str) -> list[tuple[str, dict[str, str]]]:
    """The 400 requests: every route as every identity (anonymous without credentials)."""
    sent = []
    for i in range(ROUTES):
        for name in ("anonymous", *IDENTITIES):
            headers = {"Authorization": f"Bearer {IDENTITIES[name]}"} if name in IDENTITIES else {}
            sent.append((f"{url}/r/{i}", headers))
    return sent


def bare_loop(url: str) -> float:
    import requests

    session = requests.Session()
    session.trust_env = False
    started = time.perf_counter()
    statuses = [session.get(u, headers=h, timeout=10, allow_redirects=False).status_code
                for u, h in bare_requests(url)]
    elapsed = time.perf_counter() - started
    session.close()
    assert len(statuses) == 400
    return elapsed


BARE_SCRIPT = textwrap.dedent("""
    import sys, requests
    url = sys.argv[1]
    tokens = {tokens!r}
    s = requests.Session(); s.trust_env = False
    for i in range({routes}):
        for name in ("anonymous", *tokens):
            h = {{"Authorization": "Bearer " + tokens[name]}} if name in tokens else {{}}
            s.get(f"{{url}}/r/{{i}}", headers=h, timeout=10, allow_redirects=False)
""").format(tokens=IDENTITIES, routes=ROUTES)


def run_pytest(folder: Path, *extra: str) -> tuple[float, float, dict[str, str], int]:
    """(run phase, whole process, {cell: outcome}, exit code) of one pytest --secure run."""
    report, timer = folder / "report.json", folder / "timer.json"
    env = {**os.environ, "BENCH_TIMER_OUT": str(timer), "PYTHONPATH": str(folder)}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "--secure", "-q", "-p", "no:cacheprovider",
                           "-p", "bench_timer", f"--secure-json={report}", *extra],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    whole = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise RuntimeError(proc.stdout[-3000:] + proc.stderr[-3000:])
    records = json.loads(report.read_text())["checks"]
    outcomes = {r["check"]: r["outcome"] for r in records if r["area"] == "authz"}
    return json.loads(timer.read_text())["run_phase"], whole, outcomes, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    try:
        wait_for(port)
        url = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "security-baseline.yaml").write_text(baseline(url))
            (folder / "sequential.yaml").write_text(baseline(url, concurrency=1))
            (folder / "bench_timer.py").write_text(TIMER_PLUGIN)
            bare_loop(url)  # warm up the server's routes and the connection path
            bare = min(bare_loop(url) for _ in range(args.rounds))
            bare_proc = float("inf")
            for _ in range(args.rounds):
                started = time.perf_counter()
                subprocess.run([sys.executable, "-c", BARE_SCRIPT, url], check=True, timeout=300)
                bare_proc = min(bare_proc, time.perf_counter() - started)
            runs = [run_pytest(folder) for _ in range(args.rounds)]
            phase = min(r[0] for r in runs)
            whole = min(r[1] for r in runs)
            single = runs[0][2]
            sequential = [run_pytest(folder, "--secure-baseline=sequential.yaml") for _ in range(args.rounds)]
            seq_phase = min(r[0] for r in sequential)
            parallel = [run_pytest(folder, "-n", "2") for _ in range(args.rounds)]
            same = all(p[2] == single for p in parallel) and all(r[2] == single for r in sequential)
        failed = sorted(name for name, outcome in single.items() if outcome != "passed")
        print(f"cells: {len(single)} (100 requests x 4 identities), failing cells: {len(failed)} "
              f"(planted routes {sorted(PLANTED)})")
        print(f"bare requests loop, 400 requests, in process:   {bare:.3f} s")
        print(f"pytest --secure matrix, run phase:              {phase:.3f} s   ratio {phase / bare:.2f}")
        print(f"  the same with authz.concurrency: 1:           {seq_phase:.3f} s   ratio {seq_phase / bare:.2f}")
        print(f"bare loop as a python process (start-up incl.): {bare_proc:.3f} s")
        print(f"pytest --secure, whole process:                 {whole:.3f} s   ratio {whole / bare_proc:.2f}")
        print(f"pytest --secure -n 2, whole process:            {min(p[1] for p in parallel):.3f} s")
        print(f"-n 2 results equal to the single-process run:   {same} "
              f"({len(parallel)} runs, {len(parallel[0][2])} cells each)")
        if not same or len(single) != 400:
            raise SystemExit("the -n 2 results differ from the single-process results")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        server_main(int(sys.argv[2]))
    else:
        main()
