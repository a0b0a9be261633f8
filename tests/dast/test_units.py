"""The DAST building blocks one by one: severity mapping, alerts, paging, rules file, known
findings, scope patterns, the result's trip to xdist workers, the Automation Framework plan."""

from __future__ import annotations

import re

import pytest
import yaml

from pytest_secure.core.findings import Finding, Severity
from pytest_secure.core.scope import scope_regexes
from pytest_secure.dast.alerts import Alert, deduplicate, severity_of, to_finding
from pytest_secure.dast.config import ZapSettings
from pytest_secure.dast.known import KnownFinding, fingerprint, known_waivers, read_known, write_known
from pytest_secure.dast.progress import Progress
from pytest_secure.dast.result import RuleGroup, ScanResult
from pytest_secure.dast.rules_file import RulesFileError, parse_rules
from pytest_secure.dast.zap_client import connect
from pytest_secure.dast.zap_scan import ZapScan
from tests.dast.helpers import ZAP_KEY, zap_project
from tests.dast.zap_emulator import Message


def api_alert(**fields):
    data = {"id": "1", "pluginId": "10038", "alertRef": "10038-1", "alert": "CSP Header Not Set",
            "name": "Content Security Policy (CSP) Header Not Set", "risk": "Medium", "confidence": "High",
            "url": "http://app:8000/a?x=1", "method": "GET", "param": "", "attack": "", "evidence": "", "other": "",
            "cweid": "693", "wascid": "15", "sourceid": "3", "solution": "<p>Set a &quot;CSP&quot;.</p>",
            "description": "<p>No CSP.</p>", "messageId": "4", "sourceMessageId": 4, "tags": {"CWE-693": "u"}}
    data.update(fields)
    return data


@pytest.mark.parametrize(("risk", "confidence", "expected"), [
    ("High", "Confirmed", Severity.CRITICAL), ("High", "High", Severity.HIGH), ("High", "Medium", Severity.HIGH),
    ("High", "Low", Severity.MEDIUM), ("Medium", "High", Severity.MEDIUM), ("Medium", "Low", Severity.LOW),
    ("Low", "Medium", Severity.LOW), ("Low", "Low", Severity.INFO), ("Informational", "High", Severity.INFO),
])
def test_risk_and_confidence_map_to_severity(risk, confidence, expected):
    assert severity_of(risk, confidence) == expected


def test_alert_from_the_api_object():
    alert = Alert.from_api(api_alert(cweid="-1"))
    assert (alert.rule_id, alert.alert_ref, alert.cwe, alert.solution) == ("dast/zap-10038", "10038-1", None,
                                                                          'Set a "CSP".')
    finding = to_finding(alert, alert.severity, note="see wiki/CSP")
    assert finding.location == "GET http://app:8000/a?x=1"
    assert finding.message == "Content Security Policy (CSP) Header Not Set [see wiki/CSP]"
    assert finding.key == "10038-1|" and finding.severity == Severity.MEDIUM


def test_deduplicate_by_id_and_by_place():
    a = Alert.from_api(api_alert())
    again = Alert.from_api(api_alert())  # the same alert on two pages (1-based start)
    same_place = Alert.from_api(api_alert(id="9"))  # ZAP < 2.17: one alert per message
    other_param = Alert.from_api(api_alert(id="10", param="q"))
    assert deduplicate([a, again, same_place, other_param]) == [a, other_param]


def test_alerts_are_paged_with_the_one_based_start(zap):
    for i in range(10):
        zap._raise("10021", Message(i + 1, "GET", f"http://127.0.0.1:9/p{i}", 200, [], "", {}))
    zap.alerts[3]["confidence"] = "False Positive"  # ZAP hides false positives
    scan = ZapScan(ZapSettings(proxy=zap.proxy, api_key=ZAP_KEY, page_size=3), target="http://127.0.0.1:9",
                   scope=("127.0.0.1",), seeds=["/"], openapi=None, auth_headers={}, progress=Progress())
    scan.zap = connect(zap.proxy, ZAP_KEY, 5)
    alerts = scan._read_alerts()
    assert [a.url[-2:] for a in alerts] == ["p0", "p1", "p2", "p4", "p5", "p6", "p7", "p8", "p9"]
    assert [p["start"] for p in zap.params_of("alert/view/alerts")] == ["1", "4", "7", "10"]
    # the naive loop (start 0, 3, 6, ...) returns the first page's last alert again: start=3 is the 3rd alert
    naive = [zap._paged({"start": str(s), "count": "3"})["alerts"] for s in (0, 3, 6, 9)]
    urls = [a["url"][-2:] for page in naive for a in page]
    assert urls == ["p0", "p1", "p2", "p2", "p4", "p5", "p6", "p7", "p8", "p9"]


