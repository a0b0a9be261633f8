"""Security oracles: does this response show that the input it answered did harm?

Each oracle looks at one :class:`Exchange` (what was sent, what came back) and returns a
:class:`Problem` or None. They are plain functions, usable alone in any test::

    from pytest_secure.fuzz.oracles import assert_safe
    response = client.get("/search", params={"q": "<script>alert(1)</script>"})
    assert_safe(response, inputs=["<script>alert(1)</script>"])

and, through :func:`schemathesis_checks`, as schemathesis checks (``(ctx, response, case)``)
that the fuzz area adds to every generated request; :func:`register` makes them global
``@schemathesis.check`` checks for a team's own schemathesis tests. Schemathesis is imported
only by those two functions.

The oracles look for effects, not for payloads: an SQL error text, a reflected tag in HTML,
a template expression that came back evaluated, a redirect to the host the input named, a
header the input added. Each problem names a stable rule id (``fuzz/...``) that the fuzz area
declares (:data:`pytest_secure.fuzz.area.RULES`).
"""

from __future__ import annotations

import functools
import html
import json
import re
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.cards import luhn
from ..core.public import hides_internals
from ..core.target import HeaderLookup
from .coverage import decoded_forms
from .strategies import COMMAND_MARKER, EVAL_FACTORS, EVAL_MARKER, INJECTED_COOKIE, INJECTED_HEADER

__all__ = [
    "DEFAULT_ORACLES", "Exchange", "Oracle", "Problem", "assert_safe", "cross_user_data", "exchange_from",
    "invalid_input_rejected",
    "judge", "no_command_execution", "no_database_error", "no_file_disclosure", "no_injected_header",
    "no_invalid_json", "no_open_redirect", "no_sensitive_data", "no_sensitive_echo", "no_server_error",
    "no_stack_trace", "no_template_evaluation", "no_unencoded_reflection", "register", "schemathesis_checks",
    "sensitive_data", "unregister", "within_time",
]

EVIDENCE_CHARS = 200


@dataclass
class Exchange(HeaderLookup):
    """One request and its response, as the oracles see them."""

    status: int
    headers: list[tuple[str, str]]
    body: str
    elapsed: float = 0.0
    method: str = "GET"
    url: str = ""
    inputs: tuple[str, ...] = ()  # every attacker-controlled text value that was sent
    sensitive_inputs: tuple[str, ...] = ()  # inputs that are secrets or personal data
    invalid_input: bool = False  # the request was deliberately invalid

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    @property
    def is_json(self) -> bool:
        ctype = self.content_type
        return ctype == "application/json" or (ctype.startswith("application/") and ctype.endswith("+json"))

    @functools.cached_property
    def json_body(self) -> tuple[bool, Any]:
        """``(True, document)`` when the body parses as JSON, else ``(False, error)`` (parsed once
        for every oracle that reads it)."""
        try:
            return True, json.loads(self.body)
        except ValueError as exc:
            return False, exc

    @property
    def is_html(self) -> bool:
        ctype = self.content_type
        if ctype:
            return ctype in ("text/html", "application/xhtml+xml")
        return self.body.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))


@dataclass(frozen=True)
class Problem:
    """What an oracle found: a rule id, a sentence, and the part of the response that shows it."""

    rule_id: str
    message: str
    evidence: str = ""


Oracle = Callable[[Exchange], "Problem | None"]


def _excerpt(text: str, start: int, length: int) -> str:
    """``text[start:start+length]`` with some context, cut to a readable size."""
    lo = max(0, start - 40)
    hi = min(start + length + 40, lo + EVIDENCE_CHARS)  # past the end of text: the slice stops there
    return ("..." if lo else "") + text[lo:hi] + ("..." if hi < len(text) else "")


