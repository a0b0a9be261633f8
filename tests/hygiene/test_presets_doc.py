"""docs/presets.md shows every preset and the sections it turns on (issue 13, item 8), and
``extends: recommended`` alone turns on the debug-page probes, CORS and the server-error rule."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pytest_secure.runner.collect import collect_checks

from .audit import load

ROOT = Path(__file__).resolve().parents[2]
PRESETS = ROOT / "pytest_secure" / "core" / "baseline" / "presets"
DOC = ROOT / "docs" / "presets.md"


def test_presets_table_lists_every_preset_with_its_sections():
    rows = {m.group(1): (set(re.findall(r"`(\w+)`", m.group(2))), m.group(3).strip())
            for m in re.finditer(r"^\| `([\w-]+)` \| ([^|]+) \| (\w+) \|$", DOC.read_text(), re.MULTILINE)}
    for preset in sorted(PRESETS.glob("*.yaml")):
        data = yaml.safe_load(preset.read_text())
        sections = {k for k in data if k != "gates"}
        assert rows.get(preset.stem) == (sections, data["gates"]["fail_on"]), preset.stem
        assert f"## `{preset.stem}`" in DOC.read_text(), preset.stem
    assert set(rows) == {p.stem for p in PRESETS.glob("*.yaml")}


def test_recommended_alone_turns_on_probes_cors_and_server_errors():
    names = {c.item_name for c in collect_checks(load("version: 1\nextends: recommended\n"))}
    assert {"leaks[probe:unknown-path GET /pytest-secure-probe/does-not-exist]", "leaks[GET /]",
            "cors[GET /]"} <= names, sorted(names)
    section = load("version: 1\nextends: recommended\n").section("leaks")
    assert section["error_pages"] and section["server_errors"]
