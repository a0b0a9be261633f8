"""Generated references are current, and the plugin costs nothing without --secure."""

import subprocess
import sys

from pytest_secure import docgen
from tests.paths import ROOT


def test_generated_references_are_current(tmp_path):
    # a fresh process, exactly as `python -m pytest_secure.docgen` runs
    subprocess.run([sys.executable, "-m", "pytest_secure.docgen", str(tmp_path)], check=True, capture_output=True,
                   timeout=120)
    for name in docgen.PAGES:
        on_disk = (ROOT / "docs" / name).read_text(encoding="utf-8")
        assert on_disk == (tmp_path / name).read_text(encoding="utf-8"), \
            f"docs/{name} is stale: run `python -m pytest_secure.docgen`"


def test_every_schema_key_has_a_description():
    from pytest_secure.core.baseline.schema import baseline_schema

    def walk(schema, path):
        if isinstance(schema, dict):
            for key, sub in (schema.get("properties") or {}).items():
                assert sub.get("description"), f"{path}.{key} has no description"
                walk(sub, f"{path}.{key}")
            for nested in ("items", "additionalProperties"):
                walk(schema.get(nested), f"{path}[]")

    walk(baseline_schema(), "")


HEAVY = ("schemathesis", "hypothesis", "zapv2", "flask", "django", "fastapi", "httpx", "jsonschema", "yaml", "requests",
         "jwt", "cryptography")


def test_plugin_without_secure_imports_nothing_heavy(tmp_path):
    (tmp_path / "test_one.py").write_text("def test_one():\n    pass\n")
    code = (
        "import sys, pytest\n"
        "rc = pytest.main(['-q', '-p', 'no:cacheprovider', '-p', 'no:schemathesis', '-p', 'no:hypothesispytest',"
        f" '-p', 'no:anyio', '-p', 'no:xdist', '-p', 'no:xdist.looponfail', {str(tmp_path)!r}])\n"
        f"mods = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "secure = sorted(m for m in sys.modules if m.startswith('pytest_secure'))\n"
        "print('HEAVY', mods); print('SECURE', secure); sys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "HEAVY []" in proc.stdout, proc.stdout
    # the core modules, plus the light pytest glue modules plugin.py registers (markers, fixtures) and their packages
    from pytest_secure import plugin

    light = ("pytest_secure.plugin", "pytest_secure.runner.hookspecs", "pytest_secure.core.state", *plugin.pytest_plugins)
    expected = sorted({m.rsplit(".", i)[0] for m in light for i in range(m.count(".") + 1)})  # with their packages
    assert f"SECURE {expected}" in proc.stdout, proc.stdout


def test_public_api_resolves():
    import pytest_secure

    missing = [name for name in pytest_secure.__all__ if getattr(pytest_secure, name, None) is None]
    assert not missing
