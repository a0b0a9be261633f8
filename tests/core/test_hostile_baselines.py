"""The hostile-baseline corpus: every bad baseline ends in a placed error and exit 4, never a traceback.

Each case is a whole baseline file run through the real ``pytest --secure`` (pytester, in
process). A case passes when the run exits with 4, its message names
``security-baseline.yaml:<line>:<col>`` of the offending place and says what is wrong, and the
output holds no ``Traceback`` and no ``INTERNALERROR``. The tally (cases, placed exit-4 errors,
tracebacks) is printed and recorded as the test's ``hostile_corpus`` property (JUnit XML).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pytest_secure.core.baseline.yamlpos import MAX_DEPTH

APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html")])
    return [b"hello"]
"""
HEAD = 'version: 1\ntarget: {app: "hostile_app:app"}\n'  # lines 1-2
IDS = HEAD + "identities:\n  alice: {bearer: token-a}\n"  # lines 1-4
AUTHZ_RULES = "  rules:\n    - {request: GET /, allow: [alice]}\n"


@dataclass(frozen=True)
class Case:
    name: str
    text: str | bytes
    line: int
    col: int | str  # a column, or the text on ``line`` whose first character is the place
    says: str

    def content(self) -> bytes:
        return self.text if isinstance(self.text, bytes) else self.text.encode("utf-8")

    def place(self) -> str:
        col = self.col
        if isinstance(col, str):
            line = self.content().split(b"\n")[self.line - 1].decode("utf-8", "replace")
            assert col in line, f"{self.name}: {col!r} is not on line {self.line}"
            col = line.index(col) + 1
        return f"security-baseline.yaml:{self.line}:{col}:"


def waiver(expires: str) -> str:
    return HEAD + "headers: {paths: [/]}\nwaivers:\n" f"  - {{rule: r, reason: why, owner: me, expires: {expires}}}\n"


def deep_list() -> str:
    # root mapping (1), headers (2), paths (3): the k-th "[" opens level 2 + k, so the 63rd is refused
    return HEAD + "headers:\n  paths: " + "[" * 900 + "/" + "]" * 900 + "\n"


def deep_mapping() -> str:
    # the mapping holding key k<j> is level 2 + j: the one holding k63 is refused
    return HEAD + "headers:\n" + "".join("  " * (j + 1) + f"k{j}:\n" for j in range(900))


def deep_flow_mapping() -> str:
    # root mapping (1): the m-th "{" opens level 1 + m, so the 64th is refused
    return HEAD + "grade: " + "{a: " * 900 + "x" + "}" * 900 + "\n"


def deep_aliases() -> str:
    # each anchor nests the previous one 60 lists deep: a1 holds a0 at level 62, whose 4th "[" is level 65
    lines = ["a0: &a0 " + "[" * 60 + "x" + "]" * 60]
    lines += [f"a{i}: &a{i} " + "[" * 60 + f"*a{i - 1}" + "]" * 60 for i in range(1, 25)]
    return HEAD + "\n".join(lines) + "\n"