def _any_of(patterns: Sequence[str], flags: int = 0) -> re.Pattern[str]:
    """One regular expression matching any of ``patterns`` (one pass over a body, not dozens)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags)


def _search(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    return pattern.search(text)


# -- server errors, stack traces, database errors ---------------------------------------------


# 5xx statuses that are a server's correct answer, not a failure: 501 Not Implemented (the
# standard answer to a method the server does not support, RFC 9110 15.6.2) and 505 HTTP Version
# Not Supported (15.6.6). They say "I do not do that", not "your input broke me".
NOT_SERVER_ERRORS = frozenset({501, 505})


def no_server_error(ex: Exchange) -> Problem | None:
    """A 5xx answer other than 501 and 505 (:data:`NOT_SERVER_ERRORS`): the input reached code
    that did not expect it."""
    if ex.status >= 500 and ex.status not in NOT_SERVER_ERRORS:
        return Problem("fuzz/server-error", f"the server answered {ex.status} to crafted input",
                       _excerpt(ex.body, 0, 120) if ex.body else f"status {ex.status}")
    return None


_STACK_TRACES = _any_of((
    r"Traceback \(most recent call last\)",
    r"File \"[^\"\n]+\", line \d+, in \S+",
    r"Werkzeug Debugger|The debugger caught an exception",
    r"You(?:'|’|&#x27;|&#39;)re seeing this error because you have <code>DEBUG = True</code>",  # Django 4+: ’
    r"\bat [\w$.]+\([\w$]+\.java:\d+\)",
    r"Exception in thread \"[^\"]+\"",
    r"Server Error in '[^']*' Application",
    r"\bat [\w.]+\([^)]*\) in [^\n]+:line \d+",
    r"<b>(?:Fatal error|Parse error)</b>:.{0,300} on line <b>\d+",
    r"Stack trace:\s*#0 ",
    r"\bat (?:Object\.<anonymous>|[\w.$<>]+) \((?:/|[A-Za-z]:\\)[^)\n]+\.[cm]?js:\d+:\d+\)",
    r"\.rb:\d+:in `",
    r"goroutine \d+ \[running\]",
))


def no_stack_trace(ex: Exchange) -> Problem | None:
    """A stack trace or a framework debug page in the body: internals handed to the client."""
    match = _search(_STACK_TRACES, ex.body)
    if match:
        return Problem("fuzz/stack-trace", "the response shows a stack trace or a debug page",
                       _excerpt(ex.body, match.start(), len(match.group())))
    return None


_DATABASE_ERRORS = _any_of((
    r"sqlite3?\.\w*Error", r"\bunrecognized token: ", r"\bnear \"[^\"\n]{0,60}\": syntax error", r"SQLITE_ERROR",
    r"\bsqlite\b.{0,40}\berror",
    r"You have an error in your SQL syntax", r"\bmysql_(?:fetch|num_rows|query)", r"MySQLSyntaxErrorException",
    r"SQLSTATE\[\w+\]", r"\bPG::\w+Error", r"\bpsycopg2?\.(?:errors\.)?\w+", r"unterminated quoted string at or near",
    r"syntax error at or near \"", r"\bORA-\d{5}\b", r"Unclosed quotation mark after the character string",
    r"Microsoft OLE DB Provider for", r"\[SQL Server\]", r"Incorrect syntax near '",
    r"quoted string not properly terminated",
    r"\bJDBC\w*Exception", r"org\.hibernate\.\w+Exception", r"java\.sql\.SQLException", r"sqlalchemy\.exc\.\w+",
    r"\bMongo(?:Server)?Error\b", r"pymongo\.errors", r"\$where.{0,40}(?:not allowed|SyntaxError)",
    r"\bOperationalError\b", r"\bProgrammingError\b.{0,80}\b(?:SQL|syntax|column|relation)",
), re.IGNORECASE)


def no_database_error(ex: Exchange) -> Problem | None:
    """A database error message in the body: the input changed a query (SQL/NoSQL injection)."""
    match = _search(_DATABASE_ERRORS, ex.body)
    if match:
        return Problem("fuzz/database-error", "the response shows a database error caused by the input",
                       _excerpt(ex.body, match.start(), len(match.group())))
    return None


# -- reflection (XSS) -----------------------------------------------------------------------------

_NEW_MARKUP = re.compile(r"<[A-Za-z!/?]")
_URL_ATTRIBUTE_BEFORE = re.compile(r"(?:href|src|action|formaction|xlink:href|data|poster)\s*=\s*[\"']?\s*$", re.I)
_DANGEROUS_SCHEME = re.compile(r"^\s*(?:j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t|data|vbscript)\s*:", re.I)


def _html_context(body: str, index: int) -> str:
    """Where position ``index`` of an HTML document is: ``script``, ``tag`` or ``text``."""
    before = body[:index]
    lower = before.lower()
    if lower.rfind("<script") > lower.rfind("</script"):
        # inside <script ...> itself (attributes) or its content
        open_at = lower.rfind("<script")
        return "script" if ">" in before[open_at:] else "tag"
    lt, gt = before.rfind("<"), before.rfind(">")
    if lt > gt and (body[lt + 1].isalpha() or body[lt + 1] == "/"):  # lt + 1 <= index: inside the body
        return "tag"
    return "text"


def _breaks_out(value: str, context: str, body: str, index: int) -> bool:
    if _NEW_MARKUP.search(value):
        return True  # new tags work in text and break out of attributes and scripts alike
    if context == "tag":
        if any(c in value for c in "\"'`"):
            return True
        return bool(_DANGEROUS_SCHEME.match(value) and _URL_ATTRIBUTE_BEFORE.search(body[max(0, index - 40):index]))
    if context == "script":
        # an escaped first character (\') stays inside the string; only a quote could have left it
        rest = value[1:] if _backslashes_before(body, index) % 2 else value
        return any(c in rest for c in "\"'`")  # "</script" is new markup, found above
    return False


def _backslashes_before(text: str, index: int) -> int:
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count


def _occurrences(text: str, value: str, limit: int = 5) -> Iterator[int]:
    start = 0
    for _ in range(limit):
        index = text.find(value, start)
        if index < 0:
            return
        yield index
        start = index + 1


def no_unencoded_reflection(ex: Exchange) -> Problem | None:
    """Input echoed into an HTML response without encoding, where it can add markup, leave an
    attribute or a script string, or become a ``javascript:`` URL (reflected XSS)."""
    if not ex.is_html:
        return None
    for value in ex.inputs:
        if len(value) < 3:
            continue
        if html.escape(value, quote=True) == value and not _DANGEROUS_SCHEME.match(value):
            continue  # nothing in it that encoding would change: echoing it is harmless
        for index in _occurrences(ex.body, value):
            context = _html_context(ex.body, index)
            if _breaks_out(value, context, ex.body, index):
                return Problem("fuzz/reflected-xss",
                               f"input is echoed unencoded into HTML ({context} context)",
                               _excerpt(ex.body, index, len(value)))
    return None


# -- evaluated payloads ---------------------------------------------------------------------------

_A, _B = EVAL_FACTORS
_EXPRESSION = re.compile(rf"{_A}\s*\*\s*{_B}")


def no_template_evaluation(ex: Exchange) -> Problem | None:
    """A template expression from the input came back evaluated (server-side template injection)."""
    if EVAL_MARKER not in ex.body or COMMAND_MARKER in ex.body:
        return None
    if any(EVAL_MARKER in v for v in ex.inputs) or not any(_EXPRESSION.search(v) for v in ex.inputs):
        return None
    index = ex.body.find(EVAL_MARKER)
    return Problem("fuzz/template-injection",
                   f"the expression {_A}*{_B} sent as input came back evaluated ({EVAL_MARKER})",
                   _excerpt(ex.body, index, len(EVAL_MARKER)))


_ID_OUTPUT = re.compile(r"uid=\d+\([^)\n]*\) gid=\d+")


def no_command_execution(ex: Exchange) -> Problem | None:
    """Output of a shell command named in the input (OS command injection)."""
    if COMMAND_MARKER in ex.body and not any(COMMAND_MARKER in v for v in ex.inputs) \
            and any(_EXPRESSION.search(v) for v in ex.inputs):
        index = ex.body.find(COMMAND_MARKER)
        return Problem("fuzz/command-injection", "a shell command from the input ran: its output is in the response",
                       _excerpt(ex.body, index, len(COMMAND_MARKER)))
    match = _ID_OUTPUT.search(ex.body)
    if match and any(re.search(r"[;|&`$]\s*\(?\s*id\b", v) for v in ex.inputs):
        return Problem("fuzz/command-injection", "the output of `id` from the input is in the response",
                       _excerpt(ex.body, match.start(), len(match.group())))
    return None


_FILE_CONTENT = _any_of((
    r"root:[^:\n]*:0:0:", r"\[(?:fonts|extensions)\]\s*\r?\n", r"; for 16-bit app support",
))


def no_file_disclosure(ex: Exchange) -> Problem | None:
    """Contents of a system file named in the input (path traversal)."""
    if not any(("passwd" in v or "win.ini" in v) for v in ex.inputs):
        return None
    match = _search(_FILE_CONTENT, ex.body)
    if match:
        return Problem("fuzz/path-traversal", "a system file named in the input was served",
                       _excerpt(ex.body, match.start(), len(match.group())))
    return None


# -- redirects and headers ----------------------------------------------------------------------

_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.I)


def _browser_url(raw: str) -> str:
    """A Location value as a browser reads it: leading blanks/control characters dropped,
    backslashes taken as slashes."""
    return re.sub(r"^[\x00-\x20]+", "", raw).replace("\\", "/")


def no_open_redirect(ex: Exchange) -> Problem | None:
    """A redirect (``Location`` or ``Refresh``) to another host that the input chose."""
    targets = [("Location", v) for v in ex.header_all("location")]
    targets += [("Refresh", m.group(1)) for v in ex.header_all("refresh") for m in [_REFRESH_URL.search(v)] if m]
    here = urllib.parse.urlsplit(ex.url).hostname or ""  # hostname is lower-case
    for header, raw in targets:
        try:  # a relative target stays on this host: it has no host of its own
            host = urllib.parse.urlsplit(_browser_url(raw)).hostname or ""
        except ValueError:  # a malformed target (an unclosed IPv6 bracket) leads nowhere
            continue
        if not host or host == here:
            continue
        if any(host in urllib.parse.unquote(v).lower() for v in ex.inputs):
            return Problem("fuzz/open-redirect", f"the response redirects to {host}, a host taken from the input",
                           f"{header}: {raw[:EVIDENCE_CHARS]}")
    return None


_INJECTED_LINE = re.compile(r"(?:\r\n|\r|\n|%0d%0a|%0a|\u560d\u560a)([A-Za-z0-9-]{1,64})\s*:\s*([^\r\n%]{0,80})", re.I)


def no_injected_header(ex: Exchange) -> Problem | None:
    """A response header that the input wrote by smuggling a line break (response splitting)."""
    wanted: set[tuple[str, str]] = set()
    for value in ex.inputs:
        for match in _INJECTED_LINE.finditer(value):
            wanted.add((match.group(1).lower(), match.group(2).strip()))
    if not wanted:
        return None
    for name, value in ex.headers:
        lname = name.lower()
        if lname == INJECTED_HEADER.lower() or (lname == "set-cookie" and value.startswith(f"{INJECTED_COOKIE}=")):
            return Problem("fuzz/header-injection", f"the input added the response header {name}", f"{name}: {value}")
        for w_name, w_value in wanted:
            if lname == w_name and lname not in ("content-type", "content-length") and value.strip() == w_value:
                return Problem("fuzz/header-injection", f"the input added the response header {name}",
                               f"{name}: {value}")
        if "\r" in value or "\n" in value:
            return Problem("fuzz/header-injection", f"the response header {name} carries a line break from the input",
                           f"{name}: {value[:EVIDENCE_CHARS]!r}")
    return None


# -- time, validation, echo -----------------------------------------------------------------------


def within_time(bound: float | Callable[[], float]) -> Oracle:
    """An oracle that fails responses slower than ``bound`` seconds (ReDoS, algorithmic DoS);
    ``bound`` may be a function, read at each response (the fuzz engine's bound follows the
    operation's own latency baseline)."""

    def no_slow_response(ex: Exchange) -> Problem | None:
        limit = bound() if callable(bound) else bound
        if ex.elapsed > limit:
            return Problem("fuzz/slow-response",
                           f"the response took {ex.elapsed:.2f}s, more than the {limit:.3g}s bound",
                           f"elapsed {ex.elapsed:.3f}s")
        return None

    no_slow_response.__name__ = "no_slow_response"
    return no_slow_response


def invalid_input_rejected(ex: Exchange) -> Problem | None:
    """Deliberately invalid input must meet a 4xx, not a success."""
    if ex.invalid_input and 200 <= ex.status < 300:
        return Problem("fuzz/invalid-input-accepted", f"invalid input was accepted with {ex.status}",
                       f"status {ex.status}")
    return None


_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")


# Issuer prefixes of the major card networks (Visa, Mastercard, Amex, Discover, JCB, Diners).
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|6011|65|64[4-9]|35|3[068])")


