"""Where an input lands in an HTML page (text, tag, script) and whether it breaks out there, as
the reflected-XSS problem a user reads (the context is in its message). Pages are what a
template without auto-escaping renders (Jinja2 with ``|safe``, an f-string view), one case per
row, both ways. Written from the survivors of the mutation check (docs/testing.md)."""

import pytest

from pytest_secure.fuzz import oracles as o

HTML = [("Content-Type", "text/html; charset=utf-8")]


def reflected(body, value):
    p = o.no_unencoded_reflection(o.Exchange(status=200, headers=HTML, body=body, inputs=(value,)))
    return None if p is None else (p.rule_id, p.message, p.evidence)


def xss(context, evidence):
    return ("fuzz/reflected-xss", f"input is echoed unencoded into HTML ({context} context)", evidence)


ATTR = '" autofocus onfocus="alert(1)'
SCRIPT = '";alert(1);//'


@pytest.mark.parametrize(("body", "value", "expected"), [
    # text: only new markup breaks out
    ("<p>Results for <psec-xss></p>", "<psec-xss>", xss("text", "<p>Results for <psec-xss></p>")),
    ("<psec-xss> not found", "<psec-xss>", xss("text", "<psec-xss> not found")),  # an HTML fragment (htmx)
    ("<p>No results for --><psec-xss></p>", "--><psec-xss>", xss("text", "<p>No results for --><psec-xss></p>")),
    ("<p>Results for <?php echo 1 ?></p>", "<?php echo 1 ?>", xss("text", "<p>Results for <?php echo 1 ?></p>")),
    (f"<p>Results for {ATTR}</p>", ATTR, None),                  # a quote in text is only text
    (f"Results for {ATTR}<br>", ATTR, None),                     # a fragment: no tag before the input
    (f"<p>Price < 10 for {ATTR}</p>", ATTR, None),               # "< 1" opens no tag
    (f"<!-- searched: {ATTR} -->", ATTR, None),                  # inside a comment
    ("<p>it's <b>it's</b></p>", "it's", None),
    # tag: a quote leaves the attribute, a javascript: or data: URL runs where a URL is expected
    (f'<input name="q" value="{ATTR}">', ATTR, xss("tag", f'<input name="q" value="{ATTR}">')),
    (f"<input name=q value='{ATTR}'>", ATTR, xss("tag", f"<input name=q value='{ATTR}'>")),
    ("<div title=x'y>", "x'y", xss("tag", "<div title=x'y>")),
    ("</a title=\"" + ATTR + "\">", ATTR, xss("tag", "</a title=\"" + ATTR + "\">")),  # an end tag is a tag too
    ('<a href="JaVaScRiPt:alert(1)">go</a>', "JaVaScRiPt:alert(1)", xss("tag", '<a href="JaVaScRiPt:alert(1)">go</a>')),
    ('<a href="java\tscript:alert(1)">go</a>', "java\tscript:alert(1)",
     xss("tag", '<a href="java\tscript:alert(1)">go</a>')),
    ("<form action = 'javascript:alert(1)'>", "javascript:alert(1)", xss("tag", "<form action = 'javascript:alert(1)'>")),
    ('<iframe src="data:text/html,PHNjcmlwdD4=">', "data:text/html,PHNjcmlwdD4=",
     xss("tag", '<iframe src="data:text/html,PHNjcmlwdD4=">')),
    ('<a title="javascript:alert(1)">go</a>', "javascript:alert(1)", None),  # not a URL attribute
    ("<p>javascript:alert(1)</p>", "javascript:alert(1)", None),
    ('<input value="a&amp;b">', "a&b", None),  # encoded: only the plain form counts
    ('<input value="AT&T Xfinity">', "AT&T Xfinity", None),  # an ampersand does not leave an attribute
    ('<input value="">">', '">', None),        # two characters: too short to tell from chance
    ('<input value=""/>">', '"/>', xss("tag", '<input value=""/>">')),
    # script: a quote leaves the string; in the <script> tag's own attributes it is a tag
    (f'<script>var q = "{SCRIPT}";</script>', SCRIPT, xss("script", f'<script>var q = "{SCRIPT}";</script>')),
    (f'<SCRIPT>var q = "{SCRIPT}";</SCRIPT>', SCRIPT, xss("script", f'<SCRIPT>var q = "{SCRIPT}";</SCRIPT>')),
    ("<script src='/app.js?v=' onload='alert(1)'></script>", "' onload='alert(1)",
     xss("tag", "<script src='/app.js?v=' onload='alert(1)'></script>")),
    ('<script>var q = "</script><script>alert(1)</script>";</script>', "</script><script>alert(1)</script>",
     xss("script", '<script>var q = "</script><script>alert(1)</script>";</script>')),
    (f"<script>init();</script><p>{SCRIPT}</p>", SCRIPT, None),  # after the script: text
    (f"<script>init();</script><p>x</p><script>track();</script><p>{SCRIPT}</p>", SCRIPT, None),  # after both
    (f'<script>init();</script><script>var q = "{SCRIPT}";</script>', SCRIPT,  # in the page's second script
     xss("script", f'...script>init();</script><script>var q = "{SCRIPT}";</script>')),
    ("<body><script>init();</script><script src='/app.js?v=' onload='alert(1)'></script>", "' onload='alert(1)",
     xss("tag", "...>init();</script><script src='/app.js?v=' onload='alert(1)'></script>")),
    ('<script>var q = "AT&T Xfinity";</script>', "AT&T Xfinity", None),  # nothing that ends a string
    ('<script>var q = "\\";alert(1);//";</script>', SCRIPT, None),  # the quote escaped: still in the string
    ("<script>var q = '\\\\';alert(1);//';</script>", "';alert(1);//",  # the backslash escaped, the quote not
     xss("script", "<script>var q = '\\\\';alert(1);//';</script>")),
    ("<script>var q = '\\'x\"y';</script>", "'x\"y", xss("script", "<script>var q = '\\'x\"y';</script>")),
])
def test_where_the_input_lands_and_whether_it_breaks_out(body, value, expected):
    assert reflected(body, value) == expected


