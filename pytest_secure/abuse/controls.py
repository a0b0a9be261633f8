"""The ``abuse:`` area: controls against automated abuse, probed with bounded traffic.

* ``rate_limits``: limit + 1 requests inside the window must meet a refusal (429 by default).
* ``lockout``: after N failed logins the account is locked (the correct password is refused,
  or a 423/429 answer comes), and the locked answer says when to retry (backoff).
* ``enumeration``: a known user with a wrong password and an unknown user get the same status
  and the same body.
* ``uploads``: a valid image is accepted; a disallowed type, one byte over the size limit, one
  pixel over the dimension limit and one upload over the rate are refused.
* ``mass_assignment``: privileged fields slipped into a create/update body take no effect,
  judged by reading the record back (as another identity, or as the account just registered),
  never by the status code (:mod:`.mass_assignment`).

Each probe sends at most a few hundred requests and stops early once it has its answer;
preconditions that fail (an endpoint that is not there, a valid upload refused) are setup
errors, never passes.
"""

from __future__ import annotations

import functools
import re
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core.area import Check, SectionArea
from ..core.errors import SetupError
from ..core.findings import Finding
from ..core.rules import Rule, rules_from

if TYPE_CHECKING:
    from ..core.baseline.model import Baseline
    from ..core.session import SecureSession
    from ..core.target import Response

AREA = "abuse"
MAX_PROBE_REQUESTS = 1000  # a rate limit above this cannot be probed within the tool's bounds
MAX_UPLOAD_BYTES = 128 * 1024 * 1024

_RULES = (
    ("abuse/no-rate-limit", "No rate limit", "medium", 770,
     "Limit requests per client (and per account for logins) and answer 429 with Retry-After beyond the limit."),
    ("abuse/no-lockout", "No lockout after repeated failed logins", "high", 307,
     "Lock the account (or require a CAPTCHA/second factor) after a few failed logins, with growing delays."),
    ("abuse/lockout-no-backoff", "Locked login does not say when to retry", "low", 307,
     "Answer locked logins with 429/423 and a Retry-After header that grows with repeated failures."),
    ("abuse/user-enumeration", "Login reveals whether an account exists", "medium", 204,
     "Answer unknown users and wrong passwords with the same status, body (and timing)."),
    ("abuse/upload-type", "Upload accepts a disallowed or disguised file type", "high", 434,
     "Check the file's content (magic bytes, decode it), not its name or declared type; allow-list the types."),
    ("abuse/upload-size", "Upload size not limited", "medium", 400,
     "Refuse files over the size limit (413) before reading them whole; cap request bodies in the server too."),
    ("abuse/upload-dimensions", "Image dimensions not limited", "medium", 400,
     "Read the image header and refuse images over the pixel limit before decoding them (decompression bombs)."),
    ("abuse/upload-rate", "Upload rate not limited", "medium", 770,
     "Limit uploads per client and answer 429 beyond the limit."),
    ("abuse/mass-assignment", "Privileged field set through mass assignment", "high", 915,
     "Bind request bodies to an allow-list of writable fields (a schema per operation); never to the model."),
)
RULES: tuple[Rule, ...] = rules_from(_RULES, lambda title: f"Abuse-control probe: {title[0].lower()}{title[1:]}.")

_UNITS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}
_SIZES = {"B": 1, "KB": 1000, "MB": 1000**2, "KiB": 1024, "MiB": 1024**2}


def parse_rate(text: str) -> tuple[int, float]:
    """``"10/minute"`` -> (10, 60.0); ``"20/30s"`` -> (20, 30.0)."""
    count, _, per = text.replace(" ", "").partition("/")
    window = _UNITS.get(per) or float(per.rstrip("s"))
    return int(count), window


def parse_size(value: int | str) -> int:
    """``5MB`` -> 5000000, ``5MiB`` -> 5242880, ``1024`` -> 1024."""
    if isinstance(value, int):
        return value
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(B|KB|MB|KiB|MiB)", value.strip())
    if not match:
        raise ValueError(f"not a size: {value!r}")
    return int(float(match.group(1)) * _SIZES[match.group(2)])


