"""Details of the fuzz oracles that the fire/quiet table (test_oracles.py) does not pin down,
found by the mutation check (docs/testing.md): the card-number checksum and the count of
backslashes that decides whether a reflected quote is escaped."""

import pytest

from pytest_secure.fuzz import oracles as o


@pytest.mark.parametrize(("number", "personal"), [
    ("4111 1111 1111 1111", True),   # Visa test number
    ("4012888888881881", True),      # Visa test number: 8s and 9s on doubled positions
    ("5555-5555-5555-4444", True),   # Mastercard test number: 5s on doubled positions
    ("378282246310005", True),       # American Express test number (15 digits)
    ("4111 1111 1111 1112", False),  # one digit off: the checksum fails
    ("5555555555554445", False),
    ("4012888888881882", False),
    ("1234 5678 9012 3452", False),  # Luhn-valid but no issuer starts with 1
    ("4222222222222", True),         # Visa's 13-digit test number: the shortest card
    ("4111111111111111110", True),   # 19 digits, Luhn-valid: the longest
    ("411111111117", False),         # 12 digits, Luhn-valid: too short for a card
    ("078-05-1120", True),           # the shape of a US social security number
    ("078-05-11201", False),
])
def test_card_numbers_need_an_issuer_and_the_luhn_checksum(number, personal):
    assert o.looks_personal(number) is personal


@pytest.mark.parametrize(("text", "index", "count"), [
    ("\\'", 1, 1), ("a\\\\'", 3, 2), ("'", 0, 0), ("ab'", 2, 0), ("\\a'", 2, 0), ("\\\\\\'", 3, 3),
])
def test_backslashes_before_a_position(text, index, count):
    assert o._backslashes_before(text, index) == count


def test_a_quote_after_an_escaped_backslash_breaks_out_of_a_script_string():
    payload = "';alert(1);//"
    escaped = o.Exchange(status=200, headers=[("Content-Type", "text/html")], inputs=(payload,),
                         body="<script>var q = '\\';alert(1);//';</script>")
    broken = o.Exchange(status=200, headers=[("Content-Type", "text/html")], inputs=(payload,),
                        body="<script>var q = '\\\\';alert(1);//';</script>")  # \\ then a bare quote
    assert o.no_unencoded_reflection(escaped) is None
    problem = o.no_unencoded_reflection(broken)
    assert problem is not None and problem.rule_id == "fuzz/reflected-xss"
