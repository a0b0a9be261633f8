"""Client-side roles (``authz.client_roles``): a role or privilege flag the client holds is tampered
with, and the response compared with the identity's declared access.

For each ``{request, identity}`` entry (a request the identity must be refused) the check logs
the identity in afresh (a session of its own: the tampering never touches the session the other
checks use), sends the request as it is and expects a refusal, then looks for role markers in
what the client holds:

* its cookies: a cookie whose name names a role or privilege (``role``, ``admin``, ``is_staff``,
  ``level``...) or whose value is a plain role word (``user``, ``viewer``, ``0``, ``false``);
  cookies whose value is unsigned base64 JSON carrying such claims (``{"role": "user"}``);
* unsigned JWTs (``alg: none`` or an empty signature) in its cookies or as its token: their
  role claims;
* with ``form: GET /page``, the hidden fields of the page's form (``<input type=hidden
  name=role value=user>``). When the form submits to the entry's request, the request is sent
  as that form's submission; otherwise the form is submitted (a write to the identity's own
  account, which naming the form allows) and the request sent after it, then the form is
  submitted again untampered to restore the account.

Each marker is raised (``admin``, ``1``, ``true``) one at a time and the request sent again; a 2xx
where the untampered request was refused is ``authz/client-side-role``. Signed tokens (JWTs
with a signature) are the ``jwt`` area's business.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.area import Check, split_request
from ..core.auth_flows import token_credentials
from ..core.errors import BaselineError, SetupError, TargetError
from ..core.findings import Finding
from ..core.forms import HtmlForm, parse_forms
from ..core.jwt_claims import split_token

if TYPE_CHECKING:
    from ..core.baseline.model import Baseline
    from ..core.identities import Identity
    from ..core.session import SecureSession
    from ..core.target import Response

RULE = "authz/client-side-role"
_ROLE_NAME = re.compile(r"role|admin|staff|superuser|privilege|priv\b|level|group|perm|access|is_?\w*manager|tier",
                        re.IGNORECASE)
_LOW = {"user": "admin", "users": "admins", "viewer": "admin", "guest": "admin", "member": "admin",
        "basic": "admin", "reader": "admin", "customer": "admin", "0": "1", "false": "true", "no": "yes",
        "n": "y", "off": "on", "f": "t"}
_ROLE_WORDS = {"user", "users", "viewer", "guest", "member", "basic", "reader", "customer"}  # a role by its value alone
MAX_MARKERS = 10
COOKIE, TOKEN, FIELD = "cookie", "token", "hidden field"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Tamper:
    place: str  # cookie, token or hidden field
    name: str  # the cookie's or field's name ("" for the token)
    value: str  # the raised value to send
    what: str  # e.g. "cookie role: user -> admin"

    @property
    def label(self) -> str:
        """Where the marker was, without its values: ``cookie role``, ``claim role of the token``."""
        return self.what.split(":", 1)[0]


def _raise(value: Any) -> Any:
    """The privileged counterpart of a role value, or None when it does not look like one."""
    if isinstance(value, bool):
        return None if value else True
    if isinstance(value, int):
        return 1 if value == 0 else None
    if isinstance(value, str):
        raised = _LOW.get(value.strip().lower())
        return raised.upper() if raised and value.isupper() else raised
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [*value, "admin"] if "admin" not in value else None
    return None


def _b64json(value: str) -> tuple[dict[str, Any], bool] | None:
    padded = value + "=" * (-len(value) % 4)
    for decode, urlsafe in ((base64.urlsafe_b64decode, True), (base64.b64decode, False)):
        try:
            data = json.loads(decode(padded))
        except (binascii.Error, ValueError):
            continue
        if isinstance(data, dict):
            return data, urlsafe
    return None


def _b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def _unsigned_jwt(value: str) -> tuple[str, dict[str, Any]] | None:
    """(header segment, claims) of an unsigned JWT (``alg: none`` or an empty signature), else None."""
    try:
        header, claims, signature = split_token(value)
    except ValueError:
        return None
    if signature and str(header.get("alg", "")).lower() != "none":
        return None
    return value.split(".", 1)[0], claims


def _claim_tampers(place: str, name: str, value: str) -> list[Tamper]:
    """The raised role claims of an unsigned JWT or a base64 JSON value."""
    where = "of the token" if place == TOKEN else f"of {place} {name}"
    jwt = _unsigned_jwt(value)
    decoded = None if jwt is not None or place == TOKEN or len(value) < 8 else _b64json(value)
    if jwt is None and decoded is None:
        return []
    claims = jwt[1] if jwt is not None else decoded[0] if decoded is not None else {}
    kind = "unsigned JWT claim" if jwt is not None else "claim"

    def encode(changed: dict[str, Any]) -> str:
        if jwt is not None:
            return f"{jwt[0]}.{_b64url(changed)}."  # alg none: no signature
        raw = json.dumps(changed, separators=(",", ":")).encode()
        encoded = (base64.urlsafe_b64encode(raw) if decoded and decoded[1] else base64.b64encode(raw)).decode()
        return encoded if "=" in value else encoded.rstrip("=")
    out = []
    for claim, claim_value in claims.items():
        raised = _raise(claim_value)
        if raised is not None and _ROLE_NAME.search(claim):
            out.append(Tamper(place, name, encode({**claims, claim: raised}),
                              f"{kind} {claim} {where}: {claim_value!r} -> {raised!r}"))
    return out


def _value_tamper(place: str, name: str, value: str) -> Tamper | None:
    raised = _raise(value)
    if raised is not None and (_ROLE_NAME.search(name) or value.strip().lower() in _ROLE_WORDS):
        return Tamper(place, name, str(raised), f"{place} {name}: {value} -> {raised}")
    return None


def markers(cookies: dict[str, str], token: str | None = None,
            hidden: dict[str, str] | None = None) -> list[Tamper]:
    """Every single-value tampering of the role markers in ``cookies``, an unsigned ``token``
    and a form's ``hidden`` fields."""
    out: list[Tamper] = []
    for place, values in ((COOKIE, cookies), (FIELD, hidden or {})):
        for name, value in values.items():
            plain = _value_tamper(place, name, value)
            out.extend([plain] if plain is not None else _claim_tampers(place, name, value))
    if token:
        out.extend(_claim_tampers(TOKEN, "", token))
    return out[:MAX_MARKERS]


