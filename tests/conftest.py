"""Fixtures shared by every test folder. Shared helpers that are not fixtures live in plain
modules (tests/paths.py, tests/servers.py, tests/<area>/helpers.py) imported as ``tests.<module>``."""

from pathlib import Path

import pytest


@pytest.fixture
def write_baseline(tmp_path):
    """Write a baseline file (and optionally app modules) into tmp_path; returns its path."""

    def write(text: str, name: str = "security-baseline.yaml", **modules: str) -> Path:
        for module, source in modules.items():
            (tmp_path / f"{module}.py").write_text(source)
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
