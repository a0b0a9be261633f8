"""Issue 12, items 5-6: several users at once. An answer to alice that carries bob's e-mail is
fuzz/cross-user-data with the field path; in a create/read scenario, bob creating what alice
created must not fail (fuzz/cross-user-conflict) and neither may read the other's object
(fuzz/cross-user-read). Planted FastAPI service and its fixed twin (tests/fuzz/people_apps.py), in
process and on 127.0.0.1; each identity logs in and keeps its own token."""

import json
import textwrap

import pytest

from pytest_secure.fuzz.oracles import Exchange, cross_user_data
from pytest_secure.fuzz.scenarios import pairs
from tests.fuzz import people_apps
from tests.paths import ROOT
from tests.servers import serve_asgi

IDENTITIES = """
    identities:
      alice: {login: {request: POST /login, json: {username: alice, password: alice-pw-1}, token: access_token}}
      bob: {login: {request: POST /login, json: {username: bob, password: bob-pw-1}, token: access_token}}
"""


@pytest.fixture(autouse=True)
def _subprocess_imports_tests(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))


def run(pytester, target, fuzz="identities: [alice, bob], destructive: true"):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(f"""
        version: 1
        target: {target}
        """) + textwrap.dedent(IDENTITIES) + textwrap.dedent(f"""
        fuzz: {{max_examples: 12, seed: 0, record: false, payloads: [sqli], exclude: [POST /login, POST /notes, DELETE /*],
                oracles: [server-error, cross-user-data], {fuzz}}}
        gates: {{fail_on: low}}
        """)})
    result = pytester.runpytest_subprocess("--secure", "--secure-json", "report.json", "-v")
    assert result.ret in (0, 1), result.stdout.str()[-3000:]
    return result, json.loads((pytester.path / "report.json").read_text())["findings"]


def in_process(factory):
    return f'{{app: "tests.fuzz.people_apps:{factory}()", openapi: /openapi.json}}'


def check_planted(result, findings):
    rules = {(f["rule_id"], f["location"]) for f in findings}
    assert ("fuzz/cross-user-data", "GET /directory") in rules, rules
    leak = next(f for f in findings if f["rule_id"] == "fuzz/cross-user-data")
    assert leak["evidence"].startswith("[1].username: bo") or leak["evidence"].startswith("[0].username: al"), leak
    assert "alice@example.org" not in result.stdout.str() and "bob@example.org" not in result.stdout.str()
    conflict = next(f for f in findings if f["rule_id"] == "fuzz/cross-user-conflict")
    assert conflict["location"] == "POST /notes" and "bob creating what alice had created answered 500" in \
        conflict["message"]
    read = next(f for f in findings if f["rule_id"] == "fuzz/cross-user-read")
    assert read["location"] == "GET /notes/{note_id}" and "bob read the object alice created" in read["message"]
    out = result.stdout.str()
    assert "fuzz[scenario POST /notes -> GET /notes/{note_id}] FAILED" in out
    assert "Authorization: [REDACTED]" in out or "authorization: [REDACTED]" in out.lower()


def test_planted_cross_user_defects_are_found_in_process_and_the_twin_is_quiet(pytester):
    result, findings = run(pytester, in_process("planted_api"))
    check_planted(result, findings)
    result, findings = run(pytester, in_process("fixed_api"))
    assert findings == [], [(f["rule_id"], f["location"], f["message"]) for f in findings]
    assert "fuzz[scenario POST /notes -> GET /notes/{note_id}] PASSED" in result.stdout.str()


def test_on_loopback_too(pytester):
    with serve_asgi(people_apps.planted_api()) as url:
        result, findings = run(pytester, f'{{base_url: "{url}", openapi: /openapi.json}}')
    check_planted(result, findings)
    with serve_asgi(people_apps.fixed_api()) as url:
        result, findings = run(pytester, f'{{base_url: "{url}", openapi: /openapi.json}}')
    assert findings == [], [(f["rule_id"], f["location"], f["message"]) for f in findings]


def test_scenarios_need_the_destructive_opt_in_and_an_admin_may_see_others(pytester):
    result, findings = run(pytester, in_process("planted_api"), fuzz="identities: [alice, bob], "
                           "cross_user: {may_see_others: [alice, bob]}")
    assert findings == [], [(f["rule_id"], f["location"]) for f in findings]
    result.stdout.fnmatch_lines(["*fuzz[[]scenario POST /notes -> GET /notes/{note_id}[]] SKIPPED*"])


JSON = [("Content-Type", "application/json")]


def test_the_cross_user_oracle_judges_known_values_in_personal_fields():
    oracle = cross_user_data("alice", {"alice": ["alice"], "bob": ["bob", "bob@example.org"]})
    leak = oracle(Exchange(200, JSON, json.dumps({"team": [{"contact": {"email": "Bob@Example.org"}}]})))
    assert leak is not None and leak.rule_id == "fuzz/cross-user-data"
    assert leak.evidence == "team[0].contact.email: Bo****** (15 characters) (a known value of bob)"
    assert oracle(Exchange(200, JSON, json.dumps({"email": "alice"}))) is None  # her own
    assert oracle(Exchange(200, JSON, json.dumps({"comment": "bob"}))) is None  # not a personal field
    assert oracle(Exchange(404, JSON, json.dumps({"email": "bob@example.org"}))) is None
    assert oracle(Exchange(200, JSON, json.dumps({"username": "bob"}), inputs=("bob",))) is None  # an echo
    custom = cross_user_data("alice", {"bob": ["bob"]}, fields=["^comment$"])
    assert custom(Exchange(200, JSON, json.dumps({"comment": "bob"}))) is not None
    assert custom(Exchange(200, JSON, json.dumps({"username": "bob"}))) is None


def test_create_read_pairs_come_from_the_document():
    found = pairs(["POST /notes", "GET /notes/{note_id}", "DELETE /notes/{note_id}", "GET /users/{id}",
                   "POST /tags", "GET /tags"])
    assert [(p.create, p.read, p.param, p.delete) for p in found] == [
        ("POST /notes", "GET /notes/{note_id}", "note_id", "DELETE /notes/{note_id}")]