def parse_after(value: int | str) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    low, _, high = value.replace(" ", "").partition("..")
    return int(low), int(high)


def _split(request: str) -> tuple[str, str]:
    method, _, path = request.partition(" ")
    return method.upper(), path


def _statuses(statuses: list[int]) -> str:
    return ", ".join(f"{status}×{n}" for status, n in Counter(statuses).items())


def _body_kwargs(spec: dict[str, Any]) -> dict[str, Any]:
    if spec.get("json") is not None:
        return {"json": spec["json"]}
    if spec.get("form") is not None:
        return {"data": spec["form"]}
    return {}


# -- collection -----------------------------------------------------------------------------------


def collect(baseline: Baseline) -> list[Check]:
    section = baseline.section(AREA) or {}
    checks: list[Check] = []
    names: Counter[str] = Counter()

    def add(kind: str, rules: tuple[str, ...], spec: dict[str, Any], probe: Callable[..., list[Finding]]) -> None:
        name = f"{kind}::{spec['request']}"
        if spec.get("identity", "anonymous") != "anonymous":
            name += f"::{spec['identity']}"
        names[name] += 1
        if names[name] > 1:
            name += f"#{names[name]}"
        path = _split(spec["request"])[1]
        checks.append(Check(AREA, name, rules, functools.partial(probe, spec=spec), path=path))

    # Least disruptive first: lockout and rate-limit probes leave the target limited for a while.
    for spec in section.get("enumeration") or []:
        add("enumeration", ("abuse/user-enumeration",), spec, probe_enumeration)
    if section.get("mass_assignment"):
        from .mass_assignment import check_section

        check_section(baseline)  # meaning errors with file:line:col: a usage error (exit 4)
    for index, spec in enumerate(section.get("mass_assignment") or []):
        add("mass-assignment", ("abuse/mass-assignment",), spec,
            functools.partial(probe_mass_assignment, index=index))
    for spec in section.get("uploads") or []:
        add("upload", ("abuse/upload-type", "abuse/upload-size", "abuse/upload-dimensions", "abuse/upload-rate"), spec,
            probe_uploads)
    for spec in section.get("lockout") or []:
        add("lockout", ("abuse/no-lockout", "abuse/lockout-no-backoff"), spec, probe_lockout)
    for spec in section.get("rate_limits") or []:
        add("rate-limit", ("abuse/no-rate-limit",), spec, probe_rate_limit)
    return checks


# -- rate limits ----------------------------------------------------------------------------------


def probe_rate_limit(session: SecureSession, spec: dict[str, Any]) -> list[Finding]:
    method, path = _split(spec["request"])
    count, window = parse_rate(spec["limit"])
    if count + 1 > MAX_PROBE_REQUESTS:
        raise SetupError(f"rate limit {spec['limit']} needs {count + 1} requests to probe; "
                         f"at most {MAX_PROBE_REQUESTS} are sent")
    expect = set(spec.get("expect") or [429])
    identity = session.identity(spec.get("identity", "anonymous"))
    started = time.monotonic()
    statuses: list[int] = []
    response = None
    for number in range(1, count + 2):
        if time.monotonic() - started > window:
            raise SetupError(f"could not send {count + 1} requests within the {window:g}s window "
                             f"({number - 1} sent); the target is too slow to probe {spec['limit']}")
        response = identity.request(method, path, follow_redirects=False, **_body_kwargs(spec))
        statuses.append(response.status)
        if response.status in expect:
            if number == 1:
                raise SetupError(f"{method} {path} was already limited ({response.status}) before the probe; "
                                 "run the probe in a fresh window")
            return []
        if number == 1 and (response.status >= 500 or response.status == 405
                            or (response.status == 404 and _missing(identity, method, response))):
            raise SetupError(f"{method} {path} answered {response.status}; check abuse.rate_limits.request")
    elapsed = time.monotonic() - started
    assert response is not None
    return [Finding("abuse/no-rate-limit",
                    f"{count + 1} requests within {elapsed:.1f}s were all answered without "
                    f"{'/'.join(map(str, sorted(expect)))}: the limit of {spec['limit']} is not enforced",
                    f"{method} {path}", evidence=f"statuses: {_statuses(statuses)}", request=response.request,
                    key="rate-limit")]


