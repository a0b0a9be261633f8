"""TLS of an https target: protocol versions accepted, certificate lifetime, host name match.

Only live ``https://`` targets have TLS to check; for in-process apps and plain-http targets
the area collects nothing. Old protocol versions are probed by offering exactly that version
(with OpenSSL's security level lowered for the probe only, so that a server which still
speaks TLS 1.0 is found rather than refused by our own client).
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import urllib.parse
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.area import Check, SectionArea
from ..core.errors import SetupError
from ..core.findings import Finding, Severity
from ..core.rules import Rule

if TYPE_CHECKING:
    from ..core.baseline.model import Baseline
    from ..core.session import SecureSession

AREA = "tls"
ORDER = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
_SSL_VERSIONS = {"TLSv1": "TLSv1", "TLSv1.1": "TLSv1_1", "TLSv1.2": "TLSv1_2", "TLSv1.3": "TLSv1_3"}
_RULE_OF = {"TLSv1": "tls/protocol-tls1.0", "TLSv1.1": "tls/protocol-tls1.1", "TLSv1.2": "tls/protocol-tls1.2"}



def _protocol_rule(version: str, rule_id: str) -> Rule:
    label = "TLS 1.0" if version == "TLSv1" else version.replace("TLSv", "TLS ")
    return Rule(rule_id, f"Server accepts {label}", Severity.HIGH if version != "TLSv1.2" else Severity.MEDIUM, 326,
                f"Disable {label} on the server (e.g. ssl_protocols TLSv1.2 TLSv1.3; / MinProtocol TLSv1.2).",
                f"The server completes a handshake with {label}, below tls.min_version.")


RULES: tuple[Rule, ...] = (
    *(_protocol_rule(version, rule_id) for version, rule_id in _RULE_OF.items()),
    Rule("tls/certificate-expired", "Certificate has expired", Severity.CRITICAL, 298,
         "Renew the certificate now and automate renewal (e.g. ACME).", "The server certificate is past notAfter."),
    Rule("tls/certificate-expiring", "Certificate expires soon", Severity.MEDIUM, 298,
         "Renew the certificate; automate renewal so it never gets this close.",
         "Fewer than tls.min_days_valid days are left on the server certificate."),
    Rule("tls/hostname-mismatch", "Certificate does not name the host", Severity.HIGH, 297,
         "Serve a certificate whose subjectAltName lists the host name clients use.",
         "The server certificate's subjectAltName does not match the target host."),
    Rule("tls/certificate-untrusted", "Certificate is not trusted", Severity.HIGH, 295,
         "Serve a certificate chain that chains to a trusted CA (include intermediates), or set target.verify "
         "to your CA bundle.", "Verification of the certificate chain failed."),
)
RULE_IDS = tuple(r.id for r in RULES)


@dataclass(frozen=True)
class TlsEndpoint:
    host: str
    port: int
    server_name: str  # SNI and the name the certificate must carry
    timeout: float = 10.0
    verify: bool | str = True


def _context(version: str | None = None, verify: bool | str = False) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    if verify:
        ctx.verify_mode = ssl.CERT_REQUIRED
        if isinstance(verify, str):
            ctx.load_verify_locations(cafile=verify)
        else:
            ctx.load_default_certs()
    else:
        ctx.verify_mode = ssl.CERT_NONE
    if version is not None:
        with warnings.catch_warnings():  # TLSVersion.TLSv1 is deprecated: we use it to find servers that still allow it
            warnings.simplefilter("ignore", DeprecationWarning)
            tls_version = getattr(ssl.TLSVersion, _SSL_VERSIONS[version])
            ctx.minimum_version = tls_version
            ctx.maximum_version = tls_version
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    return ctx


def handshake(endpoint: TlsEndpoint, ctx: ssl.SSLContext) -> tuple[str | None, bytes | None]:
    """(negotiated version, DER certificate) of one handshake; raises ssl.SSLError / OSError."""
    with socket.create_connection((endpoint.host, endpoint.port), timeout=endpoint.timeout) as raw, \
            ctx.wrap_socket(raw, server_hostname=endpoint.server_name) as tls:
        return tls.version(), tls.getpeercert(binary_form=True)


def client_supports(version: str) -> bool:
    """Whether this Python's OpenSSL can offer ``version`` at all (else refusal proves nothing)."""
    flag = {"TLSv1": "HAS_TLSv1", "TLSv1.1": "HAS_TLSv1_1", "TLSv1.2": "HAS_TLSv1_2", "TLSv1.3": "HAS_TLSv1_3"}[version]
    return bool(getattr(ssl, flag, False))


