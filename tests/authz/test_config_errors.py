"""Mistakes in the authz section are usage errors with file:line:col, the key path and the fix."""

import pytest

from tests.authz.helpers import json_identities

HEAD = "version: 1\ntarget: {app: APP}\n" + json_identities(("alice", "dave"))


@pytest.mark.parametrize(("authz", "expected"), [
    ("authz:\n  rules:\n    - {request: GET /a, allow: [alcie]}\n",
     ":8:33: authz.rules[0].allow[0]: unknown identity or role 'alcie' (did you mean 'alice'?)"),
    ("authz:\n  rules:\n    - {request: \"GET /notes/{id}\", allow: [alice]}\n",
     "authz.rules[0].request: {id} has no value; add `params: {id: ...}`"),
    ("authz:\n  rules:\n    - {request: DELETE /a, allow: [dave]}\n",
     "authz.rules[0].request: DELETE /a changes state; set `authz.destructive: true`"),
    ("authz:\n  rules:\n    - {request: \"GET /notes/{id}\", owner: nid}\n",
     "authz.rules[0].owner: GET /notes/{id} has no {nid} placeholder"),
    ("authz:\n  objects:\n    note: {ids: {alice: [1], dave: [2]}}\n  rules:\n"
     "    - {request: \"GET /n/{id}\", owner: id, object: nope}\n",
     "authz.rules[0].owner: unknown object kind 'nope'; declared: note"),
    ("authz:\n  destructive: true\n  objects:\n    note: {ids: {alice: [1], dave: [2]}}\n  rules:\n"
     "    - {request: \"PUT /n/{id}\", owner: id}\n",
     "object writes need fresh objects: give objects.note.create"),
    ("authz:\n  identities: [alice, dave]\n  revocation:\n    - {identity: dave, request: GET /a, "
     "revoke: {request: GET /r, as: alice}}\n",
     "authz.identities[1]: 'dave' is revoked by a revocation check"),
    ("authz:\n  rules:\n    - {request: GET /a, expect: {alice: maybe}}\n",
     "authz.rules[0].expect.alice: expected one of allow, deny, conceal, unauthenticated, got 'maybe'"),
    ("authz:\n  rules:\n    - {request: GET /a}\n    - {request: GET /a}\n",
     "authz.rules[1].request: GET /a already has a rule (rules[0])"),
    ("authz:\n  rules:\n    - {request: GET /a, alow: [alice]}\n",
     "authz.rules[0].alow: unknown key 'alow' (did you mean 'allow'?)"),
])
def test_meaningful_error(pytester, app_module, authz, expected):
    app = app_module("def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'']\n")
    pytester.makefile(".yaml", **{"security-baseline": HEAD.replace("APP", app) + authz})
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert expected in err, err
    assert "security-baseline.yaml:" in err and "Traceback" not in err
