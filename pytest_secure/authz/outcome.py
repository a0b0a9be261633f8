"""Reading a response as 'allowed', 'denied' or 'unclear', and judging it against a cell's
expectation (allow / deny / conceal / unauthenticated).

The oracle is the status plus optional body matchers (AuthMatrix's success regex,
Autorize's enforcement detectors): a ``deny_body`` match is a denial whatever the status,
and with an ``allow_body`` a 2xx that does not match is a denial too.
"""

from __future__ import annotations

import fnmatch
import urllib.parse
from dataclasses import dataclass
from typing import Any

from ..core.findings import Finding
from ..core.redaction import neutralise
from .config import ALLOW, CONCEAL, DENY, UNAUTHENTICATED, Matchers

ALLOWED, DENIED, UNCLEAR = "allowed", "denied", "unclear"
OK, LEAK, BLOCKED, WRONG_DENIAL, UNCLEAR_DENIAL = "ok", "leak", "blocked", "wrong-denial", "unclear-denial"
SNIPPET = 160


def classify(response: Any, matchers: Matchers) -> str:
    """``allowed``, ``denied`` or ``unclear`` (e.g. a 400 or a 500 where a denial was due)."""
    status = status_of(response)
    if status in matchers.deny_statuses:
        return DENIED
    if matchers.deny_body is not None and matchers.deny_body.search(text_of(response)):
        return DENIED
    if 300 <= status < 400 and matchers.deny_redirect:
        location = header_of(response, "location") or ""
        if fnmatch.fnmatchcase(urllib.parse.urlsplit(location).path or location, matchers.deny_redirect):
            return DENIED
    if status < 400:
        if matchers.allow_body is not None and not matchers.allow_body.search(text_of(response)):
            return DENIED
        return ALLOWED
    return UNCLEAR


@dataclass(frozen=True)
class Judgement:
    verdict: str  # ok, leak, blocked, wrong-denial, unclear-denial
    actual: str  # allowed / denied / unclear
    status: int


def judge(expectation: str, response: Any, matchers: Matchers) -> Judgement:
    """Compare what happened with what the cell expects."""
    actual = classify(response, matchers)
    status = status_of(response)
    if expectation == ALLOW:
        return Judgement(OK if actual == ALLOWED else BLOCKED, actual, status)
    if actual == ALLOWED:
        return Judgement(LEAK, actual, status)
    if actual == UNCLEAR:
        return Judgement(UNCLEAR_DENIAL, actual, status)
    if expectation == CONCEAL and status != 404:
        return Judgement(WRONG_DENIAL, actual, status)
    if expectation == UNAUTHENTICATED and status != 401:
        return Judgement(WRONG_DENIAL, actual, status)
    return Judgement(OK, actual, status)


def leak_rule(method: str, identity: str) -> str:
    """The rule a wrongly allowed request breaks: who got in, and whether it acted."""
    if identity == "anonymous":
        return "authz/unauthenticated-access"
    writes = ("POST", "PUT", "PATCH", "DELETE")
    return "authz/forbidden-action" if method.upper() in writes else "authz/forbidden-access"


def finding_for(judgement: Judgement, expectation: str, identity: str, response: Any, label: str) -> Finding | None:
    """The finding a deny cell's judgement amounts to (None when it is fine)."""
    if judgement.verdict == OK:
        return None
    method = label.split(" ", 1)[0]
    where = f"{method} {path_of(response)}"
    evidence = f"{identity} got HTTP {judgement.status}: {snippet(response)}"
    request = getattr(response, "request", None)
    request = request if hasattr(request, "curl") else None
    if judgement.verdict == LEAK:
        return Finding(leak_rule(method, identity),
                       f"{identity} was allowed {where}, which the baseline denies to {identity}",
                       where, evidence=evidence, request=request, key=identity)
    if judgement.verdict == WRONG_DENIAL:
        wanted = "404 (conceal: the resource's existence must not show)" if expectation == CONCEAL else "401"
        return Finding("authz/denial-status",
                       f"{identity} was refused {where} with {judgement.status}, expected {wanted}", where,
                       evidence=evidence, request=request, key=identity)
    if judgement.verdict == UNCLEAR_DENIAL:
        return Finding("authz/unclear-denial",
                       f"{identity} was neither allowed nor clearly denied {where}: HTTP {judgement.status} is not "
                       f"one of authz.deny", where, evidence=evidence, request=request, key=identity)
    return None


def describe_expectation(expectation: str) -> str:
    return {ALLOW: "allowed", DENY: "denied", CONCEAL: "concealed (404)",
            UNAUTHENTICATED: "refused with 401"}[expectation]


# -- response adapters: pytest-secure's Response, requests, httpx, Werkzeug/Flask, Django -----------
def status_of(response: Any) -> int:
    for attr in ("status", "status_code"):
        value = getattr(response, attr, None)
        if isinstance(value, int):
            return value
    raise TypeError(f"cannot read a status from {type(response).__name__}; return the response object")


def text_of(response: Any) -> str:
    text = getattr(response, "text", None)
    if isinstance(text, str):
        return text
    for attr in ("content", "data", "body"):
        value = getattr(response, attr, None)
        if isinstance(value, bytes):
            return value.decode("utf-8", "replace")
    get_data = getattr(response, "get_data", None)
    if callable(get_data):
        return get_data(as_text=True)
    return ""


def header_of(response: Any, name: str) -> str | None:
    header = getattr(response, "header", None)
    if callable(header):
        return header(name)
    headers = getattr(response, "headers", None)
    if headers is not None and hasattr(headers, "get"):
        return headers.get(name)
    return None


def path_of(response: Any) -> str:
    url = getattr(response, "url", None)
    if url is None:
        req = getattr(response, "request", None)
        url = getattr(req, "url", None) or getattr(req, "path", None)
    if url is None:
        return "?"
    parts = urllib.parse.urlsplit(str(url))
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def snippet(response: Any) -> str:
    body = " ".join(text_of(response).split())
    if not body:
        return "(empty body)"
    return neutralise(body[:SNIPPET] + ("..." if len(body) > SNIPPET else ""))
