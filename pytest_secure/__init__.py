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
    "RuleTable", "SecureSession", "Severity", "Target", "Verdict", "Waiver", "judge", "load_baseline",
    # errors
    "BaselineError", "ScopeError", "SecureError", "SetupError", "TargetError",
    # assertions and helpers for hand-written tests
    "AuthzMatrix", "assert_revoked_within", "assert_safe", "assert_secure_cookies", "assert_secure_headers",
    "audit_response", "fuzz_payloads", "to_response",
]
# Submodules for hand-written tests, imported on use: pytest_secure.fuzz.strategies (payload
# strategies), pytest_secure.fuzz.oracles (security oracles and schemathesis checks).

_WHERE = {
    "Baseline": "core.baseline", "Waiver": "core.baseline", "load_baseline": "core.baseline",
    "BaselineError": "core.errors", "ScopeError": "core.errors", "SecureError": "core.errors",
    "SetupError": "core.errors", "TargetError": "core.errors",
    "Check": "core.area",
    "Finding": "core.findings", "Severity": "core.findings",
    "Rule": "core.rules", "RuleTable": "core.rules",
    "Identity": "core.identities",
    "InProcessTarget": "core.target", "LiveTarget": "core.target", "Response": "core.target", "Target": "core.target",
    "Redactor": "core.redaction",
    "SecureSession": "core.session",
    "Verdict": "core.gate", "judge": "core.gate",
    "AuthzMatrix": "authz", "assert_revoked_within": "authz",
    "assert_safe": "fuzz.oracles",
    "assert_secure_cookies": "hygiene.assertions", "assert_secure_headers": "hygiene.assertions",
    "fuzz_payloads": "fuzz.marker",
    "audit_response": "hygiene.passive", "to_response": "core.adapters",
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