CASES = [
    # -- dates and durations ---------------------------------------------------------------------
    Case("waiver expires in month 13", waiver("2027-13-45"), 5, "2027-13-45", "month must be in 1..12"),
    Case("waiver expires on 30 February", waiver("2027-02-30"), 5, "2027-02-30", "day is out of range for month"),
    Case("waiver expires on a word", waiver("someday"), 5, "someday", "write it as YYYY-MM-DD"),
    Case("waiver expires at hour 25", waiver("2027-01-01T25:61:00"), 5, "2027-01-01T25", "expected a date YYYY-MM-DD"),
    Case("waiver expires on a number", waiver("20270101"), 5, "20270101", "expected a date YYYY-MM-DD"),
    Case("invalid date as a section name", HEAD + "2027-13-45: {}\n", 3, 1, "unknown key '2027-13-45'"),
    Case("invalid date as the target timeout", 'version: 1\ntarget: {app: "hostile_app:app", timeout: 2027-13-45}\n',
         2, "2027-13-45", "target.timeout: expected a number"),
    Case("cookie max-age in words", HEAD + "cookies:\n  paths: [/]\n  rules:\n    '*': {max-age: 12 hours}\n",
         6, "12 hours", "max-age"),
    Case("rate limit in words", IDS + "abuse:\n  uploads:\n    - {request: POST /up, field: f, rate: ten per minute}\n",
         7, "ten per minute", "a rate such as 10/minute"),
    Case("revocation within beyond an hour", IDS + "authz:\n" + AUTHZ_RULES
         + "  revocation:\n    - {identity: alice, request: GET /, revoke: {request: GET /r, as: alice}, within: 99999}\n",
         9, "99999", "authz.revocation[0].within"),
    Case("a number of 5000 digits", 'version: 1\ntarget: {app: "hostile_app:app", timeout: ' + "9" * 5000 + "}\n",
         2, "9999", "the number is too long"),
    # -- nesting -------------------------------------------------------------------------------
    Case("lists nested 900 deep", deep_list(), 4, len("  paths: ") + MAX_DEPTH - 1, f"more than {MAX_DEPTH} levels"),
    Case("mappings nested 900 deep", deep_mapping(), 4 + MAX_DEPTH - 1, f"k{MAX_DEPTH - 1}:",
         f"more than {MAX_DEPTH} levels"),
    Case("flow mappings nested 900 deep", deep_flow_mapping(), 3, len("grade: ") + 1 + 4 * (MAX_DEPTH - 1),
         f"more than {MAX_DEPTH} levels"),
    Case("aliases nesting lists beyond the limit", deep_aliases(), 3, len("a0: &a0 ") + 4,
         f"more than {MAX_DEPTH} levels deep through aliases"),
    # -- encoding and control characters -------------------------------------------------------
    Case("latin-1 byte in a comment", HEAD.encode() + b"# caf\xe9 au lait\nheaders: {paths: [/]}\n", 3, 6,
         "save the file as UTF-8"),
    Case("0xff byte in a value", HEAD.encode() + b"headers:\n  paths: [/a\xff]\n", 4, 13, "save the file as UTF-8"),
    Case("UTF-16 file", (HEAD + "headers: {paths: [/]}\n").encode("utf-16"), 1, 1, "save the file as UTF-8"),
    Case("truncated multi-byte character at the end", HEAD.encode() + b"headers: {paths: [/]}\n# \xe2\x82", 4, 3,
         "save the file as UTF-8"),
    Case("NUL byte in a value", HEAD + "headers:\n  paths: [/a\x00b]\n", 4, "\x00", "control character U+0000"),
    Case("NUL byte in a comment", HEAD + "# note\x00\nheaders: {paths: [/]}\n", 3, 7, "control character U+0000"),
    Case("escape character", HEAD + "headers: {paths: [/\x1b[2J]}\n", 3, 20, "control character U+001B"),
    # -- regular expressions -------------------------------------------------------------------
    Case("unterminated character set", IDS + "authz:\n  deny_body: 'ab[c'\n" + AUTHZ_RULES, 6, "'ab[c'",
         "unterminated character set at position 2"),
    Case("unterminated group name in a rule", IDS + "authz:\n  rules:\n    - {request: GET /, allow: [alice], "
         "allow_body: '(?P<x'}\n", 7, "'(?P<x'", "missing >, unterminated name at position 4"),
    Case("repeat bounds reversed", IDS + "authz:\n  allow_body: 'a{2,1}'\n" + AUTHZ_RULES, 6, "'a{2,1}'",
         "min repeat greater than max repeat"),
    Case("ReDoS (a+)+", IDS + "authz:\n  deny_body: '(a+)+$'\n" + AUTHZ_RULES, 6, "'(a+)+$'", "(ReDoS)"),
    Case("ReDoS (a|a)*", IDS + "authz:\n  deny_body: '(a|a)*b'\n" + AUTHZ_RULES, 6, "'(a|a)*b'", "(ReDoS)"),
    Case("ReDoS (.*)*", IDS + "authz:\n  allow_body: '(.*)*x'\n" + AUTHZ_RULES, 6, "'(.*)*x'", "(ReDoS)"),
    Case("ReDoS words and spaces", IDS + "authz:\n  deny_body: '^(\\w+\\s?)*$'\n" + AUTHZ_RULES, 6, "'^(",
         "(ReDoS)"),
    Case("ReDoS (a|a?)+ in a rule", IDS + "authz:\n  rules:\n    - {request: GET /, allow: [alice], "
         "deny_body: '(a|a?)+b'}\n", 7, "'(a|a?)+b'", "(ReDoS)"),
    # -- unknown identities, in every section that takes one -----------------------------------
    Case("headers.identity", IDS + "headers: {paths: [/], identity: bob}\n", 5, "bob", "unknown identity 'bob'"),
    Case("cookies.identity", IDS + "cookies: {paths: [/], identity: bob}\n", 5, "bob", "unknown identity 'bob'"),
    Case("cors.identity", IDS + "cors: {paths: [/], identity: bob}\n", 5, "bob", "unknown identity 'bob'"),
    Case("leaks.identity", IDS + "leaks: {paths: [/], identity: bob}\n", 5, "bob", "unknown identity 'bob'"),
    Case("fuzz.identity", IDS + "fuzz: {identity: bob}\n", 5, "bob", "unknown identity 'bob'"),
    Case("fuzz.identities", IDS + "fuzz: {identities: [alice, alicia]}\n", 5, "alicia",
         "unknown identity 'alicia' (did you mean 'alice'?)"),
    Case("jwt.identities", IDS + "jwt: {probe: GET /me, identities: [bob]}\n", 5, "bob", "unknown identity 'bob'"),
    Case("dast.identity", IDS + "dast: {identity: bob}\n", 5, "bob", "unknown identity 'bob'"),
    Case("abuse.rate_limits identity", IDS + "abuse:\n  rate_limits:\n    - {request: GET /, limit: 5/minute, identity: bob}\n",
         7, "bob", "unknown identity 'bob'"),
    Case("abuse.uploads identity", IDS + "abuse:\n  uploads:\n    - {request: POST /up, field: f, identity: bob}\n",
         7, "bob", "unknown identity 'bob'"),
    Case("abuse.mass_assignment identity", IDS + "abuse:\n  mass_assignment:\n    - {request: POST /u, "
         "fields: {admin: true}, read: GET /me, identity: bob}\n", 7, "bob", "unknown identity 'bob'"),
    Case("authz.identities", IDS + "authz:\n  identities: [alice, bob]\n" + AUTHZ_RULES, 6, "bob",
         "unknown identity 'bob'"),
    Case("authz rule allow", IDS + "authz:\n  rules:\n    - {request: GET /, allow: [bob]}\n", 7, "bob",
         "unknown identity or role 'bob'"),
    Case("authz rule expect", IDS + "authz:\n  rules:\n    - {request: GET /, allow: [alice], expect: {bob: deny}}\n",
         7, "deny", "unknown identity 'bob'"),
    Case("authz revocation identity", IDS + "authz:\n" + AUTHZ_RULES
         + "  revocation:\n    - {identity: bob, request: GET /, revoke: {request: GET /r, as: alice}}\n",
         9, "bob", "unknown identity 'bob'"),
    Case("authz revocation revoke.as", IDS + "authz:\n" + AUTHZ_RULES
         + "  revocation:\n    - {identity: alice, request: GET /, revoke: {request: GET /r, as: bob}}\n",
         9, "bob", "unknown identity 'bob'"),
    Case("authz revocation restore.as", IDS + "authz:\n" + AUTHZ_RULES
         + "  revocation:\n    - {identity: alice, request: GET /, revoke: {request: GET /r, as: anonymous}, "
         "restore: {request: GET /r2, as: bob}}\n", 9, "bob}", "unknown identity 'bob'"),
    Case("authz expect", IDS + "authz:\n  expect: {bob: unauthenticated}\n" + AUTHZ_RULES, 6, "unauth",
         "unknown identity 'bob'"),
    Case("authz objects ids", IDS + "authz:\n" + AUTHZ_RULES + "  objects:\n    notes: {ids: {bob: [1]}, "
         "read: 'GET /n/{id}'}\n", 9, "[1]", "unknown identity 'bob'"),
    Case("authz objects owners", IDS + "authz:\n" + AUTHZ_RULES + "  objects:\n    notes: {owners: [alice, bob], "
         "create: {request: POST /n, id: id}, read: 'GET /n/{id}'}\n", 9, "bob", "unknown identity 'bob'"),
    Case("authz sequences owners", IDS + "authz:\n" + AUTHZ_RULES + "  sequences:\n    - {name: s, owners: [bob], "
         "steps: [{request: GET /}], check: GET /}\n", 9, "bob", "unknown identity 'bob'"),
    Case("authz sessions identities", IDS + "authz:\n" + AUTHZ_RULES + "  sessions: {identities: [bob]}\n", 8, "bob",
         "unknown identity 'bob'"),
    # -- a baseline that expands beyond the item cap -------------------------------------------
    Case("10,001 paths x 1 rule", HEAD + "headers:\n  paths: [" + ", ".join(f"/p{i}" for i in range(10_001))
         + "]\n  rules: {X-Frame-Options: {required: true}}\n", 3, 1,
         "expands to 10001 checks, more than the limit of 10000"),
]


