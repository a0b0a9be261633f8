"""The pip extras: without the ``fuzz`` extra (schemathesis, Hypothesis) a baseline or test that
fuzzes stops with a usage error naming the install line, never an ImportError traceback, and
everything else still runs; with ``--secure``, only the areas the baseline uses are imported.

"Not installed" is a fresh interpreter whose import system refuses those libraries (a meta-path
finder that raises ``ModuleNotFoundError``, as a missing package does) with the plugin
autoloading off, as in an environment where they were never installed and so registered no
pytest plugin; the real packages stay installed in the project's environment.
"""

import subprocess
import sys
import textwrap

import pytest

from pytest_secure.core.errors import MissingExtra
from pytest_secure.core.extras import install_line, missing, require
from tests.paths import ROOT

RUN_WITHOUT = textwrap.dedent("""
    import importlib.abc, sys
    BLOCKED = set(sys.argv[1].split(","))

    class NotInstalled(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
    if sys.argv[2] == "pytest":
        import pytest
        code = pytest.main(["-p", "pytest_secure.plugin", "-p", "no:cacheprovider", *sys.argv[3:]])
        print("IMPORTED", sorted(m for m in BLOCKED if m in sys.modules))
        sys.exit(code)
    exec(sys.argv[3])
""")
FUZZ_LIBS = "schemathesis,hypothesis,_hypothesis_pytestplugin"


def run_without(folder, blocked, *args):
    """``pytest`` (or ``python -c``, with ``args[0] == "-c"``) in a fresh process where ``blocked`` does not import."""
    mode = ["code", args[1]] if args[:1] == ("-c",) else ["pytest", *args]
    env = {"PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-c", RUN_WITHOUT, blocked, *mode], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)


FUZZ_BASELINE = """\
version: 1
target: {app: "tests.fuzz.apps:fixed_shop()", openapi: /openapi.json}
fuzz: {max_examples: 5, seed: 0, operations: [GET /echo]}
"""

HEADERS_APP = """\
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html"), ("X-Frame-Options", "DENY"),
                              ("X-Content-Type-Options", "nosniff")])
    return [b"<h1>hello</h1>"]
"""
HEADERS_BASELINE = """\
version: 1
target: {app: "headers_app:app"}
headers:
  paths: [/]
  rules:
    X-Frame-Options: {required: true, value: DENY}
    X-Content-Type-Options: {required: true, value: nosniff}
"""


def test_require_names_the_missing_module_and_the_install_line(monkeypatch):
    assert missing("fuzz") is None and missing("dast") is None  # the project's environment has every extra
    require("fuzz", "fuzz:")
    monkeypatch.setitem(sys.modules, "zapv2", None)  # the import system's own "not installed" marker
    assert missing("dast") == "zapv2"
    with pytest.raises(MissingExtra) as raised:
        require("dast", "dast.engine: zap")
    assert raised.value.extra == "dast" and raised.value.module == "zapv2"
    assert str(raised.value).endswith(install_line("dast")) and install_line("dast") == "pip install 'pytest-secure[dast]'"


def test_a_fuzz_baseline_without_the_fuzz_extra_is_a_usage_error_with_the_install_line(tmp_path):
    (tmp_path / "security-baseline.yaml").write_text(FUZZ_BASELINE)
    proc = run_without(tmp_path, FUZZ_LIBS, "--secure")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 4, out
    assert f"{tmp_path / 'security-baseline.yaml'}:3:1: fuzz needs pytest-secure's 'fuzz' extra" in out
    assert "pip install 'pytest-secure[fuzz]'" in out and "Traceback" not in out
    assert "IMPORTED []" in out


def test_the_same_fuzz_baseline_with_the_extra_collects_its_item(tmp_path):
    (tmp_path / "security-baseline.yaml").write_text(FUZZ_BASELINE)
    proc = run_without(tmp_path, "not_a_real_module", "--secure", "--collect-only", "-q")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "fuzz[GET /echo]" in proc.stdout and "pytest-secure[fuzz]" not in proc.stdout


def test_a_fuzz_marked_test_without_the_fuzz_extra_is_a_usage_error(tmp_path):
    (tmp_path / "test_marked.py").write_text(textwrap.dedent("""
        import pytest

        from pytest_secure.fuzz.marker import fuzz_payloads

        @pytest.mark.fuzz("sqli", per_family=2)
        def test_search(payload):
            assert payload

        @fuzz_payloads("sqli", max_examples=3)
        def test_slug(payload):
            assert isinstance(payload, (str, bytes, int, float)) or payload is None or payload is not None
    """))
    blocked = run_without(tmp_path, FUZZ_LIBS, "-q")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode == 4, out
    assert ("test_marked.py::test_search: @pytest.mark.fuzz (and 1 more test(s)) needs pytest-secure's 'fuzz' extra"
            in out)
    assert "pip install 'pytest-secure[fuzz]'" in out and "Traceback" not in out and "IMPORTED []" in out
    (tmp_path / "test_marked.py").write_text((tmp_path / "test_marked.py").read_text().split("@pytest.mark.fuzz(")[0]
                                             + "@fuzz_payloads('sqli')\ndef test_only(payload):\n    pass\n")
    only_decorator = run_without(tmp_path, FUZZ_LIBS, "-q")
    assert only_decorator.returncode == 4, only_decorator.stdout
    assert "test_marked.py::test_only: @fuzz_payloads needs pytest-secure's 'fuzz' extra" in only_decorator.stderr
    installed = run_without(tmp_path, "not_a_real_module", "-q")
    assert installed.returncode == 0 and "1 passed" in installed.stdout, installed.stdout + installed.stderr


