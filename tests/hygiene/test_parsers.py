"""The parsers judge what browsers enforce, and the policy applies per path group and method."""

import subprocess
import sys

import yaml

from pytest_secure.hygiene.headers import HeaderPolicy
from pytest_secure.hygiene.parsers import (
    parse_cache_control,
    parse_csp,
    parse_hsts,
    parse_permissions_policy,
    parse_referrer_policy,
    parse_set_cookie,
)

from .responses import resp


def test_csp_fallback_nonce_hash_and_strict_dynamic():
    assert parse_csp(["default-src 'self' 'unsafe-inline'"]).allows_inline("script-src-elem")  # falls back
    assert not parse_csp(["script-src 'unsafe-inline' 'sha256-abc='"]).allows_inline("script-src-elem")
    assert not parse_csp(["script-src 'unsafe-inline' 'strict-dynamic'"]).allows_inline("script-src-elem")
    assert parse_csp(["style-src 'unsafe-inline' 'strict-dynamic'"]).allows_inline("style-src-elem")  # scripts only
    assert parse_csp(["img-src 'self'"]).allows_inline("script-src-elem")  # nothing restricts scripts
    assert not parse_csp(["default-src 'none'"]).allows_eval()


def test_csp_several_policies_combine_and_report_only_does_not_count():
    both = parse_csp(["script-src 'unsafe-inline'", "default-src 'self'"])  # two headers
    assert not both.allows_inline("script-src-elem")  # the second blocks what the first allows
    comma = parse_csp(["script-src 'unsafe-inline', default-src 'self'"])  # two policies in one header
    assert len(comma.enforced) == 2 and not comma.allows_inline("script-src-elem")
    report_only = parse_csp([], ["default-src 'none'"])
    assert report_only.enforced == [] and report_only.allows_inline("script-src-elem")
    assert parse_csp(["frame-ancestors 'none'"], ["frame-ancestors *"]).frame_ancestors_restricted()


def test_csp_problems():
    csp = parse_csp(["default-src 'self'; default-src *; scirpt-src x; img-src 'unsafe-hash'"])
    assert csp.problems == ["duplicate directive default-src (browsers ignore all but the first)",
                            "unknown directive scirpt-src", "unknown keyword 'unsafe-hash' in img-src"]


def test_hsts_referrer_cache_control_permissions():
    assert parse_hsts(["max-age=1", "max-age=2"]).problems[0].startswith("2 Strict-Transport-Security headers")
    assert parse_hsts(["max-age=10; max-age=20"]).problems == ["directive max-age appears twice (the header is then "
                                                               "ignored)"]
    assert parse_referrer_policy(["no-referrer", "bogus, origin"]).effective == "origin"  # headers combine
    assert parse_cache_control(["private, max-age=60", "no-store"]).prevents_storage
    assert parse_permissions_policy(['camera=(), geolocation=(self "https://a.example")']).features == {
        "camera": [], "geolocation": ["self", "https://a.example"]}
    assert parse_permissions_policy(["camera"]).problems


def test_set_cookie_attributes_last_wins_and_lifetimes():
    cookie = parse_set_cookie("a=1; samesite=lax; SameSite=Strict; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
    assert cookie.samesite == "Strict" and cookie.lifetime_seconds() == 60.0  # Max-Age wins over Expires
    assert parse_set_cookie("a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT").deletes
    assert parse_set_cookie("a=1").lifetime_seconds() is None  # a session cookie
    assert parse_set_cookie("__Host-a=1; Secure; Path=/app").prefix_problems() == [
        "__Host-a: a __Host- cookie must have Path=/"]


def test_groups_per_path_and_method():
    policy = HeaderPolicy.from_section({
        "rules": {"Content-Security-Policy": {"required": True}, "Cache-Control": {"required": True}},
        "groups": [{"paths": ["/api/*"], "rules": {"Content-Security-Policy": {"ignore": True}}},
                   {"paths": ["/api/*"], "methods": ["POST"], "rules": {"Cache-Control": {"value": "no-store"}}}],
    })
    page = [f.rule_id for f in policy.audit(resp([], url="https://x.test/"))]
    api_get = [f.rule_id for f in policy.audit(resp([("Cache-Control", "max-age=5")], url="https://x.test/api/a"))]
    api_post = [f.rule_id for f in policy.audit(resp([("Cache-Control", "max-age=5")], url="https://x.test/api/a",
                                                     method="POST"))]
    assert page == ["headers/csp-missing", "headers/cache-control-missing"]
    assert api_get == []
    assert api_post == ["headers/cache-control-value"]


def test_header_names_and_values_are_case_insensitive():
    policy = HeaderPolicy.from_section({"rules": {"x-frame-options": {"value-one-of": ["DENY"]}}})
    assert policy.audit(resp([("X-FRAME-OPTIONS", "deny")])) == []


def test_convert_command_prints_a_baseline(tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text("Set-Cookie:\n  Required: Optional\n  Must-Contain: [HttpOnly, Secure, SameSite=Strict]\n"
                     "  Cookies:\n    tracker: {Required: False}\n"
                     "Referrer-Policy:\n  Required: True\n  Value-One-Of: [no-referrer]\n  Frobnicate: 1\n")
    out = subprocess.run([sys.executable, "-m", "pytest_secure.hygiene.convert_drheader", str(rules)], capture_output=True,
                         text=True, check=True).stdout
    assert "# note: Referrer-Policy: key 'Frobnicate' has no pytest-secure equivalent; dropped" in out
    doc = yaml.safe_load(out)
    assert doc["headers"]["rules"]["Referrer-Policy"] == {"required": True, "value-one-of": ["no-referrer"]}
    assert doc["cookies"]["rules"] == {"*": {"httponly": True, "secure": True, "samesite": ["Strict"]},
                                       "tracker": {"required": False}}
