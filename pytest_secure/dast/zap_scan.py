"""One ZAP scan through the API, step by step, each step bounded in time.

version check -> new session -> context from target.scope -> credentials as replacer rules
-> seed URLs (accessUrl) and OpenAPI import -> spider (capped) -> AJAX spider (optional,
capped) -> passive scan drained (capped) -> active scan (optional, capped) -> alerts, paged
-> ZAP's JSON report (optional) -> replacer rules removed.

A phase that hits its cap is stopped and recorded in ``incomplete``: the alerts found so far
are still read and reported, and the run marks the scan as an error. Anything that makes
the scan meaningless (ZAP unreachable, wrong key, target unreachable from ZAP) raises a
:class:`~pytest_secure.core.errors.DastError`.
"""

from __future__ import annotations

import contextlib
import math
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import DastError, ZapApiError, ZapNoAnswer, ZapTargetUnreachable
from ..core.scope import scope_regexes
from .alerts import Alert
from .config import ZapSettings
from .progress import Progress
from .zap_client import connect, expect_digits, expect_ok

MIN_VERSION = (2, 12)  # the spider and the API listener moved into add-ons in 2.12
AUTH_RULE_PREFIX = "pytest-secure auth: "


@dataclass
class ZapRun:
    version: str = ""
    alerts: list[Alert] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    urls: int = 0


