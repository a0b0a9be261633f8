"""The sensitive-data oracle built with the baseline's own fields and allow-list, the union of
patterns the oracles compile, and the backslash count at the edges of a body. Written from
the survivors of the mutation check (docs/testing.md): the default ``no_sensitive_data`` is
built when the module is imported, so only an oracle built inside a test shows a mutant of
``sensitive_data``; each case here failed one that the other tables let through."""

import json
import re
import warnings

import pytest

from pytest_secure.fuzz import oracles as o

JSON = [("Content-Type", "application/json")]


def exchange(document, status=200, headers=JSON):
    return o.Exchange(status=status, headers=headers, body=json.dumps(document))


@pytest.mark.parametrize(("status", "found"), [(199, False), (200, True), (201, True), (299, True), (300, False),
                                               (404, False), (500, False)])
def test_only_a_successful_json_answer_is_judged(status, found):
    oracle = o.sensitive_data()
    assert (oracle(exchange({"password": "hunter2!"}, status)) is not None) is found


def test_a_json_document_sent_as_text_is_not_judged():
    oracle = o.sensitive_data()
    assert oracle(exchange({"password": "hunter2!"}, headers=[("Content-Type", "text/plain")])) is None


def test_the_baseline_s_own_fields_are_searched_without_case():
    oracle = o.sensitive_data(fields=["pin$"])
    problem = oracle(exchange({"account": {"PIN": "4821"}}))
    assert (problem.rule_id, problem.message, problem.evidence) == (
        "fuzz/sensitive-data", "the response carries a sensitive field: account.PIN", "account.PIN: 48****** (4 characters)")
    assert o.no_sensitive_data(exchange({"account": {"PIN": "4821"}})) is None  # not a default field
    assert oracle(exchange({"spinner": "on"})) is None


@pytest.mark.parametrize(("allow", "document", "found"), [
    (["api_key"], {"api_key": "k-123456"}, False),                   # the top-level field only
    (["api_key"], {"me": {"api_key": "k-123456"}}, True),
    (["*.api_key"], {"me": {"api_key": "k-123456"}}, False),         # that name anywhere
    (["*.api_key"], {"keys": [{"api_key": "k-123456"}]}, False),
    (["keys[].secret"], {"keys": [{"secret": "s-123456"}]}, False),  # any element's field
    (["keys[].secret"], {"secret": "s-123456"}, True),
    (["*.secret"], {"api_key": "k-123456"}, True),                   # another name is still found
    ([], {"me": {"api_key": "k-123456"}}, True),
])
def test_the_allow_list_names_field_paths_or_any_field_of_a_name(allow, document, found):
    assert (o.sensitive_data(allow=allow)(exchange(document)) is not None) is found


def test_the_union_of_patterns_keeps_each_whole_and_its_case():
    union = o._any_of(["ab|xy", "cd"])
    assert [bool(union.fullmatch(t)) for t in ("ab", "xy", "cd", "abcd", "CD")] == [True, True, True, False, False]
    assert o._any_of(["cd"], re.IGNORECASE).fullmatch("CD")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no deprecated flag slips in
        assert o._any_of(["a"]).flags == re.compile("a").flags


@pytest.mark.parametrize(("text", "index", "count"), [
    ("\\'\\", 1, 1),  # a backslash at the end of the body is not before the quote
    ("'\\", 0, 0),
    ("\\\\'\\", 2, 2),
])
def test_backslashes_are_counted_only_before_the_position(text, index, count):
    assert o._backslashes_before(text, index) == count