def probe_protocols(endpoint: TlsEndpoint, min_version: str) -> list[Finding]:
    findings = []
    location = f"tls://{endpoint.server_name}:{endpoint.port}"
    for version in ORDER[: ORDER.index(min_version)]:
        if not client_supports(version):
            raise SetupError(f"this Python's OpenSSL cannot offer {version}, so its refusal cannot be verified")
        try:
            negotiated, _ = handshake(endpoint, _context(version))
        except (TimeoutError, ssl.SSLError, ConnectionResetError, ssl.SSLEOFError):
            continue  # refused: the good case
        except OSError as exc:
            raise SetupError(f"cannot connect to {endpoint.host}:{endpoint.port}: {exc}") from None
        findings.append(Finding(_RULE_OF[version], f"the server completed a {negotiated or version} handshake "
                                f"(tls.min_version is {min_version})", location,
                                evidence=f"negotiated {negotiated}", key=version))
    return findings


def check_certificate(endpoint: TlsEndpoint, min_days: int, now: datetime.datetime | None = None) -> list[Finding]:
    from cryptography import x509

    location = f"tls://{endpoint.server_name}:{endpoint.port}"
    try:
        _, der = handshake(endpoint, _context())
    except (ssl.SSLError, OSError) as exc:
        raise SetupError(f"TLS handshake with {endpoint.host}:{endpoint.port} failed: {exc}") from None
    if not der:
        raise SetupError(f"{endpoint.host}:{endpoint.port} sent no certificate")
    cert = x509.load_der_x509_certificate(der)
    now = now or datetime.datetime.now(datetime.UTC)
    not_after = cert.not_valid_after_utc
    days_left = (not_after - now).total_seconds() / 86400
    subject = cert.subject.rfc4514_string()
    evidence = f"subject {subject}; notAfter {not_after:%Y-%m-%d %H:%M} UTC"
    findings = []
    if days_left < 0:
        findings.append(Finding("tls/certificate-expired", f"the certificate expired {-days_left:.0f} days ago",
                                location, evidence=evidence, key="expiry"))
    elif days_left < min_days:
        findings.append(Finding("tls/certificate-expiring", f"the certificate expires in {days_left:.1f} days "
                                f"(tls.min_days_valid is {min_days})", location, evidence=evidence, key="expiry"))
    names = certificate_names(cert)
    if not any(name_matches(pattern, endpoint.server_name) for pattern in names):
        findings.append(Finding("tls/hostname-mismatch", f"the certificate names {', '.join(names) or 'nothing'}, "
                                f"not {endpoint.server_name}", location, evidence=evidence, key="hostname"))
    if endpoint.verify and days_left >= 0:
        try:
            handshake(endpoint, _context(verify=endpoint.verify))
        except ssl.SSLCertVerificationError as exc:
            findings.append(Finding("tls/certificate-untrusted", f"chain verification failed: {exc.verify_message}",
                                    location, evidence=evidence, key="trust"))
        except (ssl.SSLError, OSError) as exc:
            raise SetupError(f"verifying TLS handshake with {endpoint.host}:{endpoint.port} failed: {exc}") from None
    return findings


def certificate_names(cert: Any) -> list[str]:
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []  # browsers ignore the subject CN
    return [*san.get_values_for_type(x509.DNSName), *(str(ip) for ip in san.get_values_for_type(x509.IPAddress))]


def name_matches(pattern: str, host: str) -> bool:
    """RFC 6125 matching: exact, or one left-most ``*`` label; IP addresses only exactly."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:  # an IP address matches an iPAddress entry exactly, never a wildcard
        try:
            return address == ipaddress.ip_address(pattern)
        except ValueError:
            return False
    if pattern == host:
        return True
    if pattern.startswith("*.") and "." in host:
        return host.split(".", 1)[1] == pattern[2:] and "*" not in pattern[2:]
    return False


def endpoint_of(baseline: Baseline) -> TlsEndpoint | None:
    t = baseline.target
    if t.app or not t.base_url or not t.base_url.startswith("https://"):
        return None
    parts = urllib.parse.urlsplit(t.base_url)
    section = baseline.section(AREA) or {}
    host = parts.hostname or ""
    return TlsEndpoint(host=host, port=int(section.get("port") or parts.port or 443),
                       server_name=section.get("server_name") or host, timeout=t.timeout, verify=t.verify)


def collect(baseline: Baseline) -> list[Check]:
    endpoint = endpoint_of(baseline)
    if endpoint is None:
        return []
    section = baseline.section(AREA) or {}
    min_version = section.get("min_version", "TLSv1.2")
    min_days = int(section.get("min_days_valid", 7))
    where = f"{endpoint.server_name}:{endpoint.port}"
    return [
        Check(AREA, f"protocols {where}", tuple(_RULE_OF.values()),
              _guarded(lambda: probe_protocols(endpoint, min_version))),
        Check(AREA, f"certificate {where}", ("tls/certificate-expired", "tls/certificate-expiring",
                                              "tls/hostname-mismatch", "tls/certificate-untrusted"),
              _guarded(lambda: check_certificate(endpoint, min_days))),
    ]


def _guarded(probe: Callable[[], list[Finding]]) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        endpoint = endpoint_of(session.baseline)
        if endpoint is not None:
            session.target.scope.check(f"https://{endpoint.host}:{endpoint.port}/")
        return probe()

    return run


area = SectionArea(AREA, RULES, collect)
