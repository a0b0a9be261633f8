"""Idle overhead: `pytest` on 1000 trivial tests with pytest-secure installed (no --secure)
against the same run with the plugin disabled (`-p no:secure`).

Runs alternate (plugin, no plugin, plugin, ...) so that drift hits both equally; the
printed figure is the ratio of the medians. Target: at most 1.03.

    python benchmarks/bench_idle.py [--rounds 15] [--tests 1000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_suite(folder: Path, count: int) -> None:
    per_file = 100
    for f in range(count // per_file):
        body = "".join(f"def test_{f}_{i}():\n    assert {i} == {i}\n\n" for i in range(per_file))
        (folder / f"test_trivial_{f}.py").write_text(body)
    (folder / "pytest.ini").write_text("[pytest]\n")


def run(folder: Path, extra: list[str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
                          cwd=folder, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"pytest failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--tests", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_suite(folder, args.tests)
        run(folder, [])  # warm the file system and bytecode caches
        run(folder, ["-p", "no:secure"])
        with_plugin, without = [], []
        for _ in range(args.rounds):
            with_plugin.append(run(folder, []))
            without.append(run(folder, ["-p", "no:secure"]))
    a, b = statistics.median(with_plugin), statistics.median(without)
    print(f"tests: {args.tests}, rounds: {args.rounds} (alternating)")
    print(f"median with pytest-secure (no --secure): {a:.3f} s")
    print(f"median with -p no:secure:                {b:.3f} s")
    print(f"idle overhead ratio: {a / b:.3f} (target <= 1.03)")


if __name__ == "__main__":
    main()