def _missing(identity: Any, method: str, response: Response) -> bool:
    """Whether a 404 means "no such endpoint": it looks like the 404 of a path that surely
    does not exist (an API may answer 404 for "no such user" on a real endpoint)."""
    nowhere = identity.request(method, "/psec-no-such-endpoint-7f3a9c", follow_redirects=False)
    return nowhere.status == 404 and nowhere.text.strip() == response.text.strip()


# -- lockout --------------------------------------------------------------------------------------


def probe_lockout(session: SecureSession, spec: dict[str, Any]) -> list[Finding]:
    method, path = _split(spec["request"])
    _least, most = parse_after(spec["after"])
    expect = set(spec.get("expect") or [423, 429])
    target = session.target  # no identity: every attempt starts without cookies

    def send(body: dict[str, Any]) -> Response:
        return target.request(method, path, follow_redirects=False, **_body_kwargs(body))

    valid = spec.get("valid")
    ok_status = None
    if valid:
        ok_status = send(valid).status
    statuses: list[int] = []
    locked: Response | None = None
    failure_status = None
    for _ in range(most):
        response = send(spec)
        statuses.append(response.status)
        if failure_status is None:
            failure_status = response.status
            if ok_status is not None and failure_status == ok_status:
                raise SetupError(f"a correct and a failing login both answer {ok_status}: cannot tell them apart; "
                                 "check abuse.lockout json/form (wrong password) and valid (correct one)")
            if 200 <= failure_status < 300 and ok_status is None:
                raise SetupError(f"the failing login was accepted ({failure_status}); abuse.lockout.json/form "
                                 "must carry a wrong password")
        if response.status in expect and response.status != failure_status:
            locked = response
            break
    findings: list[Finding] = []
    where = f"{method} {path}"
    if valid:
        after = send(valid)
        if after.status == ok_status:
            findings.append(Finding("abuse/no-lockout", f"after {len(statuses)} failed logins the correct password "
                                    f"still logs in ({after.status})", where,
                                    evidence=f"failed attempts: {_statuses(statuses)}; then correct login: "
                                    f"{after.status}", request=after.request, key="lockout"))
        else:
            locked = locked or after
    elif locked is None:
        findings.append(Finding("abuse/no-lockout", f"{len(statuses)} failed logins in a row were all answered "
                                f"without a lockout ({'/'.join(map(str, sorted(expect)))})", where,
                                evidence=f"statuses: {_statuses(statuses)}", key="lockout"))
    if locked is not None and spec.get("backoff", True) and not _retry_after(locked):
        findings.append(Finding("abuse/lockout-no-backoff", f"the locked login answer ({locked.status}) has no "
                                "Retry-After: clients are not told to back off", where,
                                evidence=f"status {locked.status}, no Retry-After header", request=locked.request,
                                key="backoff"))
    return findings


def _retry_after(response: Response) -> bool:
    value = (response.header("retry-after") or "").strip()
    if value.isdigit():
        return int(value) > 0
    return bool(value)  # an HTTP date


# -- user enumeration -----------------------------------------------------------------------------

_VOLATILE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-fA-F]{16,}\b|\d{4,}")


