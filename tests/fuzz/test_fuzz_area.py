"""`pytest --secure` with a `fuzz:` section: planted defects are found, fixed apps stay quiet,
stored regressions replay first, runs are seeded and reproducible."""

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from tests.paths import ROOT

BASELINE = """
    version: 1
    target: {{app: "tests.fuzz.apps:{factory}()", openapi: /openapi.json}}
    fuzz:
      max_examples: {examples}
      seed: 0
      max_response_time: 0.15
      {more}
    gates: {{fail_on: low}}
    """


@pytest.fixture
def isolated(monkeypatch):
    """For runs whose exact findings matter: a fresh process (an in-process run can meet
    schemathesis modules that earlier tests' in-process runs imported twice), which imports
    tests.fuzz.apps from the repository root."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    return True


def run_fuzz(pytester, factory, *args, examples=40, more="", subprocess=False):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE.format(
        factory=factory, examples=examples, more=more))})
    runner = pytester.runpytest_subprocess if subprocess else pytester.runpytest
    result = runner("--secure", "--secure-json", "report.json", *args)
    assert result.ret in (0, 1), result.stdout.str()[-3000:]  # a test run, not a usage error
    report = json.loads((pytester.path / "report.json").read_text())
    assert any(c["area"] == "fuzz" for c in report["checks"]), "no fuzz item ran"
    return result, report


def rules_by_operation(report):
    found = {}
    for finding in report["findings"]:
        found.setdefault(finding["location"], set()).add(finding["rule_id"])
    return found


def test_one_item_per_operation(pytester):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE.format(
        factory="vulnerable_shop", examples=10, more=""))})
    result = pytester.runpytest("--secure", "--collect-only", "-q")
    result.stdout.fnmatch_lines([
        "security-baseline.yaml::fuzz[[]GET /echo[]]",
        "security-baseline.yaml::fuzz[[]GET /go[]]",
        "security-baseline.yaml::fuzz[[]GET /greet[]]",
        "security-baseline.yaml::fuzz[[]GET /users/search[]]",
        "security-baseline.yaml::fuzz[[]GET /validate[]]",
        "*5 tests collected*",
    ])


def test_every_planted_defect_is_found(pytester):
    result, report = run_fuzz(pytester, "vulnerable_shop")
    result.assert_outcomes(failed=5)
    found = rules_by_operation(report)
    assert "fuzz/database-error" in found["GET /users/search"]
    assert "fuzz/template-injection" in found["GET /greet"]
    assert "fuzz/reflected-xss" in found["GET /echo"]
    assert "fuzz/open-redirect" in found["GET /go"]
    assert "fuzz/slow-response" in found["GET /validate"]
    out = result.stdout.str()
    assert "fuzz/database-error [high]" in out
    assert "reproduce: curl -i -X GET 'http://localhost/users/search?name=" in out
    assert "CWE-89" in out
    assert "Traceback" not in out


def test_the_fixed_app_has_no_finding(pytester, isolated):
    result, report = run_fuzz(pytester, "fixed_shop", subprocess=isolated)
    result.assert_outcomes(passed=5)
    assert report["findings"] == []
    assert not (pytester.path / ".secure" / "regressions.yaml").exists()


def test_failing_examples_are_stored_shrunk_and_without_credentials(pytester):
    run_fuzz(pytester, "vulnerable_shop", "-k", "search or echo")
    stored = yaml.safe_load((pytester.path / ".secure" / "regressions.yaml").read_text())
    assert stored["version"] == 1
    by_op = {}
    for entry in stored["regressions"]:
        by_op.setdefault(entry["operation"], []).append(entry)
    search = by_op["GET /users/search"]
    assert any("fuzz/database-error" in e["rules"] for e in search)
    assert {e["identity"] for e in search} == {"anonymous"}
    assert all("Authorization" not in (e["case"].get("headers") or {}) for e in stored["regressions"])
    # shrunk: a single quote is all it takes
    assert any(e["case"]["query"]["name"] == "'" for e in search)


def test_a_stored_regression_replays_and_fails_before_anything_is_generated(pytester):
    store = pytester.path / ".secure" / "regressions.yaml"
    store.parent.mkdir()
    store.write_text(yaml.safe_dump({"version": 1, "regressions": [{
        "operation": "GET /users/search", "rules": ["fuzz/database-error"], "found": "2026-01-02",
        "case": {"query": {"name": "stored-regression'"}}}]}))
    conftest = """
        import pytest

        @pytest.hookimpl(trylast=True)
        def pytest_runtest_teardown(item):
            from tests.fuzz import apps  # noqa: F401  (the apps record what they saw)
            state = item.config.stash[__import__("pytest_secure.core.state", fromlist=["STATE"]).STATE]
            seen = state.target.app.config["seen"]
            with open("seen.json", "w") as handle:
                import json
                json.dump(seen, handle)
        """
    pytester.makeconftest(conftest)
    result, report = run_fuzz(pytester, "vulnerable_shop", "-k", "search")
    result.assert_outcomes(failed=1)
    seen = json.loads((pytester.path / "seen.json").read_text())
    searches = [s for s in seen if s[1] == "/users/search"]
    assert len(searches) == 1, "a failing stored regression stops the item before generation"
    assert "stored-regression" in searches[0][2]
    (finding,) = [f for f in report["findings"] if f["rule_id"] == "fuzz/database-error"]
    assert "stored regression 1 (2026-01-02) fails again" in finding["message"]


def test_a_passing_regression_stays_and_generation_follows(pytester, isolated):
    store = pytester.path / ".secure" / "regressions.yaml"
    store.parent.mkdir()
    entry = {"operation": "GET /users/search", "rules": ["fuzz/database-error"], "found": "2026-01-02",
             "case": {"query": {"name": "x' OR 'stored-regression"}}}
    store.write_text(yaml.safe_dump({"version": 1, "regressions": [entry]}))
    result, report = run_fuzz(pytester, "fixed_shop", "-k", "search", subprocess=isolated)
    result.assert_outcomes(passed=1)
    stored = yaml.safe_load(store.read_text())
    assert stored["regressions"] == [entry]


def test_runs_with_the_same_seed_store_the_same_examples(pytester):
    # timing-free oracles only: on a loaded machine any response may cross the 0.15 s bound
    steady = "oracles: [server-error, stack-trace, database-error, reflection]"
    run_fuzz(pytester, "vulnerable_shop", "-k", "search", "-p", "no:cacheprovider", more=steady)
    store = pytester.path / ".secure" / "regressions.yaml"
    first = store.read_text()
    assert "database-error" in first or "server-error" in first
    store.unlink()
    run_fuzz(pytester, "vulnerable_shop", "-k", "search", "-p", "no:cacheprovider", more=steady)
    assert store.read_text() == first


def test_record_false_writes_nothing(pytester):
    result, _ = run_fuzz(pytester, "vulnerable_shop", "-k", "search", more="record: false")
    result.assert_outcomes(failed=1)
    assert not (pytester.path / ".secure").exists()


def test_a_broken_regressions_file_is_a_clear_error(pytester):
    store = pytester.path / ".secure" / "regressions.yaml"
    store.parent.mkdir()
    store.write_text("version: 1\nregressions: [unclosed\n")
    result, _ = run_fuzz(pytester, "vulnerable_shop", "-k", "search")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*regressions.yaml:*: the regressions file is not valid YAML*"])
    assert "Traceback" not in result.stdout.str()


def test_no_openapi_document_is_a_clear_error(pytester):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent("""
        version: 1
        target: {app: "tests.fuzz.apps:fixed_shop()"}
        fuzz: {max_examples: 5}
        """)})
    result = pytester.runpytest("--secure")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fuzzing needs an OpenAPI document: set target.openapi or fuzz.openapi*"])


def test_explicit_operations_need_no_document_at_collection_and_unknown_ones_error(pytester, isolated):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent("""
        version: 1
        target: {app: "tests.fuzz.apps:fixed_shop()", openapi: /openapi.json}
        fuzz: {max_examples: 5, seed: 0, operations: [GET /echo, GET /nothing]}
        """)})
    result = pytester.runpytest_subprocess("--secure", "-v")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*the OpenAPI document has no operation GET /nothing*"])


def test_schema_from_a_local_file_against_a_live_server(pytester):
    from tests.fuzz.apps import _spec, vulnerable_shop
    from tests.servers import serve_wsgi

    Path(pytester.path / "openapi.json").write_text(json.dumps(_spec("Shop")))
    with serve_wsgi(vulnerable_shop()) as url:
        pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(f"""
            version: 1
            target: {{base_url: "{url}", openapi: openapi.json}}
            fuzz: {{max_examples: 20, seed: 0, operations: [GET /users/search, GET /go], payloads: [sqli, open-redirect]}}
            gates: {{fail_on: low}}
            """)})
        result = pytester.runpytest("--secure", "--secure-json", "report.json")
    result.assert_outcomes(failed=2)
    found = rules_by_operation(json.loads((pytester.path / "report.json").read_text()))
    assert "fuzz/database-error" in found["GET /users/search"]
    assert "fuzz/open-redirect" in found["GET /go"]


NOTES_BASELINE = """
    version: 1
    target: {{app: "tests.fuzz.apps:{factory}()", openapi: /openapi.json}}
    identities:
      alice: {{login: {{request: POST /login, json: {{username: alice, password: "${{ALICE_PW:-alice-pw-1}}"}}, token: access_token}}}}
    fuzz: {{max_examples: 30, seed: 0, exclude: [POST /login], destructive: true}}  # an in-process test app
    gates: {{fail_on: low}}
    """


def test_asgi_app_fuzzed_as_a_logged_in_identity(pytester):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(NOTES_BASELINE.format(factory="vulnerable_api"))})
    result = pytester.runpytest("--secure", "--secure-json", "report.json")
    result.assert_outcomes(failed=1)
    report = json.loads((pytester.path / "report.json").read_text())
    assert "fuzz/database-error" in rules_by_operation(report)["POST /notes/search"]
    out = result.stdout.str()
    assert "fuzz[POST /notes/search]" in out
    assert "Authorization: [REDACTED]" in out  # the curl line carries the identity, masked
    stored = (pytester.path / ".secure" / "regressions.yaml").read_text()
    assert "identity: alice" in stored and "Bearer" not in stored and "Authorization" not in stored


def test_fixed_asgi_app_has_no_finding(pytester, isolated):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(NOTES_BASELINE.format(factory="fixed_api"))})
    result = pytester.runpytest_subprocess("--secure", "--secure-json", "report.json")
    result.assert_outcomes(passed=1)
    assert json.loads((pytester.path / "report.json").read_text())["findings"] == []


STEADY = "oracles: [server-error, stack-trace, database-error, reflection, template-injection, open-redirect]"


def test_under_xdist_every_worker_appends_to_one_regressions_file(pytester, isolated):
    # timing-free oracles: which ReDoS example first crosses the time bound depends on the load
    _, single = run_fuzz(pytester, "vulnerable_shop", "-p", "no:cacheprovider", subprocess=isolated, more=STEADY)
    store = pytester.path / ".secure" / "regressions.yaml"
    alone = yaml.safe_load(store.read_text())["regressions"]
    store.unlink()
    result, report = run_fuzz(pytester, "vulnerable_shop", "-n", "2", "-p", "no:cacheprovider", subprocess=True,
                              more=STEADY)
    result.assert_outcomes(failed=4, passed=1)  # /validate's only defect is its slowness
    assert rules_by_operation(report) == rules_by_operation(single)
    together = yaml.safe_load(store.read_text())["regressions"]
    key = lambda e: (e["operation"], tuple(e["rules"]), json.dumps(e["case"], sort_keys=True))  # noqa: E731
    assert sorted(map(key, together)) == sorted(map(key, alone))


@pytest.mark.parametrize(("factory", "expected"), [
    ("vulnerable_tools", {"GET /files": "fuzz/path-traversal", "GET /echo-shell": "fuzz/command-injection",
                          "GET /parse": "fuzz/stack-trace", "POST /login": "fuzz/sensitive-echo"}),
    ("fixed_tools", {}),
])
def test_traversal_command_trace_and_echo_defects(pytester, isolated, factory, expected):
    result, report = run_fuzz(pytester, factory, examples=20, subprocess=isolated, more="destructive: true")
    found = rules_by_operation(report)
    assert {op: rule for op, rules in found.items() for rule in rules if rule in expected.values()} == expected
    if not expected:
        assert report["findings"] == []


def test_schema_fetched_from_a_live_service_in_scope(pytester):
    from tests.fuzz.apps import vulnerable_api
    from tests.servers import serve_asgi

    with serve_asgi(vulnerable_api()) as url:
        pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(f"""
            version: 1
            target: {{base_url: "{url}", openapi: /openapi.json}}
            identities:
              alice: {{login: {{request: POST /login, json: {{username: alice, password: alice-pw-1}}, token: access_token}}}}
            fuzz: {{max_examples: 20, seed: 0, exclude: [POST /login], payloads: [sqli], destructive: true}}
            gates: {{fail_on: low}}
            """)})
        result = pytester.runpytest("--secure", "--secure-json", "report.json")
    result.assert_outcomes(failed=1)
    found = rules_by_operation(json.loads((pytester.path / "report.json").read_text()))
    assert "fuzz/database-error" in found["POST /notes/search"]


def test_failures_map_to_rules_and_unknown_ones_to_check_failed():
    from schemathesis.core.failures import AcceptedNegativeData, CustomFailure

    from pytest_secure.fuzz.engine import problem_of
    from pytest_secure.fuzz.oracles import security_failure_class

    ours = security_failure_class()(operation="GET /x", title="reflected", message="m", rule_id="fuzz/reflected-xss",
                                    evidence="<p><psec-xss></p>")
    assert problem_of(ours)[0] == "fuzz/reflected-xss"
    wrapped = CustomFailure(operation="GET /x", title="Custom check failed: `secure_x`", message="m", exception=ours)
    assert problem_of(wrapped)[0] == "fuzz/reflected-xss"
    negative = AcceptedNegativeData(operation="GET /x", message="accepted", status_code=200,
                                    expected_statuses=["400"])
    assert problem_of(negative)[0] == "fuzz/invalid-input-accepted"
    other = CustomFailure(operation="GET /x", title="Custom check failed: `mine`", message="boom",
                          exception=AssertionError("boom"))
    assert problem_of(other) == ("fuzz/check-failed", "Custom check failed: `mine`", "Custom check failed: `mine`: boom")


def test_seed_is_zero_in_ci_and_random_elsewhere(write_baseline, monkeypatch):
    from pytest_secure.core.baseline import load_baseline
    from pytest_secure.fuzz.area import FuzzConfig

    path = write_baseline("version: 1\ntarget: {base_url: 'http://127.0.0.1:9', openapi: /openapi.json}\nfuzz: {}\n")
    monkeypatch.setenv("CI", "true")
    assert {FuzzConfig.from_baseline(load_baseline(path)).seed for _ in range(3)} == {0}
    monkeypatch.delenv("CI")
    assert len({FuzzConfig.from_baseline(load_baseline(path)).seed for _ in range(3)}) == 3


def _header_echo(conn):
    """A raw HTTP server that writes the `v` query parameter into a response header, unchecked
    (frameworks refuse line breaks in headers; hand-written servers and proxies may not)."""
    import urllib.parse

    request = b""
    while b"\r\n\r\n" not in request:
        chunk = conn.recv(65536)
        if not chunk:
            return
        request += chunk
    target = request.split(b" ", 2)[1].decode("latin-1")
    value = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query).get("v", [""])[0]
    body = b'{"ok": true}'
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Echo: {value}\r\n" \
           f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    conn.sendall(head.encode("latin-1", "replace") + body)


def test_header_injection_through_a_raw_server(pytester):
    from tests.servers import serve_raw

    spec = {"openapi": "3.0.3", "info": {"title": "echo", "version": "1"}, "paths": {"/echo": {"get": {
        "parameters": [{"name": "v", "in": "query", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "OK"}}}}}}
    (pytester.path / "openapi.json").write_text(json.dumps(spec))
    with serve_raw(_header_echo) as url:
        pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(f"""
            version: 1
            target: {{base_url: "{url}", openapi: openapi.json}}
            fuzz: {{max_examples: 10, seed: 0, payloads: [crlf], oracles: [header-injection]}}
            """)})
        result = pytester.runpytest("--secure", "--secure-json", "report.json")
    result.assert_outcomes(failed=1)
    (finding,) = json.loads((pytester.path / "report.json").read_text())["findings"]
    assert finding["rule_id"] == "fuzz/header-injection" and "x-psec-injected" in finding["evidence"].lower()