def looks_personal(value: str) -> bool:
    """A payment card number (known issuer prefix, Luhn-valid) or a US social security number."""
    for match in _CARD.finditer(value):  # 13 to 19 digits
        digits = re.sub(r"\D", "", match.group())
        if _CARD_PREFIX.match(digits) and luhn(digits):
            return True
    return bool(re.fullmatch(r"\d{3}-\d{2}-\d{4}", value.strip()))


def no_sensitive_echo(ex: Exchange) -> Problem | None:
    """A secret or personal value the client sent (password, token, card number) echoed back."""
    for value in ex.sensitive_inputs:
        if len(value) < 6:
            continue  # short values appear by chance
        index = ex.body.find(value)
        if index >= 0:
            shown = value[:2] + "*" * (len(value) - 2)
            return Problem("fuzz/sensitive-echo", "a secret or personal value from the request is echoed back",
                           f"value {shown} at offset {index}")
        for _name, header in ex.headers:
            if value in header:
                return Problem("fuzz/sensitive-echo", "a secret or personal value from the request is echoed "
                               "back in a header", f"header {_name}")
    return None


# -- response content: broken JSON, sensitive fields ------------------------------------------

_NO_BODY_STATUSES = frozenset({204, 304})


def no_invalid_json(ex: Exchange) -> Problem | None:
    """A response that says ``application/json`` (or ``+json``) but whose body is not JSON: the
    server built the JSON by hand and the input broke out of a string in it (JSON injection),
    or an error page went out with the wrong type."""
    if not ex.is_json or not ex.body.strip() or ex.status in _NO_BODY_STATUSES or ex.method.upper() == "HEAD":
        return None
    ok, error = ex.json_body
    if ok or not isinstance(error, json.JSONDecodeError):
        return None  # parsed, or valid JSON that Python refuses (an integer of more than 4300 digits)
    return Problem("fuzz/invalid-json", f"the response says {ex.content_type} but its body is not valid JSON "
                   f"({error.msg} at character {error.pos})", _excerpt(ex.body, error.pos, 1))