def _allowed(response: Response) -> bool:
    return 200 <= response.status < 300


@dataclass(frozen=True)
class Entry:
    method: str
    path: str
    identity: str
    form_page: str | None  # the page whose form's hidden fields are tampered with
    destructive: bool  # authz.destructive: a form may be submitted to a request the entry does not name

    @property
    def location(self) -> str:
        return f"{self.method} {self.path}"


def collect(baseline: Baseline) -> list[Check]:
    section: dict[str, Any] = baseline.section("authz") or {}
    destructive = bool(section.get("destructive", False))
    checks = []
    for i, spec in enumerate(section.get("client_roles") or []):
        method, path = split_request(spec["request"])
        if method in WRITES and not destructive:
            raise BaselineError([f"{baseline.place('authz', 'client_roles', i, 'request')}: authz.client_roles[{i}]"
                                 f".request: {method} {path} changes state; set `authz.destructive: true` to let "
                                 "pytest-secure send it (only against a test deployment), or remove it"],
                                path=baseline.path)
        form_page = split_request(spec["form"])[1] if spec.get("form") else None
        entry = Entry(method, path, spec["identity"], form_page, destructive)
        checks.append(Check(area="authz", name=f"client-role:{entry.location}::{entry.identity}", rules=(RULE,),
                            run=_runner(entry), path=path))
    return checks


def _runner(entry: Entry) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        who = session.identity(entry.identity).fresh()  # tampered values must never reach the shared session
        try:
            return _check(who, entry)
        except TargetError as exc:
            raise SetupError(f"client-role check {entry.location} as {entry.identity} failed: {exc}") from None

    return run


