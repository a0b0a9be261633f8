"""What each fuzz oracle reports, word for word: the whole problem (rule id, message, evidence)
for a harmful answer a real server gives, and None for its fixed twin or a near miss. Written
from the survivors of the mutation check (docs/testing.md): the fire/quiet table
(test_oracles.py) checks the rule id only, so a message, an evidence excerpt or a boundary could
change unseen."""

import pytest
from werkzeug.exceptions import InternalServerError

from pytest_secure.fuzz import oracles as o
from pytest_secure.fuzz.strategies import COMMAND_MARKER, EVAL_MARKER

HTML = [("Content-Type", "text/html; charset=utf-8")]
JSON = [("Content-Type", "application/json")]
SHOP = "http://shop.local/login"


def problem(p):
    return None if p is None else (p.rule_id, p.message, p.evidence)


def exchange(body="", status=200, headers=HTML, inputs=(), url=SHOP, **kw):
    return o.Exchange(status=status, headers=list(headers), body=body, url=url, inputs=tuple(inputs), **kw)


WERKZEUG_500 = InternalServerError().get_body()  # 265 characters: the excerpt shows the first 160


# -- server errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "body", "expected"), [
    (500, WERKZEUG_500, ("fuzz/server-error", "the server answered 500 to crafted input", WERKZEUG_500[:160] + "...")),
    (500, "<h1>Server Error (500)</h1>",  # Django, DEBUG off
     ("fuzz/server-error", "the server answered 500 to crafted input", "<h1>Server Error (500)</h1>")),
    (503, "", ("fuzz/server-error", "the server answered 503 to crafted input", "status 503")),  # a proxy's empty 503
    (599, "", ("fuzz/server-error", "the server answered 599 to crafted input", "status 599")),
    (501, "Not Implemented", None),            # RFC 9110: the method is not supported
    (505, "HTTP Version Not Supported", None),
    (499, "", None),                           # nginx: the client closed the request
    (422, '{"detail": "invalid"}', None),
])
def test_a_server_error_names_its_status_and_shows_the_start_of_the_body(status, body, expected):
    assert problem(o.no_server_error(exchange(body, status))) == expected


# -- evidence excerpts --------------------------------------------------------------------------

# Django's debug output for a misspelt column (113 characters); the excerpt keeps 40 characters
# either side of what was found, "..." where it cut, and 200 characters at most.
PG = 'django.db.utils.ProgrammingError: column "nmae" does not exist\nLINE 1: SELECT "shop_user"."nmae" FROM "shop_user"'
END = len(PG)


@pytest.mark.parametrize(("start", "length", "excerpt"), [
    (0, 6, PG[:46] + "..."),
    (40, 6, PG[:86] + "..."),                          # exactly 40 before: from the start
    (41, 6, "..." + PG[1:87] + "..."),
    (END - 46, 6, "..." + PG[END - 86:]),              # exactly 40 after: to the end
    (END - 47, 6, "..." + PG[END - 87:END - 1] + "..."),
    (0, END, PG),
])
def test_the_evidence_excerpt(start, length, excerpt):
    assert o._excerpt(PG, start, length) == excerpt


def test_a_long_finding_is_cut_to_two_hundred_characters():
    frame = ('  File "/home/deploy/.virtualenvs/shop-production-2026/lib/python3.11/site-packages/sqlalchemy/engine/'
             'base.py", line 1969, in _exec_single_context\n    self.dialect.do_execute(\n')
    page = "<html><body><h1>Shop</h1><pre>Internal error, details follow:\n" + frame + "</pre></body></html>"
    at = page.index("File ")
    assert problem(o.no_stack_trace(o.Exchange(status=500, headers=HTML, body=page))) == (
        "fuzz/stack-trace", "the response shows a stack trace or a debug page", "..." + page[at - 40:at + 160] + "...")