RULES = (
    "# header\n"
    "10038\tFAIL\t(Content Security Policy (CSP) Header Not Set)\tsee the CSP wiki page\n"
    "10020\tWARN\t(Anti-clickjacking Header)\n"
    "10020-1\tINFO\t(Missing XFO)\n"
    "10027\tIGNORE\t(Suspicious Comments)\n"
    "10096\tPASS\t(Timestamp Disclosure)\n"
    "\n"
    "10021,10037\tOUTOFSCOPE\t.*\\.js\n"
    "*\tOUTOFSCOPE\thttp://app:8000/static/.*\n"
)


def test_rules_file_levels_as_zap_baseline_reads_them():
    rules = parse_rules(RULES)
    assert rules.levels["10038"].message == "see the CSP wiki page"
    assert rules.levels["10038"].name == "Content Security Policy (CSP) Header Not Set"
    medium = Severity.MEDIUM

    def adjust(**fields):
        return rules.adjust(Alert.from_api(api_alert(**fields)), medium)

    assert adjust(risk="Low", confidence="Medium") == Severity.MEDIUM  # FAIL: lifted to the gate
    assert adjust(risk="High") == Severity.HIGH  # FAIL keeps a higher severity
    assert adjust(pluginId="10020", alertRef="10020-2", risk="High") == Severity.LOW  # WARN: below the gate
    assert adjust(pluginId="10020", alertRef="10020-1") == Severity.INFO  # its alert reference's own line wins
    assert adjust(pluginId="10027") is None and adjust(pluginId="10096") is None
    # not listed: a WARN, as zap-baseline.py counts it (zap_common.inc_warn_rules), so below the gate
    assert adjust(pluginId="10055", risk="High") == Severity.LOW
    assert adjust(pluginId="10055", risk="Low") == Severity.LOW
    from dataclasses import replace

    keep = replace(rules, unlisted=None)  # dast.unlisted_rules: keep -> ZAP's own risk
    assert keep.adjust(Alert.from_api(api_alert(pluginId="10055", risk="High")), medium) == Severity.HIGH
    assert replace(rules, unlisted="FAIL").adjust(Alert.from_api(api_alert(pluginId="10055", risk="Low")),
                                                  medium) == Severity.MEDIUM
    # OUTOFSCOPE: re.match against the URL, so anchored at the start
    assert adjust(pluginId="10021", url="http://app:8000/app.js") is None
    assert adjust(pluginId="10021", url="http://app:8000/app.css") is not None
    assert adjust(pluginId="10038", url="http://app:8000/app.js") is not None  # not one of its rules
    assert adjust(pluginId="10038", url="http://app:8000/static/x.css") is None  # *: every rule
    assert parse_rules("10021\tOUTOFSCOPE\t\\.js\n").adjust(
        Alert.from_api(api_alert(pluginId="10021", url="http://app/a.js")), medium) is not None


@pytest.mark.parametrize(("text", "message"), [
    ("10038\tFAIL\n", r"rules.tsv:1: expected `<rule id>\\t<LEVEL>\\t\(<name>\)`.*found 1 TAB"),
    ("10038\tfail\t(x)\n", r"rules.tsv:1: level 'fail' of rule 10038: expected one of PASS, IGNORE, INFO, WARN, FAIL"),
    ("# c\nCSP\tFAIL\t(x)\n", r"rules.tsv:2: 'CSP' is not a ZAP rule id"),
    ("10021\tOUTOFSCOPE\t([a-\n", r"rules.tsv:1: OUTOFSCOPE URL pattern .* is not a valid regular expression"),
    ("js\tOUTOFSCOPE\t.*\n", r"rules.tsv:1: OUTOFSCOPE needs `\*` or comma-separated rule ids"),
])
def test_rules_file_errors_name_the_line(text, message, tmp_path):
    with pytest.raises(RulesFileError, match=message):
        parse_rules(text, tmp_path / "rules.tsv")


