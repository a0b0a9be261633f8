"""Issue 20: every vulnerable parameter is its own finding, directed payloads cover every
(parameter, family) pair or say what they skipped, a struggling server is noticed and spared,
time-based findings carry the input that really triggered them, and 501/505 are not server errors.

Planted apps: tests/fuzz/budget_apps.py (Flask in process; single-threaded http.server on
127.0.0.1). Every stall is bounded (budget_apps.STALL), and requests are counted, not timed."""

import json
import re
import textwrap
import urllib.parse
from pathlib import Path

import pytest

from pytest_secure.fuzz.oracles import Exchange, no_server_error
from pytest_secure.fuzz.pacing import SLOW_STREAK, OperationStats, Pacer, Stop
from tests.fuzz import budget_apps


def run(pytester, target, fuzz, *args, subprocess=False):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(f"""
        version: 1
        target: {target}
        fuzz: {fuzz}
        gates: {{fail_on: low}}
        """)})
    runner = pytester.runpytest_subprocess if subprocess else pytester.runpytest
    result = runner("--secure", "--secure-json", "report.json", *args)
    return result, json.loads((pytester.path / "report.json").read_text())


def in_process(factory):
    return f'{{app: "tests.fuzz.budget_apps:{factory}", openapi: /openapi.json}}'


def live(pytester, url, spec, timeout):
    Path(pytester.path / "openapi.json").write_text(json.dumps(spec))
    return f'{{base_url: "{url}", openapi: openapi.json, timeout: {timeout}}}'


def summary_line(result, label):
    lines = [line for line in result.stdout.lines if re.match(rf"{re.escape(label)}( as \w+)?: \d+ requests", line)]
    assert len(lines) == 1, result.stdout.str()
    return lines[0]


# -- 1 and 2. one finding per operation, parameter and rule; directed payloads per (parameter, family) --

# 7 families x 5 parameters = 35 first payloads: the late families (crlf, open-redirect) reach the
# last parameter within a budget of 40 (a fixed cut at max_examples // 2 = 20 never sent them)
LATE_FAMILIES = "[sqli, xss, path-traversal, command, ssti, crlf, open-redirect]"


def test_every_injectable_parameter_is_its_own_finding_and_late_families_are_sent(pytester):
    result, report = run(pytester, in_process("vulnerable_many()"),
                         f"{{max_examples: 40, seed: 0, payloads: {LATE_FAMILIES}, record: false}}")
    result.assert_outcomes(failed=1)
    database = [f for f in report["findings"] if f["rule_id"] == "fuzz/database-error"]
    places = sorted(re.search(r" in query parameter (\w+);", f["message"]).group(1) for f in database)
    assert places == ["city", "name", "sort"]
    assert len({f["fingerprint"] for f in database}) == 3
    for finding in database:  # each reported with the request that carried its own payload
        parameter = re.search(r" in query parameter (\w+);", finding["message"]).group(1)
        sent = urllib.parse.parse_qs(urllib.parse.urlsplit(finding["request"]["url"]).query)
        assert "'" in sent[parameter][0] or '"' in sent[parameter][0]
        assert all("'" not in v[0] and '"' not in v[0] for k, v in sent.items() if k != parameter)
    rules = [f["rule_id"] for f in report["findings"]]
    for rule in set(rules):  # grouped: the findings of one rule come together
        at = [i for i, r in enumerate(rules) if r == rule]
        assert at == list(range(at[0], at[-1] + 1)), rules
    redirects = [f for f in report["findings"] if f["rule_id"] == "fuzz/open-redirect"]
    assert [f for f in redirects if "in query parameter next; found by a directed payload" in f["message"]]
    assert "directed payloads skipped" not in summary_line(result, "GET /search")


def test_the_parameterised_twin_is_quiet_and_pairs_left_out_by_the_budget_are_named(pytester):
    # 3 families x 5 parameters = 15 first payloads, and a budget of 10 requests
    result, report = run(pytester, in_process("fixed_many()"),
                         "{max_examples: 10, seed: 0, payloads: [sqli, xss, open-redirect], record: false}")
    result.assert_outcomes(passed=1)
    assert report["findings"] == []
    line = summary_line(result, "GET /search")
    skipped = ", ".join(f"query parameter {p}: open-redirect" for p in budget_apps.PARAMS)
    assert f"directed payloads skipped (5 parameter/family pairs): {skipped}" in line


# -- 3. a server that stopped answering: noticed, reported once, spared -----------------------------


STALL_FUZZ = "{max_examples: 60, seed: 0, payloads: [sqli, oversized], max_response_time: 0.3, max_seconds: 60}"


def test_a_stalled_single_threaded_server_is_reported_once_and_spared(pytester):
    with budget_apps.serve_stalling() as served:
        result, report = run(pytester, live(pytester, served.url, budget_apps.lookup_spec(), 0.5), STALL_FUZZ)
    result.assert_outcomes(failed=1)
    slow = [f for f in report["findings"] if f["rule_id"] == "fuzz/slow-response"]
    assert len(slow) == 1
    assert "in query parameter q; confirmed: slow again when replayed on an idle server" in slow[0]["message"]
    sent = urllib.parse.parse_qs(urllib.parse.urlsplit(slow[0]["request"]["url"]).query)["q"][0]
    assert len(sent) > budget_apps.LONG  # the input that stalled it, not a shrunk or innocent one
    line = summary_line(result, "GET /lookup")
    assert "stopped: a request timed out (query parameter q); the operation was stopped to spare the server" in line
    assert "of 60s, max_examples 60" in line
    long_ones = [q for _, q in served.requests if len(q) > budget_apps.LONG]
    assert len(long_ones) == 2  # the culprit and its one confirmation replay, nothing after
    assert len(served.requests) < 20  # 60 examples were allowed; the run stopped instead