def _check(who: Identity, entry: Entry) -> list[Finding]:
    who.ensure_logged_in()
    form = _form(who, entry) if entry.form_page else None
    submits = form is not None and form.method == entry.method and form.action.split("?")[0] == entry.path
    fields = form.fields if form is not None else {}
    send = _sender(who, entry, fields if submits else None)
    base = send(None)
    if _allowed(base):
        raise SetupError(f"{entry.identity} already reaches {entry.location} (HTTP {base.status}) without tampering; "
                         "list in authz.client_roles a request this identity must be refused")
    jar = dict(who.cookies)
    hidden = {name: fields[name] for name in form.hidden} if form is not None else {}
    findings = []
    for tamper in markers(jar, who.token, hidden):
        try:
            if tamper.place == FIELD and form is not None and not submits:
                response = _after_submission(who, entry, form, tamper, send)
            else:
                response = send(tamper)
        finally:
            who.cookies.clear()
            who.cookies.update(jar)  # one marker at a time, from the identity's own jar
        if _allowed(response):
            findings.append(Finding(
                RULE, f"{entry.identity} is refused {entry.location} (HTTP {base.status}) but reaches it "
                f"(HTTP {response.status}) after changing the {tamper.label}", entry.location,
                evidence=f"{tamper.label} raised; HTTP {base.status} -> HTTP {response.status}",
                request=response.request, key=f"{entry.identity}:{tamper.name or 'token'}"))
    return findings


def _form(who: Identity, entry: Entry) -> HtmlForm:
    assert entry.form_page is not None
    page = who.request("GET", entry.form_page, follow_redirects=False)
    forms = [f for f in parse_forms(page.text, entry.form_page) if f.hidden]
    if not forms:
        raise SetupError(f"{entry.form_page} (HTTP {page.status}) has no form with hidden fields for "
                         f"{entry.identity}; point authz.client_roles[].form at the page of the form to tamper with")
    same = [f for f in forms if f.action.split("?")[0] == entry.path and f.method == entry.method]
    return (same or forms)[0]


def _sender(who: Identity, entry: Entry, fields: dict[str, str] | None) -> Callable[[Tamper | None], Response]:
    """Sends the entry's request (as the form's submission when ``fields`` is given) with one tamper."""
    def send(tamper: Tamper | None) -> Response:
        kwargs: dict[str, Any] = {"follow_redirects": False}
        if fields is not None:
            kwargs["data"] = {**fields, **({tamper.name: tamper.value} if tamper and tamper.place == FIELD else {})}
        if tamper is not None and tamper.place == COOKIE:
            kwargs["cookies"] = {tamper.name: tamper.value}
        elif tamper is not None and tamper.place == TOKEN:
            placed = token_credentials(who.config.send_token, tamper.value)
            kwargs.update(headers=placed.headers, cookies=placed.cookies, params=placed.params)
        return who.request(entry.method, entry.path, **kwargs)

    return send


def _after_submission(who: Identity, entry: Entry, form: HtmlForm, tamper: Tamper,
                      send: Callable[[Tamper | None], Response]) -> Response:
    """Submit the form with ``tamper`` raised, send the request, then restore with the form as served."""
    if form.method in WRITES and not entry.destructive:
        raise SetupError(f"the form on {entry.form_page} submits {form.method} {form.action}, which changes state; "
                         "set `authz.destructive: true` to let pytest-secure submit it (only against a test "
                         "deployment), or point authz.client_roles[].form at a form that submits the entry's request")
    who.request(form.method, form.action, data={**form.fields, tamper.name: tamper.value}, follow_redirects=False)
    try:
        return send(None)
    finally:
        who.request(form.method, form.action, data=dict(form.fields), follow_redirects=False)
        if _allowed(send(None)):
            raise SetupError(f"submitting {form.method} {form.action} as served did not undo the {tamper.label} "
                             f"for {entry.identity}: restore the account by hand")
