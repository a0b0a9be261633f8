"""The offline weak-key search against the whole built-in list, vs PyJWT's decode per
candidate (what a hand-written cracker would do), measured in the same run.

One HS256 token signed with a random 32-byte key (in no list: the worst case, every
candidate is tried) is searched:

* ours: :func:`pytest_secure.abuse.jwt.crack_lists` over the built-in list (framework
  defaults plus wallarm/jwt-secrets): the signing input and the wanted signature computed
  once, one one-shot ``hmac.digest`` and ``hmac.compare_digest`` per candidate;
* reference: ``jwt.decode(token, candidate, algorithms=["HS256"])`` for each candidate,
  catching ``InvalidSignatureError`` (PyJWT parses and checks the token again each time).

Loading the list (gunzip, split) is timed apart. Best of ``--rounds``, alternating.

Run: ``.venv/bin/python -m benchmarks.bench_jwt_wordlist`` (from the repository root).
"""

from __future__ import annotations

import argparse
import secrets
import time
import warnings

import jwt

from pytest_secure.abuse.jwt import Token, Wordlist, builtin_wordlist, crack_lists, encode_hmac


def _pyjwt(raw: str, words: tuple[bytes, ...]) -> str | None:
    for word in words:
        try:
            jwt.decode(raw, word, algorithms=["HS256"], options={"verify_exp": False})
        except (jwt.InvalidSignatureError, jwt.InvalidKeyError):  # PyJWT refuses empty and PEM-like keys
            continue
        return word.decode()
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each variant; the best is kept (default 3)")
    options = parser.parse_args()
    warnings.simplefilter("ignore")  # PyJWT warns about short HMAC keys: most candidates are short
    started = time.perf_counter()
    builtin_wordlist.cache_clear()
    wordlist: Wordlist = builtin_wordlist()
    loading = time.perf_counter() - started
    raw = encode_hmac({"typ": "JWT"}, {"sub": "bench", "iat": 0}, secrets.token_bytes(32))
    token = Token.parse(raw)
    ours, reference = [], []
    for _ in range(options.rounds):
        started = time.perf_counter()
        result = crack_lists(token, [wordlist])
        ours.append(time.perf_counter() - started)
        assert result.key is None and result.tried == len(wordlist.words)
        started = time.perf_counter()
        assert _pyjwt(raw, wordlist.words) is None
        reference.append(time.perf_counter() - started)
    n = len(wordlist.words)
    print(f"list: {n:,} candidates (built-in), loaded in {loading:.3f}s; token HS256, key in no list")
    print(f"pytest-secure crack : {min(ours):.3f}s  {1e6 * min(ours) / n:.2f} us/candidate")
    print(f"PyJWT decode each   : {min(reference):.3f}s  {1e6 * min(reference) / n:.2f} us/candidate")
    print(f"ratio (ours / PyJWT): {min(ours) / min(reference):.2f}x  (lower is better; best of {options.rounds})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
