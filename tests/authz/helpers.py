"""Helpers for the authz tests: the planted-bug apps, their baselines, running pytest --secure."""

import itertools
import textwrap

_counter = itertools.count()

USERS = {"alice": ["viewer"], "bob": ["viewer"], "carol": ["analyst", "viewer"], "dave": ["admin", "analyst", "viewer"],
         "erin": ["analyst", "viewer"]}


def json_identities(users=("alice", "bob", "carol", "dave", "erin")) -> str:
    lines = []
    for user in users:
        lines.append(f"  {user}: {{roles: {USERS[user]}, login: {{request: POST /login, "
                     f"json: {{username: {user}, password: {user}-pw}}, token: token}}}}")
    return "identities:\n" + "\n".join(lines) + "\n"


def form_csrf_identities(users=("alice", "bob", "carol", "dave", "erin")) -> str:
    """Django-style identities: HTML form login with the CSRF token from the page, session cookie."""
    lines = []
    for user in users:
        lines.append(f"  {user}: {{roles: {USERS[user]}, login: {{request: POST /login, "
                     f"form: {{username: {user}, password: {user}-pw}}, session_cookie: sessionid, "
                     "csrf: {field: csrfmiddlewaretoken, cookie: csrftoken, header: X-CSRFToken}}}")
    return "identities:\n" + "\n".join(lines) + "\n"


def notes_authz(*, explore: bool = False, sessions: bool = True, revocation: bool = True,
                sequences: bool = True, coverage: str = "fail", anonymous: str = "unauthenticated",
                session_cookie: str = "sid") -> str:
    """The authz section for the notes service (tests/authz/apps/*_notes.py)."""
    text = """
    authz:
      destructive: true
      expect: {anonymous: ANONYMOUS}
      objects:
        note:
          create: {request: POST /notes, json: {text: secret}, id: id}
          owners: [alice, bob]
          read: GET /notes/{id}
      rules:
        - {request: GET /dashboard, allow: [viewer]}
        - {request: "GET /reports/{id}/export.csv", params: {id: [public, quarterly]}, allow: [analyst]}
        - {request: GET /reports/salaries/export.csv, allow: [admin]}
        - {request: "GET /notes/{id}", owner: id, allow: [admin], deny_as: conceal, EXPLORE}
        - {request: GET /notes, list: note, ids: notes.*.id, allow: [admin]}
        - {request: "PUT /notes/{id}", owner: id, json: {text: overwritten}, effect: {field: text}}
        - {request: "DELETE /notes/{id}", owner: id}
        - {request: "POST /admin/users/{name}/role", params: {name: frank}, json: {role: viewer}, allow: [admin]}
      coverage: COVERAGE
    """.replace("EXPLORE", "explore: {max_examples: 20}" if explore else "explore: false").replace("COVERAGE", coverage)
    text = text.replace("ANONYMOUS", anonymous)
    if sequences:
        text += """
      sequences:
        - name: order-items
          owners: [alice, bob]
          steps:
            - {request: POST /orders, extract: {order: id}}
            - {request: "POST /orders/{order}/items", json: {sku: widget}}
          check: "GET /orders/{order}"
          field: items
        """
    if revocation:
        text += """
      revocation:
        - identity: erin
          request: GET /reports/public/export.csv
          revoke: {request: POST /admin/users/erin/role, as: dave, json: {role: viewer}}
          restore: {request: POST /admin/users/erin/role, as: dave, json: {role: analyst}}
          within: 1.5
          interval: 0.25
        """
    if sessions:
        text += """
      sessions:
        identities: [alice]
        cookie: SESSION_COOKIE
        logout: POST /logout
        """
    return textwrap.dedent(text).replace("SESSION_COOKIE", session_cookie)


def notes_baseline(target: str, authz: str, identities: str | None = None, openapi: bool = True) -> str:
    head = f"version: 1\ngates: {{fail_on: low}}\ntarget:\n  {target}\n" + ("  openapi: /openapi.json\n" if openapi else "")
    return head + (identities or json_identities()) + authz


def run_secure(pytester, *args: str, subprocess: bool = False, min_checks: int = 1):
    """Run ``pytest --secure`` in pytester's directory; returns (result, {check: (outcome, rule ids, error)}).

    Never vacuous: the run must have ended as a test run (exit 0 or 1, not a usage error or an
    empty collection), written its JSON report, run at least ``min_checks`` authz items, and its
    exit code must agree with the outcomes in the report. A caller comparing ``problems(...)``
    with ``{}`` therefore knows the authz checks ran and passed.
    """
    import json

    report = pytester.path / f"report{next(_counter)}.json"
    run = pytester.runpytest_subprocess if subprocess else pytester.runpytest
    result = run("--secure", "-p", "no:cacheprovider", f"--secure-json={report}", *args)
    out = result.stdout.str()[-3000:] + result.stderr.str()[-2000:]
    assert result.ret in (0, 1), f"pytest --secure ended with exit code {result.ret}:\n{out}"
    assert report.exists(), f"pytest --secure wrote no JSON report:\n{out}"
    records = json.loads(report.read_text())["checks"]
    checks = {}
    for record in records:
        if record["area"] == "authz":
            checks[record["check"]] = (record["outcome"], sorted({f["rule_id"] for f in record["findings"]}),
                                       record.get("error"))
    assert len(checks) >= min_checks, f"{len(checks)} authz items ran, expected at least {min_checks}:\n{out}"
    failing = any(r["outcome"] in ("failed", "error") for r in records)
    assert result.ret == (1 if failing else 0), f"exit code {result.ret} disagrees with the report:\n{out}"
    return result, checks


def problems(checks: dict) -> dict:
    """The checks that did not pass, with their rule ids (and the error text for errors)."""
    return {name: (outcome, rules) if outcome != "error" else (outcome, error)
            for name, (outcome, rules, error) in checks.items() if outcome != "passed" or rules}
