"""``--secure-json PATH`` (with a space) must not move pytest's rootdir without saying so.

pytest chooses the rootdir and reads the ini file *before* it loads plugins, so when it does,
it does not know that ``--secure-json`` takes a value: ``PATH`` looks like a test path, and
once the file exists (the second run) it becomes a rootdir candidate. A report written outside
the project then moves the rootdir there: the project's ini file is not read and the baseline
is looked for in the wrong folder. A plugin cannot change that order, so :func:`check` detects
it and stops with a usage error that says to write ``--secure-json=PATH``.
"""

from __future__ import annotations

import inspect
import os
import shlex
from pathlib import Path

import pytest

# the options that take a path (and so may name a file that exists)
PATH_OPTIONS = ("--secure-json", "--secure-sarif", "--secure-html", "--secure-baseline", "--secure-zap-plan")


def check(config: pytest.Config) -> None:
    """Raise a usage error when a path option written with a space moved the rootdir."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller checked
        return
    args = shlex.split(os.environ.get("PYTEST_ADDOPTS", "")) + [str(a) for a in config.invocation_params.args]
    here = Path(config.invocation_params.dir)
    spaced = [(option, value) for option, value in zip(args, args[1:], strict=False)
              if option in PATH_OPTIONS and not value.startswith("-") and (here / value).exists()]
    if not spaced:
        return
    expected = _rootdir_without(config, args)
    moved = expected != config.rootpath if expected is not None else _looks_moved(config, here, spaced)
    if not moved:
        return
    option, value = spaced[0]
    raise pytest.UsageError(
        f"{option} {value}: written with a space, pytest (which chooses its rootdir before it loads plugins) "
        f"took the existing file {value} for a test path and chose {config.rootpath} as the rootdir"
        + (f" instead of {expected}" if expected is not None else "")
        + f", so the project's configuration and security baseline are not found. Write the option with `=`: "
        f"{option}={value}")


def _rootdir_without(config: pytest.Config, args: list[str]) -> Path | None:
    """The rootdir pytest chooses when the options' values are not taken for test paths."""
    try:
        from _pytest.config.findpaths import determine_setup

        namespace = config._parser.parse_known_args(args)
        given = {"inifile": namespace.inifilename, "override_ini": namespace.override_ini,
                 "args": [str(a) for a in namespace.file_or_dir], "rootdir_cmd_arg": namespace.rootdir or None,
                 "invocation_dir": config.invocation_params.dir}
        wanted = inspect.signature(determine_setup).parameters
        found = determine_setup(**{k: v for k, v in given.items() if k in wanted})
        return Path(found[0])
    except Exception:  # pytest's internals changed: fall back on the simple test
        return None


def _looks_moved(config: pytest.Config, here: Path, spaced: list[tuple[str, str]]) -> bool:
    root = config.rootpath.resolve()
    inside = [(here / value).resolve().is_relative_to(root) for _, value in spaced]
    return any(inside) and not here.resolve().is_relative_to(root)
