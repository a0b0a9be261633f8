"""Fuzzing changes nothing on a target without `fuzz.destructive: true` (issue 10, item 5).

The records service (tests/fuzz/records_app.py, Flask) has a DELETE, a PUT and a POST
operation, and a record page that leaks a traceback. Fuzz items run before the leaks items:
fuzzing DELETE /records/{id} used to remove record 1, so the leaks probe of /records/1 met a
404 and the defect went unseen. By default only GET/HEAD/OPTIONS operations are fuzzed; the
others are skipped with the reason, in-process and live alike (as authz.destructive does).
"""

import json
import textwrap

import pytest

from tests.fuzz import records_app

WRITES = {"POST /records", "PUT /records/{id}", "DELETE /records/{id}"}

BASELINE = """
    version: 1
    target: {{{target}, openapi: /openapi.json}}
    fuzz: {{max_examples: 15, seed: 0, payloads: [sqli], oracles: [server-error, database-error]{more}}}
    leaks: {{paths: [/records/1], banners: false}}
    gates: {{fail_on: low}}
    """


def _run(pytester, target, more=""):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE.format(target=target, more=more))})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "-rs", "--secure-json", "report.json")
    assert result.ret in (0, 1), result.stdout.str()[-3000:]  # a test run, not a usage error
    report = json.loads((pytester.path / "report.json").read_text())
    assert report["checks"], "no item ran"
    return result, report


@pytest.fixture(params=["in-process", "live"])
def records_target(request):
    """The records app, in-process or on a loopback server; yields (target spec, apps getter).
    In-process, the run imports the app more than once (the target, the OpenAPI loader): all count."""
    if request.param == "in-process":
        records_app.LAST.clear()
        yield 'app: "tests.fuzz.records_app:make()"', lambda: list(records_app.LAST)
        return
    from tests.servers import serve_wsgi

    app = records_app.make()
    with serve_wsgi(app) as url:
        yield f'base_url: "{url}"', lambda: [app]


def test_writes_are_skipped_with_the_reason_and_the_record_survives(pytester, records_target):
    target, apps_of = records_target
    result, report = _run(pytester, target)
    apps = apps_of()
    # nothing was changed: every record is still there, and no write reached the app
    assert all(app.config["records"] == {1: "quarterly", 2: "annual", 3: "forecast"} for app in apps)
    sent = {(method, path) for app in apps for method, path in app.config["seen"]}
    assert not {m for m, _ in sent} & {"PUT", "DELETE", "PATCH"}
    assert ("POST", "/records") not in sent
    assert ("GET", "/records/1") in sent and ("GET", "/records") in sent  # the safe operations were fuzzed
    # the skipped operations are visible, each with the reason and the way to opt in
    out = result.stdout.str()
    for label in WRITES:
        assert f"fuzz[{label}]" in out or label in out
    assert out.count("changes state: fuzzing sends only GET, HEAD, OPTIONS requests unless "
                     "`fuzz.destructive: true`") == 3
    outcomes = result.parseoutcomes()
    assert (outcomes.get("skipped"), outcomes.get("failed")) == (3, 1)  # the three writes; the leaking page
    # the leak on the record page is found, whatever ran before it
    leaks = {f["rule_id"] for f in report["findings"] if f["location"] == "GET /records/1"}
    assert "leaks/stack-trace-python" in leaks


def test_the_opt_in_fuzzes_the_writes(pytester, records_target):
    target, apps_of = records_target
    result, _ = _run(pytester, target, more=", destructive: true")
    sent = {method for app in apps_of() for method, _ in app.config["seen"]}
    assert {"POST", "PUT", "DELETE"} <= sent
    assert "changes state" not in result.stdout.str()
    assert result.parseoutcomes().get("skipped", 0) == 0


def test_the_engine_refuses_a_write_without_the_opt_in():
    from pytest_secure.core.errors import SetupError
    from pytest_secure.fuzz.engine import FuzzSettings, OperationFuzzer, SendOptions, is_safe_operation

    assert [is_safe_operation(op) for op in ("GET /a", "head /a", "OPTIONS /a", "POST /a", "DELETE /a/{id}",
                                             "PATCH /a", "PUT /a")] == [True, True, True, False, False, False, False]
    import schemathesis

    schema = schemathesis.openapi.from_dict(records_app.spec())
    fuzzer = OperationFuzzer(schema, "DELETE /records/{id}", FuzzSettings(max_examples=5))
    with pytest.raises(SetupError, match=r"refusing to fuzz DELETE /records/\{id\}: it changes state; set "
                                         r"`fuzz.destructive: true`"):
        fuzzer.run(SendOptions(base_url="http://127.0.0.1:9"), [])
