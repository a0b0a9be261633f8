"""Install overhead: `pytest` on 1000 trivial tests (no --secure) in a virtual environment with
pytest-secure installed, against the same run in one WITHOUT it (benchmarks/venvs.py).

Three rows, measured in the same run:

* ``core`` (``pip install pytest-secure``) against ``bare`` (pytest only): what installing the
  plugin costs every `pytest` run of the project. Target: at most 1.03.
* ``core`` against itself with ``-p no:secure``: what our own plugin costs (the figure this
  benchmark printed before issue 16; blind to what the plugin's dependencies register).
* ``all`` (``pip install 'pytest-secure[all]'``: schemathesis, Hypothesis, zaproxy, what every
  install brought before the extras) against ``bare``: the cost before issue 16, and what a
  project that fuzzes still pays (schemathesis's own pytest plugin). ``--no-all`` skips it.

Runs alternate (bare, core, ...) so that drift hits all equally; each figure is the ratio of
the medians.

    .venv/bin/python benchmarks/bench_idle.py [--rounds 15] [--tests 1000] [--venvs DIR] [--no-all]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import venvs  # noqa: E402


def make_suite(folder: Path, count: int) -> None:
    per_file = 100
    for f in range(count // per_file):
        body = "".join(f"def test_{f}_{i}():\n    assert {i} == {i}\n\n" for i in range(per_file))
        (folder / f"test_trivial_{f}.py").write_text(body)
    (folder / "pytest.ini").write_text("[pytest]\n")


def run(python: str, folder: Path, extra: list[str]) -> tuple[float, float]:
    """(wall-clock, CPU) seconds of one run: CPU time (user + system of the child) moves less than
    wall-clock time on a machine that other work shares."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra],
                          cwd=folder, capture_output=True, text=True, timeout=600, env=venvs.user_env())
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"pytest failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(envs: dict[str, venvs.Venv], tests: int, rounds: int) -> dict[str, tuple[float, float]]:
    """Median (wall-clock, CPU) seconds per configuration: each environment, and ``core`` with
    ``-p no:secure``."""
    configs = {kind: (env.python, []) for kind, env in envs.items()}
    configs["core -p no:secure"] = (envs["core"].python, ["-p", "no:secure"])
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in configs}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_suite(folder, tests)
        for python, extra in configs.values():  # warm the file system and bytecode caches
            run(python, folder, extra)
        for _ in range(rounds):
            for name, (python, extra) in configs.items():
                times[name].append(run(python, folder, extra))
    return {name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
            for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--venvs", type=Path, default=None, help="keep the environments here (default: a temp dir)")
    parser.add_argument("--no-all", action="store_true", help="skip the [all] environment (the 'before')")
    args = parser.parse_args()
    kinds = ("bare", "core") if args.no_all else ("bare", "core", "all")
    with tempfile.TemporaryDirectory() as tmp:
        envs = venvs.build(args.venvs or Path(tmp), kinds)
        for env in envs.values():
            print(f"{env.kind:5s} pytest11 plugins: {' '.join(venvs.plugins(env))}")
        medians = measure(envs, args.tests, args.rounds)
    print(f"tests: {args.tests}, rounds: {args.rounds} (alternating), medians (wall-clock, CPU):")
    for name, (wall, cpu) in medians.items():
        print(f"  {name:18s} {wall:.3f} s  {cpu:.3f} s CPU")

    def ratio(a: str, b: str) -> str:
        return f"{medians[a][0] / medians[b][0]:.3f} wall-clock, {medians[a][1] / medians[b][1]:.3f} CPU"

    print(f"install overhead, pip install pytest-secure vs without it: {ratio('core', 'bare')} (target <= 1.03)")
    print(f"our plugin alone, vs -p no:secure:                         {ratio('core', 'core -p no:secure')}")
    if "all" in medians:
        print(f"pytest-secure[all] (every install before issue 16) vs without: {ratio('all', 'bare')}")


if __name__ == "__main__":
    main()
