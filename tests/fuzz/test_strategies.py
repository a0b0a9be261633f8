"""Payload strategies: every family draws what it promises, composes with other strategies,
and shrinks towards its simplest payload."""

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from pytest_secure.fuzz import strategies as ps

FAST = settings(max_examples=30, derandomize=True, database=None)


@pytest.mark.parametrize("name", sorted(ps.FAMILIES))
def test_every_family_draws_values(name):
    drawn = []

    @FAST
    @given(ps.family(name))
    def collect(value):
        drawn.append(value)

    collect()
    assert drawn and all(v is not None for v in drawn)


def test_unknown_family_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown payload family 'sqlx'.*sqli"):
        ps.family("sqlx")
    with pytest.raises(ValueError, match="unknown XSS context 'css'"):
        ps.xss("css")


def test_xss_contexts_are_separate():
    assert find(ps.xss("url"), lambda v: True).startswith("javascript:")
    assert find(ps.xss("attribute"), lambda v: True).startswith('"')
    assert "<" in find(ps.xss("html"), lambda v: True)


def test_families_shrink_to_their_simplest_payload():
    assert find(ps.sqli(), lambda v: "'" in v) == "'"
    assert find(ps.ssti(), lambda v: True) == "{{9137*7331}}"
    assert find(ps.oversized(), lambda v: len(v) > 1000) == "A" * 1025
    assert find(ps.embedded(ps.sqli()), lambda v: "OR" in v) == "' OR '1'='1"


def test_payloads_compose_with_ordinary_strategies():
    strategy = st.fixed_dictionaries({"q": st.one_of(st.text(max_size=3), ps.payloads("sqli", "xss"))})
    found = find(strategy, lambda d: "<script" in d["q"])
    assert found == {"q": "<script>alert(1)</script>"}


def test_strings_only_leaves_out_operator_objects():
    @FAST
    @given(ps.payloads("nosql", "boundary", strings_only=True))
    def check(value):
        assert isinstance(value, str)

    check()
    assert isinstance(find(ps.nosql(), lambda v: isinstance(v, dict)), dict)


def test_markers_are_what_the_oracles_look_for():
    assert str(9137 * 7331) == ps.EVAL_MARKER
    assert all(ps.REDIRECT_HOST in p for p in ps.REDIRECT)
    assert all(ps.INJECTED_HEADER in p or ps.INJECTED_COOKIE in p or "psec-xss" in p for p in ps.CRLF)
    assert any("\x00" in p for p in ps.UNICODE) and any("%c0%ae" in p for p in ps.UNICODE)
    assert any(p != __import__("unicodedata").normalize("NFKC", p) for p in ps.UNICODE)


def test_redos_payloads_fit_a_length_limit_and_stay_short():
    sized = ps.redos(23).elements
    assert all(len(p) <= 23 for p in sized)
    assert "a" * 22 + "!" in sized
    assert max(len(p) for p in ps.redos().elements) <= 27