def probe_enumeration(session: SecureSession, spec: dict[str, Any]) -> list[Finding]:
    method, path = _split(spec["request"])
    target = session.target

    def send(body: dict[str, Any]) -> Response:
        return target.request(method, path, follow_redirects=False, **_body_kwargs(body))

    known = [send(spec["known"]) for _ in range(2)]
    unknown = [send(spec["unknown"]) for _ in range(2)]
    if 200 <= known[0].status < 300 and not _looks_failed(known[0]):
        raise SetupError(f"the 'known' login was accepted ({known[0].status}); abuse.enumeration.known must carry "
                         "an existing user with a wrong password")
    values = [v for part in (spec["known"], spec["unknown"]) for v in _strings(part) if len(v) >= 3]

    def normal(response: Response) -> str:
        text = response.text
        for value in sorted(values, key=len, reverse=True):
            text = text.replace(value, "<value>")
        return _VOLATILE.sub("<n>", text).strip()

    stable = normal(known[0]) == normal(known[1]) and normal(unknown[0]) == normal(unknown[1])
    differences = []
    if known[0].status != unknown[0].status:
        differences.append(f"status {known[0].status} for a known user, {unknown[0].status} for an unknown one")
    if stable and normal(known[0]) != normal(unknown[0]):
        differences.append("different bodies")
    if not differences:
        return []
    evidence = (f"known user: {known[0].status} {known[0].text[:120]!r}; "
                f"unknown user: {unknown[0].status} {unknown[0].text[:120]!r}")
    return [Finding("abuse/user-enumeration", f"the answer tells whether the account exists: {'; '.join(differences)}",
                    f"{method} {path}", evidence=evidence, request=unknown[0].request, key="enumeration")]


def _looks_failed(response: Response) -> bool:
    return bool(re.search(r"invalid|wrong|incorrect|fail|denied|unknown", response.text, re.I))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# -- uploads --------------------------------------------------------------------------------------


class _Uploader:
    """Sends multipart uploads as one identity and counts them (for the rate probe)."""

    def __init__(self, session: SecureSession, spec: dict[str, Any]) -> None:
        self.method, self.path = _split(spec["request"])
        self.identity = session.identity(spec.get("identity", "anonymous"))
        self.field = spec["field"]
        self.form = dict(spec.get("form") or {})
        self.sent = 0
        self.started = time.monotonic()

    def send(self, filename: str, data: bytes, content_type: str) -> Response:
        from urllib3 import encode_multipart_formdata

        body, ctype = encode_multipart_formdata({**self.form, self.field: (filename, data, content_type)})
        self.sent += 1
        return self.identity.request(self.method, self.path, content=body, headers={"Content-Type": ctype},
                                     follow_redirects=False)


