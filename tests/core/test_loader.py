"""The baseline loader: every kind of bad input gets one clear, placed error."""

import pytest

from pytest_secure.core.baseline import load_baseline
from pytest_secure.core.errors import BaselineError


def problems(path, environ=None):
    with pytest.raises(BaselineError) as info:
        load_baseline(path, environ=environ or {})
    return info.value.problems


def test_missing_file_names_the_file_and_the_fix(tmp_path):
    [msg] = problems(tmp_path / "nope.yaml")
    assert "nope.yaml" in msg and "not found" in msg and "--secure-baseline" in msg


def test_empty_file(write_baseline):
    [msg] = problems(write_baseline(""))
    assert msg.endswith("the baseline file is empty; start it with `version: 1` (see docs/getting-started.md)")
    assert ":1:1:" in msg


def test_not_yaml_points_at_the_line(write_baseline):
    [msg] = problems(write_baseline("version: 1\nheaders: {paths: [/\n"))
    assert "not valid YAML" in msg and "security-baseline.yaml:3:" in msg


def test_top_level_must_be_a_mapping(write_baseline):
    [msg] = problems(write_baseline("- a\n- b\n"))
    assert "expected a mapping of sections" in msg and "got a list" in msg


def test_wrong_type_is_placed_with_key_path(write_baseline):
    [msg] = problems(write_baseline("version: 1\ntarget:\n  app: a:b\n  timeout: ten\n"))
    assert msg.endswith("security-baseline.yaml:4:12: target.timeout: expected a number, got a string 'ten'")


def test_unknown_key_suggests_the_right_one(write_baseline):
    text = "version: 1\nheaders:\n  rules:\n    X-Frame-Options: {requierd: true}\n"
    [msg] = problems(write_baseline(text))
    assert ":4:23: headers.rules.X-Frame-Options.requierd: unknown key 'requierd' (did you mean 'required'?)" in msg


def test_unknown_top_level_section(write_baseline):
    [msg] = problems(write_baseline("version: 1\nheaderz: {}\n"))
    assert ":2:1: headerz: unknown key 'headerz' (did you mean 'headers'?)" in msg


def test_enum_lists_the_choices(write_baseline):
    [msg] = problems(write_baseline("version: 1\ngates: {fail_on: severe}\n"))
    assert "gates.fail_on: expected one of critical, high, medium, low, info, got 'severe'" in msg


def test_missing_version(write_baseline):
    [msg] = problems(write_baseline("gates: {fail_on: high}\n"))
    assert "missing required key 'version': start the file with `version: 1`" in msg


def test_several_problems_are_all_reported_in_file_order(write_baseline):
    text = "version: 2\ntarget: {timeout: -1}\ngates: {fail_on: nope}\n"
    msgs = problems(write_baseline(text))
    assert [m.split(":")[1] for m in msgs] == ["1", "2", "3"]


def test_missing_environment_variable_names_it(write_baseline):
    text = "version: 1\nidentities:\n  admin: {bearer: '${ADMIN_TOKEN}'}\n"
    [msg] = problems(write_baseline(text))
    assert ":3:19: identities.admin.bearer: environment variable ADMIN_TOKEN is not set" in msg
    assert "${ADMIN_TOKEN:-value}" in msg


def test_malformed_reference(write_baseline):
    [msg] = problems(write_baseline("version: 1\ntarget: {base_url: 'http://${HOST'}\n"))
    assert "malformed reference" in msg and "target.base_url" in msg


def test_interpolated_values_are_secrets(write_baseline):
    text = "version: 1\nidentities:\n  a: {bearer: 'tok-${T}', headers: {X-Key: '${K:-dflt-key}'}}\n"
    baseline = load_baseline(write_baseline(text), environ={"T": "canary-123"})
    assert baseline.identities["a"].bearer == "tok-canary-123"
    assert {"canary-123", "tok-canary-123", "dflt-key"} <= baseline.secrets


def test_dollar_dollar_is_a_literal(write_baseline):
    baseline = load_baseline(write_baseline("version: 1\ntarget: {headers: {X: '$${NOT}'}}\n"), environ={})
    assert baseline.target.headers == {"X": "${NOT}"}
    assert not baseline.secrets


def test_waiver_without_expiry(write_baseline):
    text = "version: 1\nwaivers:\n  - {rule: headers/csp-missing, reason: legacy page, owner: web}\n"
    [msg] = problems(write_baseline(text))
    assert ":3:5: waivers[0]: missing required key 'expires': every waiver must expire: add `expires: YYYY-MM-DD`" in msg


def test_waiver_with_a_bad_date(write_baseline):
    text = "version: 1\nwaivers:\n  - {rule: r, reason: why, owner: me, expires: soon}\n"
    [msg] = problems(write_baseline(text))
    assert "waivers[0].expires: expected a date YYYY-MM-DD, got 'soon'" in msg


def test_duplicate_keys_are_refused(write_baseline):
    [msg] = problems(write_baseline("version: 1\ngates: {}\ngates: {}\n"))
    assert ":3:1: duplicate key 'gates'" in msg


def test_alias_bomb_is_refused(write_baseline):
    lines = ["version: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    [msg] = problems(write_baseline("\n".join(lines) + "\n"))
    assert "alias bomb" in msg


def test_python_tags_are_not_executed(write_baseline):
    [msg] = problems(write_baseline("version: 1\nx: !!python/object/apply:os.system ['echo pwned']\n"))
    assert ":2:4: unsupported YAML tag tag:yaml.org,2002:python/object/apply:os.system" in msg


def test_unknown_preset(write_baseline):
    [msg] = problems(write_baseline("version: 1\nextends: recomended\n"))
    assert ":2:10: extends: unknown preset 'recomended' (did you mean recommended?)" in msg


def test_preset_is_merged_and_local_keys_win(write_baseline):
    text = "version: 1\nextends: recommended\nheaders:\n  rules:\n    Referrer-Policy: {value: no-referrer}\n"
    baseline = load_baseline(write_baseline(text), environ={})
    rules = baseline.section("headers")["rules"]
    assert rules["Referrer-Policy"] == {"required": True, "value": "no-referrer"}  # merged key by key
    assert "Content-Security-Policy" in rules  # from the preset
    assert baseline.presets == ("recommended",)


def test_waiver_model(write_baseline):
    text = ("version: 1\nwaivers:\n  - {rule: 'headers/*', where: /legacy/*, reason: old ui, owner: web,"
            " ticket: SEC-1, expires: 2027-01-31}\n")
    [waiver] = load_baseline(write_baseline(text), environ={}).waivers
    assert waiver.covers("headers/csp-missing", "/legacy/admin")
    assert not waiver.covers("headers/csp-missing", "/new")
    assert not waiver.covers("cookies/x", "/legacy/admin")
    assert waiver.place.endswith("security-baseline.yaml:3:5")
