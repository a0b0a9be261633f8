"""The ``jwt:`` area: forged tokens for token identities must be refused.

For each identity whose credential is a JWT, each attack sends forged tokens (and only them:
no other credential) to the baseline's probe request, where the identity sends its own token
(``send_token``: a header with its scheme, a query parameter or a cookie); a 2xx answer means
the forgery worked:

* ``alg-none``: the token re-issued with ``alg: none`` (and its case variants), no signature;
* ``signature``: the signature stripped, replaced, or kept over changed claims;
* ``expiry``: validly signed copies that expired an hour ago / become valid in an hour
  (needs ``signing_key``: changed claims need a real signature);
* ``weak-key``: the token's HMAC key found offline (no request) in the built-in list of common
  secrets (~104,000: framework defaults plus wallarm/jwt-secrets, MIT, in ``data/``) and in the
  team's own ``jwt.wordlist``; or HS256 tokens signed with the short list of defaults accepted
  (algorithm confusion, one request per candidate);
* ``kid-injection``: ``kid`` pointing at ``/dev/null`` or at an SQL expression, signed with
  the key that lookup would yield;
* ``key-injection``: a key of our own embedded in the header (``jwk``) or served from a
  ``jku`` URL on a short-lived loopback server.

Preconditions are checked first: the real token must be accepted and no token refused,
otherwise the item is a setup error (a probe that accepts anything proves nothing).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import gzip
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.area import Check, SectionArea
from ..core.auth_flows import token_credentials
from ..core.baseline.model import TokenPlacement
from ..core.errors import BaselineError, SetupError
from ..core.findings import Finding
from ..core.jwt_claims import b64url_decode, split_token
from ..core.rules import Rule, rules_from

if TYPE_CHECKING:
    from ..core.baseline.model import Baseline
    from ..core.session import SecureSession
    from ..core.target import Response

AREA = "jwt"

_RULES = (
    ("jwt/alg-none-accepted", "Unsigned JWT (alg none) accepted", "critical", 347,
     "Verify with an explicit allow-list of algorithms (e.g. jwt.decode(..., algorithms=['RS256'])); never 'none'."),
    ("jwt/signature-not-verified", "JWT signature not verified", "critical", 347,
     "Verify the signature of every JWT before reading its claims."),
    ("jwt/expired-accepted", "Expired JWT accepted", "high", 613,
     "Check exp (with little leeway) on every request; keep the lifetime of tokens short."),
    ("jwt/not-yet-valid-accepted", "JWT accepted before its nbf time", "medium", 613,
     "Check nbf and iat, not only the signature."),
    ("jwt/weak-hmac-key", "JWT signed with a guessable HMAC key", "critical", 1391,
     "Sign with a random key of at least 256 bits from a secret store, or switch to an asymmetric algorithm."),
    ("jwt/kid-injection", "JWT key chosen through an injected kid header", "critical", 347,
     "Map kid through a fixed table of known keys; never use it as a path, query or command."),
    ("jwt/key-injection", "JWT verified with a key it supplies itself (jwk/jku)", "critical", 347,
     "Ignore jwk/jku/x5u headers, or accept only keys from a pinned, allow-listed JWKS URL."),
)
RULES: tuple[Rule, ...] = rules_from(_RULES, lambda title: f"JWT forgery probe: {title[0].lower()}{title[1:]}.")

ATTACK_RULES = {
    "alg-none": ("jwt/alg-none-accepted",),
    "signature": ("jwt/signature-not-verified",),
    "expiry": ("jwt/expired-accepted", "jwt/not-yet-valid-accepted"),
    "weak-key": ("jwt/weak-hmac-key",),
    "kid-injection": ("jwt/kid-injection",),
    "key-injection": ("jwt/key-injection",),
}

# Common HMAC secrets: framework defaults, tutorial values and the usual passwords.
WEAK_KEYS = (
    "secret", "Secret", "SECRET", "secretkey", "secret-key", "secret_key", "jwt", "jwtsecret", "jwt-secret",
    "jwt_secret", "jwt-key", "jwtkey", "key", "mykey", "my-key", "mysecret", "my-secret", "my_secret",
    "your-256-bit-secret", "your-secret-key", "your_secret_key", "supersecret", "super-secret", "topsecret",
    "changeme", "change-me", "changeit", "default", "password", "passw0rd", "Password1", "123456", "12345678",
    "1234567890", "qwerty", "letmein", "admin", "test", "testing", "dev", "development", "production", "token",
    "auth", "app", "application", "hs256", "HS256", "s3cr3t", "secret123", "shhhhh", "keyboard cat",
    "notasecret", "insecure", "example", "sample", "django-insecure", "flask-secret", "",
)
_HMAC = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Token:
    """A JWT split into its parts (nothing is verified here)."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: str
    signature: str

    @classmethod
    def parse(cls, raw: str) -> Token:
        header, payload, signature = split_token(raw)
        return cls(header, payload, raw.rsplit(".", 1)[0], signature)

    @property
    def alg(self) -> str:
        return str(self.header.get("alg", ""))


