"""Helpers of the report tests (and of tests/test_example.py)."""

import os

import pytest

from tests.paths import ROOT


def sarif_multitool():
    path = ROOT / "node_modules" / ".bin" / "sarif-multitool"
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail("sarif-multitool is not installed: run `npm install` at the repository root")
        pytest.skip("sarif-multitool not installed (npm install at the repository root)")
    binary = ROOT / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
    if binary.exists() and not os.access(binary, os.X_OK):  # .npmrc skips install scripts: this is its only one
        binary.chmod(binary.stat().st_mode | 0o100)
    return path
