"""Opt-in: the same nightly run against a real ZAP. Skipped unless ZAP_PROXY is set.

Start ZAP, e.g.::

    docker run --network host -u zap zaproxy/zap-stable zap.sh -daemon -host 127.0.0.1 -port 8090 \\
        -config api.key=$ZAP_API_KEY
    ZAP_PROXY=http://127.0.0.1:8090 ZAP_API_KEY=... pytest tests/dast/test_real_zap.py

The example service is served on 127.0.0.1 (ZAP must share the host's network), unless
ZAP_TARGET_URL names a running copy that ZAP can reach.
"""

from __future__ import annotations

import contextlib
import os

import pytest

from tests.dast.helpers import literal, zap_project
from tests.servers import serve_wsgi

pytestmark = pytest.mark.skipif(not os.environ.get("ZAP_PROXY"), reason="set ZAP_PROXY to run against a real ZAP")


def test_nightly_run_against_a_real_zap(pytester, example_app):
    target = os.environ.get("ZAP_TARGET_URL")
    with contextlib.ExitStack() as stack:
        if not target:
            target = stack.enter_context(serve_wsgi(example_app))
        zap_project(pytester, target=target, proxy=os.environ["ZAP_PROXY"],
                    zap={"poll_interval": 1, "timeout": 60, "spider": {"max_seconds": 120},
                         "passive_scan": {"max_seconds": 120}, "report": "zap-report.json"})
        result = pytester.runpytest("--secure", "--secure-dast", "-p", "no:cacheprovider", "-rA")
    result.stdout.fnmatch_lines(literal(["*dast: ZAP * at *, scanning *", "*dast: read * alert(s)",
                                         "PASSED security-baseline.yaml::dast[scan]"]))
    assert (pytester.path / "zap-report.json").read_text().lstrip().startswith("{")
