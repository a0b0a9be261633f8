"""The tool must not be the leak, for the secrets of issue 19's login flows too: OAuth2 client
secrets (in a Basic header and in a form body), access and refresh tokens from a token
endpoint, a TOTP shared secret, and tokens sent in a custom header and a query parameter (names
that do not look like credentials, so only the identity's own redaction can mask them). A leaky app echoes every
credential it gets into its headers and bodies, items are forced to fail with those requests as
evidence (an OAuth2 token request among them), and no canary may appear in stdout, JUnit XML,
JSON, SARIF or the HTML reports (sibling of tests/core/test_redaction.py::test_canary_appears_in_no_output)."""

import importlib.util
import textwrap

import pytest

from pytest_secure.core.redaction import MASK

CANARIES = {
    "CANARY_CLIENT_SECRET": "canary-client-7f3a9c51e2d84b60",
    "CANARY_POST_SECRET": "canary-post-4b2e9d71c3a85f06",
    "CANARY_TOTP": "CANARYSEEDJBSWY3DPEHPK3PXPJBSWY3DP",
}
ISSUED = ("canary-access-", "canary-refresh-", "canary-query-")  # tokens the app issues at run time

LEAKY_APP = textwrap.dedent("""
    import json, os, secrets, sys
    from urllib.parse import parse_qs

    ISSUED = []  # what the token endpoint issued, echoed by every page (no credential-like key names)

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "/")
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size).decode() if size else ""
        auth = environ.get("HTTP_AUTHORIZATION", "") + " " + environ.get("HTTP_X_REF", "")
        query = environ.get("QUERY_STRING", "")
        echo = {"authorization": auth, "query": query, "cookie": environ.get("HTTP_COOKIE", ""), "body": body}
        print("stdout leak:", echo)
        sys.stderr.write("stderr leak: " + json.dumps(echo) + "\\n")
        headers = [("Content-Type", "application/json"), ("X-Debug-Auth", auth + " " + query)]
        if path == "/oauth/token":
            form = parse_qs(body)
            tail = secrets.token_hex(8)
            answer = {"access_token": "canary-access-" + tail, "token_type": "Bearer", "expires_in": 2592000,
                      "refresh_token": "canary-refresh-" + tail, "debug": echo, "form": form}
            ISSUED.extend(["canary-access-" + tail, "canary-refresh-" + tail])
        elif path == "/login/totp":
            answer = {"token": "canary-query-" + secrets.token_hex(8), "debug": echo}
        elif path == "/login":
            headers[0] = ("Content-Type", "text/html")
            start_response("200 OK", headers)
            return [b"<form method=post><input name=code></form>"]
        elif os.environ.get("LEAKY_PAD"):  # a token where the evidence snippet (160 chars) cuts the body
            answer = {"p": "x" * int(os.environ["LEAKY_PAD"]), "issued": ISSUED}
        else:
            answer = {"debug": echo, "issued": ISSUED}
        start_response("200 OK", headers)
        return [json.dumps(answer).encode()]
""")

BASELINE = """
    version: 1
    target: {app: "leakyflows:app"}
    identities:
      svc:
        oauth2: {token_url: /oauth/token, client_id: svc, client_secret: "${CANARY_CLIENT_SECRET}"}
        send_token: {header: X-Ref}
      ops:
        oauth2: {token_url: /oauth/token, client_id: ops, client_secret: "${CANARY_POST_SECRET}", client_auth: body}
      alice:
        login:
          steps:
            - {request: GET /login}
            - {request: POST /login/totp, form: {code: "{totp}"}, totp: "${secret:CANARY_TOTP}"}
          token: token
        send_token: {query: ref}
    headers:
      identity: svc
      paths: [/me]
      rules:
        X-Debug-Auth: {required: false}
    authz:
      rules:
        - {request: GET /me, allow: [svc]}
      sessions: {identities: [svc, ops], probe: GET /me, fixation: false}
    gates: {fail_on: low}
    """


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "live"])
@pytest.mark.parametrize("pad", [0, 120], ids=["echo", "cut"])
def test_login_flow_canaries_appear_in_no_output(pytester, monkeypatch, live, pad):
    """``cut``: the deny cell's evidence shows the first 160 characters of a body that holds an
    access token at character 132: the token's start (``canary-access-0b64...``) must be masked
    too (before: it leaked, because the snippet is cut before redaction sees it)."""
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    if pad:
        monkeypatch.setenv("LEAKY_PAD", str(pad))
    pytester.makepyfile(leakyflows=LEAKY_APP)
    pytester.makefile(".yaml", **{"security-baseline": textwrap.dedent(BASELINE)})
    args = ["--secure", "-p", "no:cacheprovider", "--secure-sarif=out.sarif", "--secure-json=out.json",
            "--secure-html=out.html",
            "--junitxml=junit.xml", "-rA", "--log-level=DEBUG", "-o", "log_cli=true", "-o", "junit_logging=all"]
    if live:
        from tests.servers import serve_wsgi

        spec = importlib.util.spec_from_file_location("leakyflows", pytester.path / "leakyflows.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        with serve_wsgi(module.app) as url:  # a live server's own prints are not the run's output:
            result = pytester.runpytest_subprocess(*args, f"--secure-target={url}")  # another process
    else:
        result = pytester.runpytest(*args)
    outputs = {
        "stdout": result.stdout.str(), "stderr": result.stderr.str(),
        **{name: (pytester.path / name).read_text() for name in ("out.sarif", "out.json", "out.html", "junit.xml")},
    }
    for name, text in outputs.items():
        for canary in (*CANARIES.values(), *ISSUED):
            assert canary not in text, f"{canary} leaked into {name}"
        assert "JBSWY3DPEHPK3PXP" not in text, f"part of the TOTP secret leaked into {name}"
    # the failures were really forced, with these flows' requests as evidence
    stdout = outputs["stdout"]
    assert "X-Debug-Auth must not be sent" in stdout
    assert "authz/forbidden-access" in stdout and "alice was allowed GET /me" in stdout
    assert "svc's token (expires_in) lives 30 d" in stdout and "ops's token (expires_in) lives 30 d" in stdout
    assert "reproduce: curl -i -X POST" in stdout and "/oauth/token" in stdout  # the token request, masked
    assert MASK in outputs["out.sarif"] and MASK in outputs["junit.xml"]
