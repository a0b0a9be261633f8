"""Hand-written fuzz tests: `@pytest.mark.fuzz` parametrizes with payloads, `@fuzz_payloads`
feeds Hypothesis-drawn payloads and shrinks; both find the planted defects of the shop."""

import textwrap

from pytest_secure.fuzz.marker import marker_payloads


def test_marker_runs_once_per_payload_and_finds_the_reflection(pytester):
    pytester.makepyfile(test_shop=textwrap.dedent("""
        import pytest
        from tests.fuzz.apps import fixed_shop, vulnerable_shop
        from pytest_secure.fuzz.oracles import assert_safe

        @pytest.mark.fuzz("xss", per_family=3)
        @pytest.mark.parametrize("factory", [fixed_shop, vulnerable_shop])
        def test_echo(factory, payload):
            client = factory().test_client()
            assert_safe(client.get("/echo", query_string={"msg": payload}), [payload])
        """))
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines(["*test_echo[[]xss-0-fixed_shop[]] PASSED*",
                                 "*test_echo[[]xss-0-vulnerable_shop[]] FAILED*"])
    result.stdout.fnmatch_lines(["*fuzz/reflected-xss: input is echoed unencoded into HTML*"])


def test_marker_without_payload_argument_is_a_usage_error(pytester):
    pytester.makepyfile(test_x="""
        import pytest

        @pytest.mark.fuzz("sqli")
        def test_nothing():
            pass
        """)
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*a test marked fuzz takes a `payload` argument*"])
    assert result.ret != 0


def test_unknown_family_in_the_marker_is_a_usage_error(pytester):
    pytester.makepyfile(test_x="""
        import pytest

        @pytest.mark.fuzz("sqlx")
        def test_nothing(payload):
            pass
        """)
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["*@pytest.mark.fuzz: unknown payload family 'sqlx'*"])


def test_decorator_feeds_the_users_function_and_shrinks(pytester):
    pytester.makepyfile(test_slug=textwrap.dedent("""
        import re
        from pytest_secure.fuzz.marker import fuzz_payloads

        def naive_slug(text):
            return text.lower().replace(" ", "-")  # planted: keeps quotes, tags, NUL...

        def safe_slug(text):
            return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")

        @fuzz_payloads("sqli", "xss", "unicode", max_examples=40)
        def test_safe_slug(payload):
            assert re.fullmatch(r"[a-z0-9-]*", safe_slug(payload))

        @fuzz_payloads("sqli", "xss", "unicode", max_examples=40)
        def test_naive_slug(payload):
            assert re.fullmatch(r"[a-z0-9-]*", naive_slug(payload))
        """))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    out = result.stdout.str()
    assert "Failing test case: test_naive_slug(" in out
    assert "= naive_slug(\"'\")" in out  # shrunk to a single quote


def test_marker_payloads_cover_every_family_in_order():
    cases = marker_payloads(per_family=2)
    families = {name.rsplit("-", 1)[0] for name, _ in cases}
    assert families == {"sqli", "xss", "path-traversal", "command", "ssti", "crlf", "nosql", "format-string",
                        "open-redirect", "unicode", "oversized", "boundary", "redos", "sqli-time"}
    assert cases[0] == ("sqli-0", "'")
