"""A nightly ZAP run on the example reporting service, through the emulator: pytest items,
SARIF and exit code in the pass, warn, fail, waived and new-only cases."""

from __future__ import annotations

import json

from tests.dast.helpers import ZAP_KEY, literal, zap_project

RULES = """\
    # zap-baseline.py rules file, as a team keeps it
    10038\tFAIL\t(Content Security Policy (CSP) Header Not Set)
    10020\tWARN\t(Anti-clickjacking Header)
    10021\tWARN\t(X-Content-Type-Options Header Missing)
    10027\tIGNORE\t(Information Disclosure - Suspicious Comments)
    """


def run(pytester, *args):
    return pytester.runpytest("--secure", "--secure-dast", "--secure-sarif=out.sarif", "-p", "no:cacheprovider",
                              "-rA", *args)


def sarif(pytester):
    return json.loads((pytester.path / "out.sarif").read_text())["runs"][0]


def test_pass_clean_scan_gives_passing_items_for_the_rules_file(pytester, zap, example_url):
    zap_project(pytester, target=example_url, proxy=zap.proxy, rules=RULES)
    result = run(pytester)
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(literal([
        "*dast: ZAP 2.16.1 at http://127.0.0.1:*, scanning http://127.0.0.1:*",
        "*PASSED security-baseline.yaml::dast[scan]",
        "*PASSED security-baseline.yaml::dast[zap-10020 Missing Anti-clickjacking Header]",
        "*PASSED security-baseline.yaml::dast[zap-10021 X-Content-Type-Options Header Missing]",
        "*PASSED security-baseline.yaml::dast[zap-10038 Content Security Policy (CSP) Header Not Set]",
    ]))
    assert result.ret == 0
    assert sarif(pytester)["results"] == []
    # the scan was authenticated: ZAP fetched the viewer-only pages with the viewer's token
    dashboard = [h for url, h in zap.fetched if url.endswith("/dashboard")]
    assert dashboard and all(h.get("Authorization", "").startswith("Bearer ") for h in dashboard)
    token = dashboard[0]["Authorization"][7:]
    assert token not in result.stdout.str() and token not in (pytester.path / "out.sarif").read_text()
    assert ZAP_KEY not in result.stdout.str()
    # and it cleaned up after itself: no credential left in ZAP
    assert zap.replacer == {}
    assert zap.endpoints_called().count("spider/action/scan") == 1


def test_warn_alerts_below_the_gate_pass_and_are_listed_as_warnings(pytester, zap, example_url):
    zap.add_alert("10021", "/login", param="x-content-type-options")
    zap.add_alert("10021", "/dashboard", param="x-content-type-options")
    zap_project(pytester, target=example_url, proxy=zap.proxy, rules=RULES)
    result = run(pytester)
    result.assert_outcomes(passed=4)
    assert result.ret == 0
    result.stdout.fnmatch_lines(literal([
        "warnings (below fail_on=medium):",
        "  dast/zap-10021 [low] GET http://127.0.0.1:*/dashboard: X-Content-Type-Options Header Missing "
        "(parameter 'x-content-type-options')",
    ]))
    results = sarif(pytester)["results"]
    assert {(r["ruleId"], r["level"]) for r in results} == {("dast/zap-10021", "warning")}
    assert sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[1]
                  for r in results) == ["dashboard", "login"]