@pytest.mark.parametrize(("oracle", "body", "expected"), [
    (o.no_database_error, '<p>Error: sqlite3.OperationalError: unrecognized token: "\'"</p>',
     ("fuzz/database-error", "the response shows a database error caused by the input",
      '<p>Error: sqlite3.OperationalError: unrecognized token: "\'"</p>')),
    (o.no_database_error, "<html><head><title>Search</title></head><body><main><p>Sorry: You have an error in your "
     "SQL syntax; check the manual that corresponds to your MySQL server version</p></main></body></html>",
     ("fuzz/database-error", "the response shows a database error caused by the input",
      "...rch</title></head><body><main><p>Sorry: You have an error in your SQL syntax; check the manual that "
      "corresponds to y...")),
    (o.no_stack_trace, 'Exception in thread "main" java.lang.IllegalStateException: boom',
     ("fuzz/stack-trace", "the response shows a stack trace or a debug page",
      'Exception in thread "main" java.lang.IllegalStateException: boom')),
])
def test_an_error_page_s_evidence(oracle, body, expected):
    assert problem(oracle(exchange(body, 500))) == expected


# -- evaluated payloads --------------------------------------------------------------------------


TWICE = f"<title>Hello {EVAL_MARKER}</title><body><nav>Home | Cart | Account | Orders</nav><h1>Hello {EVAL_MARKER}</h1>"


@pytest.mark.parametrize(("body", "inputs", "expected"), [
    (f"<p>Hello {EVAL_MARKER}</p>", ["{{9137*7331}}"],  # Jinja2 render_template_string
     ("fuzz/template-injection", f"the expression 9137*7331 sent as input came back evaluated ({EVAL_MARKER})",
      f"<p>Hello {EVAL_MARKER}</p>")),
    (f"<p>Total: {EVAL_MARKER}</p>", ["${9137 * 7331}"],  # FreeMarker / JSP EL, spaces around the operator
     ("fuzz/template-injection", f"the expression 9137*7331 sent as input came back evaluated ({EVAL_MARKER})",
      f"<p>Total: {EVAL_MARKER}</p>")),
    (TWICE, ["{{9137*7331}}"],  # a template that shows the name twice: the first place is shown
     ("fuzz/template-injection", f"the expression 9137*7331 sent as input came back evaluated ({EVAL_MARKER})",
      TWICE[:61] + "...")),
    (f"<p>Hello {EVAL_MARKER}</p>", [EVAL_MARKER], None),          # the number itself was sent: an echo
    (f"<p>Hello {EVAL_MARKER}</p>", ["{{9137+7331}}"], None),      # not the product the input asked for
    (f"<p>Hello {EVAL_MARKER}</p>", ["hello"], None),
    ("<p>Hello {{9137*7331}}</p>", ["{{9137*7331}}"], None),       # echoed, not evaluated
    (f"ok {COMMAND_MARKER}", ["{{9137*7331}}"], None),             # a shell's output: command injection's case
])
def test_an_evaluated_template_expression(body, inputs, expected):
    assert problem(o.no_template_evaluation(exchange(body, inputs=inputs))) == expected


PING = "PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.\n"
ID = "uid=33(www-data) gid=33(www-data) groups=33(www-data)"


@pytest.mark.parametrize(("body", "inputs", "expected"), [
    (f"<pre>{PING}{COMMAND_MARKER}\n</pre>", ["127.0.0.1;echo psec$((9137*7331))"],
     ("fuzz/command-injection", "a shell command from the input ran: its output is in the response",
      f"...0.0.1 (127.0.0.1) 56(84) bytes of data.\n{COMMAND_MARKER}\n</pre>")),
    (f"<pre>{PING}{ID}\n</pre>", ["127.0.0.1; id"],
     ("fuzz/command-injection", "the output of `id` from the input is in the response", f"...0.0.1 (127.0.0.1) 56(84) bytes of data.\n{ID}\n</pre>")),
    (f"<pre>{ID}</pre>", ["x|id"],
     ("fuzz/command-injection", "the output of `id` from the input is in the response", f"<pre>{ID}</pre>")),
    (f"<pre>{ID}</pre>", ["$(id)"],
     ("fuzz/command-injection", "the output of `id` from the input is in the response", f"<pre>{ID}</pre>")),
    (f"<pre>{ID}</pre>", ["`id`"],
     ("fuzz/command-injection", "the output of `id` from the input is in the response", f"<pre>{ID}</pre>")),
    (f"<pre>{ID}</pre>", ["&& id"],
     ("fuzz/command-injection", "the output of `id` from the input is in the response", f"<pre>{ID}</pre>")),
    (f"<pre>{COMMAND_MARKER}\n{PING}{COMMAND_MARKER}</pre>", ["|echo psec$((9137*7331))"],  # the first output shown
     ("fuzz/command-injection", "a shell command from the input ran: its output is in the response",
      f"<pre>{COMMAND_MARKER}\n{PING[:39]}...")),
    (f"<pre>{ID}</pre>", ["; identity"], None),                       # `identity` is not `id`
    (f"<pre>{ID}</pre>", ["id"], None),                               # no shell operator before it
    (f"<pre>{ID}</pre>", ["127.0.0.1"], None),                        # the page shows it whatever was sent
    ("<pre>uid=33(www-data)</pre>", ["; id"], None),                  # not the whole `id` line
    (f"<pre>{COMMAND_MARKER}</pre>", [f"echo {COMMAND_MARKER}"], None),  # the marker was sent as is: an echo
    (f"<pre>{COMMAND_MARKER}</pre>", ["; echo psec"], None),          # no expression that could compute it
])
def test_a_command_s_output(body, inputs, expected):
    assert problem(o.no_command_execution(exchange(body, inputs=inputs))) == expected


PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
WIN_INI = "; for 16-bit app support\r\n[fonts]\r\n[extensions]\r\n[mci extensions]\r\n[files]\r\n[Mail]\r\nMAPI=1\r\n"


@pytest.mark.parametrize(("body", "inputs", "expected"), [
    (PASSWD, ["../../../../etc/passwd"],
     ("fuzz/path-traversal", "a system file named in the input was served", PASSWD[:51] + "...")),
    (WIN_INI, ["..\\..\\..\\windows\\win.ini"],
     ("fuzz/path-traversal", "a system file named in the input was served", WIN_INI[:64] + "...")),
    (PASSWD, ["report.pdf"], None),   # a page about /etc/passwd, not a file the input asked for
    ("no such file", ["../../../../etc/passwd"], None),
])
def test_a_system_file_served(body, inputs, expected):
    assert problem(o.no_file_disclosure(exchange(body, headers=[("Content-Type", "text/plain")], inputs=inputs))) \
        == expected


# -- redirects -----------------------------------------------------------------------------------


def redirect(headers, inputs, url=SHOP):
    return o.no_open_redirect(exchange(status=302, headers=headers, inputs=inputs, url=url))


def to(host):
    return f"the response redirects to {host}, a host taken from the input"


LONG = "https://evil.example/" + "a" * 300


@pytest.mark.parametrize(("headers", "inputs", "url", "expected"), [
    ([("Location", "https://evil.example/phish")], ["https://evil.example/phish"], SHOP,
     ("fuzz/open-redirect", to("evil.example"), "Location: https://evil.example/phish")),
    ([("Refresh", "0; url=https://evil.example/phish")], ["https://evil.example/phish"], SHOP,
     ("fuzz/open-redirect", to("evil.example"), "Refresh: https://evil.example/phish")),
    ([("Refresh", "0;URL='https://evil.example/phish'")], ["https://evil.example/phish"], SHOP,
     ("fuzz/open-redirect", to("evil.example"), "Refresh: https://evil.example/phish")),
    ([("Refresh", "5")], ["https://evil.example/phish"], SHOP, None),  # a reload, not a redirect
    ([("Location", "https://EVIL.example/")], ["HTTPS://EVIL.EXAMPLE/"], SHOP,
     ("fuzz/open-redirect", to("evil.example"), "Location: https://EVIL.example/")),
    ([("Location", "https://evil.example/")], ["https%3A%2F%2Fevil.example%2F"], SHOP,  # the input URL-encoded
     ("fuzz/open-redirect", to("evil.example"), "Location: https://evil.example/")),
    ([("Location", "https://evil.example/")], ["https:\\\\evil.example"], SHOP,  # backslashes read as slashes
     ("fuzz/open-redirect", to("evil.example"), "Location: https://evil.example/")),
    ([("Location", " \t//evil.example/")], ["//evil.example/"], SHOP,  # leading blanks, dropped by browsers
     ("fuzz/open-redirect", to("evil.example"), "Location:  \t//evil.example/")),
    ([("Location", "/home"), ("Location", "https://evil.example/")], ["https://evil.example/"], SHOP,
     ("fuzz/open-redirect", to("evil.example"), "Location: https://evil.example/")),
    ([("Location", "http://[evil/"), ("Refresh", "0; url=https://evil.example/")], ["https://evil.example/"], SHOP,
     ("fuzz/open-redirect", to("evil.example"), "Refresh: https://evil.example/")),  # past a malformed one
    ([("Location", LONG)], ["https://evil.example/"], SHOP,
     ("fuzz/open-redirect", to("evil.example"), "Location: " + LONG[:200])),
    ([("Location", "//evil.example/")], ["//evil.example/"], "",  # no URL known: still another host
     ("fuzz/open-redirect", to("evil.example"), "Location: //evil.example/")),
    ([("Location", "/home")], ["http://localhost:8000/callback"], "", None),  # no URL known: a path has no host
    ([("Location", "http://shop.local/account")], ["http://shop.local/account"], SHOP, None),  # its own host
    ([("Location", "http://SHOP.local/account")], ["http://shop.local/account"], "http://Shop.Local/login", None),
    ([("Location", "https://sso.example/")], ["https://evil.example/"], SHOP, None),  # a host the input did not name
    ([("Location", "http://[evil/")], ["http://[evil/"], SHOP, None),  # malformed: leads nowhere, no crash
])
def test_a_redirect_to_a_host_the_input_chose(headers, inputs, url, expected):
    assert problem(redirect(headers, inputs, url)) == expected