class ZapScan:
    def __init__(self, settings: ZapSettings, *, target: str, scope: tuple[str, ...], seeds: list[str],
                 openapi: str | None, auth_headers: dict[str, str], progress: Progress,
                 sleep: Callable[[float], None] = time.sleep, excludes: list[str] | None = None) -> None:
        self.s = settings
        self.target = target.rstrip("/")
        self.scope = scope
        self.seeds = seeds
        self.openapi = openapi
        self.auth_headers = auth_headers
        self.excludes = list(excludes or ())  # regexes excluded from the context (dast.exclude, logout...)
        self.progress = progress
        self.sleep = sleep
        self.run_info = ZapRun()
        self._rules_added: list[str] = []
        self.zap: Any = None

    # -- the whole scan ------------------------------------------------------------------
    def run(self) -> ZapRun:
        self.zap = connect(self.s.proxy, self.s.api_key, self.s.timeout)
        self._check_version()
        try:
            if self.s.new_session:
                expect_ok(self.zap.core.new_session(overwrite=True), "core/action/newSession")
            context_id = self._make_context()
            self._add_auth()
            self._seed()
            self._import_openapi(context_id)
            self._spider()
            if self.s.ajax_spider:
                self._ajax_spider()
            self._wait_passive()
            if self.s.active:
                self._active_scan(context_id)
                self._wait_passive()
            self.run_info.alerts = self._read_alerts()
            self._keep_report()
        finally:
            self._remove_auth()
        return self.run_info

    # -- steps ---------------------------------------------------------------------------
    def _check_version(self) -> None:
        version = self.zap.core.version
        if not isinstance(version, str):
            raise ZapApiError("core/view/version", str(version)[:80], "expected a version string")
        numbers = re.match(r"^(\d+)\.(\d+)", version)
        if numbers and tuple(int(n) for n in numbers.groups()) < MIN_VERSION:
            raise DastError(f"ZAP {version} at {self.s.proxy} is too old: pytest-secure needs ZAP 2.12 or later "
                            "(the spider and API moved into add-ons then); use the zaproxy/zap-stable image")
        self.run_info.version = version
        self.progress.note(f"ZAP {version} at {self.s.proxy}, scanning {self.target}")

    def _make_context(self) -> str:
        name = self.s.context
        try:
            context_id = self.zap.context.new_context(contextname=name)
        except ZapApiError as exc:
            if exc.code != "already_exists":
                raise
            expect_ok(self.zap.context.remove_context(contextname=name), "context/action/removeContext")
            context_id = self.zap.context.new_context(contextname=name)
        context_id = expect_digits(context_id, "context/action/newContext")
        for regex in scope_regexes(self.scope):
            expect_ok(self.zap.context.include_in_context(contextname=name, regex=regex),
                      "context/action/includeInContext")
        for regex in self.excludes:  # the spider and the scans of this context leave these URLs alone
            expect_ok(self.zap.context.exclude_from_context(contextname=name, regex=regex),
                      "context/action/excludeFromContext")
        return context_id

    def _add_auth(self) -> None:
        """Credential headers become REQ_HEADER replacer rules limited to the target's URLs."""
        url_regex = "|".join(f"(?:{r})" for r in scope_regexes(self.scope))
        for header, value in self.auth_headers.items():
            description = AUTH_RULE_PREFIX + header
            with contextlib.suppress(ZapApiError):  # left over from a run that was killed
                self.zap.replacer.remove_rule(description=description)
            expect_ok(self.zap.replacer.add_rule(description=description, enabled=True, matchtype="REQ_HEADER",
                                                 matchregex=False, matchstring=header, replacement=value,
                                                 initiators="", url=url_regex),
                      "replacer/action/addRule")
            self._rules_added.append(description)
        if self.auth_headers:
            self.progress.note(f"authenticated as the scan identity ({', '.join(self.auth_headers)} injected)")

    def _remove_auth(self) -> None:
        for description in self._rules_added:
            with contextlib.suppress(DastError):  # best effort; the scan's own error matters more
                self.zap.replacer.remove_rule(description=description)
        self._rules_added.clear()

    def _seed(self) -> None:
        for i, path in enumerate(self.seeds):
            url = self.target + path
            try:
                with self.zap.budget(self.s.seed_timeout, "dast.zap.timeouts.seed"):  # ZAP waits for the target
                    messages = self.zap.core.access_url(url=url, followredirects=True)
            except ZapApiError as exc:
                if i == 0:
                    raise ZapTargetUnreachable(
                        f"ZAP at {self.s.proxy} cannot reach the target {url} ({exc.code}: {exc.detail}); ZAP "
                        "runs on its own network (in Docker, 127.0.0.1 is ZAP's container): set dast.zap.target "
                        "to the target's address as ZAP sees it, or start the service") from None
                self.run_info.notes.append(f"seed {path}: ZAP answered {exc.code}")
                continue
            if not isinstance(messages, list):
                raise ZapApiError("core/action/accessUrl", str(messages)[:80], "expected the list of messages")
        self.progress.note(f"seeded {len(self.seeds)} URL(s)")

    def _import_openapi(self, context_id: str) -> None:
        if not self.openapi:
            return
        url = self.openapi if "://" in self.openapi else self.target + "/" + self.openapi.lstrip("/")
        try:
            # synchronous in ZAP (OpenApiAPI.java): it answers once every operation has been requested
            with self.zap.budget(self.s.import_timeout, "dast.zap.timeouts.openapi_import"):
                warnings = self.zap.openapi.import_url(url=url, contextid=context_id)
        except ZapNoAnswer:
            self.run_info.incomplete.append(
                f"the OpenAPI import of {url} did not answer within {self.s.import_timeout:g}s "
                "(dast.zap.timeouts.openapi_import); the scan went on without it, so operations only the "
                "document lists may not have been scanned: raise dast.zap.timeouts.openapi_import")
            self.progress.note("OpenAPI import timed out; continuing without it")
            return
        except ZapApiError as exc:
            if exc.code == "bad_external_data":
                self.run_info.incomplete.append(
                    f"ZAP could not parse the OpenAPI document {url} (bad_external_data: {exc.detail}); "
                    "fix target.openapi or the document, so that the API's operations are scanned")
                self.progress.note("OpenAPI document refused by ZAP (bad_external_data)")
                return
            self.run_info.notes.append(f"OpenAPI import of {url} failed: {exc.code} {exc.detail}".strip())
            self.progress.note(f"OpenAPI import failed ({exc.code}); continuing without it")
            return
        count = len(warnings) if isinstance(warnings, list) else 0
        self.progress.note(f"imported the OpenAPI document {url}" + (f" ({count} warning(s))" if count else ""))

    def _spider(self) -> None:
        scan_id = expect_digits(
            self.zap.spider.scan(url=self.target, maxchildren=self.s.spider_max_children or None, recurse=True,
                                 contextname=self.s.context),
            "spider/action/scan")
        finished = self._poll("spider", self.s.spider_seconds,
                              lambda: int(expect_digits(self.zap.spider.status(scanid=scan_id), "spider/view/status")))
        if not finished:
            expect_ok(self.zap.spider.stop(scanid=scan_id), "spider/action/stop")
            self.run_info.incomplete.append(
                f"the spider did not finish within {self.s.spider_seconds:g}s (dast.zap.spider.max_seconds) "
                "and was stopped; URLs it had not reached were not scanned")
        results = self.zap.spider.results(scanid=scan_id)
        self.run_info.urls = len(results) if isinstance(results, list) else 0
        self.progress.note(f"spider found {self.run_info.urls} URL(s)")

    def _ajax_spider(self) -> None:
        """The AJAX spider, capped twice: ZAP's own maxDuration (whole minutes, set from
        dast.zap.ajax_spider.max_seconds, rounded up) and our poll cap.

        ``scan`` only starts a thread (AjaxSpiderAPI.java), and ``status`` reads ``stopped`` until
        that thread runs, so ``stopped`` counts as finished only once ``running`` was seen, or
        once the spider has results, or after a short grace (then a note says so).
        """
        minutes = max(1, math.ceil(self.s.ajax_seconds / 60))
        expect_ok(self.zap.ajaxSpider.set_option_max_duration(integer=minutes),
                  "ajaxSpider/action/setOptionMaxDuration")
        expect_ok(self.zap.ajaxSpider.scan(url=self.target, inscope=True, contextname=self.s.context),
                  "ajaxSpider/action/scan")
        seen_running: list[bool] = []
        started = time.monotonic()
        grace = min(self.s.ajax_start_grace, self.s.ajax_seconds)

        def status() -> int | None:
            state = self.zap.ajaxSpider.status
            if state not in ("running", "stopped"):
                raise ZapApiError("ajaxSpider/view/status", str(state)[:80], "expected running or stopped")
            if state == "running":
                seen_running.append(True)
                return None
            if seen_running or int(expect_digits(self.zap.ajaxSpider.number_of_results,
                                                 "ajaxSpider/view/numberOfResults")) > 0:
                return 100
            if time.monotonic() - started >= grace:
                self.run_info.notes.append(f"the AJAX spider read stopped for {grace:g}s after it was started and "
                                           "found nothing; check that the ZAP image has a browser")
                return 100
            return None

        if not self._poll("AJAX spider", self.s.ajax_seconds, status):
            expect_ok(self.zap.ajaxSpider.stop(), "ajaxSpider/action/stop")
            self.run_info.incomplete.append(
                f"the AJAX spider did not finish within {self.s.ajax_seconds:g}s and was stopped")

    def _wait_passive(self) -> None:
        first: list[int] = []

        def status() -> int:
            left = int(expect_digits(self.zap.pscan.records_to_scan, "pscan/view/recordsToScan"))
            if not first:
                first.append(left)
            total = max(first[0], left, 1)
            return 100 if left == 0 else int(100 * (total - left) / total)

        if not self._poll("passive scan", self.s.passive_seconds, status):
            self.run_info.incomplete.append(
                f"the passive scanner still had records to scan after {self.s.passive_seconds:g}s "
                "(dast.zap.passive_scan.max_seconds); alerts on those were not raised")

    def _active_scan(self, context_id: str) -> None:
        try:
            scan_id = expect_digits(
                self.zap.ascan.scan(url=self.target, recurse=True, scanpolicyname=self.s.active_policy,
                                    contextid=context_id),
                "ascan/action/scan")
        except ZapApiError as exc:
            if exc.code == "url_not_found":
                raise ZapTargetUnreachable(
                    f"ZAP has no record of {self.target}, so it cannot attack it (url_not_found): the seeds and "
                    "the spider did not reach it; check dast.zap.target") from None
            if exc.code == "does_not_exist":
                raise DastError(f"ZAP has no scan policy {self.s.active_policy!r} (does_not_exist); fix "
                                "dast.zap.active.policy or import the policy into ZAP") from None
            raise
        finished = self._poll("active scan", self.s.active_seconds,
                              lambda: int(expect_digits(self.zap.ascan.status(scanid=scan_id), "ascan/view/status")))
        if not finished:
            expect_ok(self.zap.ascan.stop(scanid=scan_id), "ascan/action/stop")
            self.run_info.incomplete.append(
                f"the active scan did not finish within {self.s.active_seconds:g}s "
                "(dast.zap.active.max_seconds) and was stopped")

    def _read_alerts(self) -> list[Alert]:
        """Every alert under the target, page by page.

        ZAP's ``start`` counts from 1 (``start=0`` and ``start=1`` both give the first page), so
        page *k* starts at ``k * page_size + 1``; a naive ``start += count`` loop, as in
        zap_common.zap_get_alerts, returns the alert at every page boundary twice.
        """
        alerts: list[Alert] = []
        size = self.s.page_size
        for page in range(self.s.max_alerts // size + 1):
            batch = self.zap.alert.alerts(baseurl=self.target, start=page * size + 1, count=size)
            if not isinstance(batch, list):
                raise ZapApiError("alert/view/alerts", str(batch)[:80], "expected a list of alerts")
            alerts.extend(Alert.from_api(a) for a in batch if isinstance(a, dict))
            if len(batch) < size:
                break
        else:
            self.run_info.incomplete.append(f"more than {self.s.max_alerts} alerts (dast.zap.max_alerts); "
                                            "the rest were not read")
        self.progress.note(f"read {len(alerts)} alert(s)")
        return alerts

    def _keep_report(self) -> None:
        path: Path | None = self.s.report
        if path is None:
            return
        text = None
        for attempt, budget in enumerate((self.s.report_timeout, 2 * self.s.report_timeout)):
            try:
                with self.zap.budget(budget, "dast.zap.timeouts.report"):
                    text = self.zap.core.jsonreport()
                break
            except ZapNoAnswer:  # the scan is finished: never lose its findings for the report
                if attempt == 0:
                    self.progress.note(f"ZAP's JSON report took longer than {budget:g}s; retrying with {2 * budget:g}s")
                    continue
                self.run_info.notes.append(
                    f"ZAP's JSON report did not come within {budget:g}s (dast.zap.timeouts.report, retried once "
                    "with twice the budget); the findings are complete, only the report file is missing: raise "
                    "dast.zap.timeouts.report")
                self.progress.note("no JSON report from ZAP (timed out)")
                return
            except ZapApiError as exc:
                self.run_info.notes.append(f"ZAP's JSON report is not available ({exc.code}: {exc.detail})")
                self.progress.note(f"no JSON report from ZAP ({exc.code})")
                return
        if text is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.progress.note(f"kept ZAP's JSON report in {path}")

    # -- helpers -------------------------------------------------------------------------
    def _poll(self, phase: str, cap: float, status: Callable[[], int | None]) -> bool:
        """Poll ``status`` (percent, None while unknown) until 100 or ``cap`` seconds; True if done.

        The first polls come quickly and the interval doubles up to ``poll_interval``, so a short
        phase costs a fraction of a second and a long one a poll every few seconds.
        """
        deadline = time.monotonic() + cap
        delay = min(0.1, self.s.poll_interval)
        while True:
            percent = status()
            self.progress.update(phase, percent)
            if percent is not None and percent >= 100:
                return True
            if time.monotonic() >= deadline:
                return False
            self.sleep(min(delay, max(deadline - time.monotonic(), 0.0)))
            delay = min(delay * 2, self.s.poll_interval)


def in_scope_target(target: str, allows: Callable[[str], bool]) -> str:
    parts = urllib.parse.urlsplit(target)
    if parts.scheme not in ("http", "https") or not allows(target):
        raise DastError(f"dast.zap.target {target} is outside target.scope; add its host to target.scope")
    return target