def test_fail_alert_at_the_gate_fails_its_item_with_urls_params_evidence(pytester, zap, example_url):
    zap.add_alert("10038", "/reports")
    zap.add_alert("40018", "/reports", phase="active", param="q", attack="' OR '1'='1",
                  evidence="You have an error in your SQL syntax")
    zap_project(pytester, target=example_url, proxy=zap.proxy, rules=RULES, dast={"unlisted_rules": "keep"},
                zap={"active": {"max_seconds": 30}, "ajax_spider": {"max_seconds": 30}})
    result = run(pytester)
    result.assert_outcomes(passed=3, failed=2)
    assert result.ret == 1
    result.stdout.fnmatch_lines(literal([
        "*_ dast[zap-40018 SQL Injection] _*",
        "dast/zap-40018 [high] SQL Injection (parameter 'q')",
        "  at:        GET http://127.0.0.1:*/reports",
        "  evidence:  attack: ' OR '1'='1; evidence: You have an error in your SQL syntax; "
        "risk High, confidence Medium, alert 40018",
        "  fix:       Use parameterised queries*",
        "  cwe:       CWE-89",
        "  reproduce: curl -i -X GET http://127.0.0.1:*/reports",
    ]))
    # FAIL in the rules file lifts CSP's alert (Medium/High: medium) to the gate
    result.stdout.fnmatch_lines(literal(["FAILED security-baseline.yaml::dast[zap-10038 Content Security Policy "
                                         "(CSP) Header Not Set]*"]))
    levels = {(r["ruleId"], r["level"], r["properties"]["severity"]) for r in sarif(pytester)["results"]}
    assert levels == {("dast/zap-40018", "error", "high"), ("dast/zap-10038", "error", "medium")}
    ascan = zap.params_of("ascan/action/scan")
    assert len(ascan) == 1 and ascan[0]["contextId"] == "2" and ascan[0]["url"] == example_url
    ajax = zap.params_of("ajaxSpider/action/scan")
    assert ajax == [{"url": example_url, "inScope": "True", "contextName": "pytest-secure"}]


def test_waived_alerts_are_xfailed_and_a_stale_waiver_fails(pytester, zap, example_url):
    zap.add_alert("10038", "/dashboard")
    zap_project(pytester, target=example_url, proxy=zap.proxy, rules=RULES, top={"waivers": [
        {"rule": "dast/zap-10038", "where": "/dashboard", "reason": "legacy dashboard, CSP rollout planned",
         "owner": "web-team", "ticket": "SEC-42", "expires": "2099-01-31"},
        {"rule": "dast/zap-10020", "reason": "was fixed last month", "owner": "web-team", "expires": "2099-01-31"},
    ]})
    result = run(pytester)
    result.assert_outcomes(passed=2, xfailed=1, failed=1)
    result.stdout.fnmatch_lines(literal([
        "XFAIL security-baseline.yaml::dast[zap-10038 Content Security Policy (CSP) Header Not Set] - waived by "
        "web-team, ticket SEC-42 until 2099-01-31: legacy dashboard, CSP rollout planned",
    ]))
    result.stdout.fnmatch_lines(literal(["waiver no longer needed, remove it: dast/zap-10020*"]))
    statuses = {(r["ruleId"], r["properties"]["status"]) for r in sarif(pytester)["results"]}
    assert statuses == {("dast/zap-10038", "waived")}
    assert sarif(pytester)["results"][0]["suppressions"][0]["status"] == "accepted"


def test_new_only_fails_new_alerts_and_xfails_known_ones(pytester, zap, example_url):
    zap.add_alert("10038", "/dashboard")
    zap.add_alert("10020", "/dashboard", param="x-frame-options")
    zap_project(pytester, target=example_url, proxy=zap.proxy, rules=RULES)
    accepted = run(pytester, "--secure-dast-accept")
    assert accepted.ret == 1  # the accepting run itself is judged normally
    accepted.stdout.fnmatch_lines(["*dast: wrote 2 known finding(s) to *dast-known.json; review and commit it"])
    known = (pytester.path / "dast-known.json").read_text()
    assert '"rule": "dast/zap-10038", "where": "GET /dashboard"' in known
    assert "127.0.0.1" not in known  # fingerprints leave the host out: staging may move

    # the next night: the same alerts, and a new CSP alert on /reports
    zap.add_alert("10038", "/reports")
    result = run(pytester, "--secure-dast-new-only")
    result.assert_outcomes(passed=2, xfailed=1, failed=1)
    assert result.ret == 1
    failure = result.stdout.str().split("_ dast[zap-10038", 1)[1].split("short test summary")[0]
    assert "/reports" in failure and "/dashboard" not in failure
    result.stdout.fnmatch_lines(literal([
        "XFAIL security-baseline.yaml::dast[zap-10020 Missing Anti-clickjacking Header] - known finding, accepted in "
        "*dast-known.json:*; with --secure-dast-new-only only new findings fail",
    ]))
    statuses = sorted((r["ruleId"], r["properties"]["status"]) for r in sarif(pytester)["results"])
    assert statuses == [("dast/zap-10020", "waived"), ("dast/zap-10038", "failing"), ("dast/zap-10038", "waived")]

    # without the new alert, everything known: the run passes with xfails only
    zap.canned.pop()
    quiet = run(pytester, "--secure-dast-new-only")
    quiet.assert_outcomes(passed=2, xfailed=2)
    assert quiet.ret == 0