# -- headers -------------------------------------------------------------------------------------


def added(name):
    return f"the input added the response header {name}"


@pytest.mark.parametrize(("headers", "inputs", "expected"), [
    ([("X-Psec-Injected", "1")], ["a\r\nX-Psec-Injected: 1"],
     ("fuzz/header-injection", added("X-Psec-Injected"), "X-Psec-Injected: 1")),
    ([("x-psec-injected", "1")], ["a\nX-Psec-Injected: 1"],  # HTTP/2 lower-cases names
     ("fuzz/header-injection", added("x-psec-injected"), "x-psec-injected: 1")),
    ([("Set-Cookie", "psec_injected=1")], ["\r\nSet-Cookie: psec_injected=1"],
     ("fuzz/header-injection", added("Set-Cookie"), "Set-Cookie: psec_injected=1")),
    ([("Set-Cookie", "session=abc; HttpOnly")], ["\r\nSet-Cookie: psec_injected=1"], None),
    ([("X-Psec-Injected", "1")], ["%0d%0aX-Psec-Injected:%201"],  # the server URL-decoded the input
     ("fuzz/header-injection", added("X-Psec-Injected"), "X-Psec-Injected: 1")),
    ([("Set-Cookie", "psec_injected=1; Path=/")], ["%0d%0aSet-Cookie:%20psec_injected=1"],
     ("fuzz/header-injection", added("Set-Cookie"), "Set-Cookie: psec_injected=1; Path=/")),
    ([("X-Lang", "en\rX-Psec-Injected: 1")], ["en\rX-Psec-Injected: 1"],  # a bare CR, which old servers split on
     ("fuzz/header-injection", "the response header X-Lang carries a line break from the input",
      "X-Lang: 'en\\rX-Psec-Injected: 1'")),
    ([("X-Forwarded-User", "admin")], ["en\r\nX-Forwarded-User: admin"],  # a header of the input's choosing
     ("fuzz/header-injection", added("X-Forwarded-User"), "X-Forwarded-User: admin")),
    ([("X-Forwarded-User", "admin")], ["en\u560d\u560aX-Forwarded-User: admin"],  # U+560D U+560A: CR LF in Latin-1
     ("fuzz/header-injection", added("X-Forwarded-User"), "X-Forwarded-User: admin")),
    ([("X-Forwarded-User", "root")], ["en\r\nX-Forwarded-User: admin"], None),  # the server's own value
    ([("X-Forwarded-User", "admin")], ["en\r\nX-Forwarded-User: admin \r\nX-A: 1"],  # blanks around the value
     ("fuzz/header-injection", added("X-Forwarded-User"), "X-Forwarded-User: admin")),
    ([("X-Forwarded-User", " admin")], ["en\r\nX-Forwarded-User:admin"],  # as a WSGI app may set it
     ("fuzz/header-injection", added("X-Forwarded-User"), "X-Forwarded-User:  admin")),
    ([("Content-Type", "text/html")], ["en\r\nContent-Type: text/html"], None),  # every answer has one
    ([("Content-Length", "0")], ["en\r\nContent-Length: 0"], None),
    ([("X-Lang", "en\r\nX-Psec-Injected: 1")], ["en\r\nX-Psec-Injected: 1"],
     ("fuzz/header-injection", "the response header X-Lang carries a line break from the input",
      "X-Lang: 'en\\r\\nX-Psec-Injected: 1'")),
    ([("X-Lang", "en\nX: " + "a" * 300)], ["en\nX: 1"],
     ("fuzz/header-injection", "the response header X-Lang carries a line break from the input",
      "X-Lang: " + repr("en\nX: " + "a" * 194))),
    ([("X-Psec-Injected", "1")], ["plain"], None),  # no line break in any input
])
def test_a_header_the_input_added(headers, inputs, expected):
    assert problem(o.no_injected_header(exchange(headers=headers, inputs=inputs))) == expected


