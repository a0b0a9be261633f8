"""Every signature of the leaks area's stack-trace rules matches a real page or message of the
stack it names, and a near-miss that looks like it stays quiet.

Samples come from the stack itself where it runs here (CPython raises, Werkzeug and Starlette
render their debug pages, Django's debug templates are read from the installed package, Node
prints its own stack); the others are quoted from the stack's documentation or source, named in
each case. The last test makes sure no signature is left without a case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from pytest_secure.hygiene import leaks
from tests.fuzz.test_oracle_patterns import django_template, node_stack, python_traceback, werkzeug_debugger_page

from .responses import resp


def starlette_debug_page() -> str:
    from starlette.applications import Starlette
    from starlette.routing import Route
    from starlette.testclient import TestClient

    def boom(request):
        raise RuntimeError("boom")

    app = Starlette(debug=True, routes=[Route("/", boom)])
    return TestClient(app, raise_server_exceptions=False).get("/", headers={"Accept": "text/html"}).text


@dataclass(frozen=True)
class Case:
    rule_id: str
    pattern: str
    sample: object
    near_miss: str
    source: str

    def text(self, tmp_path: Path) -> str:
        if callable(self.sample):
            return self.sample(tmp_path) if self.sample is node_stack else self.sample()
        return str(self.sample)


YSOD = ("<html><head><title>Runtime Error</title></head><body bgcolor=\"white\">\n"
        "<span><H1>Server Error in '/' Application.<hr width=100% size=1 color=silver></H1>\n"
        "<b> Description: </b>An unhandled exception occurred during the execution of the current web request.\n"
        "<b> Stack Trace: </b> <br><br>\n<pre>[NullReferenceException: Object reference not set]</pre>\n"
        "<hr width=100% size=1 color=silver>\n\n"
        "<b>Version Information:</b>&nbsp;Microsoft .NET Framework Version:4.0.30319; ASP.NET Version:4.8.4330.0\n")
YSOD_SOURCE = "ASP.NET ErrorFormatter (reference source), the default error page"

CASES = [
    Case("leaks/stack-trace-django",
         r"You(?:'|’|&#x27;|&#39;)re seeing this error because you have <code>DEBUG = True</code>",
         lambda: django_template("technical_500.html"), "You are seeing this page because DEBUG is off",
         "Django technical_500.html, from the installed package"),
    Case("leaks/stack-trace-django", r"<th[^>]*>Django Version:</th>", lambda: django_template("technical_500.html"),
         "<td>Django Version: see the footer</td>", "Django technical_500.html, from the installed package"),
    Case("leaks/stack-trace-django", r"Using the URLconf defined in <code>",
         lambda: django_template("technical_404.html"), "Using the URLconf defined in settings",
         "Django technical_404.html, from the installed package"),
    Case("leaks/stack-trace-flask", r"<title>[^<]*Werkzeug Debugger</title>", werkzeug_debugger_page,
         "<title>Werkzeug docs: the debugger</title>", "Werkzeug DebuggedApplication, rendered here"),
    Case("leaks/stack-trace-flask", r"The debugger caught an exception in your WSGI application",
         werkzeug_debugger_page, "The debugger is off for this WSGI application",
         "Werkzeug DebuggedApplication, rendered here"),
    Case("leaks/stack-trace-flask", r"__debugger__", werkzeug_debugger_page, "the debugger is off",
         "Werkzeug DebuggedApplication, rendered here"),
    Case("leaks/stack-trace-starlette", r"<title>Starlette Debugger</title>", starlette_debug_page,
         "<title>Starlette</title>", "Starlette ServerErrorMiddleware(debug=True), rendered here"),
    Case("leaks/stack-trace-starlette", r'<div class="traceback-container">', starlette_debug_page,
         '<div class="container">', "Starlette ServerErrorMiddleware(debug=True), rendered here"),
    Case("leaks/stack-trace-express",
         r"at (?:Layer\.handle|next|Function\.handle|Route\.dispatch) .{0,40}node_modules[/\\]express",
         "TypeError: Cannot read properties of undefined (reading 'id')<br> &nbsp; &nbsp;at /srv/app/index.js:9:22"
         "<br> &nbsp; &nbsp;at Layer.handle [as handle_request] (/srv/app/node_modules/express/lib/router/"
         "layer.js:95:5)", "Layer handle done; see node_modules/express docs",
         "Express 4 finalhandler development error page (express/lib/router/layer.js frames)"),
    Case("leaks/stack-trace-express",
         r"(?:&nbsp;|\s)at [\w.<>$\[\] ]+ \((?:/|[A-Z]:\\\\?)[^)\n]*\.(?:js|mjs|cjs|ts):\d+:\d+\)", node_stack,
         "    at node:internal/main/run_main_module:28:49", "Node, printed here (error.stack)"),
    Case("leaks/stack-trace-rails", r"<title>Action Controller: Exception caught</title>",
         "<title>Action Controller: Exception caught</title>", "<title>Action Controller</title>",
         "Rails actionpack rescues/layout.erb"),
    Case("leaks/stack-trace-rails", r"Rails\.root: ", "<p><code>Rails.root: /srv/shop</code></p>",
         "Rails root is /srv/shop", "Rails actionpack rescues/_trace.html.erb"),
    Case("leaks/stack-trace-rails", r"ActionController::RoutingError",
         "<h1>Routing Error</h1><p>No route matches [GET] &quot;/nope&quot;</p>"
         "<pre>ActionController::RoutingError (No route matches [GET] \"/nope\")</pre>",
         "ActionController::Base", "Rails routing error page"),
    Case("leaks/stack-trace-java",
         r"\bat (?:[\w$]+\.){2,}[\w$<>]+\((?:[\w$]+\.java:\d+|Native Method|Unknown Source)\)",
         "\tat com.example.web.InvoiceController.show(InvoiceController.java:42)",
         "at MyClass.mash(MyClass.java:9)", "Java SE API, Throwable.printStackTrace() format"),
    Case("leaks/stack-trace-java", r"\b(?:java|javax|jakarta)\.(?:lang|servlet)\.[\w.]*(?:Exception|Error)\b",
         "jakarta.servlet.ServletException: Request processing failed", "java.lang.String",
         "Jakarta Servlet API, ServletException"),
    Case("leaks/stack-trace-aspnet", r"Server Error in '[^']*' Application", YSOD,
         "Server error in this application", YSOD_SOURCE),
    Case("leaks/stack-trace-aspnet", r"ASP\.NET is configured to show verbose error messages",
         "ASP.NET is configured to show verbose error messages using &lt;customErrors mode=\"Off\"/&gt;.",
         "ASP.NET shows custom error messages", YSOD_SOURCE),
    Case("leaks/stack-trace-aspnet", r"<b>\s*Stack Trace:\s*</b>", YSOD, "<b>Trace:</b>", YSOD_SOURCE),
    Case("leaks/stack-trace-aspnet", r"Version Information:(?:\s|&nbsp;)*</b>(?:\s|&nbsp;)*Microsoft \.NET", YSOD,
         "<b>Version Information:</b> see the release notes", YSOD_SOURCE),
    Case("leaks/stack-trace-php",
         r"<b>(?:Fatal error|Warning|Parse error|Notice|Deprecated)</b>:\s.{0,500}? in <b>[^<]+\.php</b> on line",
         "<br />\n<b>Warning</b>:  Undefined variable $total in <b>/var/www/html/cart.php</b> on line <b>12</b>"
         "<br />", "<b>Warning</b>: prices may change", "PHP manual, display_errors with html_errors=On"),
    Case("leaks/stack-trace-php",
         r"(?:Fatal error|Parse error|Warning): .{0,500}? in (?:/|[A-Z]:\\)\S+\.php on line \d+",
         "PHP Warning:  Undefined variable $total in /var/www/html/cart.php on line 12",
         "Warning: see cart.php for line items", "PHP manual, display_errors with html_errors=Off"),
    Case("leaks/stack-trace-php", r"Stack trace:\s*(?:<br\s*/?>)?\s*#0 \S+\.php",
         "PHP Fatal error:  Uncaught DivisionByZeroError: Division by zero in /var/www/html/cart.php:7\n"
         "Stack trace:\n#0 /var/www/html/cart.php(12): share(10, 0)\n#1 {main}", "Stack trace: #0 {main}",
         "PHP manual, uncaught exception output"),
    Case("leaks/stack-trace-python", r"Traceback \(most recent call last\):", python_traceback,
         "Traceback: the most recent call is logged", "CPython, raised here"),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule_id}:{i}" for i, c in enumerate(CASES)])
def test_signature_matches_its_stack_and_not_a_near_miss(case, tmp_path):
    signatures = leaks.STACK_TRACES[case.rule_id][4]
    assert case.pattern in signatures, f"{case.rule_id} no longer has the signature {case.pattern!r}"
    sample = case.text(tmp_path)
    assert re.search(case.pattern, sample, re.IGNORECASE | re.DOTALL), f"{case.source}: {sample[:300]!r}"
    policy = leaks.LeakPolicy(server_errors=False)
    assert [f.rule_id for f in policy.audit(resp(body=sample.encode(), status=500))] == [case.rule_id]
    assert not re.search(case.pattern, case.near_miss, re.IGNORECASE | re.DOTALL)
    assert [f.rule_id for f in policy.audit(resp(body=case.near_miss.encode(), status=500))] == []


def test_every_signature_has_a_case():
    declared = sorted((rule_id, s) for rule_id, spec in leaks.STACK_TRACES.items() for s in spec[4])
    assert declared == sorted((c.rule_id, c.pattern) for c in CASES)
