"""core.scope: one parser and one meaning of a target.scope entry, for the scope guard and ZAP's context."""

import re

import pytest

from pytest_secure.core.scope import ScopeEntry, parse_scope_entry, scope_regexes
from pytest_secure.core.target import ScopeGuard


@pytest.mark.parametrize(("text", "entry"), [
    ("example.com", ScopeEntry("example.com")),
    ("API.Example.com", ScopeEntry("api.example.com")),
    ("example.com:8443", ScopeEntry("example.com", 8443)),
    ("127.0.0.1", ScopeEntry("127.0.0.1")),
    ("localhost:8080", ScopeEntry("localhost", 8080)),
    ("*.example.test", ScopeEntry("*.example.test")),
    ("[::1]", ScopeEntry("::1")),
    ("[::1]:8000", ScopeEntry("::1", 8000)),
    ("::1", ScopeEntry("::1")),  # a bare IPv6 literal: its last group is not a port
])
def test_parse_scope_entry(text, entry):
    assert parse_scope_entry(text) == entry


def test_entry_round_trips_to_text():
    assert [str(parse_scope_entry(t)) for t in ("Host.test", "host.test:81", "[::1]:8000", "[::1]")] == [
        "host.test", "host.test:81", "[::1]:8000", "[::1]"]


def test_context_patterns_are_the_ones_zap_gets():
    assert scope_regexes(["127.0.0.1", "api.local:8443"]) == [
        r"(?i:https?://127\.0\.0\.1(?::\d+)?)(?:[/?#].*)?",
        r"(?i:https?://api\.local:8443)(?:[/?#].*)?",
    ]
    assert scope_regexes(["[::1]:8000"]) == [r"(?i:https?://\[::1\]:8000)(?:[/?#].*)?"]


ENTRIES = ["example.com", "example.com:8443", "127.0.0.1", "localhost:8080", "*.example.test", "[::1]:8000",
           "[::1]", "api.test:443", "plain.test:80"]
URLS = [
    "http://example.com/", "https://example.com:8443/a?b=1", "http://example.com", "https://EXAMPLE.com/x",
    "http://example.com.evil.test/", "http://evil.test/example.com", "http://sub.example.com/",
    "http://127.0.0.1:5000/a", "https://127.0.0.1", "http://127.0.0.10/", "http://127.0.0.1?q=1",
    "http://localhost:8080/", "http://localhost/", "http://localhost:8081/", "https://localhost:8080/x",
    "https://api.example.test/", "HTTPS://Api.Example.Test/", "http://a.b.example.test:9/", "http://example.test/", "https://example.org/",
    "http://[::1]:8000/", "http://[::1]/", "http://[::1]:9000/", "http://[::2]:8000/",
    "https://api.test/", "https://api.test:443/", "http://api.test/", "http://api.test:443/",
    "http://plain.test/", "https://plain.test/", "https://plain.test:80/",
    "ftp://example.com/", "file:///etc/passwd",
]


@pytest.mark.parametrize("entry", ENTRIES)
def test_scope_guard_and_zap_context_agree(entry):
    """Every URL the guard lets through is in ZAP's context, and nothing else is."""
    guard = ScopeGuard([entry])
    (pattern,) = scope_regexes([entry])
    disagree = [url for url in URLS if guard.allows(url) != bool(re.fullmatch(pattern, url))]
    assert disagree == []
    assert any(guard.allows(url) for url in URLS)  # the table exercises each entry


def test_what_each_entry_allows():
    allowed = {entry: [url for url in URLS if ScopeGuard([entry]).allows(url)] for entry in ENTRIES}
    assert allowed["example.com"] == ["http://example.com/", "https://example.com:8443/a?b=1", "http://example.com",
                                      "https://EXAMPLE.com/x"]
    assert allowed["example.com:8443"] == ["https://example.com:8443/a?b=1"]
    assert allowed["127.0.0.1"] == ["http://127.0.0.1:5000/a", "https://127.0.0.1", "http://127.0.0.1?q=1"]
    assert allowed["localhost:8080"] == ["http://localhost:8080/", "https://localhost:8080/x"]
    assert allowed["*.example.test"] == ["https://api.example.test/", "HTTPS://Api.Example.Test/",
                                         "http://a.b.example.test:9/"]
    assert allowed["[::1]:8000"] == ["http://[::1]:8000/"]
    assert allowed["[::1]"] == ["http://[::1]:8000/", "http://[::1]/", "http://[::1]:9000/"]
    assert allowed["api.test:443"] == ["https://api.test/", "https://api.test:443/", "http://api.test:443/"]
    assert allowed["plain.test:80"] == ["http://plain.test/", "https://plain.test:80/"]


def test_guard_with_several_entries_is_their_union():
    guard = ScopeGuard(["localhost", "127.0.0.1:8080", "*.example.test"])
    assert guard.entries == ("localhost", "127.0.0.1:8080", "*.example.test")
    assert guard.allows("https://localhost:9/x") and guard.allows("http://127.0.0.1:8080/")
    assert not guard.allows("http://127.0.0.1:8081/") and not guard.allows("http://example.test/")
    assert not guard.allows("http://localhost:notaport/")
