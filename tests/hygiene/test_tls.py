"""TLS rules against a real TLS server on 127.0.0.1 with trustme certificates: old protocol
versions refused (good) or accepted (bad), certificate days left, host name, trust."""

import contextlib
import datetime
import re
import ssl
import urllib.parse
import warnings

import pytest
import trustme

from pytest_secure.hygiene.tls import TlsEndpoint, check_certificate, name_matches, probe_protocols
from tests.servers import serve_wsgi

NOW = datetime.datetime.now(datetime.UTC)


def hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


@contextlib.contextmanager
def tls_server(cert, min_version="TLSv1_2"):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = getattr(ssl.TLSVersion, min_version)
    if min_version != "TLSv1_2":
        ctx.set_ciphers("ALL:@SECLEVEL=0")  # let the server really speak TLS 1.0/1.1
    with serve_wsgi(hello, ssl_context=ctx) as url:
        yield urllib.parse.urlsplit(url).port


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca, tmp_path_factory):
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def endpoint(port, ca_file, name="localhost"):
    return TlsEndpoint(host="127.0.0.1", port=port, server_name=name, timeout=5, verify=ca_file)


def ids(findings):
    return sorted(f.rule_id for f in findings)


def test_server_refusing_tls10_and_tls11_is_quiet(ca, ca_file):
    with tls_server(ca.issue_cert("localhost"), "TLSv1_2") as port:
        assert probe_protocols(endpoint(port, ca_file), "TLSv1.2") == []


def test_server_accepting_tls10_and_tls11_fires(ca, ca_file):
    with tls_server(ca.issue_cert("localhost"), "TLSv1") as port:
        found = probe_protocols(endpoint(port, ca_file), "TLSv1.2")
    assert ids(found) == ["tls/protocol-tls1.0", "tls/protocol-tls1.1"]
    assert all(f.location == f"tls://localhost:{port}" for f in found)


def test_tls12_is_reported_when_the_minimum_is_tls13(ca, ca_file):
    with tls_server(ca.issue_cert("localhost"), "TLSv1_2") as port:
        assert ids(probe_protocols(endpoint(port, ca_file), "TLSv1.3")) == ["tls/protocol-tls1.2"]
    with tls_server(ca.issue_cert("localhost"), "TLSv1_3") as port:
        assert probe_protocols(endpoint(port, ca_file), "TLSv1.3") == []


def test_certificate_good_then_expiring_then_expired(ca, ca_file):
    with tls_server(ca.issue_cert("localhost", not_after=NOW + datetime.timedelta(days=90))) as port:
        assert check_certificate(endpoint(port, ca_file), 7) == []
    with tls_server(ca.issue_cert("localhost", not_after=NOW + datetime.timedelta(days=3))) as port:
        [finding] = check_certificate(endpoint(port, ca_file), 7)
        assert finding.rule_id == "tls/certificate-expiring"
        assert re.search(r"expires in [23]\.\d days", finding.message)
        assert check_certificate(endpoint(port, ca_file), 2) == []  # 3 days left is enough for a 2-day minimum
    expired = ca.issue_cert("localhost", not_before=NOW - datetime.timedelta(days=30),
                            not_after=NOW - datetime.timedelta(days=1))
    with tls_server(expired) as port:
        assert ids(check_certificate(endpoint(port, ca_file), 7)) == ["tls/certificate-expired"]


def test_host_name_must_match(ca, ca_file):
    with tls_server(ca.issue_cert("other.example.test")) as port:
        [finding] = check_certificate(endpoint(port, ca_file), 7)
        assert finding.rule_id == "tls/hostname-mismatch" and "other.example.test" in finding.message
        assert check_certificate(endpoint(port, ca_file, name="other.example.test"), 7) == []


def test_untrusted_chain(ca, tmp_path):
    stranger = trustme.CA()
    other_bundle = tmp_path / "other.pem"
    stranger.cert_pem.write_to_path(str(other_bundle))
    with tls_server(ca.issue_cert("localhost")) as port:
        assert ids(check_certificate(endpoint(port, str(other_bundle)), 7)) == ["tls/certificate-untrusted"]


@pytest.mark.parametrize(("pattern", "host", "ok"), [
    ("localhost", "localhost", True), ("*.example.test", "a.example.test", True),
    ("*.example.test", "a.b.example.test", False), ("*.example.test", "example.test", False),
    ("127.0.0.1", "127.0.0.1", True), ("*.0.0.1", "127.0.0.1", False),
])
def test_name_matching(pattern, host, ok):
    assert name_matches(pattern, host) is ok


def test_pytest_secure_end_to_end_reports_tls10(pytester, ca, ca_file):
    with tls_server(ca.issue_cert("localhost"), "TLSv1") as port:
        pytester.makefile(".yaml", **{"security-baseline": f"""
version: 1
target: {{base_url: "https://localhost:{port}", scope: [localhost], verify: "{ca_file}"}}
tls: {{min_version: TLSv1.2, min_days_valid: 7}}
"""})
        result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*tls/protocol-tls1.0 [[]high[]] the server completed a TLSv1 handshake*",
                                 "*tls/protocol-tls1.1 [[]high[]]*"])
