"""assert_secure_headers / assert_secure_cookies on the responses of every supported client:
Starlette's TestClient, the Flask test client, Django's test client, requests and httpx."""

import httpx
import pytest
import requests

from pytest_secure.hygiene.assertions import assert_secure_cookies, assert_secure_headers, audit_headers
from tests.servers import serve_wsgi

from . import apps


def bare_flask():
    from flask import Flask, make_response

    app = Flask("bare")

    @app.get("/")
    def index():
        response = make_response("<p>hi")
        response.set_cookie("session", "v4lue-of-the-session")
        return response

    return app


def test_starlette_testclient():
    from starlette.testclient import TestClient

    good = TestClient(apps.fastapi_app(secure=True)).get("/")
    assert_secure_headers(good)
    assert_secure_cookies(good)
    bad = TestClient(apps.fastapi_app(secure=False)).get("/")
    with pytest.raises(AssertionError, match=r"headers/csp-missing \[high\] Content-Security-Policy is missing"):
        assert_secure_headers(bad)
    with pytest.raises(AssertionError, match=r"cookies/missing-secure") as info:
        assert_secure_cookies(bad)
    assert "v4lue" not in str(info.value) and "s3cr3t" not in str(info.value)  # cookie values never shown


def test_flask_test_client():
    good = apps.talisman_app().test_client().get("/", base_url="https://localhost")
    assert_secure_headers(good)
    assert_secure_cookies(good)
    bad = bare_flask().test_client().get("/")
    with pytest.raises(AssertionError, match="headers/framing-missing"):
        assert_secure_headers(bad)
    with pytest.raises(AssertionError, match="cookies/missing-httponly"):
        assert_secure_cookies(bad)


def test_django_test_client():
    apps.django_app(apps.DJANGO_HARDENED)  # configures Django once
    from django.test import Client
    from django.test.utils import override_settings

    with override_settings(**apps.DJANGO_HARDENED, ROOT_URLCONF=apps.__name__):
        good = Client().get("/", secure=True)
    assert_secure_headers(good)
    assert_secure_cookies(good)  # Django keeps cookies apart from headers: the adapter reads both
    with override_settings(**apps.DJANGO_DEFAULT, ROOT_URLCONF=apps.__name__):
        bad = Client().get("/", secure=True)
    with pytest.raises(AssertionError, match="cookies/lifetime-too-long"):
        assert_secure_cookies(bad)


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_live_clients(client):
    get = requests.get if client == "requests" else httpx.get
    with serve_wsgi(apps.talisman_app()) as url:
        good = get(url + "/", timeout=5)
    # over plain http Talisman sends no HSTS: the only finding
    assert [f.rule_id for f in audit_headers(good)] == ["headers/hsts-missing"]
    assert_secure_headers(good, ignore=["headers/hsts-*"])
    assert_secure_cookies(good)
    with serve_wsgi(bare_flask()) as url:
        bad = get(url + "/", timeout=5)
    with pytest.raises(AssertionError, match="cookies/samesite-missing"):
        assert_secure_cookies(bad)


def test_explicit_rules_and_baseline_file(write_baseline):
    from starlette.testclient import TestClient

    response = TestClient(apps.fastapi_app(secure=True)).get("/")
    with pytest.raises(AssertionError, match="headers/other-missing"):
        assert_secure_headers(response, rules={"X-Request-Id": {"required": True}})
    path = write_baseline("version: 1\nheaders:\n  rules:\n    Referrer-Policy: {value: same-origin}\n")
    with pytest.raises(AssertionError, match="headers/referrer-policy-value"):
        assert_secure_headers(response, path)


def test_unsupported_object_is_a_clear_type_error():
    with pytest.raises(TypeError, match="cannot audit a builtins.dict"):
        assert_secure_headers({"Content-Security-Policy": "x"})