def run_case(pytester: pytest.Pytester, case: Case) -> tuple[bool, bool, str]:
    """(exit 4 with the placed message, a traceback shown, output) of one case."""
    (pytester.path / "security-baseline.yaml").write_bytes(case.content())
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    output = result.stdout.str() + "\n" + result.stderr.str()
    traceback = "Traceback" in output or "INTERNALERROR" in output
    placed = result.ret == pytest.ExitCode.USAGE_ERROR and case.place() in output and case.says in output
    return placed, traceback, output


def test_every_hostile_baseline_ends_in_a_placed_error_and_exit_4(pytester, record_property, capsys):
    pytester.makepyfile(hostile_app=APP)
    placed = tracebacks = 0
    wrong = []
    for case in CASES:
        ok, traceback, output = run_case(pytester, case)
        placed += ok
        tracebacks += traceback
        if not ok or traceback:
            wrong.append(f"--- {case.name}: expected {case.place()} ... {case.says}\n{output[-1500:]}")
    tally = f"hostile corpus: {len(CASES)} cases, {placed} exit 4 with a placed message, {tracebacks} tracebacks"
    record_property("hostile_corpus", tally)
    with capsys.disabled():
        print("\n" + tally)
    assert not wrong, tally + "\n" + "\n".join(wrong)
    assert placed == len(CASES) and tracebacks == 0


