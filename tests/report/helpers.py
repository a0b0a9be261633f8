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
    return path