LAYOUT = "<!doctype html><html><head><title>Shop</title></head><body><nav>Home | Cart | Account</nav>"


def test_the_evidence_is_the_input_with_forty_characters_either_side():
    body = f'{LAYOUT}<form><input name="q" value="{ATTR}"></form><footer>(c) Shop 2026</footer></body></html>'
    at = body.index(ATTR)
    assert reflected(body, ATTR) == xss("tag", "..." + body[at - 40:at + len(ATTR) + 40] + "...")


def hits(count, last):
    """A results page that shows the query ``count`` times in text, then once more where ``last`` puts it."""
    items = "".join(f"<li>{ATTR} (result {i})</li>" for i in range(count))
    return f"<ul>{items}</ul>" + last.format(ATTR)


@pytest.mark.parametrize(("count", "found"), [(0, True), (3, True), (4, True), (5, False)])
def test_the_first_five_places_of_an_input_are_judged(count, found):
    body = hits(count, '<input value="{}">')
    assert (reflected(body, ATTR) is not None) is found


@pytest.mark.parametrize(("body", "index", "context"), [
    ("<p>Hello MARK</p>", 9, "text"),
    ("Hello MARK", 6, "text"),
    ('<input value="MARK">', 14, "tag"),
    ("<script>var q = 'MARK';</script>", 17, "script"),
    ("<script src='MARK'></script>", 13, "tag"),
    ("<script>x()</script><p>MARK</p>", 23, "text"),
    ("<p>1 < 2 MARK</p>", 9, "text"),
])
def test_the_context_of_a_position(body, index, context):
    assert body[index:index + 4] == "MARK"
    assert o._html_context(body, index) == context


@pytest.mark.parametrize(("text", "value", "places"), [
    ("a'b'c'd'e'f'g'", "'", [1, 3, 5, 7, 9]),       # five at most
    ("''''", "''", [0, 1, 2]),                       # overlapping places count
    ("abc", "abc", [0]),
    ("xyz", "abc", []),
])
def test_the_places_of_a_value(text, value, places):
    assert list(o._occurrences(text, value)) == places


def test_every_input_is_judged_not_only_the_first():
    body = '<p>Hello bob</p><input name="q" value="" autofocus onfocus="alert(1)">'
    ex = o.Exchange(status=200, headers=HTML, body=body, inputs=("7", "bob", ATTR))  # an id, a name, the payload
    assert o.no_unencoded_reflection(ex).message == "input is echoed unencoded into HTML (tag context)"