# Field names (compared lower-case with "-" and "_" removed) whose values a response must not
# carry: passwords and their hashes, secrets and keys, one-time tokens, identity numbers.
# Session and access tokens are left out: a login answers them by design.
DEFAULT_SENSITIVE_FIELDS: tuple[str, ...] = (
    r"\w*(?:password|passwd|passphrase)(?:hash|hashed|digest|salt)?|pwd|pwhash|passhash|hashedpwd",
    r"\w*secret(?:key)?|\w*apikey|privatekey|signingkey|\w*(?:reset|verification|recovery)token",
    r"(?:otp|totp|mfa)(?:secret|seed|key)|ssn|socialsecuritynumber|cardnumber|creditcard(?:number)?|cvv|cvc",
)
# Password-hash formats, whatever the field is called: bcrypt, argon2, sha-crypt/md5-crypt,
# Django's and Werkzeug's hashers.
_PASSWORD_HASHES = (
    ("bcrypt hash", r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}"),
    ("argon2 hash", r"\$argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$\S+"),
    ("sha-crypt hash", r"\$[156]\$(?:rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{22,86}"),
    ("Django password hash", r"(?:pbkdf2_sha(?:256|1)|argon2|bcrypt_sha256|scrypt)\$\S{20,}"),
    ("Werkzeug password hash", r"(?:scrypt|pbkdf2):[\w:]+\$[^$\s]{4,}\$[0-9a-f]{32,}"),
)
_HASH_VALUE = re.compile("|".join(f"(?P<h{i}>{p})" for i, (_, p) in enumerate(_PASSWORD_HASHES)))
MAX_JSON_NODES = 5000  # values looked at per response (bounded work on huge bodies)