def encode_hmac(header: dict[str, Any], payload: dict[str, Any], key: bytes, alg: str = "HS256") -> str:
    """A token signed with an HMAC key (any key, even empty: forgeries need that)."""
    header = {**header, "alg": alg}
    signing_input = f"{b64url(_json(header))}.{b64url(_json(payload))}"
    signature = hmac.new(key, signing_input.encode(), _HMAC[alg]).digest()
    return f"{signing_input}.{b64url(signature)}"


def encode_unsigned(header: dict[str, Any], payload: dict[str, Any], alg: str = "none") -> str:
    return f"{b64url(_json({**header, 'alg': alg}))}.{b64url(_json(payload))}."


BUILTIN_LIST = Path(__file__).parent / "data" / "jwt-secrets.txt.gz"
BUILTIN_NAME = "the built-in list"


@dataclass(frozen=True)
class Wordlist:
    """Candidate HMAC keys (bytes, in order, no duplicates) and where they come from."""

    name: str
    words: tuple[bytes, ...]


def read_wordlist(path: Path) -> tuple[bytes, ...]:
    """One secret per line (LF or CRLF; ``.gz`` files are decompressed). A file that starts
    with ``#`` lines followed by an empty line (the built-in list's licence header) has that
    header skipped; elsewhere every line is a secret, ``#`` included."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    data = data.replace(b"\r\n", b"\n")
    if data.startswith(b"#") and b"\n\n" in data:
        head, _, rest = data.partition(b"\n\n")
        if all(line.startswith(b"#") for line in head.split(b"\n")):
            data = rest
    return tuple(line for line in data.split(b"\n") if line)


@functools.cache
def builtin_wordlist() -> Wordlist:
    """The short list of defaults first (cheap wins), then wallarm/jwt-secrets."""
    return Wordlist(BUILTIN_NAME, _unique([w.encode() for w in WEAK_KEYS], read_wordlist(BUILTIN_LIST)))


def _unique(*groups: Iterable[bytes]) -> tuple[bytes, ...]:
    return tuple(dict.fromkeys(word for group in groups for word in group))


@dataclass(frozen=True)
class Cracked:
    """The outcome of an offline search: the key (None if not found), the candidates tried,
    the seconds it took and the list the key came from."""

    key: str | None
    tried: int
    seconds: float
    source: str = ""


_DIGEST_NAMES = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}


def crack_lists(token: Token, lists: Iterable[Wordlist]) -> Cracked:
    """Search each list in turn for the token's HMAC key (offline: no request is sent). The
    signing input and the wanted signature are computed once; each candidate costs one
    one-shot HMAC (:func:`hmac.digest`, OpenSSL) and a constant-time compare."""
    started = time.perf_counter()
    name = _DIGEST_NAMES.get(token.alg)
    tried = 0
    if name is None:
        return Cracked(None, 0, time.perf_counter() - started)
    try:
        wanted = b64url_decode(token.signature)
    except ValueError:
        return Cracked(None, 0, time.perf_counter() - started)
    message, digest, same = token.signing_input.encode(), hmac.digest, hmac.compare_digest
    seen: set[bytes] = set()
    for wordlist in lists:
        for word in wordlist.words:
            if word in seen:
                continue
            tried += 1
            if same(digest(word, message, name), wanted):
                return Cracked(word.decode("utf-8", "replace"), tried, time.perf_counter() - started, wordlist.name)
        seen.update(wordlist.words)
    return Cracked(None, tried, time.perf_counter() - started)


def crack(token: Token, words: tuple[str, ...] | None = None) -> str | None:
    """The HMAC key of ``token`` if it is one of ``words`` (default: the built-in list)."""
    lists = [builtin_wordlist()] if words is None else [Wordlist("words", tuple(w.encode() for w in words))]
    return crack_lists(token, lists).key


def mask(key: str) -> str:
    return "(empty)" if not key else key[0] + "*" * max(1, len(key) - 2) + (key[-1] if len(key) > 1 else "")


# -- collection -----------------------------------------------------------------------------------


def collect(baseline: Baseline) -> list[Check]:
    section = baseline.section(AREA) or {}
    names = section.get("identities")
    if names is None:
        names = [name for name, cfg in baseline.identities.items() if cfg.has_token]
    attacks = list(section.get("attacks") or ATTACK_RULES)
    if not section.get("signing_key") and "attacks" not in section:
        attacks.remove("expiry")  # changed claims need a valid signature: only with the key
    if not names:
        def no_identity(session: SecureSession) -> list[Finding]:
            raise SetupError("jwt: no identity has a bearer JWT; declare one with `bearer:` or a login `token:`, "
                             "or list them in jwt.identities")

        return [Check(AREA, "identities", tuple(r for rs in ATTACK_RULES.values() for r in rs), no_identity)]
    if section.get("wordlist") and "weak-key" in attacks:
        try:
            _check_wordlist(baseline, section["wordlist"])
        except BaselineError as exc:  # file:line:col of jwt.wordlist; exit 4 like every baseline error
            import pytest

            raise pytest.UsageError("invalid security baseline:\n" + str(exc)) from None
    method, _, path = section["probe"].partition(" ")
    checks = []
    for identity in names:
        for attack in attacks:
            run = functools.partial(run_attack, attack=attack, identity=identity)
            checks.append(Check(AREA, f"{attack}::{identity}", ATTACK_RULES[attack], run, path=path))
    return checks


def _check_wordlist(baseline: Baseline, raw: str) -> None:
    path = wordlist_path(baseline, raw)
    try:
        words = read_wordlist(path)
    except (OSError, gzip.BadGzipFile, EOFError) as exc:
        problem = f"cannot read it ({exc.strerror or exc})" if isinstance(exc, OSError) else f"not gzip data ({exc})"
        raise BaselineError([f"{baseline.place(AREA, 'wordlist')}: jwt.wordlist: {path}: {problem}; give a "
                             "text file with one secret per line (relative to the baseline file)"],
                            path=baseline.path) from None
    if not words:
        raise BaselineError([f"{baseline.place(AREA, 'wordlist')}: jwt.wordlist: {path} holds no secret; give "
                             "one secret per line"], path=baseline.path)


# -- running --------------------------------------------------------------------------------------


class Prober:
    """Sends tokens (and nothing else of the identity) to the probe request."""

    def __init__(self, session: SecureSession, identity_name: str) -> None:
        section = session.baseline.section(AREA) or {}
        self.session = session
        self.section = section
        self.method, _, self.path = section["probe"].partition(" ")
        self.deny = set(section.get("deny") or [401, 403])
        identity = session.identity(identity_name)
        identity.ensure_logged_in()
        raw, self.placement = identity.token, identity.config.send_token
        if raw is None:  # a pytest_secure_login hook's bearer token
            auth = identity.headers.get("Authorization", "")
            raw, self.placement = (auth[len("Bearer "):] or None) if auth.startswith("Bearer ") else None, \
                TokenPlacement()
        if raw is None:
            raise SetupError(f"identity {identity_name!r} has no token to attack; give it `bearer:`, a login "
                             "`token:` or `oauth2:`")
        self.raw = raw
        try:
            self.token = Token.parse(self.raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SetupError(f"the token of identity {identity_name!r} is not a JWT ({exc})") from None
        self.where = f"{self.method} {self.path}"

    def send(self, token: str | None) -> Response:
        """The probe with ``token`` where the identity sends its own (``send_token``), and nothing else."""
        placed = token_credentials(self.placement, token) if token is not None else None
        return self.session.target.request(self.method, self.path, headers=placed.headers if placed else {},
                                           params=placed.params if placed else None,
                                           cookies=placed.cookies if placed else None, follow_redirects=False)

    def preflight(self) -> None:
        real = self.send(self.raw)
        if not 200 <= real.status < 300:
            raise SetupError(f"{self.where} answered {real.status} to the identity's own token; jwt.probe must be a "
                             "request that succeeds with a valid token")
        bare = self.send(None)
        if bare.status not in self.deny:
            raise SetupError(f"{self.where} answered {bare.status} without a token (expected one of "
                             f"{sorted(self.deny)}); jwt.probe must be a request that needs the token")

    def accepted(self, forged: str) -> Response | None:
        response = self.send(forged)
        return response if 200 <= response.status < 300 else None

    def finding(self, rule: str, message: str, response: Response | None, key: str, evidence: str) -> Finding:
        return Finding(rule, message, self.where, evidence=evidence, request=response.request if response else None,
                       key=key)


def run_attack(session: SecureSession, attack: str, identity: str) -> list[Finding]:
    prober = Prober(session, identity)
    if attack == "weak-key" and prober.token.alg in _HMAC:  # offline: the token's own key
        return _weak_key_offline(prober, identity)
    prober.preflight()
    return {"alg-none": _alg_none, "signature": _signature, "expiry": _expiry, "weak-key": _weak_key_online,
            "kid-injection": _kid_injection, "key-injection": _key_injection}[attack](prober, identity)


def _alg_none(p: Prober, who: str) -> list[Finding]:
    for alg in ("none", "None", "NONE", "nOnE"):
        forged = encode_unsigned(p.token.header, p.token.payload, alg)
        response = p.accepted(forged)
        if response is not None:
            return [p.finding("jwt/alg-none-accepted", f"an unsigned copy of {who}'s token (alg {alg!r}) was "
                              f"accepted ({response.status})", response, f"{who}:alg-none",
                              f"header {{\"alg\": \"{alg}\"}}, empty signature -> {response.status}")]
    return []


def _signature(p: Prober, who: str) -> list[Finding]:
    tampered_payload = {**p.token.payload, "psec": "tampered"}
    wrong = "A" * len(p.token.signature) if p.token.signature.strip("A") else "B" * len(p.token.signature)
    forgeries = [
        ("the signature stripped", f"{p.token.signing_input}."),
        ("a wrong signature", f"{p.token.signing_input}.{wrong}"),
        ("changed claims under the original signature",
         f"{b64url(_json(p.token.header))}.{b64url(_json(tampered_payload))}.{p.token.signature}"),
    ]
    for what, forged in forgeries:
        response = p.accepted(forged)
        if response is not None:
            return [p.finding("jwt/signature-not-verified", f"{who}'s token with {what} was accepted "
                              f"({response.status})", response, f"{who}:signature", f"{what} -> {response.status}")]
    return []


def _signer(p: Prober) -> Any:
    """Sign (header, payload) with jwt.signing_key in the token's algorithm."""
    key = p.section.get("signing_key")
    if not key:
        raise SetupError("the expiry checks need jwt.signing_key (the test environment's signing key)")
    alg = p.token.alg
    if alg in _HMAC:
        return lambda header, payload: encode_hmac(header, payload, key.encode(), alg)
    import jwt as pyjwt

    def sign(header: dict[str, Any], payload: dict[str, Any]) -> str:
        extra = {k: v for k, v in header.items() if k not in ("alg", "typ")}
        return pyjwt.encode(payload, key, algorithm=alg, headers=extra)

    return sign


