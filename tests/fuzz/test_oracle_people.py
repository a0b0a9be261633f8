"""The oracles about people and secrets, as the whole problem a user reads: another identity's
personal data in an answer (cross_user_data), a secret the request sent echoed back
(no_sensitive_echo), passwords and their hashes in a JSON answer (sensitive_data). Hashes come
from the libraries that make them (Werkzeug, Django). Written from the survivors of the
mutation check (docs/testing.md)."""

import json

import pytest
from werkzeug.security import generate_password_hash

from pytest_secure.fuzz import oracles as o

JSON = [("Content-Type", "application/json")]
KNOWN = {"alice": ["alice@shop.test", "alice"], "bob": [" Bob@Shop.test ", "bob", "Bo", "+44 20 7946 0958"]}


def problem(p):
    return None if p is None else (p.rule_id, p.message, p.evidence)


def answer(document, status=200, headers=JSON, inputs=()):
    body = document if isinstance(document, str) else json.dumps(document)
    return o.Exchange(status=status, headers=list(headers), body=body, inputs=tuple(inputs))


def bobs(path, shown):
    return ("fuzz/cross-user-data", f"the answer to alice carries personal data of bob in {path}",
            f"{path}: {shown} (a known value of bob)")


# -- another identity's data -------------------------------------------------------------------


@pytest.mark.parametrize(("document", "expected"), [
    ({"orders": [{"id": 7, "owner_email": "bob@shop.test"}]},
     bobs("orders[0].owner_email", "bo****** (13 characters)")),
    ({"email": "BOB@SHOP.TEST"}, bobs("email", "BO****** (13 characters)")),  # any case, as stored
    ({"data": {"owner": {"E-Mail": " bob@shop.test"}}}, bobs("data.owner.E-Mail", " b****** (14 characters)")),
    ({"users": [{"username": "alice"}, {"username": "bob"}]}, bobs("users[1].username", "bo****** (3 characters)")),
    ({"owner": ["carol", "bob"]}, bobs("owner[1]", "bo****** (3 characters)")),  # a list keeps its field's name
    ({"contact": {"mobile_number": "+44 20 7946 0958"}}, bobs("contact.mobile_number", "+4****** (16 characters)")),
    ([{"id": 2, "email": "bob@shop.test"}], bobs("[0].email", "bo****** (13 characters)")),  # a list at the top
    ({"email": "alice@shop.test"}, None),       # the viewer's own data
    ({"username": "Bo"}, None),                 # two characters: a known value that short matches by chance
    ({"note": "bob@shop.test"}, None),          # not a personal field
    ({"owner_id": "bob"}, None),
    ({"owner": 7}, None),                       # not a text value
    ("bob@shop.test", None),                    # a bare value has no field name
])
def test_another_identity_s_data_in_a_field_about_a_person(document, expected):
    assert problem(o.cross_user_data("alice", KNOWN)(answer(document))) == expected


@pytest.mark.parametrize(("status", "headers", "body", "inputs", "found"), [
    (200, JSON, '{"email": "bob@shop.test"}', (), True),
    (299, JSON, '{"email": "bob@shop.test"}', (), True),
    (300, JSON, '{"email": "bob@shop.test"}', (), False),
    (199, JSON, '{"email": "bob@shop.test"}', (), False),
    (404, JSON, '{"email": "bob@shop.test"}', (), False),    # an error names what was asked for
    (200, [("Content-Type", "text/plain")], '{"email": "bob@shop.test"}', (), False),
    (200, JSON, '{"email": "bob@shop.test"', (), False),     # not JSON: no fields to judge
    (200, JSON, '{"email": "bob@shop.test"}', (" BOB@shop.test",), False),  # alice searched for it: an echo
    (200, JSON, '{"email": "bob@shop.test"}', ("bob",), True),  # another value sent does not excuse it
])
def test_only_a_successful_json_answer_that_did_not_echo_the_value_is_judged(status, headers, body, inputs, found):
    ex = o.Exchange(status=status, headers=headers, body=body, inputs=inputs)
    assert (o.cross_user_data("alice", KNOWN)(ex) is not None) is found


@pytest.mark.parametrize(("fields", "document", "found"), [
    (["contact"], {"primaryContact": "bob@shop.test"}, True),    # searched in the name, any case
    (["contact"], {"email": "bob@shop.test"}, False),            # the defaults are replaced
    ([], {"primaryContact": "bob@shop.test"}, False),
])
def test_the_baseline_s_fields_replace_the_default_ones(fields, document, found):
    assert (o.cross_user_data("alice", KNOWN, fields)(answer(document)) is not None) is found


def test_nobody_else_known_means_nothing_to_find():
    oracle = o.cross_user_data("alice", {"alice": ["alice@shop.test"], "bob": ["b"]})
    assert oracle(answer({"email": "alice@shop.test"})) is None and oracle(answer({"user": "b"})) is None


