"""pytest-secure: security regression tests for web apps and HTTP APIs, driven by one
baseline file and reported as pytest results, SARIF and JSON.

The public API is listed in ``__all__``; everything else is private and may change.
Names are imported lazily, so ``import pytest_secure`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    # the baseline, the session and what checks produce
    "Baseline", "Check", "Finding", "Identity", "InProcessTarget", "LiveTarget", "Redactor", "Response", "Rule",
    "SecureSession", "Severity", "Target", "Verdict", "judge", "load_baseline", "register_rule",
    # errors
    "BaselineError", "ScopeError", "SecureError", "SetupError", "TargetError",
    # assertions and helpers for hand-written tests
    "AuthzMatrix", "assert_revoked_within", "assert_safe", "assert_secure_cookies", "assert_secure_headers",
    "fuzz_payloads",
]
# Submodules for hand-written tests, imported on use: pytest_secure.strategies (payload
# strategies), pytest_secure.oracles (security oracles and schemathesis checks).

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
    "AuthzMatrix": "authz", "assert_revoked_within": "authz",
    "assert_safe": "oracles",
    "assert_secure_cookies": "assertions", "assert_secure_headers": "assertions",
    "fuzz_payloads": "fuzzing",
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