def _expiry(p: Prober, who: str) -> list[Finding]:
    sign = _signer(p)
    now = int(time.time())
    fresh = {**p.token.payload, "iat": now, "exp": now + 600}
    fresh.pop("nbf", None)
    if p.accepted(sign(p.token.header, fresh)) is None:
        raise SetupError("a fresh copy of the JWT, signed with jwt.signing_key, was refused: the key (or its "
                         "algorithm) is not the one the service verifies with")
    findings = []
    expired = {**fresh, "iat": now - 7200, "exp": now - 3600}
    response = p.accepted(sign(p.token.header, expired))
    if response is not None:
        findings.append(p.finding("jwt/expired-accepted", f"a copy of {who}'s token that expired an hour ago was "
                                  f"accepted ({response.status})", response, f"{who}:exp",
                                  f"exp {expired['exp']} (now {now}) -> {response.status}"))
    early = {**fresh, "nbf": now + 3600, "exp": now + 7200}
    response = p.accepted(sign(p.token.header, early))
    if response is not None:
        findings.append(p.finding("jwt/not-yet-valid-accepted", f"a copy of {who}'s token valid only in an hour "
                                  f"(nbf) was accepted ({response.status})", response, f"{who}:nbf",
                                  f"nbf {early['nbf']} (now {now}) -> {response.status}"))
    return findings


