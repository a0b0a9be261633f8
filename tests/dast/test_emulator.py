"""The emulator keeps the ZAP API contract (shared/reference/zap-api.md), so that passing
against it means something: wire forms, key handling, envelopes, errors, quirks, and the
record of calls the real API does not have."""

from __future__ import annotations

import pytest
import requests
import zapv2

from tests.dast.zap_emulator import Message, ZapEmulator

KEY = "k-123456"


@pytest.fixture
def emu():
    with ZapEmulator(api_key=KEY) as emulator:
        yield emulator


def client(emu, key=KEY, validate=True):
    return zapv2.ZAPv2(proxies={"http": emu.proxy, "https": emu.proxy}, apikey=key, validate_status_code=validate)


def test_proxy_form_through_the_real_client_and_origin_form(emu):
    assert client(emu).core.version == "2.16.1"
    direct = requests.get(f"{emu.proxy}/JSON/core/view/version", headers={"X-ZAP-API-Key": KEY}, timeout=5)
    assert direct.json() == {"version": "2.16.1"}
    assert direct.headers["Content-Type"] == "application/json; charset=UTF-8"
    by_param = requests.post(f"{emu.proxy}/JSON/core/view/version/", data={"apikey": KEY}, timeout=5)
    assert by_param.json() == {"version": "2.16.1"}


def test_wrong_key_drops_the_connection_as_zap_does(emu):
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        _ = client(emu, key="wrong").core.version
    assert "RemoteDisconnected" in repr(info.value) or "Connection aborted" in repr(info.value)
    with ZapEmulator(api_key=KEY, report_perm_errors=True) as loud:
        answer = requests.get(f"{loud.proxy}/JSON/core/view/version/", timeout=5)
        assert (answer.status_code, answer.json()["code"]) == (400, "bad_api_key")


def test_values_are_strings_and_scans_progress_over_polls(emu):
    zap = client(emu)
    assert zap.context.new_context(contextname="c") == "2"  # "Default Context" is 1
    assert zap.context.include_in_context(contextname="c", regex="http://127.0.0.1.*") == "OK"
    scan = zap.spider.scan(url="http://127.0.0.1:9/", contextname="c")
    assert scan == "0"
    statuses = [zap.spider.status(scanid=scan) for _ in range(4)]
    assert statuses == ["40", "80", "100", "100"]
    assert zap.pscan.records_to_scan.isdigit()


def test_errors_have_zap_codes_and_statuses(emu):
    loose = client(emu, validate=False)
    # the client's default swallows errors: the first value, i.e. the code, comes back as a string
    assert loose.ascan.scan(url="http://127.0.0.1:9/never-seen") == "url_not_found"
    assert loose.spider.status(scanid="7") == "does_not_exist"
    answer = requests.get(f"{emu.proxy}/JSON/core/action/accessUrl/?url=http://127.0.0.1:1/",
                          headers={"X-ZAP-API-Key": KEY}, timeout=10)
    assert answer.status_code == 500 and answer.json() == {"code": "internal_error", "message": "Internal Error"}
    other = requests.get(f"{emu.proxy}/OTHER/core/other/nosuch/", headers={"X-ZAP-API-Key": KEY}, timeout=5)
    assert other.status_code == 400 and other.content == b""
    assert client(emu).replacer.add_rule(description="d", enabled="TRUE", matchtype="REQ_HEADER", matchregex=False,
                                         matchstring="X", replacement="v") == "OK"  # booleans in any case
    with pytest.raises(Exception, match="400.*illegal_parameter"):
        client(emu).replacer.add_rule(description="e", enabled="yes", matchtype="REQ_HEADER", matchregex=False,
                                      matchstring="X")


def test_calls_the_real_api_does_not_have_are_recorded(emu):
    zap = client(emu, validate=False)
    zap.core.alerts(baseurl="http://x", start=1)
    assert emu.violations == []
    zap.alert.alerts(falsepositive=True)  # a 2.17 parameter on a 2.16 ZAP
    zap.stats.all_sites_stats()  # a component this ZAP emulation does not serve
    requests.get(f"{emu.proxy}/JSON/spider/action/scan/?url=http://127.0.0.1:9/&maxDepth=3",
                 headers={"X-ZAP-API-Key": KEY}, timeout=5)
    assert emu.violations == [
        "alert/view/alerts: parameter falsePositive needs ZAP 2.17",
        "stats/view/allSitesStats: no such endpoint in the ZAP API",
        "spider/action/scan: no parameter 'maxDepth' in the real API",
    ]


def test_alert_objects_have_the_real_fields(emu):
    emu.add_alert("10038", "/")
    zap = client(emu)
    emu._passive(Message(1, "GET", "http://127.0.0.1:9/", 200, [("Content-Type", "text/html")], "", {}))
    alerts = zap.alert.alerts(baseurl="http://127.0.0.1:9")
    ids = {a["pluginId"] for a in alerts}
    assert {"10038", "10020", "10021"} <= ids
    alert = next(a for a in alerts if a["pluginId"] == "10038")
    assert {"id", "pluginId", "alertRef", "alert", "name", "description", "risk", "confidence", "url", "method",
            "other", "param", "attack", "evidence", "inputVector", "reference", "cweid", "wascid", "sourceid",
            "solution", "messageId", "sourceMessageId", "tags"} <= set(alert)
    assert isinstance(alert["sourceMessageId"], int) and isinstance(alert["tags"], dict)
    assert alert["alertRef"] == "10038-1" and alert["risk"] == "Medium" and alert["confidence"] == "High"
    summary = zap.alert.alerts_summary(baseurl="http://127.0.0.1:9")
    assert isinstance(summary["Medium"], int)