def _masked(value: str) -> str:
    head = value[:4] if _HASH_VALUE.fullmatch(value) else value[:2]  # a hash's prefix names its format only
    return f"{head}{'*' * 6} ({len(value)} characters)"


def sensitive_data(fields: Iterable[str] = (), allow: Iterable[str] = ()) -> Oracle:
    """An oracle that finds responses carrying passwords, password hashes, secrets or identity
    numbers (:data:`DEFAULT_SENSITIVE_FIELDS` plus ``fields``, regexes searched in each field
    name) in a JSON body, with the field path (``users[0].password_hash``). ``allow`` lists
    field paths that may carry such values (``api_key`` is the top-level field only,
    ``keys[].secret`` any element's; ``*.api_key`` a field of that name anywhere)."""
    defaults = re.compile("|".join(f"(?:{p})" for p in DEFAULT_SENSITIVE_FIELDS))
    extra = [re.compile(p, re.I) for p in fields]
    allowed = frozenset(a for a in allow if not a.startswith("*."))
    allowed_names = frozenset(a[2:] for a in allow if a.startswith("*."))

    def sensitive_name(name: str) -> bool:
        return bool(defaults.fullmatch(re.sub(r"[-_\s]", "", name.lower())) or any(p.search(name) for p in extra))

    def no_sensitive_data(ex: Exchange) -> Problem | None:
        if not ex.is_json or not (200 <= ex.status < 300):
            return None
        ok, document = ex.json_body
        if not ok:
            return None
        budget = [MAX_JSON_NODES]

        def walk(value: Any, path: str, generic: str, name: str) -> Problem | None:
            budget[0] -= 1
            if budget[0] < 0:
                return None
            if isinstance(value, dict):
                for key, item in value.items():
                    key = str(key)
                    found = walk(item, f"{path}.{key}" if path else key, f"{generic}.{key}" if generic else key, key)
                    if found:
                        return found
                return None
            if isinstance(value, list):
                for i, item in enumerate(value):
                    found = walk(item, f"{path}[{i}]", f"{generic}[]", name)
                    if found:
                        return found
                return None
            if isinstance(value, bool) or value is None or value == "" or name in allowed_names or generic in allowed:
                return None
            text = str(value)
            match = _HASH_VALUE.fullmatch(text)  # a number is never a hash
            if match:
                kind = _PASSWORD_HASHES[int(str(match.lastgroup)[1:])][0]
                return Problem("fuzz/sensitive-data", f"the response carries a password hash ({kind}) in {path}",
                               f"{path}: {kind} {_masked(text)}")
            if name and sensitive_name(name) and isinstance(value, str | int | float):
                return Problem("fuzz/sensitive-data", f"the response carries a sensitive field: {path}",
                               f"{path}: {_masked(text)}")
            return None

        return walk(document, "", "", "")

    return no_sensitive_data


