"""Issue 12 (5, part of 4): responses are judged by their content. A JSON body carrying a
password hash or an API key is fuzz/sensitive-data with the field path; a body labelled JSON
that is not JSON is fuzz/invalid-json. Planted FastAPI service and its fixed twin
(tests/fuzz/exposure_apps.py), in process and on 127.0.0.1."""

import json
import re
import textwrap

import pytest

from pytest_secure.fuzz.oracles import Exchange, no_invalid_json, no_sensitive_data, sensitive_data
from tests.fuzz import exposure_apps
from tests.servers import serve_asgi

FUZZ = "{max_examples: 15, seed: 0, record: false, payloads: [xss, sqli]%s}"
ALLOW_NEW_KEY = ", sensitive_fields: {allow: [api_key]}"  # GET /keys/new shows a new key once, by design


def run(pytester, target, more=ALLOW_NEW_KEY):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(f"""
        version: 1
        target: {target}
        fuzz: {FUZZ % more}
        gates: {{fail_on: low}}
        """)})
    result = pytester.runpytest("--secure", "--secure-json", "report.json")
    return result, json.loads((pytester.path / "report.json").read_text())["findings"]


def places(findings):
    return {(f["rule_id"], f["location"].split(" in ")[0]) for f in findings}


def in_process(factory):
    return f'{{app: "tests.fuzz.exposure_apps:{factory}()", openapi: /openapi.json}}'


def check_planted(result, findings):
    found = places(findings)
    assert ("fuzz/sensitive-data", "GET /users") in found
    assert ("fuzz/invalid-json", "GET /search") in found
    assert {rule for rule, _ in found} == {"fuzz/sensitive-data", "fuzz/invalid-json"}
    users = next(f for f in findings if f["rule_id"] == "fuzz/sensitive-data" and f["location"] == "GET /users")
    assert re.fullmatch(r"users?\[0\]\.password_hash: Werkzeug password hash scry\*{6} \(\d+ characters\)|"
                        r"\[0\]\.password_hash: Werkzeug password hash scry\*{6} \(\d+ characters\)",
                        users["evidence"]), users["evidence"]
    assert "scrypt:32768" not in result.stdout.str()  # the hash itself is never printed


def test_planted_exposure_and_broken_json_are_found_in_process_and_the_twin_is_quiet(pytester):
    result, findings = run(pytester, in_process("exposing_api"))
    check_planted(result, findings)
    result, findings = run(pytester, in_process("fixed_api"))
    assert findings == []
    result.assert_outcomes(passed=4)


def test_on_loopback_too(pytester):
    with serve_asgi(exposure_apps.exposing_api()) as url:
        result, findings = run(pytester, f'{{base_url: "{url}", openapi: /openapi.json}}')
    check_planted(result, findings)
    with serve_asgi(exposure_apps.fixed_api()) as url:
        result, findings = run(pytester, f'{{base_url: "{url}", openapi: /openapi.json}}')
    assert findings == []


def test_the_field_patterns_are_configurable(pytester):
    # without the allow-list, the new key of GET /keys/new is a finding; an extra field pattern
    # (`name`) makes the twin's user names sensitive
    _, findings = run(pytester, in_process("fixed_api"), more=", oracles: [sensitive-data]")
    assert places(findings) == {("fuzz/sensitive-data", "GET /keys/new")}
    _, findings = run(pytester, in_process("fixed_api"),
                      more=", oracles: [sensitive-data], sensitive_fields: {fields: ['^name$'], allow: [api_key]}")
    assert {p for _, p in places(findings)} == {"GET /users"} | ({"GET /users/{user_id}"} & {p for _, p in
                                                                                            places(findings)})


JSON = [("Content-Type", "application/json")]


@pytest.mark.parametrize(("document", "evidence"), [
    ({"password": "hunter22"}, "password: hu****** (8 characters)"),
    ({"data": {"user": {"hashedPassword": "x" * 20}}}, "data.user.hashedPassword: xx****** (20 characters)"),
    ({"items": [{"h": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"}]},
     "items[0].h: argon2 hash $arg****** (59 characters)"),
    ({"u": "$6$rounds=5000$saltsalt$" + "a" * 86}, "u: sha-crypt hash $6$r****** (110 characters)"),
    ({"d": "pbkdf2_sha256$600000$salt$" + "h" * 44}, "d: Django password hash pbkd****** (70 characters)"),
    ({"b": exposure_apps._BCRYPT_FORMAT}, "b: bcrypt hash $2b$****** (60 characters)"),
    ({"client-secret": "abc123", "API_KEY": 12345}, "client-secret: ab****** (6 characters)"),
    ({"user": {"ssn": "123-45-6789"}}, "user.ssn: 12****** (11 characters)"),
])
def test_sensitive_values_are_found_with_their_path(document, evidence):
    problem = no_sensitive_data(Exchange(200, JSON, json.dumps(document)))
    assert problem is not None and problem.rule_id == "fuzz/sensitive-data" and problem.evidence == evidence


@pytest.mark.parametrize("document", [
    {"access_token": "eyJ.x.y", "token_type": "bearer"},  # a login answers a token by design
    {"password_changed_at": "2024-01-01", "password_set": True, "password": "", "secret": None},
    {"name": "alice", "hash": "d41d8cd98f00b204e9800998ecf8427e"},  # a content hash, no password format
])
def test_ordinary_responses_are_quiet(document):
    assert no_sensitive_data(Exchange(200, JSON, json.dumps(document))) is None


def test_only_successful_json_is_judged_and_allow_paths_are_exact():
    body = json.dumps({"api_key": "k-123456", "keys": [{"secret": "s-123456"}], "me": {"api_key": "k-654321"}})
    assert no_sensitive_data(Exchange(404, JSON, body)) is None
    assert no_sensitive_data(Exchange(200, [("Content-Type", "text/plain")], body)) is None
    assert sensitive_data(allow=["api_key", "keys[].secret"])(Exchange(200, JSON, body)).evidence.startswith("me.api")
    assert sensitive_data(allow=["*.api_key", "keys[].secret"])(Exchange(200, JSON, body)) is None


def test_json_that_is_not_json():
    problem = no_invalid_json(Exchange(200, JSON, '{"q": "a"b", "results": []}'))
    assert problem is not None and problem.rule_id == "fuzz/invalid-json" and "character 9" in problem.message
    assert no_invalid_json(Exchange(200, JSON, '{"q": "a\\"b"}')) is None
    assert no_invalid_json(Exchange(200, [("Content-Type", "application/problem+json")], "<html>")) is not None
    assert no_invalid_json(Exchange(200, [("Content-Type", "text/html")], "<html>")) is None
    assert no_invalid_json(Exchange(204, JSON, "")) is None
    assert no_invalid_json(Exchange(200, JSON, "x", method="HEAD")) is None
