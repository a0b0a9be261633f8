"""A waiver's ``expires`` is the last day it holds (docs/baseline.md): the day before and the day
itself it waives, the day after it fails its items. "Today" is the local date of the machine that
runs pytest (its TZ), the same rule for every waiver of a run."""

import datetime
import json
import zoneinfo

import pytest

from pytest_secure.areas import RULES
from pytest_secure.core.baseline.model import Gates, Waiver
from pytest_secure.core.findings import Finding, Severity
from pytest_secure.core.gate import EXPIRED, FAILED, WAIVED, WARNING, XFAILED, Judged, judge
from tests.core.project import make_project

EXPIRES = datetime.date(2027, 3, 1)  # the day after February's last day: month and year edges too


@pytest.mark.parametrize(("today", "status", "outcome"), [
    (EXPIRES - datetime.timedelta(days=1), WAIVED, XFAILED),
    (EXPIRES, WAIVED, XFAILED),
    (EXPIRES + datetime.timedelta(days=1), EXPIRED, FAILED),
], ids=["day-before", "the-day", "day-after"])
def test_the_expiry_day_is_the_last_day_the_waiver_holds(today, status, outcome):
    waiver = Waiver(rule="headers/csp-*", reason="legacy", owner="web", expires=EXPIRES, place="b.yaml:9:5")
    assert waiver.expired(today) is (status == EXPIRED)
    finding = Finding("headers/csp-missing", "m", "GET /")
    other = Finding("headers/hsts-missing", "m", "GET /", severity=Severity.LOW)  # no waiver covers it
    verdict = judge([finding], gates=Gates(), waivers=[waiver], rules=RULES, sole_waivers=[waiver], today=today)
    assert verdict.outcome == outcome
    assert verdict.judged == (Judged(finding, Severity.HIGH, status, waiver),)  # the rule's own severity: high
    assert verdict.used_waivers == [waiver] and verdict.stale == ()  # it matched: not stale
    both = judge([finding, other], gates=Gates(), waivers=[waiver], rules=RULES, today=today)
    assert both.judged[1] == Judged(other, Severity.LOW, WARNING)
    assert both.outcome == outcome  # low is below the default fail_on (high): a warning, not a failure


BASELINE = """
    version: 1
    target: {{app: "{{app}}"}}
    headers:
      paths: [/]
      rules:
        X-Pytest-Secure-Planted: {{required: true}}
    waivers:
      - {{rule: headers/other-missing, reason: planted, owner: tests, expires: {expires}}}
    """
# UTC+14 and UTC-12: for most of any day their local dates differ from each other (and from UTC)
ZONES = ["Pacific/Kiritimati", "Etc/GMT+12"]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize(("shift", "outcome", "code"), [(-1, "failed", 1), (0, "xfailed", 0), (1, "xfailed", 0)],
                         ids=["expired-yesterday", "expires-today", "expires-tomorrow"])
def test_a_run_judges_the_expiry_by_the_local_date(pytester, monkeypatch, zone, shift, outcome, code):
    today = datetime.datetime.now(zoneinfo.ZoneInfo(zone)).date()
    make_project(pytester, BASELINE.format(expires=today + datetime.timedelta(days=shift)))
    monkeypatch.setenv("TZ", zone)
    report = pytester.path / "report.json"
    result = pytester.runpytest_subprocess("--secure", "-p", "no:cacheprovider", f"--secure-json={report}")
    if datetime.datetime.now(zoneinfo.ZoneInfo(zone)).date() != today:
        pytest.skip("the local date changed during the run")  # a run across midnight judges the new day
    assert result.ret == code, result.stdout.str()[-3000:]
    checks = json.loads(report.read_text())["checks"]
    assert [(c["area"], c["outcome"], [f["rule_id"] for f in c["findings"]]) for c in checks] == [
        ("headers", outcome, ["headers/other-missing"])]
