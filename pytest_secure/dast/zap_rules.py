"""The ZAP scan rules pytest-secure knows by name: id, title, default severity, CWE, fix.

Titles are the rules' main alert names (scan rule ids from zaproxy/zaproxy docs/scanners.md
and the zap-extensions sources). A rule that is not listed here still works: its findings
take their title, CWE and solution from the alert itself.
"""

from __future__ import annotations

from ..core.findings import Severity
from ..core.rules import Rule

# plugin id -> (title, default severity, CWE or None, fix)
PASSIVE: dict[str, tuple[str, str, int | None, str]] = {
    "10020": ("Missing Anti-clickjacking Header", "medium", 1021,
              "Send X-Frame-Options: DENY or a CSP with frame-ancestors 'none' (or 'self')."),
    "10021": ("X-Content-Type-Options Header Missing", "low", 693, "Send X-Content-Type-Options: nosniff."),
    "10035": ("Strict-Transport-Security Header Not Set", "low", 319,
              "Send Strict-Transport-Security: max-age=31536000; includeSubDomains on HTTPS responses."),
    "10038": ("Content Security Policy (CSP) Header Not Set", "medium", 693,
              "Send a Content-Security-Policy, e.g. default-src 'self'; frame-ancestors 'none'."),
    "10055": ("CSP", "medium", 693,
              "Tighten the Content-Security-Policy: no wildcards, no 'unsafe-inline'/'unsafe-eval'."),
    "10010": ("Cookie No HttpOnly Flag", "low", 1004, "Set HttpOnly on cookies that scripts do not need."),
    "10011": ("Cookie Without Secure Flag", "low", 614, "Set Secure on every cookie sent over HTTPS."),
    "10054": ("Cookie without SameSite Attribute", "low", 1275, "Set SameSite=Lax or Strict on cookies."),
    "90033": ("Loosely Scoped Cookie", "info", 565, "Scope cookies to the exact host (no broad Domain attribute)."),
    "10036": ("Server Leaks Version Information via Server Header", "low", 497,
              "Remove version details from the Server header."),
    "10037": ("Server Leaks Information via X-Powered-By Header", "low", 497, "Remove the X-Powered-By header."),
    "10061": ("X-AspNet-Version Response Header", "low", None, "Remove the X-AspNet-Version header."),
    "10039": ("X-Backend-Server Header Information Leak", "low", None, "Remove the X-Backend-Server header."),
    "10098": ("Cross-Domain Misconfiguration", "medium", 264,
              "Do not send Access-Control-Allow-Origin: * on responses with private data."),
    "90022": ("Application Error Disclosure", "low", 550, "Show generic error pages; log details server-side only."),
    "10023": ("Information Disclosure - Debug Error Messages", "low", 1295,
              "Turn debug error messages off in production."),
    "10024": ("Information Disclosure - Sensitive Information in URL", "info", 598,
              "Do not put tokens, passwords or personal data in URLs."),
    "10027": ("Information Disclosure - Suspicious Comments", "info", 615, "Remove comments that reveal internals."),
    "10096": ("Timestamp Disclosure", "low", 497, "Check that the timestamps do not reveal anything sensitive."),
    "10015": ("Re-examine Cache-control Directives", "info", 525, "Send Cache-Control: no-store on private responses."),
    "10017": ("Cross-Domain JavaScript Source File Inclusion", "low", 829,
              "Serve scripts from your own origin, or pin them with Subresource Integrity."),
    "10019": ("Content-Type Header Missing", "info", 345, "Send a Content-Type on every response with a body."),
    "10040": ("Secure Pages Include Mixed Content", "medium", 311, "Load every resource of an HTTPS page over HTTPS."),
    "10202": ("Absence of Anti-CSRF Tokens", "medium", 352,
              "Protect state-changing forms with anti-CSRF tokens or SameSite cookies."),
    "10105": ("Weak Authentication Method", "medium", 287,
              "Use a form or token login over HTTPS, not Basic/Digest over HTTP."),
    "2": ("Private IP Disclosure", "low", 497, "Remove internal IP addresses from responses."),
    "3": ("Session ID in URL Rewrite", "medium", None, "Keep session ids in cookies, never in URLs."),
    "10108": ("Reverse Tabnabbing", "medium", None, "Add rel=\"noopener noreferrer\" to links with target=_blank."),
    "10044": ("Big Redirect Detected (Potential Sensitive Information Leak)", "low", 201,
              "Send redirects with an empty body."),
    "10062": ("PII Disclosure", "high", None, "Remove personal data from responses that do not need it."),
    "10097": ("Hash Disclosure", "low", 497, "Do not expose password or data hashes."),
    "90003": ("Sub Resource Integrity Attribute Missing", "medium", 345,
              "Add integrity= attributes to third-party scripts and styles."),
    "90011": ("Charset Mismatch", "info", None, "Declare one charset, the same in the header and the document."),
    "10063": ("Permissions Policy Header Not Set", "low", 693, "Send a Permissions-Policy header."),
    "90004": ("Insufficient Site Isolation Against Spectre Vulnerability", "low", 693,
              "Send Cross-Origin-Resource-Policy / Cross-Origin-Opener-Policy headers."),
    "10110": ("Dangerous JS Functions", "low", 749, "Avoid eval-like functions on untrusted data."),
    "10003": ("Vulnerable JS Library (Powered by Retire.js)", "medium", None, "Upgrade the JavaScript library."),
    "10109": ("Modern Web Application", "info", None, "Informational: consider the AJAX spider for this application."),
}

