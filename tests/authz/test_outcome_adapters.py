"""The authz outcome judgement on every kind of response it is handed: pytest-secure's own,
Flask/Werkzeug's test client, httpx, requests, Django's and a response type from a library it
does not know (read by its attributes). Written from the survivors of the mutation check
(docs/testing.md): each case here failed a mutant of authz/outcome.py that test_outcome.py let
through (the redirect range's ends, the request a finding keeps, the attribute fallbacks)."""

import re
from dataclasses import dataclass

import httpx
import pytest
import requests
from flask import Flask, Response

from pytest_secure.authz.config import CONCEAL, DENY, Matchers
from pytest_secure.authz.outcome import (
    ALLOWED,
    DENIED,
    SNIPPET,
    UNCLEAR,
    classify,
    finding_for,
    judge,
    path_of,
    snippet,
    status_of,
    text_of,
)
from tests.hygiene.responses import resp

LOGIN = Matchers(deny_redirect="/accounts/login*")


def flask_app() -> Flask:
    app = Flask("outcome_adapters")
    app.add_url_rule("/choices", "choices", lambda: ("pick one", 300, {"Location": "/accounts/login"}))
    app.add_url_rule("/bad-login", "bad_login", lambda: ("bad", 400, {"Location": "/accounts/login"}))
    app.add_url_rule("/vault", "vault", lambda: "<h1>the vault</h1>")
    return app


@pytest.fixture(scope="module")
def client():
    return flask_app().test_client()


@pytest.mark.parametrize(("path", "actual"), [
    ("/choices", DENIED),    # 300 is the first redirect status
    ("/bad-login", UNCLEAR),  # 400 is not a redirect, whatever its Location says
])
def test_the_redirect_range_is_300_to_399(client, path, actual):
    assert classify(client.get(path), LOGIN) == actual


def test_a_werkzeug_response_keeps_its_query_and_is_not_kept_as_the_request(client):
    response = client.get("/vault?id=7")
    finding = finding_for(judge(DENY, response, Matchers()), DENY, "bob", response, "GET /vault")
    assert (finding.location, finding.request) == ("GET /vault?id=7", None)  # only pytest-secure requests replay


@pytest.mark.parametrize(("expectation", "status", "rule_id"), [
    (DENY, 500, "authz/unclear-denial"), (DENY, 200, "authz/forbidden-access"), (CONCEAL, 403, "authz/denial-status")])
def test_findings_on_pytest_secure_responses_keep_the_request(expectation, status, rule_id):
    response = resp(body=b"x", status=status, url="https://app.test/vault")
    finding = finding_for(judge(expectation, response, Matchers()), expectation, "bob", response, "GET /vault")
    assert (finding.rule_id, finding.request) == (rule_id, response.request)


def test_a_label_whose_name_has_spaces_takes_its_method_from_the_first_word():
    # pytest_api labels are "<method> <test item name>", and item names may hold spaces
    response = resp(body=b"deleted", url="https://app.test/items/1")
    finding = finding_for(judge(DENY, response, Matchers()), DENY, "bob", response, "DELETE test_delete[other user]")
    assert (finding.rule_id, finding.location) == ("authz/forbidden-action", "DELETE /items/1")


def test_httpx_text_is_decoded_with_the_declared_charset():
    page = httpx.Response(200, content="Café privé".encode("latin-1"),
                          headers={"Content-Type": "text/html; charset=latin-1"},
                          request=httpx.Request("GET", "https://app.test/vault?x=1"))
    assert text_of(page) == "Café privé"
    assert classify(page, Matchers(allow_body=re.compile("Café"))) == ALLOWED
    assert (status_of(page), path_of(page)) == (200, "/vault?x=1")


def test_requests_responses_are_read_by_status_code_and_url():
    page = requests.Response()
    page.status_code, page._content, page.url = 302, b"", "https://app.test/accounts/login?next=/x"
    page.headers["Location"] = "/accounts/login?next=/x"
    assert (status_of(page), classify(page, LOGIN), path_of(page)) == (302, DENIED, "/accounts/login?next=/x")


@dataclass
class OtherRequest:
    path: str


@dataclass
class OtherResponse:
    """A response of a library pytest-secure has no adapter for: read by its attributes."""

    status_code: int
    content: bytes = b""
    request: OtherRequest | None = None
    headers: tuple[tuple[str, str], ...] = ()  # raw pairs, no lookup


@dataclass
class BodyResponse:
    """Another unknown library's response: its bytes are ``body``."""

    status: int
    body: bytes


@dataclass
class DataResponse:
    """And one whose bytes are ``data``."""

    status_code: int
    data: bytes


def test_bytes_are_read_from_content_data_or_body_and_decoded_leniently():
    assert text_of(BodyResponse(200, b"caf\xc3\xa9 \xff")) == "caf\u00e9 \ufffd"
    assert text_of(DataResponse(200, b"the vault \xfe")) == "the vault \ufffd"
    assert classify(DataResponse(200, b"<p>Access denied</p>"), Matchers(deny_body=re.compile("Access denied"))) \
        == DENIED


def test_an_unknown_response_type_is_read_by_its_attributes():
    page = OtherResponse(302, b"moved", OtherRequest("/accounts/login"), (("Location", "/accounts/login"),))
    assert status_of(page) == 302
    assert text_of(page) == "moved"
    assert path_of(page) == "/accounts/login"
    assert classify(page, LOGIN) == ALLOWED  # no header lookup, so no Location to call it a denial
    assert path_of(OtherResponse(200)) == "?"
    finding = finding_for(judge(DENY, OtherResponse(200, b"ok"), Matchers()), DENY, "bob", OtherResponse(200, b"ok"),
                          "GET /x")
    assert (finding.location, finding.request) == ("GET ?", None)


def test_a_bare_framework_response_has_no_request_and_no_place():
    page = Response("the vault", status=200)  # a view's own return value, before any client saw it
    assert path_of(page) == "?"
    finding = finding_for(judge(DENY, page, Matchers()), DENY, "bob", page, "GET /vault")
    assert (finding.location, finding.request, finding.evidence) == ("GET ?", None, "bob got HTTP 200: the vault")


@pytest.mark.parametrize(("length", "tail"), [(SNIPPET - 1, ""), (SNIPPET, ""), (SNIPPET + 1, "...")])
def test_the_snippet_is_cut_only_past_its_length(length, tail):
    body = "x" * length
    assert snippet(resp(body=body.encode())) == body[:SNIPPET] + tail
    assert snippet(resp(body=b"  a \n b  ")) == "a b"