def probe_uploads(session: SecureSession, spec: dict[str, Any]) -> list[Finding]:
    from . import upload_files as files

    up = _Uploader(session, spec)
    where = f"{up.method} {up.path}"
    types = list(spec.get("types") or ["image/jpeg", "image/png"])
    rate = parse_rate(spec["rate"]) if spec.get("rate") else None
    findings: list[Finding] = []

    def probe(filename: str, data: bytes, ctype: str) -> Response:
        response = up.send(filename, data, ctype)
        if response.status == 429:
            hint = (f" (the upload rate {spec['rate']} is below the {up.sent} uploads the probes need)"
                    if rate else "")
            raise SetupError(f"{where} answered 429 before the upload probes finished{hint}; "
                             "probe uploads with a fresh window")
        return response

    def accepted(response: Response) -> bool:
        return 200 <= response.status < 300

    def image(width: int, height: int, size: int | None = None) -> tuple[str, bytes, str]:
        if "image/png" in types:
            data = files.png_of_size(size, width, height) if size else files.png(width, height)
            return "probe.png", data, "image/png"
        data = files.jpeg(width, height)
        if size:
            data = data[:-2] + b"\x00" * max(0, size - len(data)) + b"\xff\xd9"  # padding before EOI
        return "probe.jpg", data, "image/jpeg"

    valid = {"image/png": ("probe.png", files.png(), "image/png"),
             "image/jpeg": ("probe.jpg", files.jpeg(), "image/jpeg")}
    for ctype in types:
        response = probe(*valid[ctype])
        if not accepted(response):
            raise SetupError(f"{where} refused a valid 1x1 {ctype} ({response.status}); check abuse.uploads field, "
                             "form and identity")

    disguised = [
        ("probe.png", files.html_disguised_as_png(), "image/png", "HTML named probe.png with type image/png"),
        ("probe.gif", files.gif(), "image/gif", "a GIF image (image/gif is not an allowed type)"),
        ("probe.svg", files.svg_with_script(), "image/svg+xml", "an SVG image carrying a script"),
    ]
    for filename, data, ctype, what in disguised:
        response = probe(filename, data, ctype)
        if accepted(response):
            findings.append(Finding("abuse/upload-type", f"{what} was accepted ({response.status})", where,
                                    evidence=f"{filename} ({ctype}, {len(data)} bytes) -> {response.status}",
                                    request=response.request, key=f"type:{filename}"))

    if spec.get("max_bytes") is not None:
        limit = parse_size(spec["max_bytes"])
        if limit + 1 > MAX_UPLOAD_BYTES:
            raise SetupError(f"max_bytes {spec['max_bytes']} is above what the probe sends ({MAX_UPLOAD_BYTES} bytes)")
        filename, data, ctype = image(1, 1, size=limit + 1)
        response = probe(filename, data, ctype)
        if accepted(response):
            findings.append(Finding("abuse/upload-size", f"a file of {limit + 1} bytes (one over the "
                                    f"{spec['max_bytes']} limit) was accepted ({response.status})", where,
                                    evidence=f"{filename}, {len(data)} bytes -> {response.status}",
                                    request=_without_body(response), key="size"))

    if spec.get("max_dimensions"):
        width, height = (int(n) for n in spec["max_dimensions"].split("x"))
        for w, h in ((width + 1, 1), (1, height + 1)):
            filename, data, ctype = image(w, h)
            response = probe(filename, data, ctype)
            if accepted(response):
                findings.append(Finding("abuse/upload-dimensions", f"a {w}x{h} image (over the "
                                        f"{spec['max_dimensions']} limit) was accepted ({response.status})", where,
                                        evidence=f"{filename} {w}x{h} -> {response.status}",
                                        request=_without_body(response), key=f"dimensions:{w}x{h}"))
                break

    if rate is not None:
        findings += _upload_rate(up, rate, spec["rate"], valid[types[0]], where)
    return findings


def _upload_rate(up: _Uploader, rate: tuple[int, float], text: str, sample: tuple[str, bytes, str],
                 where: str) -> list[Finding]:
    count, window = rate
    if count + 1 > MAX_PROBE_REQUESTS:
        raise SetupError(f"upload rate {text} needs {count + 1} uploads to probe; "
                         f"at most {MAX_PROBE_REQUESTS} are sent")
    statuses: list[int] = []
    response = None
    while up.sent < count + 1:
        if time.monotonic() - up.started > window:
            raise SetupError(f"could not send {count + 1} uploads within the {window:g}s window of {text}")
        response = up.send(*sample)
        statuses.append(response.status)
        if response.status == 429:
            return []
    if response is None:  # the other probes alone went past the limit without a 429
        return [Finding("abuse/upload-rate", f"{up.sent} uploads within the window were not limited ({text})",
                        where, key="rate")]
    return [Finding("abuse/upload-rate", f"{up.sent} uploads within {time.monotonic() - up.started:.1f}s were all "
                    f"answered without 429: the limit of {text} is not enforced", where,
                    evidence=f"last statuses: {_statuses(statuses)}", request=_without_body(response), key="rate")]


def _without_body(response: Response) -> Any:
    """The request without its multi-megabyte body (kept out of reports and curl lines)."""
    from ..core.findings import Request

    req = response.request
    return Request(req.method, req.url, dict(req.headers), "<file omitted>")


# -- mass assignment: abuse/mass_assignment.py -----------------------------------------------------


def probe_mass_assignment(session: SecureSession, spec: dict[str, Any], index: int = 0) -> list[Finding]:
    from .mass_assignment import probe

    return probe(session, spec, index)


area = SectionArea(AREA, RULES, collect)