def finding(location, key="10038-1|", rule="dast/zap-10038"):
    return Finding(rule, "m", location, key=key)


def test_fingerprints_leave_out_host_and_values_but_keep_place_and_param():
    base = fingerprint(finding("GET http://staging-1:8000/a?x=1&y=2"))
    assert fingerprint(finding("GET https://staging-2/a?y=9&x=3")) == base
    assert fingerprint(finding("POST http://staging-1:8000/a?x=1&y=2")) != base
    assert fingerprint(finding("GET http://staging-1:8000/a?x=1")) != base
    assert fingerprint(finding("GET http://staging-1:8000/a?x=1&y=2", key="10038-1|q")) != base
    assert fingerprint(finding("GET /a?x=1&y=2")) == base  # built-in engine locations have no host


def test_known_file_round_trip_and_its_waivers(tmp_path):
    path = tmp_path / "known.json"
    findings = [finding("GET http://a/x"), finding("GET http://b/x"), finding("GET http://a/y")]
    import datetime

    assert write_known(path, findings, "zap", datetime.date(2026, 11, 29)) == 2
    entries = [{**e, "path": str(path)} for e in read_known(path)]
    assert [e["where"] for e in entries] == ["GET /x", "GET /y"]
    waivers = known_waivers(entries)
    assert all(isinstance(w, KnownFinding) for w in waivers)
    assert waivers[0].matches(finding("GET http://c/x")) and not waivers[0].matches(finding("GET http://c/z"))
    assert not waivers[0].covers("dast/zap-10038", "/x")  # never stale
    assert waivers[0].place == f"{path}:{entries[0]['line']}" and entries[0]["line"] > 1
    path.write_text("{not json")
    with pytest.raises(Exception, match="not a known-findings file"):
        read_known(path)


def test_scope_entries_become_context_patterns():
    patterns = scope_regexes(("127.0.0.1", "*.example.com", "api.local:8443"))
    assert re.fullmatch(patterns[0], "http://127.0.0.1:5000/a") and re.fullmatch(patterns[0], "https://127.0.0.1")
    assert not re.fullmatch(patterns[0], "http://127.0.0.10/")
    assert re.fullmatch(patterns[1], "https://www.example.com/x") and not re.fullmatch(patterns[1], "http://example.org/")
    assert re.fullmatch(patterns[2], "https://api.local:8443/") and not re.fullmatch(patterns[2], "https://api.local/")


def test_result_survives_the_trip_to_workers():
    from pytest_secure.core.findings import Severity
    from pytest_secure.core.rules import Rule
    from pytest_secure.dast.checks import checks_from_result

    result = ScanResult("zap", "http://t", groups=[RuleGroup("dast/zap-99999", "zap-99999 Odd", [
        Finding("dast/zap-99999", "odd", "GET http://t/", key="99999|")])],
        rules=[Rule("dast/zap-99999", "Odd", Severity.LOW, None, "f")],
        incomplete=["x"], notes=["n"], known=[{"fingerprint": "f", "path": "p", "line": 2}])
    back = ScanResult.from_json(result.to_json())
    assert back.groups[0].findings[0].severity is None  # the rule's default still applies
    assert back.rules == result.rules  # the scan's own rules, for the run's rule table
    assert [r.title for c in checks_from_result(back) for r in c.defines] == ["Odd"]
    assert (back.incomplete, back.known) == (["x"], result.known)


