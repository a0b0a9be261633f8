"""pytest-secure: security regression tests for web apps and HTTP APIs, driven by one
baseline file and reported as pytest results, SARIF and JSON.

The public API is listed in ``__all__``; everything else is private and may change.
Names are imported lazily, so ``import pytest_secure`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "Baseline", "BaselineError", "Check", "Finding", "Identity", "InProcessTarget", "LiveTarget",
    "Redactor", "Response", "Rule", "ScopeError", "SecureError", "SecureSession", "SetupError", "Severity",
    "Target", "TargetError", "Verdict", "judge", "load_baseline", "register_rule",
]

_WHERE = {
    "Baseline": "baseline", "load_baseline": "baseline",
    "BaselineError": "errors", "ScopeError": "errors", "SecureError": "errors", "SetupError": "errors",
    "TargetError": "errors",
    "Check": "checks",
    "Finding": "findings", "Rule": "findings", "Severity": "findings", "register_rule": "findings",
    "Identity": "identities",
    "InProcessTarget": "target", "LiveTarget": "target", "Response": "target", "Target": "target",
    "Redactor": "redaction",
    "SecureSession": "session",
    "Verdict": "gate", "judge": "gate",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from ._version import version

        return version
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module 'pytest_secure' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