# -- time, validation, JSON ----------------------------------------------------------------------


@pytest.mark.parametrize(("bound", "elapsed", "expected"), [
    (0.5, 1.23456, ("fuzz/slow-response", "the response took 1.23s, more than the 0.5s bound", "elapsed 1.235s")),
    (2.0, 2.0, None),  # the bound itself is in time
    (2.0, 2.001, ("fuzz/slow-response", "the response took 2.00s, more than the 2s bound", "elapsed 2.001s")),
    (lambda: 0.125, 0.2, ("fuzz/slow-response", "the response took 0.20s, more than the 0.125s bound",
                          "elapsed 0.200s")),  # a bound read at each response
])
def test_a_slow_response(bound, elapsed, expected):
    assert problem(o.within_time(bound)(exchange(elapsed=elapsed))) == expected


def test_the_time_oracle_is_named_for_schemathesis():
    assert o.within_time(1.0).__name__ == "no_slow_response"


@pytest.mark.parametrize(("status", "invalid", "expected"), [
    (201, True, ("fuzz/invalid-input-accepted", "invalid input was accepted with 201", "status 201")),
    (200, True, ("fuzz/invalid-input-accepted", "invalid input was accepted with 200", "status 200")),
    (299, True, ("fuzz/invalid-input-accepted", "invalid input was accepted with 299", "status 299")),
    (300, True, None), (199, True, None), (422, True, None), (201, False, None),
])
def test_invalid_input_accepted(status, invalid, expected):
    assert problem(o.invalid_input_rejected(exchange(status=status, invalid_input=invalid))) == expected


LIST = '[{"id": 1, "name": "bob"}, {"id": 2, "name": "a"b"}, {"id": 3, "name": "carol"}, {"id": 4, "name": "dave"}]'


@pytest.mark.parametrize(("body", "headers", "status", "method", "expected"), [
    ('{"name": "a"b"}', JSON, 200, "GET",  # a hand-built document the input broke out of
     ("fuzz/invalid-json", "the response says application/json but its body is not valid JSON "
      "(Expecting ',' delimiter at character 12)", '{"name": "a"b"}')),
    ("<h1>Internal Server Error</h1>", [("Content-Type", "application/problem+json")], 500, "GET",
     ("fuzz/invalid-json", "the response says application/problem+json but its body is not valid JSON "
      "(Expecting value at character 0)", "<h1>Internal Server Error</h1>")),
    (LIST, JSON, 200, "GET",  # the excerpt: 40 characters before the error, the character, 40 after
     ("fuzz/invalid-json", "the response says application/json but its body is not valid JSON "
      "(Expecting ',' delimiter at character 48)", "..." + LIST[8:89] + "...")),
    ("1" * 5000, JSON, 200, "GET", None),  # valid JSON that Python refuses to read (over 4300 digits)
    ("", JSON, 200, "GET", None), ("  \n", JSON, 200, "GET", None),  # no body at all
    ("not json", JSON, 204, "GET", None), ("not json", JSON, 304, "GET", None),
    ("not json", JSON, 200, "HEAD", None), ("not json", JSON, 200, "head", None),
    ("not json", [("Content-Type", "text/plain")], 200, "GET", None),
    ('{"name": "a"}', JSON, 200, "GET", None),
])
def test_a_json_answer_that_is_not_json(body, headers, status, method, expected):
    assert problem(o.no_invalid_json(exchange(body, status, headers, method=method))) == expected


