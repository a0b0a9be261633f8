"""pytest-html's own report gets each item's findings (a column and an HTML extra per item, the
screenshots as image extras), only when pytest-html is active; read back from the HTML it wrote."""

import base64
import json
import textwrap

import pytest

from tests.paths import ROOT
from tests.report.html_helpers import full_project, png, pytest_html_data

pytest.importorskip("pytest_html", reason="pytest-html not installed (pip install 'pytest-secure[test]')")


def entry(data, nodeid):
    """The item's row (its call, or its setup when that failed)."""
    return next(e for e in data["tests"][nodeid] if f'<td class="col-testId">{nodeid}</td>' in e["resultsTableRow"])


def test_findings_in_the_pytest_html_report(pytester):
    full_project(pytester)
    result = pytester.runpytest("--secure", "-p", "no:cacheprovider", "--html=ph/report.html", "--self-contained-html")
    result.assert_outcomes(passed=44, failed=9, xfailed=1)
    data, page = pytest_html_data(pytester.path / "ph" / "report.html")
    assert '<th class="sortable" data-column-type="secure">Security findings</th>' in page
    bola = entry(data, "security-baseline.yaml::authz[GET /notes/{id}::bob]")
    assert bola["resultsTableRow"][2] == '<td class="col-secure">1 failing</td>'
    [extra] = bola["extras"]
    assert extra["format_type"] == "html"
    fragment = extra["content"]
    assert 'data-rule="authz/object-access"' in fragment and "bob read alice&#x27;s object 100" in fragment
    assert "Authorization: [REDACTED]" in fragment and "-pw" not in fragment  # the curl line, credentials masked
    assert "<b>Fix:</b> Look the object up within the caller&#x27;s scope" in fragment
    # the waived finding is there too, marked waived; a passing item has an empty summary and no extra
    waived = entry(data, "security-baseline.yaml::headers[GET /legacy/admin::X-Content-Type-Options]")
    assert waived["resultsTableRow"][2] == '<td class="col-secure">1 waived</td>'
    quiet = entry(data, "security-baseline.yaml::authz[GET /dashboard::alice]")
    assert quiet["resultsTableRow"][2] == '<td class="col-secure">none</td>' and quiet["extras"] == []
    # the screenshot of the custom check, as an image extra with the file's bytes
    framed = entry(data, "security-baseline.yaml::custom[GET /login::framing]")
    images = [e for e in framed["extras"] if e["format_type"] == "image"]
    assert [e["name"] for e in images] == ["shots/framed.png"]
    assert images[0]["content"] == "data:image/png;base64," + base64.b64encode(png()).decode()


def test_registered_only_when_pytest_html_writes_a_report(pytester):
    full_project(pytester)
    pytester.makeconftest(pytester.path.joinpath("conftest.py").read_text() + textwrap.dedent("""
        def pytest_sessionfinish(session):
            registered = session.config.pluginmanager.hasplugin("secure-pytest-html")
            print(f"\\nsecure-pytest-html registered: {registered}")
        """))
    without = pytester.runpytest("--secure", "-p", "no:cacheprovider", "-s", "-k", "dashboard")
    assert "secure-pytest-html registered: False" in without.stdout.str()
    disabled = pytester.runpytest("--secure", "-p", "no:cacheprovider", "-p", "no:html", "-s", "-k", "dashboard")
    assert "secure-pytest-html registered: False" in disabled.stdout.str()
    with_html = pytester.runpytest("--secure", "-p", "no:cacheprovider", "-s", "-k", "dashboard", "--html=r.html")
    assert "secure-pytest-html registered: True" in with_html.stdout.str()


def test_under_xdist_the_controller_adds_the_extras(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the workers import tests.authz.apps
    full_project(pytester)
    result = pytester.runpytest_subprocess("--secure", "-p", "no:cacheprovider", "-n", "2", "--html=x.html",
                                           "--self-contained-html", "--secure-json=x.json", "--secure-html=ours.html")
    result.assert_outcomes(passed=44, failed=9, xfailed=1)
    data, _ = pytest_html_data(pytester.path / "x.html")
    expected = {c["nodeid"]: len(c["findings"]) for c in json.loads((pytester.path / "x.json").read_text())["checks"]
                if c["findings"]}
    shown = {}
    for nodeid in data["tests"]:
        for extra in entry(data, nodeid)["extras"]:
            if extra["format_type"] == "html":
                shown[nodeid] = extra["content"].count('<tr class="secure-finding"')
    assert shown == expected and len(shown) == 9
    ours = (pytester.path / "ours.html").read_text()  # and our own report, written once on the controller
    assert ours.count('<tr class="finding"') == sum(expected.values()) and 'data-state="failed"' in ours
