"""Every way a ZAP scan can go wrong ends in a clear error that names the cause and the fix,
never a traceback and never a hang."""

from __future__ import annotations

import pytest

from pytest_secure.core.errors import ZapApiError
from pytest_secure.dast.zap_client import expect_digits
from tests.dast.helpers import ZAP_KEY, literal, zap_project
from tests.dast.zap_emulator import ZapEmulator
from tests.servers import free_port, serve_raw


def run(pytester, *args):
    return pytester.runpytest("--secure", "--secure-dast", "-p", "no:cacheprovider", "-rA", *args)


def assert_usage_error(result, *patterns):
    assert result.ret == 4, result.stdout.str() + result.stderr.str()
    result.stderr.fnmatch_lines(literal(list(patterns)))
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert ZAP_KEY not in result.stdout.str() + result.stderr.str()


def test_zap_not_listening(pytester, example_url, monkeypatch):
    monkeypatch.setenv("ZAP_API_KEY", ZAP_KEY)
    port = free_port()
    zap_project(pytester, target=example_url, proxy=f"http://127.0.0.1:{port}")
    assert_usage_error(run(pytester), f"ERROR: dast: nothing answers at http://127.0.0.1:{port}, where dast.zap.proxy "
                                      "says ZAP listens (connection refused); start ZAP, e.g. `zap.sh -daemon *")


def test_wrong_api_key_zap_drops_the_connection(pytester, zap, example_url, monkeypatch):
    monkeypatch.setenv("ZAP_API_KEY", "not-the-key")
    zap_project(pytester, target=example_url, proxy=zap.proxy)
    assert_usage_error(run(pytester), "ERROR: dast: ZAP at http://127.0.0.1:* closed the connection without "
                                      "answering core/view/version. ZAP does this when the API key is wrong or missing*")
    assert zap.endpoints_called() == ["core/view/version"]  # nothing after the first refusal
    assert "not-the-key" not in run(pytester).stderr.str()


def test_wrong_api_key_reported_as_bad_api_key(pytester, example_url, monkeypatch):
    monkeypatch.setenv("ZAP_API_KEY", "not-the-key")
    with ZapEmulator(api_key=ZAP_KEY, report_perm_errors=True) as zap:
        zap_project(pytester, target=example_url, proxy=zap.proxy)
        assert_usage_error(run(pytester), "ERROR: dast: ZAP at http://127.0.0.1:* rejected the API key "
                                          "(core/view/version: bad_api_key)*")


def test_zap_that_never_answers_times_out(pytester, zap, example_url):
    zap.hang.add("core/view/version")
    zap_project(pytester, target=example_url, proxy=zap.proxy, zap={"timeout": 0.5})
    assert_usage_error(run(pytester), "ERROR: dast: ZAP at http://127.0.0.1:* accepted the connection but did not "
                                      "answer core/view/version within 0.5s (dast.zap.timeout)*")


def test_a_proxy_that_is_not_zap(pytester, example_url, monkeypatch):
    monkeypatch.setenv("ZAP_API_KEY", ZAP_KEY)

    def squid(conn):  # a plain forward proxy: it cannot resolve the host "zap"
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        body = b"cannot resolve zap"
        conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    with serve_raw(squid) as proxy:
        zap_project(pytester, target=example_url, proxy=proxy)
        assert_usage_error(run(pytester), "ERROR: dast: ZAP refused core/view/version: HTTP 502 (cannot resolve zap; "
                                          "if this is not ZAP answering, fix dast.zap.proxy)")


def test_zap_error_code_is_named_with_its_endpoint(pytester, zap, example_url):
    zap_project(pytester, target=example_url, proxy=zap.proxy, zap={"active": {"policy": "No Such Policy"}})
    assert_usage_error(run(pytester), "ERROR: dast: ZAP has no scan policy 'No Such Policy' (does_not_exist); fix "
                                      "dast.zap.active.policy or import the policy into ZAP")


