"""The tool must not be the leak: a canary secret, forced through failures of every kind,
appears in no output, report or log."""

import textwrap

import pytest

from pytest_secure.core.redaction import MASK, Redactor

CANARY = "canary-7f3a9c51e2d84b60"

LEAKY_APP = textwrap.dedent("""
    import logging, sys

    def app(environ, start_response):
        auth = environ.get("HTTP_AUTHORIZATION", "")
        cookie = environ.get("HTTP_COOKIE", "")
        logging.getLogger("leaky").warning("request with %s and %s", auth, cookie)
        print("stdout leak:", auth, environ.get("QUERY_STRING"))
        sys.stderr.write("stderr leak: " + cookie + "\\n")
        headers = [("Content-Type", "text/html"), ("X-Debug-Auth", auth), ("X-Echo-Cookie", cookie),
                   ("Set-Cookie", "session=" + auth.split()[-1] + "; Path=/")]
        start_response("200 OK", headers)
        return [("<p>" + auth + "</p>").encode()]
""")

BASELINE = """
    version: 1
    target: {app: "leakyapp:app"}
    identities:
      admin:
        bearer: "${CANARY_TOKEN}"
        cookies: {sid: "${CANARY_TOKEN}"}
    headers:
      identity: admin
      paths: ["/?api_key=${CANARY_TOKEN}"]
      rules:
        X-Debug-Auth: {required: false}
        X-Echo-Cookie: {value: nothing}
        Content-Security-Policy: {}
    gates: {fail_on: low}
    """


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "live"])
def test_canary_appears_in_no_output(pytester, monkeypatch, live):
    monkeypatch.setenv("CANARY_TOKEN", CANARY)
    pytester.makepyfile(leakyapp=LEAKY_APP)
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE)})
    args = ["--secure", "--secure-sarif=out.sarif", "--secure-json=out.json", "--secure-html=out.html",
            "--html=pytest-html.html", "--self-contained-html", "--junitxml=junit.xml",
            "-rA", "--log-level=DEBUG", "-o", "log_cli=true", "-o", "junit_logging=all"]
    if live:
        import importlib.util

        from tests.servers import serve_wsgi

        # loaded from its file: neither sys.path nor sys.modules is touched
        spec = importlib.util.spec_from_file_location("leakyapp", pytester.path / "leakyapp.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        with serve_wsgi(module.app) as url:
            result = pytester.runpytest(*args, f"--secure-target={url}")
    else:
        result = pytester.runpytest(*args)
    result.assert_outcomes(failed=3)
    outputs = {
        "stdout": result.stdout.str(), "stderr": result.stderr.str(),
        **{name: (pytester.path / name).read_text() for name in ("out.sarif", "out.json", "out.html", "pytest-html.html",
                                                                    "junit.xml")},
    }
    for name, text in outputs.items():
        assert CANARY not in text, f"the canary leaked into {name}"
        assert CANARY[:12] not in text, f"part of the canary leaked into {name}"
    # the failures were really forced, and were reported with the secret masked
    assert "X-Debug-Auth must not be sent" in outputs["stdout"]
    assert MASK in outputs["out.sarif"] and MASK in outputs["junit.xml"] and MASK in outputs["out.html"]
    assert "reproduce: curl -i -X GET" in outputs["stdout"]


def test_redactor_masks_credentials_by_position():
    r = Redactor(["hunter2-secret"])
    text = ("Authorization: Basic dXNlcjpwYXNz\ncookie: a=b\n"
            "-H 'Authorization: Bearer abc.def.ghi' {\"access_token\": \"tok123456\"} "
            "?password=hunter2-secret&x=1 eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig")
    cleaned = r.clean(text)
    for secret in ("dXNlcjpwYXNz", "a=b", "abc.def.ghi", "tok123456", "hunter2-secret", "eyJhbGciOiJIUzI1NiJ9"):
        assert secret not in cleaned
    assert cleaned.count(MASK) >= 6


def test_short_values_are_not_treated_as_secrets():
    r = Redactor(["ab", ""])
    assert r.redact("tab stop") == "tab stop"


def test_hand_written_test_failures_are_redacted(pytester, monkeypatch):
    monkeypatch.setenv("CANARY_TOKEN", CANARY)
    pytester.makepyfile(leakyapp2=LEAKY_APP)
    pytester.makefile(".yaml", **{"security-baseline": "version: 1\ntarget: {app: 'leakyapp2:app'}\n"
                                  "identities: {admin: {bearer: '${CANARY_TOKEN}'}}\n"})
    pytester.makepyfile(test_hand="""
        def test_uses_session(secure):
            response = secure.identity("admin").request("GET", "/")
            print("body was", response.text)
            assert response.header("x-debug-auth") == "nothing", response.header("x-debug-auth")
        """)
    result = pytester.runpytest("--secure", "-rA", "--junitxml=j.xml")
    result.assert_outcomes(failed=1)
    assert "Bearer [REDACTED]" in result.stdout.str()
    for text in (result.stdout.str(), result.stderr.str(), (pytester.path / "j.xml").read_text()):
        assert CANARY not in text


def test_names_are_masked_only_where_a_known_secret_stands():
    r = Redactor(["s3cret-value"])
    assert r.mask_known("authz[POST /password::bob]") == "authz[POST /password::bob]"
    assert r.mask_known("headers[GET /?k=s3cret-value::CSP]") == f"headers[GET /?k={MASK}::CSP]"
    assert r.clean("password: hunter22") == f"password: {MASK}"  # messages still mask by position


def test_prose_is_not_mistaken_for_credentials():
    r = Redactor()
    assert r.clean("the token signed with a weak key") == "the token signed with a weak key"
    assert r.clean("Authorization: Token abcdef123456") == f"Authorization: {MASK}"


def test_item_names_that_contain_a_credential_word_stay_readable():
    """``password::alice`` is an item name's path and identity, not a password field."""
    redactor = Redactor()
    name = "authz[POST /users/{id}/password::alice]"
    assert redactor.clean(name) == name
    assert redactor.clean("password=hunter22 token: xyzabc") == f"password={MASK} token: {MASK}"


def test_the_start_of_a_cut_off_secret_is_masked():
    """An evidence snippet is cut before redaction sees it: ``tok-5d1e0b...`` is the start of a
    known secret and must be masked like the whole (issue 19's canary test found it)."""
    r = Redactor(["canary-access-0b64ffee11223344"])
    assert r.redact('{"issued": ["canary-access-0b64...') == '{"issued": ["' + MASK + "..."
    assert r.redact("ref=canary-access-0b6\u2026") == "ref=" + MASK + "\u2026"
    assert r.redact("see the docs...") == "see the docs..."  # words that start no secret stay
    assert r.redact("canar...") == "canar..."  # too short to tell
