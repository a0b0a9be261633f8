"""core.jwt_claims: the one unverified JWT decoder (identities' exp, authz session lifetime, the JWT probes)."""

import base64
import json

import pytest

from pytest_secure.core.jwt_claims import b64url_decode, decode_part, decode_payload, split_token


def part(value) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def token(header, payload, signature="c2ln") -> str:
    return f"{part(header)}.{part(payload)}.{signature}"


def test_payload_of_a_jwt():
    raw = token({"alg": "HS256", "typ": "JWT"}, {"sub": "alice", "exp": 1_700_000_000, "iat": 1_699_990_000})
    assert decode_payload(raw) == {"sub": "alice", "exp": 1_700_000_000, "iat": 1_699_990_000}


def test_padding_is_restored():
    for n in range(1, 8):  # every length modulo 4 of the unpadded segment
        claims = {"s": "x" * n}
        assert decode_payload(token({"alg": "none"}, claims, "")) == claims
    assert b64url_decode("YWI") == b"ab" and b64url_decode("-_8") == b"\xfb\xff"


@pytest.mark.parametrize("raw", [
    "opaque-session-token",
    "a.b",
    "a.b.c.d",
    f"{part({'alg': 'HS256'})}.{part(b'not json')}.sig",
    f"{part({'alg': 'HS256'})}.{part([1, 2])}.sig",  # JSON, but not an object
    f"{part({'alg': 'HS256'})}.%%%.sig",  # not base64url
    f"{part({'alg': 'HS256'})}.{part(bytes([0xff, 0xfe]))}.sig",  # not UTF-8
])
def test_not_a_jwt_gives_none(raw):
    assert decode_payload(raw) is None


def test_split_token_returns_header_payload_and_signature():
    assert split_token(token({"alg": "RS256", "kid": "k1"}, {"sub": "a"}, "c2ln")) == (
        {"alg": "RS256", "kid": "k1"}, {"sub": "a"}, "c2ln")
    with pytest.raises(ValueError, match="three dot-separated parts"):
        split_token("a.b")
    with pytest.raises(ValueError, match="must be JSON objects"):
        decode_part(part("a string"))


def test_the_jwt_probe_and_identities_use_this_decoder():
    from pytest_secure.abuse.jwt import Token, encode_hmac

    raw = encode_hmac({"typ": "JWT"}, {"sub": "a", "exp": 5}, b"k")
    parsed = Token.parse(raw)
    assert (parsed.header, parsed.payload) == (split_token(raw)[0], decode_payload(raw))
    assert parsed.signing_input == raw.rsplit(".", 1)[0] and parsed.signature == raw.rsplit(".", 1)[1]