def _team_wordlist(p: Prober) -> list[Wordlist]:
    """``jwt.wordlist`` (checked when the baseline is collected), searched before the built-in list."""
    raw = p.section.get("wordlist")
    if not raw:
        return []
    path = wordlist_path(p.session.baseline, raw)
    return [Wordlist(f"the team wordlist {raw}", _unique(read_wordlist(path)))]


def wordlist_path(baseline: Baseline, raw: str) -> Path:
    path = Path(raw)
    return path if path.is_absolute() else baseline.path.parent / path


def _weak_key_offline(p: Prober, who: str) -> list[Finding]:
    if not p.section.get("weak_keys", True):
        return []
    lists = [*_team_wordlist(p), builtin_wordlist()]
    result = crack_lists(p.token, lists)
    if result.key is None:
        return []
    key = result.key
    return [p.finding("jwt/weak-hmac-key", f"{who}'s token is signed ({p.token.alg}) with a key found in "
                      f"{result.source} of common secrets: anyone can forge tokens", None, f"{who}:weak-key",
                      f"HMAC key {mask(key)} ({len(key)} characters) from {result.source}; found offline in "
                      f"{result.seconds:.2f} s, candidate {result.tried:,} of "
                      f"{len(_unique(*(w.words for w in lists))):,}")]


