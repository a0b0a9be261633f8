"""Client-side roles (``authz.client_roles``): a role or privilege flag the client holds is tampered
with, and the response compared with the identity's declared access.

For each ``{request, identity}`` entry (a request the identity must be refused) the check logs
the identity in afresh (a session of its own: the tampering never touches the session the other
checks use), sends the request as it is and expects a refusal, then looks in the identity's
cookies for role markers: a cookie whose name names a role or privilege (``role``, ``admin``,
``is_staff``, ``level``...) or whose value is a plain role word (``user``, ``viewer``, ``0``,
``false``), and cookies whose value is unsigned base64 JSON carrying such claims
(``{"role": "user"}``). Each marker is raised (``admin``, ``1``, ``true``) one at a time and the
request sent again; a 2xx where the untampered request was refused is ``authz/client-side-role``.
Signed tokens (JWTs) are the ``jwt`` area's business.
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
from ..core.errors import SetupError, TargetError
from ..core.findings import Finding

if TYPE_CHECKING:
    from ..core.baseline.model import Baseline
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


@dataclass(frozen=True)
class Tamper:
    cookie: str
    value: str
    what: str  # e.g. "cookie role: user -> admin"


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


def markers(cookies: dict[str, str]) -> list[Tamper]:
    """Every single-value tampering of the role markers in ``cookies``."""
    out: list[Tamper] = []
    for name, value in cookies.items():
        raised = _raise(value)
        if raised is not None and (_ROLE_NAME.search(name) or value.strip().lower() in _ROLE_WORDS):
            out.append(Tamper(name, str(raised), f"cookie {name}: {value} -> {raised}"))
            continue
        decoded = _b64json(value) if len(value) >= 8 else None
        if decoded is None:
            continue
        claims, urlsafe = decoded
        for claim, claim_value in claims.items():
            raised = _raise(claim_value)
            if raised is not None and _ROLE_NAME.search(claim):
                raw = json.dumps({**claims, claim: raised}, separators=(",", ":")).encode()
                encoded = (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode()
                if "=" not in value:
                    encoded = encoded.rstrip("=")
                out.append(Tamper(name, encoded, f"claim {claim} of cookie {name}: {claim_value!r} -> {raised!r}"))
    return out[:MAX_MARKERS]


def _allowed(response: Response) -> bool:
    return 200 <= response.status < 300


def collect(baseline: Baseline) -> list[Check]:
    section: dict[str, Any] = baseline.section("authz") or {}
    checks = []
    for entry in section.get("client_roles") or []:
        method, path = split_request(entry["request"])
        identity = entry["identity"]
        checks.append(Check(area="authz", name=f"client-role:{method} {path}::{identity}", rules=(RULE,),
                            run=_runner(method, path, identity), path=path))
    return checks


def _runner(method: str, path: str, identity: str) -> Callable[[SecureSession], list[Finding]]:
    def run(session: SecureSession) -> list[Finding]:
        who = session.identity(identity).fresh()  # tampered cookies must never reach the shared session
        location = f"{method} {path}"
        try:
            who.ensure_logged_in()
            base = who.request(method, path, follow_redirects=False)
        except TargetError as exc:
            raise SetupError(f"client-role check {location} as {identity} failed: {exc}") from None
        if _allowed(base):
            raise SetupError(f"{identity} already reaches {location} (HTTP {base.status}) without tampering; "
                             "list in authz.client_roles a request this identity must be refused")
        jar = dict(who.cookies)
        findings = []
        for tamper in markers(jar):
            try:
                response = who.request(method, path, cookies={tamper.cookie: tamper.value}, follow_redirects=False)
            except TargetError as exc:
                raise SetupError(f"client-role check {location} as {identity} failed: {exc}") from None
            finally:
                who.cookies.clear()
                who.cookies.update(jar)  # one marker at a time, from the identity's own jar
            if _allowed(response):
                findings.append(Finding(RULE, f"{identity} is refused {location} (HTTP {base.status}) but reaches it "
                                        f"(HTTP {response.status}) after changing {tamper.what.split(':')[0]}",
                                        location, evidence=f"{tamper.what.split(':')[0]} raised; HTTP {base.status} "
                                        f"-> HTTP {response.status}", request=response.request,
                                        key=f"{identity}:{tamper.cookie}"))
        return findings

    return run