no_sensitive_data = sensitive_data()
no_sensitive_data.__doc__ = "Passwords, password hashes, secrets or identity numbers in a JSON response."


# Field names (compared lower-case, "-" and "_" removed) that carry a person's data: another
# identity's known value in one of them is that person's data (fuzz.cross_user.fields replaces them).
DEFAULT_PERSONAL_FIELDS: tuple[str, ...] = (
    r"\w*e?mail(?:address)?|\w*(?:phone|mobile|telephone|tel)(?:number)?",  # contact
    r"\w*address|street|city|zip(?:code)?|post(?:al)?code",  # address
    r"(?:date)?(?:of)?birth(?:date|day)?|dob|username|user|login|owner|\w*name|ssn|iban",  # identity
)
MIN_KNOWN_VALUE = 3  # shorter known values match by chance


def cross_user_data(viewer: str, others: Mapping[str, Iterable[str]], fields: Iterable[str] = ()) -> Oracle:
    """An oracle that finds, in a 2xx JSON answer to ``viewer``, a personal field (an e-mail, a phone,
    an address, a user name: :data:`DEFAULT_PERSONAL_FIELDS`, or ``fields``, regexes searched in
    the field name) whose value is a known value of another identity (``others``: identity ->
    its user name, e-mail ...). A value the request itself sent is an echo, not a leak."""
    patterns = [re.compile(p, re.I) for p in fields] if fields else None
    default = re.compile("|".join(f"(?:{p})" for p in DEFAULT_PERSONAL_FIELDS))
    known = {str(v).strip().lower(): who for who, values in others.items() if who != viewer
             for v in values if len(str(v).strip()) >= MIN_KNOWN_VALUE}

    def personal(name: str) -> bool:
        if patterns is not None:
            return any(p.search(name) for p in patterns)
        return bool(default.fullmatch(re.sub(r"[-_\s]", "", name.lower())))

    def no_cross_user_data(ex: Exchange) -> Problem | None:
        if not known or not ex.is_json or not (200 <= ex.status < 300):
            return None
        ok, document = ex.json_body
        if not ok:
            return None
        sent = {v.strip().lower() for v in ex.inputs}
        budget = [MAX_JSON_NODES]

        def walk(value: Any, path: str, name: str) -> Problem | None:
            budget[0] -= 1
            if budget[0] < 0:
                return None
            if isinstance(value, dict):
                for key, item in value.items():
                    found = walk(item, f"{path}.{key}" if path else str(key), str(key))
                    if found:
                        return found
                return None
            if isinstance(value, list):
                for i, item in enumerate(value):
                    found = walk(item, f"{path}[{i}]", name)
                    if found:
                        return found
                return None
            if not isinstance(value, str) or not name or not personal(name):
                return None
            owner = known.get(value.strip().lower())
            if owner is None or value.strip().lower() in sent:
                return None
            return Problem("fuzz/cross-user-data", f"the answer to {viewer} carries personal data of {owner} "
                           f"in {path}", f"{path}: {_masked(value)} (a known value of {owner})")

        return walk(document, "", "")

    return no_cross_user_data


DEFAULT_ORACLES: tuple[Oracle, ...] = (
    no_server_error, no_stack_trace, no_database_error, no_unencoded_reflection, no_template_evaluation,
    no_command_execution, no_file_disclosure, no_open_redirect, no_injected_header, invalid_input_rejected,
    no_sensitive_echo, no_invalid_json, no_sensitive_data,
)
DEFAULT_MAX_RESPONSE_TIME = 2.0


def judge(ex: Exchange, oracles: Iterable[Oracle] | None = None,
          max_response_time: float | None = DEFAULT_MAX_RESPONSE_TIME) -> list[Problem]:
    """Every problem the oracles see in ``ex`` (the time bound is skipped when None)."""
    chosen = list(DEFAULT_ORACLES if oracles is None else oracles)
    if oracles is None and max_response_time is not None:
        chosen.append(within_time(max_response_time))
    return [p for p in (oracle(ex) for oracle in chosen) if p is not None]


# -- inputs from structured data ---------------------------------------------------------------

_SENSITIVE_NAME = re.compile(
    r"pass(?:word|wd|phrase)?|secret|token|api[-_]?key|credential|card|cvv|cvc|iban|ssn|social|pin\b|otp", re.I)


