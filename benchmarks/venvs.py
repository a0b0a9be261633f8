"""Virtual environments for the start-up benchmarks: one WITHOUT pytest-secure and one or more
with it, each with the same pytest and pytest-xdist as the interpreter running the benchmark.

* ``bare``: pytest + pytest-xdist, what a project has before it installs pytest-secure;
* ``core``: the same plus ``pip install <this repository>`` (no extra);
* ``all``: the same plus ``pip install '<this repository>[all]'`` (schemathesis, Hypothesis,
  zaproxy): what every install brought before the extras (issue 16), so it is the "before".

pytest-secure is installed from this working tree as a wheel (not editable, so that no
``.pth`` finder runs at start-up), again on every run (``--no-deps --force-reinstall``) so that
the figures are the tree's; its dependencies come from pip's cache, or the package registry on
the first run. Pass ``--venvs DIR`` to a benchmark to keep the environments between runs.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = {"bare": None, "core": "", "all": "[all]"}


@dataclass(frozen=True)
class Venv:
    kind: str
    path: Path

    @property
    def python(self) -> str:
        return str(self.path / "bin" / "python")

    def bin(self, name: str) -> str:
        return str(self.path / "bin" / name)


def _pip(venv: Path, *args: str) -> None:
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
                   check=True, timeout=1800)


def build(folder: Path, kinds: tuple[str, ...] = ("bare", "core"), source: Path = ROOT) -> dict[str, Venv]:
    """The environments named by ``kinds`` under ``folder`` (made on first use, reused after), with
    pytest-secure from ``source`` (another checkout measures another version: the "before")."""
    pins = [f"pytest=={importlib.metadata.version('pytest')}",
            f"pytest-xdist=={importlib.metadata.version('pytest-xdist')}"]
    made = {}
    for kind in kinds:
        path = folder / kind
        stamp = path / ".bench-installed"
        extra = KINDS[kind]
        wanted = " ".join(pins) + ("" if extra is None else f" {source}{extra} {_dependencies(source)}")
        if not (path / "bin" / "python").exists() or (stamp.exists() and stamp.read_text() != wanted):
            # made anew when the tree's dependencies changed: pip would keep a dropped one installed
            print(f"bench: creating the {kind!r} environment in {path}", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(path)], check=True, timeout=600)
        if not stamp.exists() or stamp.read_text() != wanted:
            _pip(path, *pins, *([] if extra is None else [f"{source}{extra}"]))
            stamp.write_text(wanted)
        elif extra is not None:
            _pip(path, "--no-deps", "--force-reinstall", str(source))  # the tree as it is now
        made[kind] = Venv(kind, path)
    return made


def _dependencies(source: Path) -> str:
    """The tree's declared dependencies and extras, as text (a change means a new environment)."""
    project = tomllib.loads((source / "pyproject.toml").read_text())["project"]
    return repr((project.get("dependencies"), project.get("optional-dependencies")))


def plugins(venv: Venv) -> list[str]:
    """The pytest11 entry points installed in ``venv`` (what every pytest run there loads)."""
    code = ("import importlib.metadata as m\n"
            "print(' '.join(sorted(e.value for e in m.entry_points(group='pytest11'))))")
    return subprocess.run([venv.python, "-c", code], capture_output=True, text=True, check=True,
                          cwd=venv.path).stdout.split()  # not this repository's folder: its egg-info would count


def user_env() -> dict[str, str]:
    """The environment a user's run has: bytecode caches on (pytest caches its rewritten test
    modules; without them every start compiles every module again)."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
