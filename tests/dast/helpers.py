"""Helpers of the DAST tests: the emulator's API key, a project (baseline and rules file) for a
ZAP scan, fnmatch patterns with literal brackets. Import them as ``from tests.dast.helpers import ...``."""

from __future__ import annotations

import textwrap
from pathlib import Path

ZAP_KEY = "zap-key-3f9a7c21"


def zap_project(pytester, *, target: str, proxy: str, zap: dict | None = None,
                dast: dict | None = None, rules: str | None = None, top: dict | None = None) -> Path:
    """Write a baseline for a ZAP scan of ``target`` (scope 127.0.0.1), as the viewer, and a rules file.

    ``zap``, ``dast`` and ``top`` are merged into the dast.zap section, the dast section and the
    top level. The API key is read from the environment as ${ZAP_API_KEY}, like a real nightly.
    """
    import yaml

    if rules is not None:
        (pytester.path / "rules.tsv").write_text(textwrap.dedent(rules).lstrip("\n"))
    document = {
        "version": 1,
        "target": {"base_url": target, "scope": ["127.0.0.1"], "openapi": "/openapi.json"},
        "identities": {"viewer": {"login": {"request": "POST /login", "token": "access_token",
                                            "json": {"username": "viewer",
                                                     "password": "${VIEWER_PW:-viewer-demo-pw}"}}}},
        "dast": {"engine": "zap", "identity": "viewer", **({"rules": "rules.tsv"} if rules is not None else {}),
                 **(dast or {}),
                 "zap": {"proxy": proxy, "api_key": "${ZAP_API_KEY}", "poll_interval": 0.01, "timeout": 5,
                         **(zap or {})}},
        "gates": {"fail_on": "medium"},
        **(top or {}),
    }
    path = pytester.path / "security-baseline.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def literal(patterns):
    """fnmatch patterns in which [ and ] are plain characters."""
    return [p.replace("[", "\x00").replace("]", "[]]").replace("\x00", "[[]") for p in patterns]