def test_zap_plan_is_written_without_scanning(pytester, zap, example_url):
    zap_project(pytester, target=example_url, proxy=zap.proxy, rules=RULES,
                zap={"active": {"policy": "API", "max_seconds": 600}, "ajax_spider": True, "report": "r/zap.json"})
    result = pytester.runpytest("--secure", "--secure-zap-plan=plans/zap.yaml", "--collect-only", "-q",
                                "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*dast: wrote the ZAP Automation Framework plan *plans/zap.yaml"])
    assert zap.calls == []
    text = (pytester.path / "plans" / "zap.yaml").read_text()
    assert text.startswith("# ZAP Automation Framework plan written by pytest-secure")
    assert "viewer-demo-pw" not in text and ZAP_KEY not in text
    plan = yaml.safe_load(text)
    context = plan["env"]["contexts"][0]
    from pytest_secure.dast.config import DESTRUCTIVE_URL_REGEX

    # the rules file's OUTOFSCOPE line, then the logout/delete URLs ZAP must never visit
    assert context["urls"] == [example_url]
    assert context["excludePaths"] == ["http://app:8000/static/.*", DESTRUCTIVE_URL_REGEX]
    jobs = {j["type"]: j for j in plan["jobs"]}
    # ZAP filters only alerts raised after the filter exists (AlertFilterJob.java: Order.CONFIGS), so the
    # alertFilter job comes right after passiveScan-config, before anything sends a request
    assert [j["type"] for j in plan["jobs"]] == [
        "passiveScan-config", "alertFilter", "requestor", "openapi", "spider", "spiderAjax", "passiveScan-wait",
        "activeScan", "passiveScan-wait", "outputSummary", "report", "report"]
    # the replacer job copies replacementString verbatim (ReplacerJob.java), so authentication goes through
    # ZAP's own auth-header environment variables (HttpSenderAuthHeaderListener.java), named in the header
    assert "replacer" not in jobs and "${" not in text
    assert "#   ZAP_AUTH_HEADER=Authorization  ZAP_AUTH_HEADER_SITE=127.0.0.1\n" in text
    assert "#   ZAP_AUTH_HEADER_VALUE=<the 'viewer' identity's Authorization value" in text
    assert "WARNING" not in text
    assert jobs["activeScan"]["parameters"] == {"context": "pytest-secure", "maxScanDurationInMins": 10,
                                                "policy": "API"}
    assert jobs["passiveScan-config"]["rules"] == [{"id": 10027, "threshold": "off"}]
    assert {(r["id"], r["action"]) for r in jobs["outputSummary"]["rules"]} == {
        (10038, "FAIL"), (10020, "WARN"), (10027, "IGNORE")}
    assert jobs["alertFilter"]["alertFilters"][0] == {"ruleId": 10021, "newRisk": "False Positive",
                                                      "url": ".*\\.js", "urlRegex": True}


def test_zap_plan_warns_when_auth_or_filters_cannot_be_exported(pytester, zap, example_url):
    """Two credential headers: ZAP's auth-header variables carry one, so the plan says the rest is lost;
    a negative rule id is refused by ZAP's alertFilter job, so it is left out with a warning."""
    zap_project(pytester, target=example_url, proxy=zap.proxy,
                rules=RULES + "-1,10021\tOUTOFSCOPE\t.*\\.css\n",
                top={"identities": {"viewer": {"bearer": "${VIEWER_PW:-viewer-demo-pw}",
                                               "headers": {"X-Tenant": "acme"}}}})
    result = pytester.runpytest("--secure", "--secure-zap-plan=zap.yaml", "--collect-only", "-q",
                                "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines([
        "*dast: WARNING (plan): ZAP applies one auth header and the identity 'viewer' needs Authorization, "
        "X-Tenant; the plan sends only Authorization*",
        "*dast: WARNING (plan): ZAP's alertFilter job refuses negative rule ids*-1*",
        "*dast: wrote the ZAP Automation Framework plan*"])
    text = (pytester.path / "zap.yaml").read_text()
    assert "viewer-demo-pw" not in text and "acme" not in text
    assert "# WARNING: ZAP applies one auth header" in text
    filters = next(j for j in yaml.safe_load(text)["jobs"] if j["type"] == "alertFilter")["alertFilters"]
    assert sorted((f["ruleId"], f["url"]) for f in filters) == [
        (10021, ".*\\.css"), (10021, ".*\\.js"), (10037, ".*\\.js")]


def test_zap_plan_of_an_anonymous_scan_says_so(pytester, zap, example_url):
    zap_project(pytester, target=example_url, proxy=zap.proxy, dast={"identity": "anonymous"})
    result = pytester.runpytest("--secure", "--secure-zap-plan=zap.yaml", "--collect-only", "-q",
                                "-p", "no:cacheprovider")
    result.stdout.no_fnmatch_line("*WARNING*")
    text = (pytester.path / "zap.yaml").read_text()
    assert "# Authentication: none (the scan identity is anonymous)." in text and "ZAP_AUTH" not in text