def collect_inputs(*containers: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """All text values in ``containers`` (dicts, lists, strings, bytes) and the sensitive ones
    among them (by their field name, or because they look like a card number or an SSN)."""
    values: list[str] = []
    sensitive: list[str] = []

    def walk(value: Any, name: str) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(item, str(key))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item, name)
        elif isinstance(value, bytes | bytearray):
            walk(bytes(value[:4096]).decode("utf-8", "replace"), name)
        elif isinstance(value, str):
            values.append(value)
            if _SENSITIVE_NAME.search(name) or looks_personal(value):
                sensitive.append(value)
        elif value is not None and not isinstance(value, bool):
            values.append(str(value))

    for container in containers:
        walk(container, "")
    return tuple(dict.fromkeys(values)), tuple(dict.fromkeys(sensitive))


def exchange_from(response: Any, inputs: Iterable[str] = (), *, sensitive: Iterable[str] = (),
                  invalid_input: bool = False) -> Exchange:
    """Build an :class:`Exchange` from a response of pytest-secure's targets, ``requests``,
    ``httpx``, werkzeug/Flask or Django test clients, or schemathesis."""
    status = getattr(response, "status", None)
    if not isinstance(status, int):
        status = getattr(response, "status_code", None)
    if not isinstance(status, int):
        raise TypeError(f"cannot read a status code from {type(response).__name__}")
    headers = _headers_of(response)
    body = _body_of(response)
    elapsed = _optional(response, "elapsed") or 0.0
    if hasattr(elapsed, "total_seconds"):
        elapsed = elapsed.total_seconds()
    request = _optional(response, "request")
    method = str(getattr(request, "method", None) or "GET")
    # a response's own url only without a request: Django's test response has a request (a dict)
    # and, on a redirect, the url it redirects to
    url = str(getattr(request, "url", "") if request is not None else _optional(response, "url") or "")
    return Exchange(status=status, headers=headers, body=body, elapsed=float(elapsed or 0.0), method=method, url=url,
                    inputs=tuple(inputs), sensitive_inputs=tuple(sensitive), invalid_input=invalid_input)


def _optional(response: Any, name: str) -> Any:
    """An attribute a response may lack; httpx raises ``RuntimeError`` for ``elapsed`` before the
    body was read and for ``request`` and ``url`` on a response built without a request."""
    try:
        return getattr(response, name, None)
    except RuntimeError:
        return None


def _headers_of(response: Any) -> list[tuple[str, str]]:
    raw = getattr(response, "headers", None)
    if isinstance(raw, list):  # pytest-secure Response: already (name, value) pairs
        return [(str(k), str(v)) for k, v in raw]
    if raw is None:
        return []
    if hasattr(raw, "multi_items"):  # httpx
        return [(str(k), str(v)) for k, v in raw.multi_items()]
    transport: Any = getattr(getattr(response, "raw", None), "headers", None)
    if hasattr(transport, "items"):  # requests: urllib3's headers keep repeated ones
        return [(str(k), str(v)) for k, v in transport.items()]
    pairs = []  # werkzeug's Headers yield repeated headers one by one
    for name, value in raw.items():
        for item in value if isinstance(value, list) else [value]:  # schemathesis: lists of values
            pairs.append((str(name), str(item)))
    return pairs


def _body_of(response: Any) -> str:
    for attr in ("body", "content", "data"):
        value = getattr(response, attr, None)
        if isinstance(value, bytes | bytearray):
            return bytes(value).decode("utf-8", "replace")
        if isinstance(value, str):
            return value
    text = getattr(response, "text", None)
    return text if isinstance(text, str) else ""


@hides_internals
def assert_safe(response: Any, inputs: Iterable[str] = (), *, sensitive: Iterable[str] = (),
                invalid_input: bool = False, oracles: Iterable[Oracle] | None = None,
                max_response_time: float | None = DEFAULT_MAX_RESPONSE_TIME) -> None:
    """Raise ``AssertionError`` listing every problem the oracles see in ``response``."""
    ex = exchange_from(response, inputs, sensitive=sensitive, invalid_input=invalid_input)
    problems = judge(ex, oracles, max_response_time)
    if problems:
        from ..core.redaction import neutralise

        lines = [f"{p.rule_id}: {p.message}\n    evidence: {neutralise(p.evidence)}" for p in problems]
        raise AssertionError(f"{ex.method} {ex.url} -> {ex.status}: {len(problems)} security problem(s)\n"
                             + "\n".join(lines))


# -- schemathesis ---------------------------------------------------------------------------------


@dataclass
class _Registry:
    failure_class: Any = None
    registered: set[str] = field(default_factory=set)


