"""The offline weak-key search: the built-in list (wallarm/jwt-secrets, ~104,000 secrets) and
the team's own `jwt.wordlist` find the planted keys for HS256/384/512, in process and on
loopback; a random 32-byte key stays quiet; a bad wordlist is a placed baseline error."""

import gzip
import json
import textwrap

import jwt  # noqa: F401 - imported here so that pytester's module snapshots keep one copy of it
import pytest

from pytest_secure.abuse.jwt import (
    BUILTIN_LIST,
    Token,
    Wordlist,
    builtin_wordlist,
    crack,
    crack_lists,
    encode_hmac,
    read_wordlist,
)
from tests.abuse.jwt_wordlist_apps import LISTED_KEY, TEAM_KEY
from tests.servers import serve_asgi

BASELINE = """
    version: 1
    target: {target}
    identities:
      alice: {{login: {{request: POST /token, json: {{username: alice, password: alice-pw-1}}, token: access_token}}}}
    jwt:
      probe: GET /me
      attacks: [weak-key]
      {more}
    gates: {{fail_on: low}}
    """


def run(pytester, target, more=""):
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE.format(target=target, more=more))})
    result = pytester.runpytest("--secure", "--secure-json", "report.json")
    report = pytester.path / "report.json"
    findings = json.loads(report.read_text())["findings"] if report.exists() else []
    return result, findings


def in_process(factory, alg):
    return f'{{app: "tests.abuse.jwt_wordlist_apps:{factory}_{alg.lower()}()"}}'


def test_the_builtin_list_is_the_real_one_with_its_licence():
    words = builtin_wordlist().words
    assert len(words) > 100_000 and len(set(words)) == len(words)
    assert b"secret" in words and LISTED_KEY.encode() in words
    header = gzip.decompress(BUILTIN_LIST.read_bytes()).split(b"\n\n", 1)[0].decode()
    assert "github.com/wallarm/jwt-secrets" in header and "MIT License" in header
    assert not any(w.startswith(b"# Permission") for w in words)  # the header is not a secret


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_a_key_from_the_list_is_found_in_process_and_a_random_key_is_not(pytester, alg):
    result, findings = run(pytester, in_process("listed_key", alg))
    assert [f["rule_id"] for f in findings] == ["jwt/weak-hmac-key"]
    evidence = findings[0]["evidence"]
    assert evidence.startswith(f"HMAC key r{'*' * (len(LISTED_KEY) - 2)}x ({len(LISTED_KEY)} characters) "
                               "from the built-in list; found offline in ")
    assert LISTED_KEY not in result.stdout.str() and LISTED_KEY not in (pytester.path / "report.json").read_text()
    result.stdout.fnmatch_lines([f"*signed ({alg}) with a key found in the built-in list*",
                                 "*found offline in * s, candidate * of 10?,???*"])
    twin, quiet = run(pytester, in_process("random_key", alg))
    assert quiet == []
    twin.assert_outcomes(passed=1)


def test_on_loopback_too(pytester):
    from tests.abuse.jwt_wordlist_apps import listed_key_tokens, random_key_tokens

    with serve_asgi(listed_key_tokens("HS256")) as url:
        _, findings = run(pytester, f"{{base_url: {url!r}}}")
    assert [f["rule_id"] for f in findings] == ["jwt/weak-hmac-key"]
    with serve_asgi(random_key_tokens("HS256")) as url:
        result, findings = run(pytester, f"{{base_url: {url!r}}}")
    assert findings == []
    result.assert_outcomes(passed=1)


def test_the_team_wordlist_finds_its_own_key_and_the_builtin_list_alone_does_not(pytester):
    _, findings = run(pytester, in_process("team_key", "HS384"))
    assert findings == []  # no public list holds it
    pytester.path.joinpath("keys").mkdir()
    pytester.path.joinpath("keys", "ours.txt").write_text(f"not-it\r\n{TEAM_KEY}\r\n#also-a-secret\n")
    result, findings = run(pytester, in_process("team_key", "HS384"), more="wordlist: keys/ours.txt")
    assert [f["rule_id"] for f in findings] == ["jwt/weak-hmac-key"]
    assert "from the team wordlist keys/ours.txt; found offline in " in findings[0]["evidence"]
    assert ", candidate 2 of " in findings[0]["evidence"]
    assert TEAM_KEY not in result.stdout.str()


def test_a_missing_or_empty_wordlist_is_a_placed_baseline_error(pytester):
    result, _ = run(pytester, in_process("random_key", "HS256"), more="wordlist: nowhere.txt")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*security-baseline.yaml:8:13: jwt.wordlist: *nowhere.txt: cannot read it*"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    pytester.path.joinpath("empty.txt").write_text("\n\n")
    result, _ = run(pytester, in_process("random_key", "HS256"), more="wordlist: empty.txt")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*security-baseline.yaml:8:13: jwt.wordlist: *empty.txt holds no secret*"])


def test_crack_lists_counts_and_skips_duplicates(tmp_path):
    token = Token.parse(encode_hmac({}, {"sub": "a"}, b"third", "HS512"))
    first = Wordlist("first", (b"one", b"two"))
    second = Wordlist("second", (b"two", b"one", b"third"))
    found = crack_lists(token, [first, second])
    assert (found.key, found.tried, found.source) == ("third", 3, "second")
    assert crack_lists(token, [first]).key is None and crack_lists(token, [first]).tried == 2
    assert crack(Token.parse(encode_hmac({}, {"sub": "a"}, LISTED_KEY.encode(), "HS384"))) == LISTED_KEY
    (tmp_path / "w.txt.gz").write_bytes(gzip.compress(b"a\r\n\r\n#b\n"))
    assert read_wordlist(tmp_path / "w.txt.gz") == (b"a", b"#b")
