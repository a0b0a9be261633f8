"""`pytest --secure` end to end: options, items, outcomes, usage errors, pytest integration."""

import json
import textwrap

import pytest

from .project import GOOD_HEADERS, make_project


def literal(patterns):
    """fnmatch patterns in which [ and ] are plain characters (``*`` stays a wildcard)."""
    return [p.replace("[", "\x00").replace("]", "[]]").replace("\x00", "[[]") for p in patterns]

HEADERS_BASELINE = """
    version: 1
    target: {app: "{app}"}
    headers:
      paths: [/, /login]
      rules:
        Content-Security-Policy: {required: true, must-avoid: ["'unsafe-inline'"]}
        X-Frame-Options: {required: true, value-one-of: [DENY, SAMEORIGIN]}
        X-Powered-By: {required: false}
    """


def test_without_secure_nothing_is_collected_and_marked_tests_skip(pytester):
    make_project(pytester, HEADERS_BASELINE)
    pytester.makepyfile(test_x="""
        import pytest

        @pytest.mark.secure
        def test_needs_secure():
            raise AssertionError("must not run")

        def test_plain():
            pass
        """)
    result = pytester.runpytest("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(literal(["*security test: run with --secure*"]))
    assert "security-baseline.yaml" not in result.stdout.str()


def test_items_have_readable_stable_ids(pytester):
    make_project(pytester, HEADERS_BASELINE)
    result = pytester.runpytest("--secure", "--collect-only", "-q")
    result.stdout.fnmatch_lines(literal([
        "security-baseline.yaml::headers[GET /::Content-Security-Policy]",
        "security-baseline.yaml::headers[GET /::X-Frame-Options]",
        "security-baseline.yaml::headers[GET /::X-Powered-By]",
        "security-baseline.yaml::headers[GET /login::Content-Security-Policy]",
        "*6 tests collected*",
    ]))


def test_good_app_passes(pytester):
    make_project(pytester, HEADERS_BASELINE)
    result = pytester.runpytest("--secure")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(literal(["*security summary*", "checks: 6 passed=6", "findings: none"]))


def test_bad_app_fails_with_what_where_evidence_fix_and_curl(pytester):
    headers = {**GOOD_HEADERS, "Content-Security-Policy": "script-src 'self' 'unsafe-inline'", "X-Powered-By": "PHP/5"}
    headers.pop("X-Frame-Options")
    make_project(pytester, HEADERS_BASELINE, headers=headers)
    result = pytester.runpytest("--secure", "--secure-fail-on", "low")
    result.assert_outcomes(failed=6)
    result.stdout.fnmatch_lines(literal([
        "headers/csp-value [high] Content-Security-Policy contains 'unsafe-inline', which the baseline forbids",
        "  at:        GET /",
        "  evidence:  Content-Security-Policy: script-src 'self' 'unsafe-inline'",
        "  fix:       Send a Content-Security-Policy*",
        "  cwe:       CWE-693",
        "  reproduce: curl -i -X GET http://localhost/",
    ]))
    result.stdout.fnmatch_lines(literal(["headers/x-frame-options-missing [medium] X-Frame-Options is missing"]))
    result.stdout.fnmatch_lines(literal(["headers/x-powered-by-present [low] X-Powered-By must not be sent"]))
    assert "Traceback" not in result.stdout.str()


def test_findings_below_fail_on_pass_as_warnings(pytester):
    headers = {**GOOD_HEADERS, "X-Powered-By": "PHP/5"}
    make_project(pytester, HEADERS_BASELINE, headers=headers)
    result = pytester.runpytest("--secure")  # fail_on defaults to high; x-powered-by is low
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(literal(["warnings (below fail_on=high):", "  headers/x-powered-by-present [low] GET /: *"]))


def test_severity_override_in_the_baseline(pytester):
    baseline = textwrap.dedent(HEADERS_BASELINE) + "gates:\n  severity: {'headers/x-powered-by-*': critical}\n"
    make_project(pytester, baseline, headers={**GOOD_HEADERS, "X-Powered-By": "PHP/5"})
    result = pytester.runpytest("--secure", "-k", "Powered")
    result.assert_outcomes(failed=2, deselected=4)
    result.stdout.fnmatch_lines(literal(["headers/x-powered-by-present [critical]*"]))


WAIVER_BASELINE = HEADERS_BASELINE + """
    waivers:
      - {rule: headers/csp-missing, where: /login, reason: legacy login page, owner: web-team,
         ticket: SEC-123, expires: %s}
    """


def _csp_missing_project(pytester, expires, headers=None):
    headers = {k: v for k, v in GOOD_HEADERS.items() if k != "Content-Security-Policy"} if headers is None else headers
    make_project(pytester, WAIVER_BASELINE % expires, headers=headers)


def test_waived_finding_still_present_is_xfail_with_owner_ticket_expiry(pytester):
    _csp_missing_project(pytester, "2099-01-31")
    result = pytester.runpytest("--secure", "-k", "Content-Security", "-rx")
    result.assert_outcomes(failed=1, xfailed=1, deselected=4)  # / is not waived, /login is
    result.stdout.fnmatch_lines(literal(["XFAIL*headers[GET /login::Content-Security-Policy] - "
                                 "waived by web-team, ticket SEC-123 until 2099-01-31: legacy login page"]))


def test_waiver_whose_finding_is_gone_fails_strictly(pytester):
    _csp_missing_project(pytester, "2099-01-31", headers=GOOD_HEADERS)
    result = pytester.runpytest("--secure", "-k", "login and Content-Security")
    result.assert_outcomes(failed=1, deselected=5)
    result.stdout.fnmatch_lines(literal(["waiver no longer needed, remove it: headers/csp-missing at /login (SEC-123) "
                                 "(*security-baseline.yaml:11:5) matched nothing here"]))


def test_expired_waiver_fails_and_points_at_it(pytester):
    _csp_missing_project(pytester, "2020-01-31")
    result = pytester.runpytest("--secure", "-k", "login and Content-Security")
    result.assert_outcomes(failed=1, deselected=5)
    result.stdout.fnmatch_lines(literal(["waiver expired on 2020-01-31: headers/csp-missing [high]*",
                                 "  waiver:    *security-baseline.yaml:11:5: renew it with a new expiry, or fix the finding"]))


def test_unused_and_expiring_waivers_are_listed(pytester):
    baseline = HEADERS_BASELINE + """
    waivers:
      - {rule: cookies/nothing-like-this, reason: not applicable, owner: ops, expires: 2099-01-01}
      - {rule: headers/csp-missing, where: /nowhere, reason: soon gone, owner: ops, expires: 2000-01-01}
    """
    make_project(pytester, baseline)
    result = pytester.runpytest("--secure")
    result.stdout.fnmatch_lines(literal([
        "waiver EXPIRED 2000-01-01: headers/csp-missing at /nowhere, owner ops (*:12:5)",
        "unused waiver: cookies/nothing-like-this (*:11:5) matched no check of this run",
        "unused waiver: headers/csp-missing at /nowhere (*:12:5) matched no check of this run",
    ]))
    assert result.ret == 0  # a waiver for an area this run does not check proves nothing


BROAD_WAIVER = HEADERS_BASELINE + """
    waivers:
      - {rule: headers/x-powered-by-present, reason: proxy adds it, owner: ops, expires: 2099-01-01}
    """


def test_a_waiver_covering_several_checks_is_used_where_it_matches(pytester):
    extra = """
        _plain = app
        def app(environ, start_response):  # X-Powered-By on /login only
            def start(status, headers):
                if environ.get("PATH_INFO") == "/login":
                    headers = headers + [("X-Powered-By", "PHP/5")]
                return start_response(status, headers)
            return _plain(environ, start)
        """
    make_project(pytester, BROAD_WAIVER, extra_app=extra)
    result = pytester.runpytest("--secure", "--secure-fail-on=low", "-rx")
    result.assert_outcomes(passed=5, xfailed=1)  # GET / has nothing to waive and still passes
    assert result.ret == 0


def test_a_waiver_covering_several_checks_that_matched_nothing_fails_the_run(pytester):
    make_project(pytester, BROAD_WAIVER)
    result = pytester.runpytest("--secure")
    result.assert_outcomes(passed=6)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["FAILED waiver no longer needed, remove it: headers/x-powered-by-present "
                                 "(*security-baseline.yaml:11:5) matched nothing in the 2 checks it covers"])
    subset = pytester.runpytest("--secure", "-k", "login")  # GET / not judged: proves nothing
    subset.assert_outcomes(passed=3, deselected=3)
    assert subset.ret == 0
    distributed = pytester.runpytest_subprocess("--secure", "-n", "2")  # records come from the workers
    assert distributed.ret == pytest.ExitCode.TESTS_FAILED
    distributed.stdout.fnmatch_lines(["FAILED waiver no longer needed, remove it: headers/x-powered-by-present*"])