_REGISTRY = _Registry()


def security_failure_class() -> Any:
    """The schemathesis ``Failure`` subclass our checks raise (created on first use, so that
    importing this module does not import schemathesis)."""
    from schemathesis.core.failures import Failure, Severity

    # rebuilt when schemathesis was imported anew (pytester's in-process runs reload modules)
    if _REGISTRY.failure_class is None or not issubclass(_REGISTRY.failure_class, Failure):

        class SecurityFailure(Failure):
            """A pytest-secure oracle failed; ``rule_id`` says which."""

            code = "ST990"
            kind_title = "Security oracle failed"

            def __init__(self, *, rule_id: str, evidence: str, **kwargs: Any) -> None:
                super().__init__(severity=Severity.CRITICAL, **kwargs)
                self.rule_id = rule_id
                self.evidence = evidence

            @property
            def _unique_key(self) -> str:  # one failure per rule, not one per class
                return self.rule_id

        _REGISTRY.failure_class = SecurityFailure
    return _REGISTRY.failure_class


_LAST_EXCHANGE: list[tuple[Any, Any, Exchange]] = []  # (response, case, exchange) judged last


def exchange_from_case(response: Any, case: Any) -> Exchange:
    """The :class:`Exchange` of a schemathesis ``case`` and its ``response`` (built once for all
    the checks that judge the same response)."""
    if _LAST_EXCHANGE and _LAST_EXCHANGE[0][0] is response and _LAST_EXCHANGE[0][1] is case:
        return _LAST_EXCHANGE[0][2]
    exchange = _exchange_from_case(response, case)
    _LAST_EXCHANGE[:] = [(response, case, exchange)]
    return exchange


def _exchange_from_case(response: Any, case: Any) -> Exchange:
    body = case.body if not _is_not_set(case.body) else None
    inputs, sensitive = collect_inputs(case.path_parameters, case.query, dict(case.headers or {}), case.cookies, body)
    # the names of query parameters and headers are input too, and so is what a server makes of
    # an encoded value once it decodes it (base64, URL, JSON escapes)
    names = [str(k) for k in (*dict(case.query or {}), *dict(case.headers or {}))]
    inputs = tuple(dict.fromkeys([*inputs, *names, *(form for value in inputs for form in decoded_forms(value))]))
    invalid = bool(case.meta is not None and case.meta.generation.mode.is_negative)
    ex = exchange_from(response, inputs, sensitive=sensitive, invalid_input=invalid)
    return ex


def _is_not_set(value: Any) -> bool:
    return type(value).__name__ == "NotSet"


def schemathesis_checks(oracles: Iterable[Oracle] | None = None,
                        max_response_time: float | None = DEFAULT_MAX_RESPONSE_TIME) -> list[Callable[..., Any]]:
    """The oracles as schemathesis check functions ``(ctx, response, case)``, each raising a
    ``SecurityFailure`` that carries the rule id. Pass them as ``checks=``/``additional_checks=``."""
    chosen = list(DEFAULT_ORACLES if oracles is None else oracles)
    if oracles is None and max_response_time is not None:
        chosen.append(within_time(max_response_time))
    return [_as_check(oracle) for oracle in chosen]


def _as_check(oracle: Oracle) -> Callable[..., Any]:
    failure_class = security_failure_class()

    def check(ctx: Any, response: Any, case: Any) -> bool | None:
        problem = oracle(exchange_from_case(response, case))
        if problem is not None:
            raise failure_class(operation=case.operation.label, title=problem.message,
                                message=f"{problem.rule_id}: {problem.evidence}", rule_id=problem.rule_id,
                                evidence=problem.evidence)
        return None

    check.__name__ = f"secure_{oracle.__name__}"
    check.__doc__ = oracle.__doc__
    return check


def register(oracles: Iterable[Oracle] | None = None,
             max_response_time: float | None = DEFAULT_MAX_RESPONSE_TIME) -> list[str]:
    """Register the oracles as global ``@schemathesis.check`` checks, for a team's own
    schemathesis tests and ``st run``; returns their check names. Calling it twice is harmless."""
    import schemathesis

    names = []
    for check in schemathesis_checks(oracles, max_response_time):
        if check.__name__ not in _REGISTRY.registered:
            schemathesis.check(check)
            _REGISTRY.registered.add(check.__name__)
        names.append(check.__name__)
    return names


def unregister() -> None:
    """Undo :func:`register` (for test suites that must leave schemathesis as they found it)."""
    from schemathesis.checks import CHECKS

    for name in sorted(_REGISTRY.registered):
        if name in CHECKS.get_all_names():
            CHECKS.unregister(name)
    _REGISTRY.registered.clear()