@pytest.mark.parametrize(("rows", "found"), [(4997, True), (4998, False)])
def test_the_walk_stops_after_five_thousand_values(rows, found):
    """The root, the list and ``rows`` values come first: bob's e-mail is value ``rows + 3``."""
    document = {"rows": ["x"] * rows, "email": "bob@shop.test"}
    assert (o.cross_user_data("alice", KNOWN)(answer(document)) is not None) is found
    assert (o.sensitive_data()(answer({"rows": ["x"] * rows, "password": "hunter2!"})) is not None) is found


# -- a secret echoed ---------------------------------------------------------------------------


def echo(body, headers=JSON, sensitive=("hunter2-secret",)):
    ex = o.Exchange(status=400, headers=list(headers), body=body, sensitive_inputs=tuple(sensitive))
    return problem(o.no_sensitive_echo(ex))


ECHOED = "a secret or personal value from the request is echoed back"


@pytest.mark.parametrize(("body", "headers", "sensitive", "expected"), [
    ('{"error": "wrong password hunter2-secret"}', JSON, ("hunter2-secret",),
     ("fuzz/sensitive-echo", ECHOED, "value hu************ at offset 26")),
    ("hunter2-secret", JSON, ("hunter2-secret",), ("fuzz/sensitive-echo", ECHOED, "value hu************ at offset 0")),
    ('{"password": "hunter2-secret", "confirm": "hunter2-secret"}', JSON, ("hunter2-secret",),  # the first place
     ("fuzz/sensitive-echo", ECHOED, "value hu************ at offset 14")),
    ('{"card": "4111111111111111 declined"}', JSON, ("short", "4111111111111111"),
     ("fuzz/sensitive-echo", ECHOED, "value 41************** at offset 10")),
    ('{"error": "bad pin 123456"}', JSON, ("123456",), ("fuzz/sensitive-echo", ECHOED, "value 12**** at offset 19")),
    ('{"error": "bad pin 12345"}', JSON, ("12345",), None),   # five characters: found by chance
    ("{}", [*JSON, ("X-Debug-Password", "hunter2-secret")], ("hunter2-secret",),
     ("fuzz/sensitive-echo", f"{ECHOED} in a header", "header X-Debug-Password")),
    ('{"error": "wrong password"}', JSON, ("hunter2-secret",), None),
])
def test_a_secret_the_request_sent_comes_back(body, headers, sensitive, expected):
    assert echo(body, headers, sensitive) == expected


# -- passwords and hashes ----------------------------------------------------------------------


WERKZEUG_HASH = generate_password_hash("hunter2", salt_length=8)


def django_hash():
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    return PBKDF2PasswordHasher().encode("hunter2", "abcdefgh12345678", iterations=1000)


@pytest.mark.parametrize(("document", "expected"), [
    ({"user": {"name": "bob", "pw": WERKZEUG_HASH}},
     ("fuzz/sensitive-data", "the response carries a password hash (Werkzeug password hash) in user.pw",
      f"user.pw: Werkzeug password hash scry****** ({len(WERKZEUG_HASH)} characters)")),
    ([{"hash": django_hash()}],
     ("fuzz/sensitive-data", "the response carries a password hash (Django password hash) in [0].hash",
      f"[0].hash: Django password hash pbkd****** ({len(django_hash())} characters)")),
    ({"password": "hunter2!"},
     ("fuzz/sensitive-data", "the response carries a sensitive field: password", "password: hu****** (8 characters)")),
    ({"account": {"password": 12345678}},
     ("fuzz/sensitive-data", "the response carries a sensitive field: account.password",
      "account.password: 12****** (8 characters)")),
    ({"username": ["bob"], "password": ["hunter2!"]},  # Django's QueryDict.lists() echoed: lists keep the name
     ("fuzz/sensitive-data", "the response carries a sensitive field: password[0]",
      "password[0]: hu****** (8 characters)")),
    ({"password": True}, None), ({"password": ""}, None), ({"password": None}, None),
    ({"password": {"min_length": 8}}, None),   # a policy about passwords, not one
    ({"note": WERKZEUG_HASH[:-1] + " "}, None),  # not a whole hash
])
def test_a_password_or_its_hash_in_an_answer(document, expected):
    assert problem(o.sensitive_data()(answer(document))) == expected  # built here: the module's is built at import


@pytest.mark.parametrize(("allow", "found"), [([], True), (["[].api_key"], False), (["api_key"], True)])
def test_the_allow_list_names_the_elements_of_a_list_at_the_top(allow, found):
    users = [{"name": "bob", "api_key": "k-123456"}]
    assert (o.sensitive_data(allow=allow)(answer(users)) is not None) is found
