"""The browser checks in headless Chromium (issue 15, items 1-5): each planted page is found and
its fixed twin passes, on Flask, FastAPI and Django, called in process (served to the browser by
the run's loopback bridge) and on a loopback server (a live target)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme

from . import apps
from .helpers import browser_audit, require_browser, rules_by_item

pytestmark = pytest.mark.usefixtures("browser_present")
LIVE = pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])


@pytest.fixture
def browser_present() -> None:
    require_browser()


def baseline(paths: list[str], checks: list[str], extra: str = "") -> str:
    return f"version: 1\nbrowser:\n  paths: {paths}\n  checks: {checks}\n{extra}"


# -- 1. CSP enforced ------------------------------------------------------------------------
CSP = baseline(["/search"], ["csp"], "  params: {/search: [q]}\n")


@LIVE
def test_flask_policy_that_lets_scripts_run_is_found(tmp_path, live):
    results = browser_audit(apps.flask_app(planted=True), CSP, tmp_path, live=live)
    findings = results["browser[GET /search::csp]"]
    assert {f.rule_id for f in findings} == {"browser/csp-inline-script-ran", "browser/csp-offorigin-script-ran"}
    inline = next(f for f in findings if f.rule_id == "browser/csp-inline-script-ran")
    assert "policy: default-src 'self'; script-src 'self' 'unsafe-inline' *" in inline.evidence
    # through the DOM and through the reflected parameter, both
    assert "dom-inline" in inline.message and "reflected-q-inline" in inline.message


@LIVE
def test_django_nonce_policy_blocks_inline_but_lets_any_http_origin_serve_scripts(tmp_path, live):
    results = browser_audit(apps.django_app(planted=True), CSP, tmp_path, live=live)
    findings = results["browser[GET /search::csp]"]
    assert [f.rule_id for f in findings] == ["browser/csp-offorigin-script-ran"]
    evidence = findings[0].evidence
    assert "reflected-q-offorigin" in findings[0].message
    assert "script-src-elem inline" in evidence  # the blocked inline script fired its violation event


@LIVE
@pytest.mark.parametrize("make", [apps.flask_app, apps.django_app], ids=["flask", "django"])
def test_strict_nonce_policy_twin_stops_every_injection(tmp_path, live, make):
    results = browser_audit(make(planted=False), CSP, tmp_path, live=live)
    assert rules_by_item(results) == {"browser[GET /search::csp]": set()}


# -- 2. Framing enforced --------------------------------------------------------------------
@LIVE
@pytest.mark.parametrize(("make", "path"), [(apps.fastapi_app, "/"), (apps.django_app, "/embed")],
                         ids=["fastapi", "django"])
def test_page_that_renders_in_another_sites_frame_is_found_and_twin_is_quiet(tmp_path, live, make, path):
    text = baseline([path], ["framing"])
    planted = browser_audit(make(planted=True), text, tmp_path, live=live)[f"browser[GET {path}::framing]"]
    assert [f.rule_id for f in planted] == ["browser/framing-allowed"]
    assert "X-Frame-Options: absent" in planted[0].evidence
    twin = browser_audit(make(planted=False), text, tmp_path, live=live)
    assert rules_by_item(twin) == {f"browser[GET {path}::framing]": set()}


def test_pages_listed_as_frameable_are_not_judged(tmp_path):
    text = baseline(["/"], ["framing"], "  frameable: [/]\n")
    assert rules_by_item(browser_audit(apps.fastapi_app(planted=True), text, tmp_path, live=False)) == {
        "browser[GET /::framing]": set()}


# -- 3. Cookies as the browser sees them ----------------------------------------------------
COOKIES = baseline(["/account"], ["cookies"])


@LIVE
def test_cookies_the_browser_exposes_drops_and_sends_cross_site_are_found(tmp_path, live):
    findings = browser_audit(apps.fastapi_app(planted=True), COOKIES, tmp_path, live=live)[
        "browser[GET /account::cookies]"]
    got = {(f.rule_id, f.key) for f in findings}
    assert got == {
        ("browser/session-cookie-readable", "readable:session"),  # no HttpOnly
        ("browser/cookie-dropped", "dropped:__Host-prefs"),  # __Host- with Path=/account
        ("browser/cookie-dropped", "dropped:tracking"),  # SameSite=None without Secure
        ("browser/session-cookie-cross-site", "cross-site:POST:session"),  # no SameSite: Lax+POST
    }
    reasons = {f.key: f.message for f in findings if f.rule_id == "browser/cookie-dropped"}
    assert "InvalidPrefix" in reasons["dropped:__Host-prefs"]
    assert "SameSiteNoneInsecure" in reasons["dropped:tracking"]
    assert not any("s3cr3t-session-value" in f.evidence + f.message for f in findings)  # names, never values


@LIVE
def test_httponly_lax_cookies_twin_is_quiet(tmp_path, live):
    results = browser_audit(apps.fastapi_app(planted=False), COOKIES, tmp_path, live=live)
    assert rules_by_item(results) == {"browser[GET /account::cookies]": set()}


# -- 4. DOM XSS -----------------------------------------------------------------------------
XSS = baseline(["/app"], ["dom_xss"], "  params: {/app: [msg]}\n")


@LIVE
def test_payloads_in_fragment_query_and_form_field_that_execute_are_found(tmp_path, live):
    findings = browser_audit(apps.flask_app(planted=True), XSS, tmp_path, live=live)["browser[GET /app::dom_xss]"]
    assert {f.key for f in findings} == {"fragment", "query parameter msg", "form:0:name"}
    assert {f.rule_id for f in findings} == {"browser/dom-xss"}
    fragment = next(f for f in findings if f.key == "fragment")
    # the URL to reproduce is the target's own (not the run's bridge port)
    assert "reproduce: open http://localhost/app#" in fragment.evidence or live
    assert "onerror=__secureMark('xss-fragment')" in fragment.evidence


@LIVE
def test_textcontent_twin_is_quiet(tmp_path, live):
    results = browser_audit(apps.flask_app(planted=False), XSS, tmp_path, live=live)
    assert rules_by_item(results) == {"browser[GET /app::dom_xss]": set()}


@pytest.mark.parametrize("planted", [True, False], ids=["planted", "twin"])
def test_get_form_whose_field_is_reflected_in_the_next_page_is_submitted_and_found(tmp_path, planted):
    text = baseline(["/find"], ["dom_xss"])
    findings = browser_audit(apps.flask_app(planted=planted), text, tmp_path, live=True)["browser[GET /find::dom_xss]"]
    assert {f.key for f in findings} == ({"form:0:q"} if planted else set())
    if planted:
        assert "submit the form to http://127.0.0.1:" in findings[0].evidence  # the page the payload ran on


def test_reflected_payload_blocked_by_a_strict_policy_is_not_xss(tmp_path):
    """The payload is reflected unescaped, but the browser does not run it: judged by effect."""
    text = baseline(["/search"], ["dom_xss"], "  params: {/search: [q]}\n")
    assert rules_by_item(browser_audit(apps.flask_app(planted=False), text, tmp_path, live=False)) == {
        "browser[GET /search::dom_xss]": set()}
    planted = browser_audit(apps.flask_app(planted=True), text, tmp_path, live=False)
    assert rules_by_item(planted) == {"browser[GET /search::dom_xss]": {"browser/dom-xss"}}


# -- 5. Mixed content and subresource integrity ---------------------------------------------
MIXED = baseline(["/shop"], ["mixed_content"])
MIXED_FOUND = {"browser/mixed-content-active", "browser/mixed-content-passive", "browser/sri-missing"}


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """A trustme CA and a server context: Chromium trusts exactly the key that CA vouches for."""
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    return ctx, str(ca_file)


@pytest.mark.parametrize("planted", [True, False], ids=["planted", "twin"])
def test_https_page_mixing_http_and_unpinned_cdn_script_live(tmp_path, tls, planted):
    ctx, ca_file = tls
    findings = browser_audit(apps.flask_app(planted=planted), MIXED, tmp_path, live=True, ssl_context=ctx,
                             verify=ca_file)["browser[GET /shop::mixed_content]"]
    assert {f.rule_id for f in findings} == (MIXED_FOUND if planted else set())
    if planted:
        active = next(f for f in findings if f.rule_id == "browser/mixed-content-active")
        assert "script http://localhost:9/lib.js" in active.message
        # the page's requests outside the scope never left the browser
        assert "requests outside target.scope not sent: " in active.evidence
        assert {f.key for f in findings if f.rule_id == "browser/sri-missing"} >= {f"sri:{apps.CDN_SCRIPT}"}


@pytest.mark.parametrize("planted", [True, False], ids=["planted", "twin"])
def test_https_in_process_app_is_judged_as_its_https_base_url(tmp_path, planted):
    results = browser_audit(apps.flask_app(planted=planted), MIXED, tmp_path, live=False,
                            base_url="https://localhost")
    assert {f.rule_id for f in results["browser[GET /shop::mixed_content]"]} == (MIXED_FOUND if planted else set())


def test_http_target_has_no_mixed_content_to_judge(tmp_path):
    results = browser_audit(apps.flask_app(planted=True), MIXED, tmp_path, live=True)
    assert rules_by_item(results) == {"browser[GET /shop::mixed_content]": set()}


# -- evidence ---------------------------------------------------------------------------------
def test_failing_check_saves_a_screenshot_beside_the_baseline(tmp_path):
    findings = browser_audit(apps.fastapi_app(planted=True), baseline(["/"], ["framing"]), tmp_path, live=False)[
        "browser[GET /::framing]"]
    last = findings[0].evidence.splitlines()[-1]
    assert last.startswith("screenshot: ")
    shot = Path(last.removeprefix("screenshot: "))
    assert shot.parent == tmp_path / ".secure" / "browser"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_page_that_never_answers_is_an_error_within_the_page_timeout(tmp_path):
    """Bounded: a target that accepts the connection and never answers ends the item with an error
    naming the page after browser.page_timeout, never a hang."""
    import threading

    from pytest_secure.core.target import LiveTarget
    from tests.servers import serve_raw

    from .helpers import run_browser_checks, write_baseline

    release = threading.Event()
    text = baseline(["/slow"], ["csp"], "  page_timeout: 1\n")
    with serve_raw(lambda conn: release.wait(30)) as url:
        try:
            with pytest.raises(AssertionError, match=r"errored: the browser could not load .*/slow: .*Timeout"):
                run_browser_checks(write_baseline(tmp_path, text), LiveTarget(url, ["127.0.0.1"]))
        finally:
            release.set()
