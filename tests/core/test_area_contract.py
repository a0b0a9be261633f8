"""The area contract: every area is listed, declares its rules as data, and the rule table is
the same however the package was imported; the gate judges without editing findings."""

import datetime
import subprocess
import sys

import pytest

from pytest_secure.areas import AREAS, RULES
from pytest_secure.core.baseline.model import Gates, Waiver
from pytest_secure.core.findings import Finding, Severity
from pytest_secure.core.gate import EXPIRED, FAILED, FAILING, PASSED, WAIVED, WARNING, XFAILED, judge
from pytest_secure.core.records import CheckRecord
from pytest_secure.core.redaction import Redactor
from pytest_secure.core.rules import Rule, RuleTable
from tests.paths import ROOT

SECTIONS = {"abuse", "authz", "browser", "cookies", "cors", "dast", "fuzz", "grade", "headers", "jwt", "leaks", "tls", "passive"}


def test_every_baseline_section_with_checks_is_an_area_once():
    names = [area.name for area in AREAS]
    assert sorted(names) == sorted(SECTIONS)
    for area in AREAS:
        assert callable(area.collect) and callable(area.plugin)


def test_each_area_declares_only_rules_of_its_own_namespace():
    for area in AREAS:
        assert all(isinstance(rule, Rule) for rule in area.rules), area.name
        wrong = [rule.id for rule in area.rules if rule.area != area.name]
        assert not wrong, f"{area.name} declares rules of another area: {wrong}"
    assert len(RULES) == sum(len({r.id for r in area.rules}) for area in AREAS) == 249  # issue 13: +11, issue 12: +5 +5 (fuzz: cross-user x3, stateful x2), issue 15 (browser): +10


def test_a_rule_declared_twice_differently_is_refused():
    rule = Rule("x/a", "A", Severity.LOW, None, "fix")
    assert len(RuleTable([rule, rule])) == 1
    with pytest.raises(ValueError, match="x/a"):
        RuleTable([rule, Rule("x/a", "A", Severity.HIGH, None, "fix")])


def test_unknown_ids_get_a_generic_rule_and_extension_keeps_declared_ones():
    assert RULES.rule("nope/x") == Rule("nope/x", "nope/x", Severity.MEDIUM, None, "See the rule's documentation.")
    known = RULES["headers/csp-missing"]
    table = RULES.extended([Rule("headers/csp-missing", "other", Severity.INFO, None, "f"), Rule("z/new", "N",
                                                                                                  Severity.LOW, None, "f")])
    assert table["headers/csp-missing"] == known and table["z/new"].title == "N" and "z/new" not in RULES


TABLE_DUMP = ("import json, sys\n{first}\nfrom pytest_secure.areas import RULES\n"
              "print(json.dumps([[r.id, r.severity.label, r.cwe, r.title] for r in RULES.sorted()]))")


def test_the_rule_table_does_not_depend_on_what_was_imported_first():
    dumps = set()
    for first in ("", "import pytest_secure.dast.plugin", "import pytest_secure.hygiene.passive",
                  "import pytest_secure.fuzz.oracles, pytest_secure.authz.pytest_api"):
        proc = subprocess.run([sys.executable, "-c", TABLE_DUMP.format(first=first)], capture_output=True, text=True,
                              cwd=ROOT, timeout=120, check=True)
        dumps.add(proc.stdout)
    assert len(dumps) == 1


def _waiver(rule, expires="2030-01-01"):
    return Waiver(rule=rule, reason="r", owner="o", expires=datetime.date.fromisoformat(expires), place=f"b:1:{rule}")


def test_the_gate_returns_severities_and_never_edits_a_finding():
    default = Finding("headers/csp-missing", "m", "GET /")  # the rule's default: high
    overridden = Finding("headers/server-present", "m", "GET /")
    own = Finding("cookies/secure-missing", "m", "GET /", severity=Severity.INFO)
    gates = Gates(fail_on=Severity.HIGH, severity={"headers/server-*": Severity.CRITICAL})
    verdict = judge([default, overridden, own], gates=gates, waivers=[], rules=RULES)
    assert [(j.severity, j.status) for j in verdict.judged] == [
        (Severity.HIGH, FAILING), (Severity.CRITICAL, FAILING), (Severity.INFO, WARNING)]
    assert (default.severity, overridden.severity, own.severity) == (None, None, Severity.INFO)
    assert verdict.outcome == FAILED


def test_waivers_xfail_until_they_expire():
    finding = Finding("headers/csp-missing", "m", "GET /")
    today = datetime.date(2027, 1, 31)
    kept = judge([finding], gates=Gates(), waivers=[_waiver("headers/csp-*", "2027-01-31")], rules=RULES, today=today)
    gone = judge([finding], gates=Gates(), waivers=[_waiver("headers/csp-*", "2027-01-30")], rules=RULES, today=today)
    assert (kept.outcome, [j.status for j in kept.judged]) == (XFAILED, [WAIVED])
    assert (gone.outcome, [j.status for j in gone.judged]) == (FAILED, [EXPIRED])
    stale = _waiver("cors/*")
    unused = judge([], gates=Gates(), waivers=[stale], rules=RULES, sole_waivers=[stale])
    assert (unused.outcome, unused.stale) == (FAILED, (stale,))
    assert judge([], gates=Gates(), waivers=[stale], rules=RULES).outcome == PASSED


def test_a_check_record_survives_the_trip_to_the_controller():
    finding = Finding("headers/csp-missing", "no CSP with token s3cret-token-value", "GET /", evidence="e", key="k")
    verdict = judge([finding], gates=Gates(), waivers=[], rules=RULES)
    record = CheckRecord.of_verdict("b.yaml::headers[GET /::CSP]", "headers", "GET /::CSP", verdict, RULES,
                                    Redactor({"s3cret-token-value"}))
    back = CheckRecord.from_dict(record.to_dict())
    assert back == record and back.item_name == "headers[GET /::CSP]"
    [f] = back.findings
    assert (f.severity, f.status, f.rule.cwe, f.area) == ("high", "failing", RULES["headers/csp-missing"].cwe, "headers")
    assert "s3cret-token-value" not in f.message
