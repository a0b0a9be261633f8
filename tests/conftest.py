import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))  # tests/servers.py, tests/apps/...


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
