"""drHEADer (PyPI `drheader`) against pytest-secure on the same pages, offline.

drHEADer runs its default rules through its Python API (``Drheader(headers=...).analyze()``);
pytest-secure runs the same rules converted by ``convert_drheader`` on the same responses.
Every header or cookie problem drHEADer reports must also be reported by pytest-secure.
docs/drheader-comparison.md holds the table; a test keeps it current.
"""

from pathlib import Path

import pytest
import yaml

from pytest_secure.core.target import InProcessTarget
from pytest_secure.hygiene.convert_drheader import convert
from pytest_secure.hygiene.cookies import CookiePolicy
from pytest_secure.hygiene.headers import DOCUMENT_HEADERS, HeaderPolicy, is_document

from . import apps

DOC = Path(__file__).resolve().parents[2] / "docs" / "drheader-comparison.md"
PAGES = [  # (page name, app factory, path)
    ("Django, default settings", lambda: apps.django_app(apps.DJANGO_DEFAULT), "/"),
    ("Django, hardened settings", lambda: apps.django_app(apps.DJANGO_HARDENED), "/"),
    ("Flask + flask-talisman", apps.talisman_app, "/"),
    ("FastAPI, bare", lambda: apps.fastapi_app(secure=False), "/"),
    ("FastAPI, security middleware", lambda: apps.fastapi_app(secure=True), "/"),
    ("httpbin /", apps.httpbin_app, "/"),
    ("httpbin /cookies/set", apps.httpbin_app, "/cookies/set?session=abc"),
    ("httpbin /response-headers (X-Powered-By)", apps.httpbin_app, "/response-headers?X-Powered-By=PHP%2F8.2"),
]


def drheader_default_rules():
    from drheader.utils import default_rules

    return default_rules()


def fetch(make, path):
    target = InProcessTarget(make(), base_url="https://localhost", scope=["localhost"])
    try:
        return target.request("GET", path)
    finally:
        target.close()


def drheader_report(response):
    from drheader import Drheader

    headers = {}
    for name, value in response.headers:
        if name.lower() != "set-cookie":
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
    headers["set-cookie"] = [v for _, v in response.all_set_cookies()]  # as drHEADer's own fetch does
    return Drheader(headers=headers).analyze()


def our_findings(response):
    doc, _ = convert(drheader_default_rules())
    return (HeaderPolicy.from_section(doc["headers"]).audit(response)
            + CookiePolicy.from_section(doc.get("cookies")).audit(response))


def match(item, ours):
    """Our findings that report the same problem as drHEADer's report item."""
    rule = item["rule"]
    header, _, sub = rule.partition(" - ")
    if header.lower() == "set-cookie":
        return [f for f in ours if f.rule_id.startswith("cookies/") and f.key == sub.strip()]
    hits = [f for f in ours if f.rule_id.startswith("headers/") and f.key == header.lower()]
    if sub:  # a directive: our message names it
        hits = [f for f in hits if sub.lower() in f.message.lower()]
    return hits


def comparison_rows():
    rows = []
    for name, make, path in PAGES:
        response = fetch(make, path)
        ours = our_findings(response)
        for item in drheader_report(response):
            found = match(item, ours)
            rule = " ".join(item["rule"].split())  # how drHEADer spaces cookie names varies with the server
            verdict = ", ".join(sorted({f.rule_id for f in found})) or "MISSED"
            if verdict == "MISSED" and not is_document(response) and rule.lower() in DOCUMENT_HEADERS:
                # deliberate: a browser applies it to pages only (docs/headers.md, "Pages only")
                verdict = f"not a page ({response.header('content-type')}): not judged"
            rows.append((name, rule, item["message"], verdict))
    return rows


def render(rows):
    lines = ["| page | drHEADer rule | drHEADer message | pytest-secure rule(s) |", "|---|---|---|---|"]
    lines += [f"| {p} | {r} | {m} | {o} |" for p, r, m, o in rows]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def rows():
    return comparison_rows()


def test_every_drheader_problem_is_also_reported_by_us(rows):
    missed = [r for r in rows if r[3] == "MISSED"]
    assert missed == []
    assert len(rows) >= 40  # the pages really give drHEADer something to report


def test_the_comparison_table_in_the_docs_is_current(rows):
    text = DOC.read_text(encoding="utf-8")
    start = text.index("<!-- table -->") + len("<!-- table -->\n")
    end = text.index("<!-- /table -->")
    assert text[start:end].strip() == render(rows), "run: python -m tests.hygiene.test_drheader_comparison"


def test_drheader_default_rules_convert_to_a_valid_baseline(write_baseline):
    from pytest_secure.core.baseline import load_baseline

    doc, notes = convert(drheader_default_rules())
    baseline = load_baseline(write_baseline(yaml.safe_dump(doc)), environ={})
    assert set(baseline.section("headers")["rules"]) >= {"Content-Security-Policy", "X-Powered-By", "Server"}
    assert baseline.section("cookies")["rules"]["*"] == {"httponly": True, "secure": True}
    assert any("Cross-Origin-Embedder-Policy" in n for n in notes)  # skipped without -co, as drHEADer does


def test_nonce_case_where_we_deliberately_differ():
    """drHEADer's must-avoid is literal; a browser ignores 'unsafe-inline' next to a nonce. The
    converted rule reports the literal token like drHEADer; the csp analysis adds nothing."""
    from .responses import resp

    page = resp([("Content-Security-Policy", "default-src 'self'; script-src 'nonce-r4nd0m' 'unsafe-inline'")])
    literal = HeaderPolicy.from_section({"rules": {"Content-Security-Policy": {"must-avoid": ["unsafe-inline"]}}})
    assert [f.rule_id for f in literal.audit(page)] == ["headers/csp-value"]
    semantic = HeaderPolicy.from_section({"analysis": {"csp": True}})
    assert semantic.audit(page) == []


if __name__ == "__main__":  # regenerate the table, from the repository root: python -m tests.hygiene.test_drheader_comparison
    table = render(comparison_rows())
    text = DOC.read_text(encoding="utf-8")
    start = text.index("<!-- table -->") + len("<!-- table -->\n")
    end = text.index("<!-- /table -->")
    DOC.write_text(text[:start] + table + "\n" + text[end:], encoding="utf-8")
    print(f"wrote {DOC}")