def _weak_key_online(p: Prober, who: str) -> list[Finding]:
    if not p.section.get("weak_keys", True):
        return []
    for word in WEAK_KEYS:
        response = p.accepted(encode_hmac(p.token.header, p.token.payload, word.encode()))
        if response is not None:
            return [p.finding("jwt/weak-hmac-key", f"an HS256 copy of {who}'s {p.token.alg} JWT, signed with a "
                              f"common secret, was accepted ({response.status})", response, f"{who}:weak-key",
                              f"HS256 with key {mask(word)} -> {response.status}")]
    return []


def _kid_injection(p: Prober, who: str) -> list[Finding]:
    sql_key = "psec-kid-key"
    attempts = [
        ("../../../../../../../../dev/null", b"", "a path to /dev/null (empty key)"),
        ("/dev/null", b"", "/dev/null (empty key)"),
        (f"psec' UNION SELECT '{sql_key}' -- ", sql_key.encode(), "an SQL UNION choosing the key"),
    ]
    for kid, key, what in attempts:
        forged = encode_hmac({**p.token.header, "kid": kid}, p.token.payload, key)
        response = p.accepted(forged)
        if response is not None:
            return [p.finding("jwt/kid-injection", f"a token whose kid is {what} was accepted ({response.status})",
                              response, f"{who}:kid", f"kid {kid!r}, HS256 -> {response.status}")]
    return []


def _key_injection(p: Prober, who: str) -> list[Finding]:
    import jwt as pyjwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = private.public_key().public_numbers()
    jwk = {"kty": "RSA", "kid": "psec-injected", "use": "sig", "alg": "RS256",
           "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
           "e": b64url(numbers.e.to_bytes(3, "big"))}
    base = {k: v for k, v in p.token.header.items() if k not in ("alg", "typ", "kid", "jwk", "jku", "x5u")}
    embedded = pyjwt.encode(p.token.payload, private, algorithm="RS256", headers={**base, "kid": "psec-injected",
                                                                                   "jwk": jwk})
    response = p.accepted(embedded)
    if response is not None:
        return [p.finding("jwt/key-injection", f"a JWT signed with a key embedded in its own jwk header was accepted "
                          f"({response.status})", response, f"{who}:jwk", f"jwk header, RS256 -> {response.status}")]
    with _jwks_server({"keys": [jwk]}) as (url, hits):
        forged = pyjwt.encode(p.token.payload, private, algorithm="RS256",
                              headers={**base, "kid": "psec-injected", "jku": url})
        response = p.accepted(forged)
        fetched = hits[0]
    if response is not None:
        return [p.finding("jwt/key-injection", f"a token whose jku header points at our own key set was accepted "
                          f"({response.status})", response, f"{who}:jku",
                          f"jku {url} (fetched {fetched} time(s)), RS256 -> {response.status}")]
    return []


@contextlib.contextmanager
def _jwks_server(document: dict[str, Any]) -> Iterator[tuple[str, list[int]]]:
    """Serve ``document`` on 127.0.0.1 while the probe runs; count the fetches."""
    body = json.dumps(document).encode()
    hits = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            hits[0] += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/jwks.json", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


area = SectionArea(AREA, RULES, collect)
