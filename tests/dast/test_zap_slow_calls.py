"""Slow and racing ZAP calls, against an emulator as strict as ZAP (issue 14, points 6-8).

* openapi/action/importUrl is synchronous in ZAP (OpenApiAPI.java calls
  ExtensionOpenApi.importOpenApiDefinitionV2 with initViaUi=false and answers with its
  errors), so a large document can outlast the per-call timeout: it has its own budget, and
  a timeout is a clear incomplete-scan message, never an abort.
* core/other/jsonreport comes after the scan: a timeout there is retried once with twice the
  budget and never throws away the findings.
* ajaxSpider/action/scan only starts a thread (AjaxSpiderAPI.java), so status can read
  "stopped" before the crawl has run; its maxDuration is set from the baseline's cap.
"""

from __future__ import annotations

from pytest_secure.dast.config import ZapSettings
from pytest_secure.dast.progress import Progress
from pytest_secure.dast.zap_scan import ZapScan
from tests.dast.helpers import ZAP_KEY, literal, zap_project


def run(pytester, *args):
    return pytester.runpytest("--secure", "--secure-dast", "-p", "no:cacheprovider", "-rA", *args)


def scan_of(zap, url, **settings):
    zap.add_alert("10010", "/", param="tracking", evidence="Set-Cookie: tracking")  # a finding to keep
    settings = {"poll_interval": 0.01, "timeout": 5, **settings}
    return ZapScan(ZapSettings(proxy=zap.proxy, api_key=ZAP_KEY, **settings),
                   target=url, scope=("127.0.0.1",), seeds=["/"], openapi="/openapi.json", auth_headers={},
                   progress=Progress())


def test_a_slow_openapi_import_gets_its_own_budget(zap, example_url):
    """The import takes longer than the per-call timeout but less than its own: the scan is complete."""
    zap.delays["openapi/action/importUrl"] = 0.6
    run_info = scan_of(zap, example_url, timeout=0.3, import_timeout=5).run()
    assert run_info.incomplete == []
    assert "openapi/action/importUrl" in zap.endpoints_called() and run_info.alerts


def test_an_import_past_its_budget_is_reported_and_the_scan_goes_on(pytester, zap, example_url):
    zap.delays["openapi/action/importUrl"] = 2.0
    zap_project(pytester, target=example_url, proxy=zap.proxy,
                zap={"timeouts": {"openapi_import": 0.3}, "report": "zap.json"})
    result = run(pytester)
    out = result.stdout.str()
    assert "Traceback" not in out + result.stderr.str()
    # the scan went on: spider, passive scan, alerts and the report all happened after the timeout
    called = zap.endpoints_called()
    assert called.index("spider/action/scan") > called.index("openapi/action/importUrl")
    assert "core/other/jsonreport" in called and (pytester.path / "zap.json").is_file()
    result.stdout.fnmatch_lines(literal([
        "*the OpenAPI import of http://127.0.0.1:*/openapi.json did not answer within 0.3s "
        "(dast.zap.timeouts.openapi_import); the scan went on without it*"]))
    assert result.ret == 1  # an incomplete scan is an error of dast[scan], with the findings still reported


def test_a_slow_json_report_is_retried_and_never_loses_the_findings(zap, example_url, tmp_path):
    zap.delays["core/other/jsonreport"] = 0.5  # longer than the report budget, shorter than twice it
    scan = scan_of(zap, example_url, report_timeout=0.3, report=tmp_path / "zap.json")
    run_info = scan.run()
    assert zap.endpoints_called().count("core/other/jsonreport") == 2
    assert (tmp_path / "zap.json").is_file() and run_info.alerts and run_info.incomplete == []


def test_a_json_report_that_never_comes_keeps_the_findings(zap, example_url, tmp_path):
    zap.hang.add("core/other/jsonreport")
    run_info = scan_of(zap, example_url, report_timeout=0.2, report=tmp_path / "zap.json").run()
    assert run_info.alerts  # the finished scan is kept
    assert not (tmp_path / "zap.json").exists()
    assert any("ZAP's JSON report did not come within 0.4s (dast.zap.timeouts.report, retried once" in n
               for n in run_info.notes)


def test_the_ajax_spider_is_waited_for_until_it_has_really_run(zap, example_url):
    """ZAP reads "stopped" right after scan (the thread has not started): the driver waits for it."""
    zap.ajax_stopped_first, zap.ajax_running_polls = 3, 2
    run_info = scan_of(zap, example_url, ajax_spider=True, ajax_seconds=90).run()
    assert zap.ajax_ran and run_info.incomplete == []
    statuses = zap.endpoints_called().count("ajaxSpider/view/status")
    assert statuses >= 3 + 2 + 1  # through the "stopped" polls, the running ones, and the final stopped
    # its own cap in ZAP: whole minutes, from dast.zap.ajax_spider.max_seconds, rounded up
    assert zap.params_of("ajaxSpider/action/setOptionMaxDuration") == [{"Integer": "2"}]
    assert zap.ajax_max_duration == 2
    called = zap.endpoints_called()
    assert called.index("ajaxSpider/action/setOptionMaxDuration") < called.index("ajaxSpider/action/scan")


def test_an_ajax_spider_that_never_starts_ends_after_the_grace_with_a_note(zap, example_url):
    zap.ajax_stopped_first = 10_000  # e.g. no browser in the image: it never runs
    run_info = scan_of(zap, example_url, ajax_spider=True, ajax_seconds=30, ajax_start_grace=0.2).run()
    assert not zap.ajax_ran
    assert any("the AJAX spider read stopped for 0.2s after it was started and found nothing" in n
               for n in run_info.notes)


def test_a_broken_openapi_document_is_bad_external_data(zap, example_url, tmp_path):
    from tests.servers import serve_wsgi

    def app(environ, start_response):  # the target serves an OpenAPI "document" that is not one
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"openapi": "3.0.0", "paths": ["not", "an", "object"]}']

    with serve_wsgi(app) as url:
        run_info = scan_of(zap, url).run()
    assert any("ZAP could not parse the OpenAPI document" in i and "bad_external_data" in i
               for i in run_info.incomplete)


def test_emulator_is_as_strict_as_zap(zap, example_url):
    """url_not_in_context for a scan outside its context (ActiveScanAPI.java), does_not_exist for
    stopping a scan that does not exist."""
    import pytest

    from pytest_secure.core.errors import ZapApiError
    from pytest_secure.dast.zap_client import connect

    client = connect(zap.proxy, ZAP_KEY, 5)
    context_id = client.context.new_context(contextname="c")
    client.context.include_in_context(contextname="c", regex="http://127\\.0\\.0\\.1:1/.*")
    client.core.access_url(url=example_url + "/")
    with pytest.raises(ZapApiError) as outside:
        client.ascan.scan(url=example_url + "/", contextid=context_id)
    assert outside.value.code == "url_not_in_context"
    with pytest.raises(ZapApiError) as missing:
        client.ascan.stop(scanid="7")
    assert missing.value.code == "does_not_exist"
