"""`jwt:` attacks against token identities: each planted verifier defect is found by its attack,
the correct verifier refuses every forgery, and broken preconditions are setup errors."""

import json
import textwrap

import jwt  # noqa: F401 - imported here so that pytester's module snapshots keep one copy of it
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: F401 - same reason

from pytest_secure.abuse.jwt import Token, crack, encode_hmac, encode_unsigned, mask

BASELINE = """
    version: 1
    target: {{app: "tests.abuse.jwt_apps:{factory}()"}}
    identities:
      alice: {{login: {{request: POST /token, json: {{username: alice, password: "${{ALICE_PW:-alice-pw-1}}"}}, token: access_token}}}}
    jwt:
      probe: GET /me
      {more}
    gates: {{fail_on: low}}
    """
ALL_RULES = {"jwt/alg-none-accepted", "jwt/signature-not-verified", "jwt/expired-accepted",
             "jwt/not-yet-valid-accepted", "jwt/weak-hmac-key", "jwt/kid-injection", "jwt/key-injection"}


def run(pytester, factory, more=""):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE.format(factory=factory, more=more))})
    result = pytester.runpytest("--secure", "--secure-json", "report.json")
    findings = json.loads((pytester.path / "report.json").read_text())["findings"]
    return result, {f["rule_id"] for f in findings}


def test_items_per_attack_and_identity(pytester):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE.format(factory="fixed_tokens",
                                                                                         more=""))})
    result = pytester.runpytest("--secure", "--collect-only", "-q")
    result.stdout.fnmatch_lines([
        "security-baseline.yaml::jwt[[]alg-none::alice[]]",
        "security-baseline.yaml::jwt[[]signature::alice[]]",
        "security-baseline.yaml::jwt[[]weak-key::alice[]]",
        "security-baseline.yaml::jwt[[]kid-injection::alice[]]",
        "security-baseline.yaml::jwt[[]key-injection::alice[]]",
        "*5 tests collected*",  # no expiry item without jwt.signing_key
    ])


KEY = "k" * 64


@pytest.mark.parametrize(("factory", "expected"), [
    ("none_accepting_tokens", {"jwt/alg-none-accepted", "jwt/expired-accepted", "jwt/not-yet-valid-accepted"}),
    ("unverified_tokens", {"jwt/alg-none-accepted", "jwt/signature-not-verified", "jwt/kid-injection",
                           "jwt/key-injection", "jwt/expired-accepted", "jwt/not-yet-valid-accepted"}),
    ("weak_key_tokens", {"jwt/weak-hmac-key"}),
    ("kid_path_tokens", {"jwt/kid-injection"}),
    ("key_trusting_tokens", {"jwt/key-injection"}),
    ("fixed_tokens", set()),
])
def test_each_planted_verifier_defect_is_found_and_the_fixed_one_refuses_all(pytester, monkeypatch, factory,
                                                                              expected):
    monkeypatch.setenv("PSEC_TEST_JWT_KEY", KEY)
    more = "signing_key: ${PSEC_TEST_JWT_KEY}" if factory != "weak_key_tokens" else ""
    result, found = run(pytester, factory, more=more)
    assert found == expected
    assert "Traceback" not in result.stdout.str()
    assert KEY not in result.stdout.str() and KEY not in (pytester.path / "report.json").read_text()


def test_the_weak_key_is_masked_in_the_report(pytester):
    result, found = run(pytester, "weak_key_tokens")
    assert found == {"jwt/weak-hmac-key"}
    result.stdout.fnmatch_lines(["*HMAC key s****t (6 characters) from the built-in list; found offline*"])


def test_a_probe_that_needs_no_token_is_a_setup_error(pytester):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE.format(
        factory="fixed_tokens", more="attacks: [alg-none]").replace("probe: GET /me", "probe: GET /openapi.json"))})
    result = pytester.runpytest("--secure")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*GET /openapi.json answered 200 without a token*"])


def test_expiry_with_the_wrong_key_is_a_setup_error(pytester):
    result, _ = run(pytester, "fixed_tokens", more="signing_key: not-the-key\n      attacks: [expiry]")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*a fresh copy of the JWT, signed with jwt.signing_key, was refused*"])


def test_token_helpers():
    token = Token.parse(encode_hmac({"typ": "JWT"}, {"sub": "a"}, b"secret"))
    assert token.alg == "HS256" and token.payload == {"sub": "a"}
    assert crack(token) == "secret"
    assert crack(Token.parse(encode_hmac({}, {"sub": "a"}, b"a-long-random-key-nobody-guesses"))) is None
    assert encode_unsigned({}, {"sub": "a"}).endswith(".")
    assert mask("secret") == "s****t" and mask("") == "(empty)"
    with pytest.raises(ValueError):
        Token.parse("not-a-jwt")
