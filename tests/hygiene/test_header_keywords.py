"""Every keyword of the drHEADer-style header rule DSL fires on a bad response and stays quiet on
its hardened twin, judged on real Flask responses (in process and behind a loopback server).

Each case is one rule, a header value that breaks it and one that keeps it. The twins differ in
that header only; both responses come from the same Flask view. Where a keyword only matters next
to another (``preserve-order`` next to ``value``), a third value shows the keyword is what fires:
the same rule without it is quiet on the bad value.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask, request

from .audit import audit

HSTS, CC, XFO, CSP, PP = ("Strict-Transport-Security", "Cache-Control", "X-Frame-Options",
                          "Content-Security-Policy", "Permissions-Policy")


def header_app() -> Flask:
    """One Flask view that answers with the header named in ``?h=`` set to ``?v=``."""
    app = Flask("header_keywords")

    @app.get("/")
    def index():
        response = app.make_response("<h1>ok</h1>")
        response.headers[request.args["h"]] = request.args["v"]
        return response

    return app


@dataclass(frozen=True)
class Case:
    name: str
    header: str
    rule: str  # the YAML flow mapping of the rule
    bad: str
    good: str
    rule_id: str
    message: str  # a piece of the finding's message on the bad value


CASES = [
    # must-contain, on the header (the owasp preset's HSTS rule) and on a directive
    Case("must-contain", HSTS, "{must-contain: [includeSubDomains]}", "max-age=31536000",
         "max-age=31536000; includeSubDomains", "headers/hsts-value", "lacks includeSubDomains"),
    Case("must-contain-directive", CSP, "{directives: {script-src: {must-contain: [\"'strict-dynamic'\"]}}}",
         "script-src 'self' 'nonce-r4nd0m'", "script-src 'nonce-r4nd0m' 'strict-dynamic'",
         "headers/csp-value", "directive script-src lacks 'strict-dynamic'"),
    # must-contain-one
    Case("must-contain-one", CC, "{must-contain-one: [no-store, private]}", "public, max-age=600",
         "private, max-age=600", "headers/cache-control-value", "contains none of no-store, private"),
    Case("must-contain-one-directive", CSP, "{directives: {frame-ancestors: {must-contain-one: [none, self]}}}",
         "frame-ancestors https://partner.example", "frame-ancestors 'self' https://partner.example",
         "headers/csp-value", "directive frame-ancestors contains none of none, self"),
    # value-any-of: every item must be one of the list
    Case("value-any-of", CC, "{value-any-of: [no-store, no-cache, private]}", "no-store, public",
         "no-cache, private", "headers/cache-control-value", "contains public; allowed"),
    Case("value-any-of-directive", PP, "{directives: {camera: {value-any-of: [self]}}}", "camera=(self *)",
         "camera=(self), geolocation=()", "headers/permissions-policy-value", "directive camera contains *"),
    # preserve-order: with a list value, the order counts
    Case("preserve-order", CC, "{value: [no-store, max-age=0], preserve-order: true}", "max-age=0, no-store",
         "no-store, max-age=0", "headers/cache-control-value", "expected 'no-store; max-age=0'"),
    Case("preserve-order-directive", CSP,
         "{directives: {script-src: {value: [\"'self'\", \"'nonce-r4nd0m'\"], preserve-order: true}}}",
         "script-src 'nonce-r4nd0m' 'self'", "script-src 'self' 'nonce-r4nd0m'", "headers/csp-value",
         "directive script-src is \"'nonce-r4nd0m' 'self'\""),
    # value-one-of: the whole value is one of the list (case-insensitive), not a part of one
    Case("value-one-of", XFO, "{value-one-of: [DENY, SAMEORIGIN]}", "ALLOWALL", "sameorigin",
         "headers/x-frame-options-value", "expected one of DENY, SAMEORIGIN"),
    Case("value-one-of-not-a-part", XFO, "{value-one-of: [DENY, SAMEORIGIN]}", "DENY, SAMEORIGIN", "DENY",
         "headers/x-frame-options-value", "expected one of DENY, SAMEORIGIN"),
    Case("value-one-of-directive", HSTS, "{directives: {max-age: {value-one-of: [\"31536000\", \"63072000\"]}}}",
         "max-age=600", "max-age=63072000", "headers/hsts-value", "directive max-age is '600'"),
]


def _baseline(case: Case) -> str:
    return f"""
        version: 1
        headers:
          paths: [/]
          rules:
            {case.header}: {case.rule}
        """


def _findings(case: Case, value: str, live: bool) -> list[tuple[str, str]]:
    from urllib.parse import urlencode

    path = "/?" + urlencode({"h": case.header, "v": value})
    text = _baseline(case).replace("paths: [/]", f"paths: [{path!r}]")
    return [(f.rule_id, f.message) for f in audit(header_app(), text, live=live)]


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_keyword_fires_on_bad_and_is_quiet_on_good(case, live):
    bad = _findings(case, case.bad, live)
    assert [rule_id for rule_id, _ in bad] == [case.rule_id], bad
    assert case.message in bad[0][1], bad
    assert _findings(case, case.good, live) == []


def test_preserve_order_is_what_fires():
    """Without preserve-order the reordered value keeps the rule: the keyword makes the difference."""
    for case in (c for c in CASES if c.name.startswith("preserve-order")):
        unordered = Case(case.name, case.header, case.rule.replace(", preserve-order: true", ""), case.bad,
                         case.good, case.rule_id, case.message)
        assert _findings(unordered, case.bad, live=False) == []


def test_recommended_preset_hsts_needs_include_subdomains():
    """The recommended preset's HSTS rule rests on must-contain: a max-age alone is a finding."""
    text = "version: 1\nextends: recommended\nheaders: {paths: [/]}\n"

    def hsts(value: str) -> list[str]:
        from urllib.parse import urlencode

        path = "/?" + urlencode({"h": HSTS, "v": value})
        found = audit(header_app(), text.replace("paths: [/]", f"paths: [{path!r}]"), live=False)
        return [f.rule_id for f in found if f.rule_id.startswith("headers/hsts")]

    assert hsts("max-age=31536000") == ["headers/hsts-value"]
    assert hsts("max-age=31536000; includeSubDomains") == []
