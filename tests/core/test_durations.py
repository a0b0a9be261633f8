"""core.durations: the one duration parser, shared by cookies.*.max-age and authz.sessions.max_lifetime."""

import pytest

from pytest_secure.core.durations import parse_duration


@pytest.mark.parametrize(("value", "seconds"), [
    (45, 45.0),
    (2.5, 2.5),
    ("3600", 3600.0),
    ("45s", 45.0),
    ("30m", 1800.0),
    ("12h", 43_200.0),
    ("7d", 604_800.0),
    ("2w", 1_209_600.0),
    ("1.5h", 5400.0),
    (" 12 h ", 43_200.0),  # spaces, as the authz parser allowed
    ("12H", 43_200.0),  # units are case-insensitive, as the cookie parser allowed
    ("0", 0.0),
])
def test_accepted_spellings(value, seconds):
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["", "h", "12y", "twelve hours", "-5", "1e3", "12hm", "<= 12h"])
def test_anything_else_is_refused_with_the_expected_shape(value):
    with pytest.raises(ValueError, match=r"expected a duration such as 12h, 30m, 7d or seconds, got "):
        parse_duration(value)


def test_both_users_read_durations_through_core():
    from pytest_secure.authz import config as authz_config
    from pytest_secure.hygiene import cookies

    assert authz_config.parse_duration is parse_duration
    assert cookies.parse_duration is parse_duration
    assert cookies.CookieRule.from_dict({"max-age": "<= 12h"}).max_age == 43_200.0
    assert cookies.CookieRule.from_dict({"max-age": 600}).max_age == 600.0