def test_the_server_that_refuses_long_input_is_fuzzed_to_the_end(pytester):
    with budget_apps.serve_stalling(fixed=True) as served:
        result, report = run(pytester, live(pytester, served.url, budget_apps.lookup_spec(), 0.5), STALL_FUZZ)
    result.assert_outcomes(passed=1)
    assert report["findings"] == []
    assert "stopped:" not in summary_line(result, "GET /lookup")
    assert len(served.requests) > 20


def test_the_wall_clock_budget_stops_the_operation_and_is_stated(pytester):
    result, report = run(pytester, in_process("fixed_many()"),
                         "{max_examples: 1000, seed: 0, payloads: [sqli], max_seconds: 0.001, record: false}")
    result.assert_outcomes(passed=1)
    line = summary_line(result, "GET /search")
    assert "stopped: the wall-clock budget fuzz.max_seconds (0.001s) was spent" in line
    assert int(re.search(r": (\d+) requests", line).group(1)) < 1000
    assert "fuzz: 1 operations" in result.stdout.str()


# -- 4. time-based findings: the triggering input, confirmed on an idle server -----------------------


def test_a_slow_answer_that_does_not_reproduce_on_an_idle_server_is_unconfirmed(pytester):
    with budget_apps.serve_slow_once() as served:
        result, report = run(pytester, live(pytester, served.url, budget_apps.lookup_spec(), 5),
                             "{max_examples: 20, seed: 0, payloads: [oversized], max_response_time: 0.3}")
    slow = [f for f in report["findings"] if f["rule_id"] == "fuzz/slow-response"]
    assert len(slow) == 1
    assert "UNCONFIRMED: not slow again when replayed on an idle server" in slow[0]["message"]
    assert slow[0]["severity"] == "info"  # reported, but no red build for a busy moment (fail_on: low)
    result.assert_outcomes(passed=1)
    sent = urllib.parse.parse_qs(urllib.parse.urlsplit(slow[0]["request"]["url"]).query)["q"][0]
    first_long = next(q for _, q in served.requests if len(q) > budget_apps.LONG)
    assert sent == first_long  # the input that was slow, not a shrunk one
    stored = (pytester.path / ".secure" / "regressions.yaml").read_text()
    assert "A" * 256 in stored


# -- 5. 501 and 505 are a server's correct answers ------------------------------------------------------


@pytest.mark.parametrize("status", [501, 505])
def test_not_implemented_and_version_not_supported_are_not_server_errors(status):
    assert no_server_error(Exchange(status, [], "Unsupported method")) is None


@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
def test_other_5xx_are_server_errors(status):
    assert no_server_error(Exchange(status, [], "boom")).rule_id == "fuzz/server-error"


LOOKUP_FUZZ = "{max_examples: 15, seed: 0, payloads: [sqli]}"


def test_a_server_answering_501_to_an_unknown_method_has_no_finding(pytester):
    with budget_apps.serve_no_options() as served:
        result, report = run(pytester, live(pytester, served.url, budget_apps.lookup_spec(), 5), LOOKUP_FUZZ)
    assert ("OPTIONS", "answered 501") in served.requests  # the method was tried, and refused with 501
    result.assert_outcomes(passed=1)
    assert report["findings"] == []


def test_a_server_answering_500_to_an_unknown_method_is_a_server_error(pytester):
    with budget_apps.serve_no_options(answer_options=500) as served:
        result, report = run(pytester, live(pytester, served.url, budget_apps.lookup_spec(), 5), LOOKUP_FUZZ)
    assert ("OPTIONS", "") in served.requests
    result.assert_outcomes(failed=1)
    assert {f["rule_id"] for f in report["findings"]} == {"fuzz/server-error"}


# -- the pacer on its own (a fake clock: no real waiting) -----------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def pacer(clock, max_seconds=60.0, timeout=1.0):
    return Pacer(OperationStats("GET /x"), max_seconds=max_seconds, timeout=timeout, slow_bound=2.0,
                 clock=clock, sleep=clock.sleep)


def test_a_latency_jump_against_the_servers_own_baseline_is_struggling():
    clock = FakeClock()
    p = pacer(clock)
    for _ in range(10):
        assert not p.observe(0.01, timed_out=False, slow=False)
    results = [p.observe(0.5, timed_out=False, slow=False) for _ in range(SLOW_STREAK)]
    assert results == [False] * (SLOW_STREAK - 1) + [True]
    assert p.observe(0.01, timed_out=True, slow=True)  # a timeout at once
    assert p.stats.requests == 10 + SLOW_STREAK + 1


def test_waiting_for_an_idle_server_gives_up_and_the_budget_stops():
    clock = FakeClock()
    p = pacer(clock, max_seconds=30.0)
    probes = []

    def never():  # each probe times out after 1 s
        probes.append(clock())
        clock.sleep(1.0)

    assert p.await_idle(never) is False
    assert 2 <= len(probes) <= 10  # bounded: max(3 x timeout, 3 s) of probing
    assert p.await_idle(lambda: 0.01) is True
    clock.now += 60
    with pytest.raises(Stop, match=r"fuzz.max_seconds \(30s\)"):
        p.check()