def test_authz_explore_without_the_fuzz_extra_is_a_usage_error_placed_on_the_key(tmp_path):
    (tmp_path / "security-baseline.yaml").write_text(textwrap.dedent("""\
        version: 1
        target: {app: "headers_app:app"}
        identities:
          alice: {bearer: tok-alice-0123456789}
        authz:
          rules:
            - {request: "GET /notes/{id}", allow: [alice], params: {id: ["1"]}, explore: true}
    """))
    (tmp_path / "headers_app.py").write_text(HEADERS_APP)
    proc = run_without(tmp_path, FUZZ_LIBS, "--secure")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 4, out
    assert "security-baseline.yaml:7:" in out and "authz.rules.0.explore needs pytest-secure's 'fuzz' extra" in out
    assert "Traceback" not in out


def test_without_the_fuzz_and_dast_extras_a_headers_baseline_runs_and_every_rule_table_loads(tmp_path):
    (tmp_path / "security-baseline.yaml").write_text(HEADERS_BASELINE)
    (tmp_path / "headers_app.py").write_text(HEADERS_APP)
    proc = run_without(tmp_path, FUZZ_LIBS + ",zapv2", "--secure", "-q")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout and "IMPORTED []" in proc.stdout
    code = ("from pytest_secure.areas import RULES\nfrom pytest_secure import docgen\n"
            "print(len(RULES), RULES['fuzz/server-error'].title, RULES['dast/zap-10038'].severity.label)\n")
    blocked = run_without(tmp_path, FUZZ_LIBS + ",zapv2", "-c", code)
    installed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert blocked.returncode == 0, blocked.stderr
    assert blocked.stdout == installed.stdout and int(blocked.stdout.split()[0]) > 200


def test_with_secure_only_the_areas_the_baseline_uses_are_imported(tmp_path):
    (tmp_path / "security-baseline.yaml").write_text(HEADERS_BASELINE)
    (tmp_path / "headers_app.py").write_text(HEADERS_APP)
    code = (
        "import sys, pytest\n"
        "rc = pytest.main(['--secure', '--collect-only', '-q', '-p', 'no:cacheprovider'])\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith('pytest_secure.')))\n"
        "sys.exit(rc)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": f"{ROOT}:{tmp_path}", "PATH": "/usr/bin:/bin",
                               "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTEST_ADDOPTS": "-p pytest_secure.plugin"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    loaded = eval(proc.stdout.split("LOADED ", 1)[1])
    assert "pytest_secure.hygiene.headers" in loaded
    unused = [m for m in loaded if m.split(".")[1] in ("abuse", "dast", "browser")
              or m.startswith(("pytest_secure.fuzz.area", "pytest_secure.authz.area", "pytest_secure.hygiene.leaks",
                               "pytest_secure.hygiene.cookies", "pytest_secure.hygiene.passive"))]
    assert unused == []


APP_LIBS = "httpx,anyio"


def test_an_in_process_target_without_the_app_extra_is_a_usage_error_placed_on_the_key(tmp_path):
    (tmp_path / "security-baseline.yaml").write_text(HEADERS_BASELINE)
    (tmp_path / "headers_app.py").write_text(HEADERS_APP)
    proc = run_without(tmp_path, APP_LIBS, "--secure", "-q")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 4, out
    assert (f"{tmp_path / 'security-baseline.yaml'}:2:15: target.app needs pytest-secure's 'app' extra, which is not "
            "installed (httpx does not import); install it with: pip install 'pytest-secure[app]'") in out
    assert "Traceback" not in out and "IMPORTED []" in out


def test_a_live_target_needs_neither_httpx_nor_anyio(tmp_path):
    """A plain install (no extra) checks a server: httpx and anyio are never imported."""
    from tests.servers import serve_wsgi

    namespace: dict = {}
    exec(HEADERS_APP, namespace)
    with serve_wsgi(namespace["app"]) as url:
        (tmp_path / "security-baseline.yaml").write_text(
            HEADERS_BASELINE.replace('app: "headers_app:app"', f"base_url: {url!r}"))
        proc = run_without(tmp_path, APP_LIBS + "," + FUZZ_LIBS + ",zapv2", "--secure", "-q")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout and "IMPORTED []" in proc.stdout