@pytest.mark.parametrize(("baseline", "expected"), [
    (None, "*security-baseline.yaml: baseline file not found; create it*"),
    ("", "*security-baseline.yaml:1:1: the baseline file is empty*"),
    ("version: 1\ntarget: {app: '{app}', timeout: x}\n", "*security-baseline.yaml:2:*: target.timeout: expected a number, got a string 'x'"),
    ("version: 1\ntarget: {app: 'nosuch_mod_xyz:app'}\n",
     "*security-baseline.yaml:2:15: target.app: cannot import module 'nosuch_mod_xyz'*; fix the import path*"),
    ("version: 1\nidentities: {a: {bearer: '${NOPE_NOT_SET}'}}\ntarget: {app: '{app}'}\n",
     "*:2:26: identities.a.bearer: environment variable NOPE_NOT_SET is not set*"),
    ("version: 1\ntarget: {app: '{app}', base_url: 'http://app.test', scope: [localhost]}\n",
     "*security-baseline.yaml:2:*: the target http://app.test is outside target.scope (localhost); add its host to target.scope*"),
    ("version: 1\n", "*: no target: set target.app (in-process) or target.base_url (live)*"),
])
def test_usage_errors_exit_4_without_traceback(pytester, baseline, expected):
    if baseline is not None:
        make_project(pytester, baseline)
    result = pytester.runpytest("--secure")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(literal([expected]))
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_unreachable_live_target_is_a_usage_error(pytester):
    from tests.servers import free_port

    pytester.makefile(".yaml", **{"security-baseline": f"version: 1\ntarget: {{base_url: 'http://127.0.0.1:{free_port()}'}}\n"})
    result = pytester.runpytest("--secure")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(literal(["*security-baseline.yaml:2:20: target http://127.0.0.1:* is unreachable (*Connection refused*); "
                                 "start the service, or fix target.base_url / --secure-target"]))


