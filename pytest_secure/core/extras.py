"""The optional parts of pytest-secure (pip extras), and the check that one is installed.

A plain ``pip install pytest-secure`` brings what headers, cookies, CORS, leaks, TLS, authz,
abuse, JWT and the built-in DAST engine need. The heavy libraries are extras, so that
installing the plugin costs nothing on a ``pytest`` run without ``--secure`` (schemathesis
registers a pytest plugin of its own that imports schemathesis and Hypothesis on every run,
and Hypothesis's own plugin imports Hypothesis at the end of every run):

=========  ============================  ==================================================
extra      libraries                     needed by
=========  ============================  ==================================================
``fuzz``   schemathesis, hypothesis      ``fuzz:``, ``@pytest.mark.fuzz``, ``@fuzz_payloads``,
                                         authz ``explore``
``dast``   zaproxy (``zapv2``)           ``dast: {engine: zap}``
``app``    httpx                         ``target.app`` (an in-process WSGI/ASGI app):
                                         httpx depends on anyio, whose pytest plugin runs
                                         hooks in every test of the environment
``all``    all of the above
=========  ============================  ==================================================

:func:`require` looks the libraries up without importing them (``importlib.util.find_spec``),
so checking costs nothing; a missing one is a :class:`~.errors.MissingExtra` whose message
ends with the install line.
"""

from __future__ import annotations

import importlib.util

from .errors import MissingExtra

EXTRAS: dict[str, tuple[str, ...]] = {
    "fuzz": ("schemathesis", "hypothesis"),
    "dast": ("zapv2",),
    "app": ("httpx",),
}
"""Each extra's importable modules (``zaproxy`` installs the module ``zapv2``)."""


def install_line(extra: str) -> str:
    return f"pip install 'pytest-secure[{extra}]'"


def missing(extra: str) -> str | None:
    """The first module of ``extra`` that is not installed, or None when all are."""
    for module in EXTRAS[extra]:
        try:
            if importlib.util.find_spec(module) is None:
                return module
        except (ImportError, ValueError):  # a broken or blocked install counts as missing
            return module
    return None


def require(extra: str, feature: str) -> None:
    """Raise :class:`MissingExtra` when ``extra`` is not installed; ``feature`` says what needs
    it, with its place when a baseline key does (``"security-baseline.yaml:33:1: fuzz:"``)."""
    module = missing(extra)
    if module is not None:
        raise MissingExtra(
            f"{feature} needs pytest-secure's {extra!r} extra, which is not installed ({module} does not "
            f"import); install it with: {install_line(extra)}", extra=extra, module=module)
