"""How a verdict reads, word for word: a failing finding (rule, severity, message, place,
evidence, fix, CWE, a curl line with its credentials masked), an expired waiver, a stale one,
and the count of findings below the threshold. Written from the mutation check
(docs/testing.md): format_finding and format_verdict had no test that read their text."""

import datetime

from pytest_secure.areas import RULES
from pytest_secure.core.baseline.model import Gates, Waiver
from pytest_secure.core.findings import Finding, Request, Severity
from pytest_secure.core.gate import FAILING, Judged, format_finding, format_verdict, judge, waiver_reasons
from pytest_secure.core.redaction import Redactor

TODAY = datetime.date(2027, 3, 2)
FIX = RULES.rule("headers/csp-missing").fix


def test_a_failing_finding_reads_rule_severity_place_evidence_fix_cwe_and_curl():
    request = Request("GET", "https://app.test/", {"Authorization": "Bearer s3cret-token-value"})
    finding = Finding("headers/csp-missing", "no CSP here", "GET /", evidence="(no Content-Security-Policy header)",
                      request=request)
    text = format_finding(Judged(finding, Severity.HIGH, FAILING), RULES, Redactor({"s3cret-token-value"}))
    assert text.splitlines() == [
        "headers/csp-missing [high] no CSP here",
        "  at:        GET /",
        "  evidence:  (no Content-Security-Policy header)",
        f"  fix:       {FIX}",
        "  cwe:       CWE-693",
        "  reproduce: curl -i -X GET https://app.test/ -H 'Authorization: [REDACTED]'",
    ]
    bare = format_finding(Judged(Finding("headers/csp-missing", "m", "GET /x"), Severity.LOW, FAILING), RULES,
                          Redactor())
    assert bare.splitlines() == ["headers/csp-missing [low] m", "  at:        GET /x", f"  fix:       {FIX}",
                                 "  cwe:       CWE-693"]


def test_a_verdict_reads_failures_expired_and_stale_waivers_and_the_warnings_below_the_threshold():
    expired = Waiver(rule="headers/csp-*", reason="legacy", owner="web", expires=datetime.date(2027, 3, 1),
                     place="b.yaml:9:5")
    stale = Waiver(rule="cookies/*", reason="old", owner="web", expires=datetime.date(2030, 1, 1), place="b.yaml:12:5")
    findings = [Finding("headers/csp-missing", "no CSP", "GET /"),
                Finding("headers/hsts-missing", "no HSTS", "GET /", severity=Severity.CRITICAL),
                Finding("headers/server-present", "a Server header", "GET /", severity=Severity.LOW)]
    verdict = judge(findings, gates=Gates(), waivers=[expired, stale], rules=RULES, sole_waivers=[stale], today=TODAY)
    parts = format_verdict(verdict, RULES, Redactor()).split("\n\n")
    assert parts[0].startswith("headers/hsts-missing [critical] no HSTS\n")
    assert parts[1].startswith("waiver expired on 2027-03-01: headers/csp-missing [high] no CSP\n")
    assert parts[1].endswith("\n  waiver:    b.yaml:9:5: renew it with a new expiry, or fix the finding")
    assert parts[2:] == [f"waiver no longer needed, remove it: {stale.label} (b.yaml:12:5) matched nothing here",
                         "(and 1 finding(s) below the fail_on threshold)"]


def test_a_waived_verdict_names_each_waiver_once():
    waiver = Waiver(rule="headers/*", reason="legacy", owner="web", expires=datetime.date(2030, 1, 1), place="b:1:1")
    findings = [Finding("headers/csp-missing", "m", "GET /"), Finding("headers/hsts-missing", "m", "GET /")]
    verdict = judge(findings, gates=Gates(), waivers=[waiver], rules=RULES, today=TODAY)
    assert waiver_reasons(verdict, Redactor()) == waiver.describe()
