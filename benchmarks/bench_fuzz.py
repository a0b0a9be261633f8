"""pytest-secure's OpenAPI fuzzing vs a plain schemathesis pytest run: same endpoints, same
number of examples, measured in the same run.

Both runs fuzz the five operations of the fixed shop (tests/fuzz/apps.py, Flask, in
process) with ``max_examples`` per operation and seed 0:

* plain: ``@schema.parametrize()`` + ``case.call_and_validate()`` with schemathesis's default
  checks (its own pytest integration);
* ours: ``pytest --secure`` with a ``fuzz:`` section: the directed payloads (counted in the
  same budget), payload injection, pytest-secure's oracles plus ``negative_data_rejection``,
  the regression store (read; nothing to write on a fixed app), the gate and the reports.

Each run is a fresh ``pytest`` process; the time measured is pytest's run loop (first item to
last, via a tiny plugin), best of ``--rounds``, alternating the two. The requests each run
sent to the app are counted and printed as well.

Run: ``.venv/bin/python benchmarks/bench_fuzz.py`` (the issue's target: ratio <= 1.2).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TIMER = '''
import json, os, time
import pytest

@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session):
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        from bench_target import app
        with open(os.environ["BENCH_OUT"], "w") as handle:
            json.dump({"seconds": time.perf_counter() - started, "requests": len(app.config["seen"]),
                       "failed": session.testsfailed, "items": session.testscollected}, handle)
'''

TARGET = '''
from tests.fuzz.apps import fixed_shop

app = fixed_shop()
'''

PLAIN = '''
import schemathesis

from bench_target import app

schema = schemathesis.openapi.from_wsgi("/openapi.json", app, config=schemathesis.Config.from_dict(
    {{"seed": 0, "generation": {{"max-examples": {examples}, "database": "none"}}}}))


@schema.parametrize()
def test_api(case):
    case.call_and_validate()
'''

BASELINE = '''
version: 1
target: {{app: "bench_target:app", openapi: /openapi.json}}
fuzz: {{max_examples: {examples}, seed: 0, record: false}}
'''


def run(folder: Path, args: list[str]) -> dict[str, float]:
    out = folder / "result.json"
    env = {**os.environ, "BENCH_OUT": str(out), "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)])}
    env.pop("CI", None)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "bench_timer",
                           *args], cwd=folder, env=env, capture_output=True, text=True, timeout=900)
    if not out.exists():
        raise SystemExit(f"the run in {folder} failed:\n{proc.stdout}\n{proc.stderr}")
    result = json.loads(out.read_text())
    out.unlink()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100, help="max_examples per operation (default 100)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each variant; the best is kept (default 3)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-fuzz-") as tmp:
        plain_dir, ours_dir = Path(tmp, "plain"), Path(tmp, "ours")
        for folder in (plain_dir, ours_dir):
            folder.mkdir()
            (folder / "bench_timer.py").write_text(TIMER)
            (folder / "bench_target.py").write_text(TARGET)
        (plain_dir / "test_plain.py").write_text(textwrap.dedent(PLAIN.format(examples=options.examples)))
        (ours_dir / "security-baseline.yaml").write_text(BASELINE.format(examples=options.examples))

        plain_runs, our_runs = [], []
        for _ in range(options.rounds):
            plain_runs.append(run(plain_dir, ["test_plain.py"]))
            our_runs.append(run(ours_dir, ["--secure"]))
    plain = min(plain_runs, key=lambda r: r["seconds"])
    ours = min(our_runs, key=lambda r: r["seconds"])
    print(f"operations: 5 (fixed shop, Flask in process), max_examples {options.examples}, seed 0, "
          f"best of {options.rounds}")
    print(f"plain schemathesis : {plain['seconds']:.2f}s  {plain['requests']:5d} requests  "
          f"{plain['items']} item(s), {plain['failed']} failed")
    print(f"pytest-secure fuzz : {ours['seconds']:.2f}s  {ours['requests']:5d} requests  "
          f"{ours['items']} item(s), {ours['failed']} failed")
    ratio = ours["seconds"] / plain["seconds"]
    print(f"ratio (ours / plain): {ratio:.2f}x  (target <= 1.2x)")
    print(f"per request: plain {1000 * plain['seconds'] / plain['requests']:.2f} ms, "
          f"ours {1000 * ours['seconds'] / ours['requests']:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