def test_secure_target_overrides_the_baseline_target(pytester):
    from flask import Flask

    from tests.servers import serve_wsgi

    make_project(pytester, HEADERS_BASELINE.replace('target: {app: "{app}"}', 'target: {app: "{app}", scope: [127.0.0.1]}'))
    bad = Flask("bad")

    @bad.get("/")
    @bad.get("/login", endpoint="login")
    def plain():
        return "no headers at all"

    with serve_wsgi(bad) as url:
        result = pytester.runpytest("--secure", f"--secure-target={url}", "--secure-fail-on=medium")
    result.assert_outcomes(passed=2, failed=4)  # X-Powered-By absent passes; the rest are missing


def test_baseline_option_and_ini(pytester):
    make_project(pytester, HEADERS_BASELINE)
    (pytester.path / "security-baseline.yaml").rename(pytester.path / "policy.yaml")
    assert pytester.runpytest("--secure", "--secure-baseline", "policy.yaml").ret == 0
    pytester.makeini("[pytest]\nsecure_baseline = policy.yaml\n")
    pytester.runpytest("--secure").assert_outcomes(passed=6)


def test_lf_x_and_junitxml_work_on_baseline_items(pytester):
    make_project(pytester, HEADERS_BASELINE, headers={k: v for k, v in GOOD_HEADERS.items() if k != "X-Frame-Options"})
    first = pytester.runpytest("--secure", "--secure-fail-on=low", "--junitxml=out.xml")
    first.assert_outcomes(passed=4, failed=2)
    xml = (pytester.path / "out.xml").read_text()
    assert 'name="headers[GET /login::X-Frame-Options]"' in xml and "x-frame-options-missing" in xml
    again = pytester.runpytest("--secure", "--secure-fail-on=low", "--lf")
    again.assert_outcomes(failed=2, deselected=4)
    stop = pytester.runpytest("--secure", "--secure-fail-on=low", "-x")
    stop.assert_outcomes(passed=1, failed=1)


def test_xdist_gives_the_same_results_and_one_report(pytester):
    make_project(pytester, HEADERS_BASELINE, headers={k: v for k, v in GOOD_HEADERS.items() if k != "X-Frame-Options"})
    result = pytester.runpytest_subprocess("--secure", "--secure-fail-on=low", "-n", "2", "--secure-json=r.json")
    result.assert_outcomes(passed=4, failed=2)
    report = json.loads((pytester.path / "r.json").read_text())
    assert report["summary"]["checks"] == {"passed": 4, "failed": 2}
    assert sorted(f["location"] for f in report["findings"]) == ["GET /", "GET /login"]


def test_user_hooks_add_checks_and_see_findings(pytester):
    make_project(pytester, HEADERS_BASELINE, headers={**GOOD_HEADERS, "X-Powered-By": "x"})
    pytester.makeconftest(textwrap.dedent("""
        from pytest_secure import Check, Finding, Rule

        TEAPOT = Rule("custom/teapot", "No teapots", "high", 418, "Stop being a teapot.")
        SEEN = []

        def pytest_secure_collect_checks(baseline):
            def run(session):
                r = session.fetch("GET", "/teapot")
                return [Finding("custom/teapot", "teapot answer", "GET /teapot")] if r.status != 404 else []
            return [Check("custom", "GET /teapot", ("custom/teapot",), run, path="/teapot", defines=(TEAPOT,))]

        def pytest_secure_finding(finding, nodeid):
            SEEN.append(finding.rule_id)

        def pytest_terminal_summary(terminalreporter):
            terminalreporter.write_line("seen: " + ",".join(sorted(set(SEEN))))
        """))
    result = pytester.runpytest("--secure")
    result.assert_outcomes(passed=7)
    result.stdout.fnmatch_lines(literal(["seen: headers/x-powered-by-present"]))
    assert "custom[GET /teapot]" in pytester.runpytest("--secure", "--co", "-q").stdout.str()