def test_dast_does_not_run_without_the_option(pytester, zap, example_url):
    zap_project(pytester, target=example_url, proxy=zap.proxy, rules=RULES)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    assert result.ret == 5  # nothing collected: the baseline has only a dast section
    assert zap.calls == []


def test_json_report_of_zap_is_kept_on_request(pytester, zap, example_url):
    zap.add_alert("10021", "/login", param="x-content-type-options")
    zap_project(pytester, target=example_url, proxy=zap.proxy, zap={"report": "artifacts/zap-report.json"})
    result = run(pytester)
    assert result.ret == 0
    report = json.loads((pytester.path / "artifacts" / "zap-report.json").read_text())
    assert report["@programName"] == "ZAP"
    assert [a["pluginid"] for site in report["site"] for a in site["alerts"]] == ["10021"]


def test_under_xdist_the_scan_runs_once_and_every_worker_reports_it(pytester, zap, example_url):
    zap.add_alert("10038", "/dashboard")
    zap_project(pytester, target=example_url, proxy=zap.proxy, rules=RULES)
    result = pytester.runpytest_subprocess("--secure", "--secure-dast", "-n", "2", "-p", "no:cacheprovider", "-rA",
                                           "--secure-json=out.json")
    result.assert_outcomes(passed=3, failed=1)
    calls = zap.endpoints_called()
    assert calls.count("core/view/version") == 1 and calls.count("spider/action/scan") == 1
    report = json.loads((pytester.path / "out.json").read_text())
    assert [f["rule_id"] for f in report["findings"]] == ["dast/zap-10038"]
    result.stdout.fnmatch_lines(literal(["FAILED security-baseline.yaml::dast[zap-10038 *"]))


def test_an_alert_whose_rule_the_rules_file_does_not_list_is_a_warning(pytester, zap, example_url):
    """As zap-baseline.py counts it (zap_common.inc_warn_rules): unlisted -> WARN, below the gate."""
    zap.add_alert("40018", "/reports", phase="active", param="q", evidence="You have an error in your SQL syntax")
    zap_project(pytester, target=example_url, proxy=zap.proxy, rules=RULES, zap={"active": {"max_seconds": 30}})
    result = run(pytester)
    assert result.ret == 0
    levels = {(r["ruleId"], r["level"], r["properties"]["severity"]) for r in sarif(pytester)["results"]}
    assert ("dast/zap-40018", "warning", "low") in levels


def test_zap_baseline_progress_file_is_read_as_known_findings(pytester, zap, example_url):
    """zap-baseline.py -p progress.json: an in-progress issue covers every finding of its rule;
    a rule whose issue is in another state still fails."""
    zap.add_alert("10038", "/dashboard")
    zap.add_alert("10038", "/reports")
    zap.add_alert("10010", "/dashboard", param="tracking", evidence="Set-Cookie: tracking")
    (pytester.path / "progress.json").write_text(
        '{"site": "staging", "issues": [\n'
        '  {"id": "10038", "name": "CSP", "state": "inprogress", "link": "https://tracker.example/SEC-1"},\n'
        '  {"id": "10010", "name": "HttpOnly", "state": "done", "link": ""}\n]}\n')
    zap_project(pytester, target=example_url, proxy=zap.proxy, rules=RULES + "10010\tFAIL\t(Cookie No HttpOnly)\n",
                dast={"known": "progress.json"})
    result = run(pytester, "--secure-dast-new-only")
    assert result.ret == 1
    result.stdout.fnmatch_lines(literal([
        "XFAIL security-baseline.yaml::dast[zap-10038 Content Security Policy (CSP) Header Not Set] - rule in "
        "progress in the zap-baseline.py progress file *progress.json:2 (https://tracker.example/SEC-1)*",
        "FAILED security-baseline.yaml::dast[zap-10010 *"]))
