"""docs/dast.md: the ZAP configuration example is one the code accepts as written."""

from __future__ import annotations

import re

import yaml

from pytest_secure.core.baseline.loader import load_baseline
from pytest_secure.core.scope import parse_scope_entry
from pytest_secure.dast.config import dast_settings
from tests.paths import ROOT


def zap_snippet() -> str:
    text = (ROOT / "docs" / "dast.md").read_text(encoding="utf-8")
    section = text[text.index("### ZAP"):]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


def test_docs_zap_example_loads_and_its_zap_target_is_in_scope(tmp_path):
    path = tmp_path / "security-baseline.yaml"
    document = {"version": 1, **yaml.safe_load(zap_snippet())}
    (tmp_path / "zap-rules.tsv").write_text("10038\tFAIL\t(Content Security Policy (CSP) Header Not Set)\n")
    (tmp_path / "dast-known.json").write_text("")
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    baseline = load_baseline(path, environ={"ZAP_API_KEY": "k", "VIEWER_TOKEN": "t"})
    settings = dast_settings(baseline)
    assert settings.engine == "zap" and settings.zap.target == "http://app:8000"
    # engines.run_zap refuses a dast.zap.target outside target.scope; the docs' pair passes that check
    for url in (settings.zap.target, baseline.target.base_url):
        assert any(parse_scope_entry(e).allows(url) for e in baseline.target.scope), url