def test_an_error_code_string_where_a_number_belongs_is_an_error():
    assert expect_digits("7", "spider/action/scan") == "7"
    with pytest.raises(ZapApiError, match=r"ZAP refused spider/action/scan: url_not_found \(expected a number"):
        expect_digits("url_not_found", "spider/action/scan")
    with pytest.raises(ZapApiError, match="ZAP refused ascan/view/status"):
        expect_digits(None, "ascan/view/status")


def test_target_unreachable_from_zap(pytester, zap, example_url):
    port = free_port()
    zap_project(pytester, target=example_url, proxy=zap.proxy, zap={"target": f"http://127.0.0.1:{port}"})
    assert_usage_error(run(pytester), f"ERROR: dast: ZAP at http://127.0.0.1:* cannot reach the target "
                                      f"http://127.0.0.1:{port}/ (internal_error: Internal Error); ZAP runs on its "
                                      "own network*set dast.zap.target*")


def test_spider_that_does_not_finish_is_stopped_and_partial_results_are_an_error(pytester, zap, example_url):
    zap.spider_stuck_at = 60
    zap.add_alert("10038", "/dashboard")
    zap_project(pytester, target=example_url, proxy=zap.proxy, zap={"spider": {"max_seconds": 0.3}},
                rules="10038\tFAIL\t(CSP)\n10020\tFAIL\t(Anti-clickjacking Header)\n")
    result = run(pytester)
    # the scan item errors, the alert found so far still fails its item, the clean rule is not a pass
    result.assert_outcomes(failed=1, errors=2)
    result.stdout.fnmatch_lines(literal([
        "SetupError: the zap scan of http://127.0.0.1:* is incomplete, so its results are partial: the spider did "
        "not finish within 0.3s (dast.zap.spider.max_seconds) and was stopped*",
    ]))
    result.stdout.fnmatch_lines(literal([
        "*_ ERROR at setup of dast[zap-10020 Missing Anti-clickjacking Header] _*",
        "SetupError: setup untrustworthy: dast[scan] did not pass, so this result cannot be trusted",
    ]))
    result.stdout.fnmatch_lines(literal(["FAILED security-baseline.yaml::dast[zap-10038 *"]))
    assert "spider/action/stop" in zap.endpoints_called()
    assert zap.spiders["0"].stopped


def test_passive_queue_that_never_drains_is_capped(pytester, zap, example_url):
    zap.pscan_stuck = True
    zap_project(pytester, target=example_url, proxy=zap.proxy, zap={"passive_scan": {"max_seconds": 0.3}})
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*the passive scanner still had records to scan after 0.3s*"])


def test_zap_engine_needs_a_live_target(pytester, zap):
    (pytester.path / "security-baseline.yaml").write_text(
        f"version: 1\ntarget: {{app: 'flask:Flask'}}\ndast: {{engine: zap, zap: {{proxy: {zap.proxy}}}}}\n")
    assert_usage_error(run(pytester), "ERROR: dast: engine zap needs a live target*--secure-target URL*")


def test_bad_rules_file_is_named_with_its_line(pytester, zap, example_url):
    zap_project(pytester, target=example_url, proxy=zap.proxy, rules="# ok\n10038\tFAIL\t(CSP)\n10020 WARN (XFO)\n")
    assert_usage_error(run(pytester), "ERROR: dast: *rules.tsv:3: expected `<rule id>\\t<LEVEL>\\t(<name>)` with TABs "
                                      "between the fields, found 0 TAB(s) (the fields are separated by spaces: use TABs)*")
    assert zap.calls == []  # refused before any scan


def test_new_only_without_a_known_file(pytester, zap, example_url):
    zap_project(pytester, target=example_url, proxy=zap.proxy)
    assert_usage_error(run(pytester, "--secure-dast-new-only"),
                       "ERROR: dast: *dast-known.json: no known-findings file*--secure-dast-accept*")


def test_new_only_needs_secure_dast(pytester, zap, example_url):
    zap_project(pytester, target=example_url, proxy=zap.proxy)
    result = pytester.runpytest("--secure", "--secure-dast-new-only", "-p", "no:cacheprovider")
    assert_usage_error(result, "ERROR: dast: --secure-dast-new-only and --secure-dast-accept need --secure-dast")
