"""Content discovery (issue 13, item 5): a project folder served by Flask, Django and FastAPI
is found (its .env, Git files and dump), in process and on loopback; the twins (a single-page app
that answers 200 everywhere, a plain 404) raise no false alarm; the file contents never reach a
finding."""

from __future__ import annotations

import pytest

from pytest_secure.hygiene import discovery

from . import depth_apps
from .audit import audit

BASELINE = """
    version: 1
    leaks: {paths: [/], banners: false, error_pages: false, discovery: true}
    """
FILES = {("leaks/sensitive-file", p) for p in ("GET /.env", "GET /.git/HEAD", "GET /.git/config", "GET /backup.sql")}
API = {("leaks/api-description", "GET /openapi.json"), ("leaks/api-description", "GET /docs")}
CASES = {
    "flask": (depth_apps.flask_files_app, FILES),
    "django": (depth_apps.django_files_app, FILES),
    "fastapi": (depth_apps.fastapi_files_app, FILES | API),
}


def found(findings) -> set[tuple[str, str]]:
    return {(f.rule_id, f.location) for f in findings}


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
@pytest.mark.parametrize("name", list(CASES))
def test_served_project_folder_is_found(name, live, tmp_path):
    make, expected = CASES[name]
    findings = audit(make(depth_apps.write_project(tmp_path), planted=True), BASELINE, live=live)
    assert found(findings) == expected
    shown = " ".join(f"{f.message} {f.evidence}" for f in findings)
    assert "planted-db-password" not in shown and "planted-secret-key" not in shown


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
@pytest.mark.parametrize("name", list(CASES))
def test_twin_soft_404_or_plain_404_is_quiet(name, live, tmp_path):
    make, _expected = CASES[name]
    assert audit(make(depth_apps.write_project(tmp_path), planted=False), BASELINE, live=live) == []


def test_user_paths_and_backups_of_listed_pages(tmp_path):
    (tmp_path / "app.py.bak").write_text("SECRET = 'x'\n")
    (tmp_path / "app.py").write_text("print('hi')\n")
    (tmp_path / "old-admin.php").write_text("<?php echo 1;")
    app = depth_apps.flask_files_app(tmp_path, planted=True)
    text = """
        version: 1
        leaks: {paths: [/app.py], banners: false, error_pages: false, discovery_paths: [/old-admin.php, /nothing]}
        """
    assert found(audit(app, text, live=False)) == {("leaks/sensitive-file", "GET /app.py.bak"),
                                                   ("leaks/sensitive-file", "GET /old-admin.php")}


def test_plan_is_get_only_small_and_deduplicated():
    plan = discovery.Discovery(extra=("/.env", "/mine"), pages=("/", "/index.php", "/a.php", "/b.php", "/c.php",
                                                                "/d.php", "/e.php")).plan()
    paths = [p for p, _ in plan]
    assert len(paths) == len(set(paths)) and "/mine" in paths and "/index.php.bak" in paths
    assert "/e.php.bak" not in paths  # backups of the first pages only
    assert len(paths) < 50
    assert not [p for p, k in discovery.Discovery(api_descriptions=False).plan() if k and k.rule.endswith("api-description")]


@pytest.mark.parametrize("live", [False, True], ids=["in-process", "loopback"])
def test_werkzeug_console_is_found_twin_quiet(live, tmp_path):
    from werkzeug.debug import DebuggedApplication

    app = depth_apps.flask_files_app(tmp_path, planted=False)  # the single-page app: 200 everywhere
    console = DebuggedApplication(app, evalex=True)  # the defect: the debugger (and its /console) in production
    assert found(audit(console, BASELINE, live=live)) == {("leaks/exposed-console", "GET /console")}
    assert audit(app, BASELINE, live=live) == []