def test_the_item_cap_can_be_raised(pytester):
    pytester.makepyfile(hostile_app=APP)
    paths = ", ".join(f"/p{i}" for i in range(30))
    pytester.makefile(".yaml", **{"security-baseline": HEAD + f"headers:\n  paths: [{paths}]\n"
                                  "  rules: {X-Frame-Options: {required: false}}\nlimits: {max_items: 20}\n"})
    refused = pytester.runpytest("--secure", "--collect-only", "-q")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["*security-baseline.yaml:3:1: the baseline expands to 30 checks, more than the "
                                  "limit of 20 (headers 30); the headers section makes the most (30)*"
                                  "limits.max_items: 30 in the baseline, or --secure-max-items 30 for one run*"])
    raised = pytester.runpytest("--secure", "--collect-only", "-q", "--secure-max-items", "30")
    assert raised.ret == pytest.ExitCode.OK
    raised.stdout.fnmatch_lines(["*30 tests collected*"])


def test_nesting_up_to_the_limit_loads(write_baseline):
    from pytest_secure.core.baseline.yamlpos import load_yaml

    data, _ = load_yaml("a: " + "[" * (MAX_DEPTH - 1) + "x" + "]" * (MAX_DEPTH - 1) + "\n")
    depth = 1
    value = data["a"]
    while isinstance(value, list):
        value, depth = value[0], depth + 1
    assert (depth, value) == (MAX_DEPTH, "x")


def test_a_utf8_byte_order_mark_is_fine(tmp_path):
    from pytest_secure.core.baseline import load_baseline

    path = tmp_path / "security-baseline.yaml"
    path.write_bytes(b"\xef\xbb\xbfversion: 1\nheaders: {paths: [/caf\xc3\xa9]}\n")
    assert load_baseline(path, environ={}).section("headers")["paths"] == ["/café"]


@pytest.mark.parametrize("pattern", ["access denied", "(GET|POST)+", "^\\d{3}-\\d+$", "(ab|ac)*", "(?:a{2})+",
                                     "(\\w|\\d)+", "x(a|b)*y", "(?>a+)+", "<title>[^<]*</title>"])
def test_safe_regexes_are_accepted(pattern):
    from pytest_secure.core.baseline.regexes import regex_problem

    assert regex_problem(pattern) is None


def test_the_item_cap_is_checked_before_the_dast_scan(pytester):
    pytester.makepyfile(hostile_app=APP)
    paths = ", ".join(f"/p{i}" for i in range(30))
    pytester.makefile(".yaml", **{"security-baseline": HEAD + f"headers:\n  paths: [{paths}]\n"
                                  "  rules: {X-Frame-Options: {required: false}}\ndast: {engine: builtin}\n"})
    crawled = pytester.runpytest("--secure", "--secure-dast", "--secure-max-items", "40", "-q")
    assert "dast: built-in engine crawling" in crawled.stdout.str() + crawled.stderr.str()  # the scan does run
    refused = pytester.runpytest("--secure", "--secure-dast", "--secure-max-items", "20", "-q")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["*the baseline expands to 30 checks, more than the limit of 20*"])
    assert "crawling" not in refused.stdout.str() + refused.stderr.str()