# -- as schemathesis checks ----------------------------------------------------------------------


def shop_app():
    from flask import Flask, request

    app = Flask("oracle_messages")

    @app.get("/search")
    def search():
        return f"<p>Results for {request.args['q']}</p>", 500

    @app.get("/openapi.json")
    def spec():
        return {"openapi": "3.0.3", "info": {"title": "shop", "version": "1"}, "paths": {"/search": {"get": {
            "parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}}}}}}

    return app


def test_a_failed_oracle_is_a_critical_schemathesis_failure_that_names_its_rule(monkeypatch):
    import schemathesis
    from schemathesis.core.failures import Failure, FailureGroup

    monkeypatch.setattr(o, "_REGISTRY", o._Registry())  # a fresh process: the class is made on first use
    schema = schemathesis.openapi.from_wsgi("/openapi.json", shop_app())
    case = schema["/search"]["GET"].Case(query={"q": "<psec-xss>"})
    with pytest.raises(FailureGroup) as info:
        case.call_and_validate(checks=o.schemathesis_checks([o.no_server_error, o.no_unencoded_reflection]))
    failures = sorted(info.value.exceptions, key=lambda f: f.rule_id)
    assert [(f.asdict(), f.rule_id, f.evidence) for f in failures] == [
        ({"type": "SecurityFailure", "code": "ST990", "operation": "GET /search",
          "title": "input is echoed unencoded into HTML (text context)",
          "message": "fuzz/reflected-xss: <p>Results for <psec-xss></p>", "case_id": None, "severity": "critical"},
         "fuzz/reflected-xss", "<p>Results for <psec-xss></p>"),
        ({"type": "SecurityFailure", "code": "ST990", "operation": "GET /search",
          "title": "the server answered 500 to crafted input",
          "message": "fuzz/server-error: <p>Results for <psec-xss></p>", "case_id": None, "severity": "critical"},
         "fuzz/server-error", "<p>Results for <psec-xss></p>"),
    ]
    cls = o.security_failure_class()
    assert cls is type(failures[0]) and issubclass(cls, Failure) and o.security_failure_class() is cls
    assert cls.kind_title == "Security oracle failed"
    assert failures[0] != failures[1]  # one failure per rule, not one per class
    same_rule = cls(operation="GET /search", message="other", rule_id="fuzz/server-error", evidence="x")
    assert same_rule == failures[1]


def test_each_check_is_named_after_its_oracle():
    checks = o.schemathesis_checks([o.no_server_error])
    assert [(c.__name__, c.__doc__) for c in checks] == [("secure_no_server_error", o.no_server_error.__doc__)]
    names = [c.__name__ for c in o.schemathesis_checks()]
    assert names == [f"secure_{f.__name__}" for f in o.DEFAULT_ORACLES] + ["secure_no_slow_response"]
    assert [c.__name__ for c in o.schemathesis_checks(max_response_time=None)] == names[:-1]


def test_judge_applies_the_oracles_it_is_given_and_the_time_bound_only_with_the_defaults():
    crash = exchange('Traceback (most recent call last):\n  File "/app/shop.py", line 3, in view', 500, elapsed=3.0)
    assert [p.rule_id for p in o.judge(crash, [o.no_server_error])] == ["fuzz/server-error"]
    assert [p.rule_id for p in o.judge(crash)] == ["fuzz/server-error", "fuzz/stack-trace", "fuzz/slow-response"]
    assert [p.rule_id for p in o.judge(crash, max_response_time=5.0)] == ["fuzz/server-error", "fuzz/stack-trace"]


def test_register_names_the_checks_it_registers():
    defaults = [f"secure_{f.__name__}" for f in o.DEFAULT_ORACLES]
    try:
        assert o.register([o.no_server_error]) == ["secure_no_server_error"]
        assert o.register(max_response_time=None) == defaults
        assert o.register() == [*defaults, "secure_no_slow_response"]
    finally:
        o.unregister()
