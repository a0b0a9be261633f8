"""Paths the tests share: import them as ``from tests.paths import ROOT``."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository root
