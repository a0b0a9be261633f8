"""`abuse:` probes: each planted abuse defect is found, the fixed service passes, traffic is
bounded, and broken preconditions are setup errors, not passes."""

import json
import textwrap

import pytest

from pytest_secure.abuse.controls import parse_after, parse_rate, parse_size

BASELINE = """
    version: 1
    target: {{app: "tests.abuse.abuse_apps:{factory}()"}}
    identities:
      alice: {{login: {{request: POST /login, json: {{username: alice, password: "${{ALICE_PW:-alice-pw-1}}"}}, token: access_token}}}}
    abuse:
      enumeration:
        - request: POST /login
          known: {{json: {{username: alice, password: wrong-pw}}}}
          unknown: {{json: {{username: nobody-psec, password: wrong-pw}}}}
      mass_assignment:
        - {{request: POST /users, identity: alice, json: {{username: newbie}}, fields: {{role: admin, is_admin: true}}, read: "GET /users/{{id}}"}}
        - {{request: PATCH /me, identity: alice, fields: {{role: admin}}, read: GET /me}}
      uploads:
        - {{request: POST /avatar, identity: alice, field: file, types: [image/jpeg, image/png], max_bytes: 5MiB, max_dimensions: 4096x4096, rate: 10/minute}}
      lockout:
        - request: POST /login
          json: {{username: probe, password: wrong-pw}}
          valid: {{json: {{username: probe, password: probe-pw-1}}}}
          after: 5
      rate_limits:
        - {{request: POST /login, limit: 30/minute, json: {{username: nobody-psec, password: x}}}}
    gates: {{fail_on: low}}
    """


def run(pytester, factory, *args):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE.format(factory=factory))})
    result = pytester.runpytest("--secure", "--secure-json", "report.json", *args)
    return result, json.loads((pytester.path / "report.json").read_text())


def test_items_are_named_by_probe_and_request(pytester):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE.format(factory="fixed_accounts"))})
    result = pytester.runpytest("--secure", "--collect-only", "-q")
    result.stdout.fnmatch_lines([
        "security-baseline.yaml::abuse[[]enumeration::POST /login[]]",
        "security-baseline.yaml::abuse[[]mass-assignment::POST /users::alice[]]",
        "security-baseline.yaml::abuse[[]mass-assignment::PATCH /me::alice[]]",
        "security-baseline.yaml::abuse[[]upload::POST /avatar::alice[]]",
        "security-baseline.yaml::abuse[[]lockout::POST /login[]]",
        "security-baseline.yaml::abuse[[]rate-limit::POST /login[]]",
    ])


def test_every_planted_abuse_defect_is_found(pytester):
    result, report = run(pytester, "vulnerable_accounts")
    result.assert_outcomes(failed=6)
    found = {f["rule_id"] for f in report["findings"]}
    assert found == {"abuse/user-enumeration", "abuse/mass-assignment", "abuse/upload-type", "abuse/upload-size",
                     "abuse/upload-dimensions", "abuse/upload-rate", "abuse/no-lockout", "abuse/no-rate-limit"}
    by_rule = {}
    for finding in report["findings"]:
        by_rule.setdefault(finding["rule_id"], []).append(finding)
    assert {f["key"] for f in by_rule["abuse/mass-assignment"]} == {"role", "is_admin"}
    assert len(by_rule["abuse/upload-type"]) == 3  # HTML named .png, GIF, SVG with a script
    assert "404" in by_rule["abuse/user-enumeration"][0]["message"]
    out = result.stdout.str()
    assert "after 5 failed logins the correct password still logs in (200)" in out
    assert "31 requests within" in out and "the limit of 30/minute is not enforced" in out
    assert "alice-pw-1" not in out and "Traceback" not in out


def test_the_fixed_service_passes_every_probe(pytester):
    result, report = run(pytester, "fixed_accounts")
    result.assert_outcomes(passed=6)
    assert report["findings"] == []


def test_probes_send_a_bounded_number_of_requests(pytester):
    counter = """
        import pytest
        from pytest_secure.core.state import STATE

        @pytest.hookimpl(trylast=True)
        def pytest_runtest_teardown(item):
            with open("sent.txt", "a") as handle:
                handle.write(f"{item.name} {item.config.stash[STATE].target.requests_sent}\\n")
        """
    pytester.makeconftest(counter)
    run(pytester, "vulnerable_accounts", "-k", "rate or lockout")
    sent = [int(line.split()[-1]) for line in (pytester.path / "sent.txt").read_text().splitlines()]
    lockout, rate = sent[0], sent[1] - sent[0]
    assert lockout == 1 + 5 + 1  # correct login, 5 failures, correct login again
    assert rate == 31 + 1  # limit + 1, and one to tell its 404 ("no such user") from a missing endpoint


@pytest.mark.parametrize(("factory", "outcome", "rule"), [
    ("fixed_accounts", "passed", None),
    ("vulnerable_accounts", "failed", "abuse/no-lockout"),
    ("lockout_without_backoff", "failed", "abuse/lockout-no-backoff"),
])
def test_lockout_without_a_valid_login_uses_the_locked_status_and_wants_backoff(pytester, factory, outcome, rule):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(f"""
        version: 1
        target: {{app: "tests.abuse.abuse_apps:{factory}()"}}
        abuse:
          lockout:
            - {{request: POST /login, json: {{username: probe, password: wrong-pw}}, after: 6, expect: [429]}}
        gates: {{fail_on: low}}
        """)})
    result = pytester.runpytest("--secure", "--secure-json", "report.json")
    result.assert_outcomes(**{outcome: 1})
    findings = json.loads((pytester.path / "report.json").read_text())["findings"]
    assert [f["rule_id"] for f in findings] == ([rule] if rule else [])


def test_broken_preconditions_are_setup_errors(pytester):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent("""
        version: 1
        target: {app: "tests.abuse.abuse_apps:fixed_accounts()"}
        identities:
          alice: {login: {request: POST /login, json: {username: alice, password: alice-pw-1}, token: access_token}}
        abuse:
          uploads:
            - {request: POST /avatar, identity: alice, field: wrong_field, max_bytes: 1MB}
          rate_limits:
            - {request: POST /nowhere, limit: 3/minute}
          lockout:
            - {request: POST /login, json: {username: alice, password: alice-pw-1}, after: 3}
        """)})
    result = pytester.runpytest("--secure")
    result.assert_outcomes(errors=3)
    out = result.stdout.str()
    assert "refused a valid 1x1 image/jpeg (400)" in out
    assert "the failing login was accepted (200)" in out
    assert "POST /nowhere answered 404" in out


@pytest.mark.parametrize(("text", "expected"), [("10/minute", (10, 60.0)), ("5/second", (5, 1.0)),
                                                ("20/30s", (20, 30.0)), ("100 / hour", (100, 3600.0))])
def test_rates(text, expected):
    assert parse_rate(text) == expected


def test_sizes_and_ranges():
    assert parse_size("5MB") == 5_000_000 and parse_size("5MiB") == 5 * 1024 * 1024 and parse_size(1024) == 1024
    assert parse_after(5) == (5, 5) and parse_after("5..10") == (5, 10)
    with pytest.raises(ValueError):
        parse_size("5 parsecs")
