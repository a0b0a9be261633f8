"""Issue 16's table, every row a ratio measured in this run: what a user waits for around the
work itself (start-up, imports, xdist workers).

Environments (benchmarks/venvs.py): ``bare`` has pytest + pytest-xdist, ``core`` the same plus
``pip install pytest-secure`` from this tree. Servers run on 127.0.0.1 in their own process.

1. install overhead: 1000 trivial tests, ``core`` vs ``bare`` (and vs ``-p no:secure``), medians
   of alternating runs (benchmarks/bench_idle.py has the same with the ``[all]`` environment);
2. start-up: ``pytest --secure --collect-only`` on a headers baseline of one path (``core``) vs
   ``pytest --collect-only`` in ``bare``;
3. header audit of 100 loopback URLs, whole command: ``pytest --secure`` (``core``) vs
   ``drheader scan bulk`` (drHEADer from the interpreter running this, the test extra);
4. 400-cell authz matrix, whole process (``core``) vs a process that imports requests and sends
   the same 400 requests in a loop;
5. the same matrix on a server whose handler sleeps 5 ms: ``-n 2`` vs ``-n 0`` (speed-up);
6. pytest's own floor for rows 3 and 5, in ``bare``: 1,600 empty tests against drHEADer, and 400
   tests that each sleep 5 ms with ``-n 2`` against ``-n 0`` (what no plugin can go below).

Rows 2-5 are the best of ``--rounds``. Run from the repository root with the project's
environment (it has drHEADer and Flask); ``--source DIR`` installs another checkout instead of
this tree (``git worktree add DIR <commit>``: the figures before a change):

    .venv/bin/python benchmarks/bench_table.py [--rounds 5] [--venvs DIR] [--source DIR]
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_authz  # noqa: E402
import bench_headers  # noqa: E402
import bench_idle  # noqa: E402
import venvs  # noqa: E402

BIN = Path(sys.executable).parent


def authz_app(delay: float):  # type: ignore[no-untyped-def]
    """bench_authz's 100 routes with role checks (five planted wrong) as plain WSGI; each answer
    after ``delay`` seconds (an I/O-bound handler)."""
    users = {token: name for name, token in bench_authz.IDENTITIES.items()}

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        if delay:
            time.sleep(delay)
        head, _, tail = environ.get("PATH_INFO", "").rpartition("/")
        if head != "/r" or not tail.isdigit() or int(tail) >= bench_authz.ROUTES:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        i = int(tail)
        user = users.get(environ.get("HTTP_AUTHORIZATION", "")[7:])
        if user is None:
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"log in"]
        if bench_authz.RANK[user] < bench_authz.RANK[bench_authz.needed(i)] and i not in bench_authz.PLANTED:
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"forbidden"]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"route": i, "user": user}).encode()]

    return app


def serve(port: int, delay: float, kind: str) -> None:
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = authz_app(delay) if kind == "authz" else bench_headers.app
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


class Server:
    """A loopback server in its own process (no GIL shared with the clients)."""

    def __init__(self, kind: str, delay: float = 0.0) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, str(self.port), str(delay)])
        bench_authz.wait_for(self.port)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def timed(cmd: list[str], cwd: Path, rounds: int, ok: tuple[int, ...] = (0, 1)) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900, env=venvs.user_env())
        best = min(best, time.perf_counter() - started)
        if proc.returncode not in ok:
            raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return best


def pytest_cmd(env: venvs.Venv, *args: str) -> list[str]:
    return [env.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]


def row(label: str, ours: float, theirs: float, goal: str, *, speedup: bool = False) -> None:
    ratio = theirs / ours if speedup else ours / theirs
    print(f"{label:58s} {ours:7.3f} s vs {theirs:7.3f} s = {ratio:5.2f}x   (goal {goal})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--idle-rounds", type=int, default=11)
    parser.add_argument("--venvs", type=Path, default=None, help="keep the environments here (default: a temp dir)")
    parser.add_argument("--source", type=Path, default=venvs.ROOT,
                        help="the pytest-secure tree to install (default: this one; another checkout gives a 'before')")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        envs = venvs.build(args.venvs or Path(tmp) / "venvs", ("bare", "core"), args.source)
        bare, core = envs["bare"], envs["core"]
        work = Path(tmp) / "work"
        work.mkdir()
        idle = bench_idle.measure(envs, 1000, args.idle_rounds)

        with Server("headers") as server:
            one = work / "startup"
            one.mkdir()
            (one / "security-baseline.yaml").write_text(
                f"version: 1\ntarget: {{base_url: '{server.url}'}}\n"
                "headers:\n  paths: [/page/1]\n  rules:\n    X-Content-Type-Options: {required: true, value: nosniff}\n")
            (one / "pytest.ini").write_text("[pytest]\n")
            timed(pytest_cmd(core, "--secure", "--collect-only"), one, 1)  # bytecode caches
            startup = timed(pytest_cmd(core, "--secure", "--collect-only"), one, args.rounds)
            startup_bare = timed(pytest_cmd(bare, "--collect-only"), one, args.rounds, ok=(0, 5))

            audit = work / "headers"
            audit.mkdir()
            from drheader.utils import default_rules

            from pytest_secure.hygiene.convert_drheader import convert

            doc, _ = convert(default_rules())
            doc["target"] = {"base_url": server.url, "scope": ["127.0.0.1"]}
            doc["headers"]["paths"] = doc["cookies"]["paths"] = bench_headers.PATHS
            import yaml

            (audit / "security-baseline.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
            (audit / "pytest.ini").write_text("[pytest]\n")
            (audit / "urls.txt").write_text("".join(f"{server.url}{p}\n" for p in bench_headers.PATHS))
            timed(pytest_cmd(core, "--secure"), audit, 1)
            headers_ours = timed(pytest_cmd(core, "--secure"), audit, args.rounds)
            headers_drh = timed([str(BIN / "drheader"), "scan", "bulk", "-ff", "txt", "urls.txt", "-o", "json"],
                                audit, args.rounds, ok=(0, 1, 70))

        matrix = work / "authz"
        matrix.mkdir()
        (matrix / "pytest.ini").write_text("[pytest]\n")
        with Server("authz") as server:
            (matrix / "security-baseline.yaml").write_text(bench_authz.baseline(server.url))
            timed(pytest_cmd(core, "--secure"), matrix, 1)
            authz_ours = timed(pytest_cmd(core, "--secure"), matrix, args.rounds)
            authz_loop = timed([core.python, "-c", bench_authz.BARE_SCRIPT, server.url], matrix, args.rounds)
        with Server("authz", delay=0.005) as server:
            (matrix / "security-baseline.yaml").write_text(bench_authz.baseline(server.url))
            serial = timed(pytest_cmd(core, "--secure", "-n", "0"), matrix, args.rounds)
            parallel = timed(pytest_cmd(core, "--secure", "-n", "2"), matrix, args.rounds)
            parallel_file = timed(pytest_cmd(core, "--secure", "-n", "2", "--dist", "loadfile"), matrix, args.rounds)

        # What pytest itself costs for the same shapes, in the environment without pytest-secure:
        # 1,600 empty tests (the audit's items), and 400 tests that each wait 5 ms (the matrix's cells)
        floor = work / "floor"
        floor.mkdir()
        (floor / "pytest.ini").write_text("[pytest]\n")
        (floor / "test_items.py").write_text(
            "import time\nimport pytest\n\n@pytest.mark.parametrize('i', range(1600))\ndef test_item(i):\n    pass\n\n"
            "@pytest.mark.parametrize('i', range(400))\ndef test_cell(i):\n    time.sleep(0.005)\n")
        items_floor = timed(pytest_cmd(bare, "test_items.py::test_item"), floor, args.rounds)
        cells_serial = timed(pytest_cmd(bare, "test_items.py::test_cell", "-n", "0"), floor, args.rounds)
        cells_parallel = timed(pytest_cmd(bare, "test_items.py::test_cell", "-n", "2"), floor, args.rounds)

    print(f"pytest {bare.path.name}: {' '.join(venvs.plugins(bare))}; {core.path.name}: {' '.join(venvs.plugins(core))}")
    row("install overhead: 1000 trivial tests, with vs without", idle["core"][0], idle["bare"][0], "<= 1.03x")
    row("  the same in CPU time", idle["core"][1], idle["bare"][1], "<= 1.03x")
    row("  same, against -p no:secure", idle["core"][0], idle["core -p no:secure"][0], "<= 1.03x")
    row("  the same in CPU time", idle["core"][1], idle["core -p no:secure"][1], "<= 1.03x")
    row("start-up: --secure --collect-only (1 path) vs bare pytest", startup, startup_bare, "<= 0.3 s above")
    print(f"{'':58s} {startup - startup_bare:+7.3f} s above bare pytest")
    row("header audit, 100 URLs: pytest --secure vs drheader bulk", headers_ours, headers_drh, "<= 1.5x, then 1.0x")
    row("  pytest's floor: 1600 empty tests (bare) vs drheader bulk", items_floor, headers_drh, "none: pytest itself")
    row("authz 400 cells, whole process vs bare requests loop", authz_ours, authz_loop, "<= 1.5x")
    row("authz 400 cells, 5 ms handler: -n 2 vs -n 0 (speed-up)", parallel, serial, ">= 1.7x", speedup=True)
    row("  the same, -n 2 --dist loadfile (one worker prefetches)", parallel_file, serial, ">= 1.7x", speedup=True)
    row("  pytest's floor: 400 tests of 5 ms (bare), -n 2 vs -n 0", cells_parallel, cells_serial, "none: pytest itself",
        speedup=True)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(int(sys.argv[3]), float(sys.argv[4]), sys.argv[2])
    else:
        main()