ACTIVE: dict[str, tuple[str, str, int | None, str]] = {
    "40012": ("Cross Site Scripting (Reflected)", "high", 79, "Encode output for its context; validate input."),
    "40014": ("Cross Site Scripting (Persistent)", "high", 79, "Encode stored data on output; validate input."),
    "40018": ("SQL Injection", "high", 89, "Use parameterised queries; never build SQL from input."),
    "40019": ("SQL Injection - MySQL (Time Based)", "high", 89, "Use parameterised queries."),
    "40022": ("SQL Injection - PostgreSQL (Time Based)", "high", 89, "Use parameterised queries."),
    "40024": ("SQL Injection - SQLite (Time Based)", "high", 89, "Use parameterised queries."),
    "6": ("Path Traversal", "high", 22, "Resolve paths against an allow-list; never join raw input into paths."),
    "7": ("Remote File Inclusion", "high", 98, "Never load files or URLs named by input."),
    "90019": ("Server Side Code Injection", "high", 94, "Never evaluate input as code."),
    "90020": ("Remote OS Command Injection", "high", 78, "Do not pass input to a shell; use argument lists."),
    "40003": ("CRLF Injection", "medium", 113, "Reject CR/LF in values that reach headers."),
    "40009": ("Server Side Include", "high", 97, "Disable SSI or encode input."),
    "90023": ("XML External Entity Attack", "high", 611, "Disable external entities in the XML parser."),
    "90021": ("XPath Injection", "high", 643, "Use parameterised XPath."),
    "90035": ("Server Side Template Injection", "high", 1336, "Never render input as a template."),
    "40008": ("Parameter Tampering", "medium", 472, "Validate every parameter on the server."),
    "20019": ("External Redirect", "high", 601, "Redirect only to an allow-list of targets."),
    "0": ("Directory Browsing", "medium", 548, "Turn directory listings off."),
    "40034": (".env Information Leak", "high", 215, "Never serve .env files."),
    "40035": ("Hidden File Found", "medium", 538, "Remove hidden files from the web root."),
    "10106": ("HTTP Only Site", "medium", 311, "Serve the site over HTTPS and redirect HTTP to it."),
    "40043": ("Log4Shell", "high", 117, "Upgrade Log4j."),
    "90034": ("Cloud Metadata Potentially Exposed", "high", None, "Block requests to cloud metadata addresses."),
    "40040": ("CORS Header", "high", 942, "Allow only trusted origins in CORS."),
    "40046": ("Server Side Request Forgery", "high", 918, "Fetch only allow-listed URLs on the server's behalf."),
    "90028": ("Insecure HTTP Method", "medium", 749, "Disable unneeded HTTP methods (TRACE, PUT, DELETE...)."),
}

# Rules zap-baseline.py ignores: the alpha example rules and the stats rule.
IGNORED_IDS = frozenset({"-1", "50003", "60000", "60001"})

KNOWN = {**PASSIVE, **ACTIVE}


def known_rule(plugin_id: str, title: str, severity: str, cwe: int | None, fix: str) -> Rule:
    return Rule(f"dast/zap-{plugin_id}", title, Severity.parse(severity), cwe, fix,
                f"ZAP scan rule {plugin_id}: {title}.")


RULES: tuple[Rule, ...] = tuple(known_rule(plugin_id, *spec) for plugin_id, spec in KNOWN.items())
"""The ZAP scan rules pytest-secure knows, declared for the rule table (others come from alerts)."""
