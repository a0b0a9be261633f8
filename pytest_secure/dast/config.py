"""The baseline's ``dast:`` section as typed settings (the schema has validated it already)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.baseline.model import Baseline
from ..core.errors import DastError

# URLs whose path or query name an action that ends a session or destroys data: never crawled,
# spidered or scanned unless dast.crawl.destructive is true (the built-in crawler also reads link
# text and submit buttons; see crawler.DESTRUCTIVE_WORDS). A regex for ZAP's context and plan.
DESTRUCTIVE_URL_REGEX = (r"(?i)^[a-z]+://[^/]*/[^#]*(?<![a-z])(?:log[-_]?out|log[-_]?off|sign[-_]?out|"
                         r"sign[-_]?off|delete|remove|destroy|reset|purge|wipe|deactivate|unsubscribe|revoke).*$")


@dataclass(frozen=True)
class ZapSettings:
    proxy: str = "http://127.0.0.1:8080"
    api_key: str | None = None
    target: str | None = None
    timeout: float = 60.0
    seed_timeout: float = 120.0  # accessUrl waits for the target
    import_timeout: float = 600.0  # openapi/action/importUrl is synchronous
    report_timeout: float = 300.0  # core/other/jsonreport
    poll_interval: float = 2.0
    context: str = "pytest-secure"
    new_session: bool = True
    spider_seconds: float = 300.0
    spider_max_children: int = 0
    ajax_spider: bool = False
    ajax_seconds: float = 300.0
    ajax_start_grace: float = 15.0  # "stopped" before "running" is trusted only after this (AjaxSpiderAPI.java)
    passive_seconds: float = 300.0
    active: bool = False
    active_policy: str | None = None
    active_seconds: float = 1800.0
    report: Path | None = None
    page_size: int = 500
    max_alerts: int = 50_000


@dataclass(frozen=True)
class CrawlSettings:
    max_pages: int = 100
    max_depth: int = 5
    max_seconds: float = 120.0
    submit_post_forms: bool = False
    destructive: bool = False  # follow logout/delete links and submit destructive forms too
    exclude: tuple[re.Pattern[str], ...] = ()  # dast.exclude: URLs never requested


@dataclass(frozen=True)
class DastSettings:
    engine: str = "builtin"
    identity: str = "anonymous"
    seeds: tuple[str, ...] = ()
    rules: Path | None = None
    known: Path = Path("dast-known.json")
    informational: bool = False
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    zap: ZapSettings = field(default_factory=ZapSettings)
    declared: bool = True  # False when the baseline has no dast: section (defaults are used)
    exclude: tuple[str, ...] = ()  # dast.exclude, as written (regexes searched in the full URL)
    unlisted_rules: str = "WARN"  # with a rules file: level of a rule it does not list ("keep": ZAP's risk)

    def zap_excludes(self) -> list[str]:
        """Regexes ZAP must leave alone (context excludes, plan excludePaths): dast.exclude, each
        made to match a whole URL, and the destructive URLs unless dast.crawl.destructive."""
        found = [p if p.startswith((".*", "^")) else f".*(?:{p}).*" for p in self.exclude]
        return found + ([] if self.crawl.destructive else [DESTRUCTIVE_URL_REGEX])


def dast_settings(baseline: Baseline) -> DastSettings:
    """Typed settings from ``baseline.section("dast")``; paths resolved against the baseline file."""
    section = baseline.section("dast")
    raw: dict[str, Any] = section or {}
    here = baseline.path.parent

    def resolve(value: str | None) -> Path | None:
        return None if value is None else (here / value)

    z = raw.get("zap") or {}
    ajax = z.get("ajax_spider", False)
    active = z.get("active", False)
    zap = ZapSettings(
        proxy=z.get("proxy", "http://127.0.0.1:8080").rstrip("/"),
        api_key=z.get("api_key"),
        target=z.get("target"),
        timeout=float(z.get("timeout", 60)),
        seed_timeout=float((z.get("timeouts") or {}).get("seed", 120)),
        import_timeout=float((z.get("timeouts") or {}).get("openapi_import", 600)),
        report_timeout=float((z.get("timeouts") or {}).get("report", 300)),
        poll_interval=float(z.get("poll_interval", 2)),
        context=z.get("context", "pytest-secure"),
        new_session=bool(z.get("new_session", True)),
        spider_seconds=float((z.get("spider") or {}).get("max_seconds", 300)),
        spider_max_children=int((z.get("spider") or {}).get("max_children", 0)),
        ajax_spider=bool(ajax),
        ajax_seconds=float(ajax.get("max_seconds", 300)) if isinstance(ajax, dict) else 300.0,
        passive_seconds=float((z.get("passive_scan") or {}).get("max_seconds", 300)),
        active=bool(active),
        active_policy=active.get("policy") if isinstance(active, dict) else None,
        active_seconds=float(active.get("max_seconds", 1800)) if isinstance(active, dict) else 1800.0,
        report=resolve(z.get("report")),
        page_size=int(z.get("page_size", 500)),
        max_alerts=int(z.get("max_alerts", 50_000)),
    )
    exclude = tuple(raw.get("exclude") or ())
    compiled = []
    for i, pattern in enumerate(exclude):
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise DastError(f"{baseline.place('dast', 'exclude', i)}: dast.exclude[{i}]: {pattern!r} is not a "
                            f"regular expression ({exc}); fix it (a Python regex searched in each URL)") from None
    c = raw.get("crawl") or {}
    crawl = CrawlSettings(
        max_pages=int(c.get("max_pages", 100)),
        max_depth=int(c.get("max_depth", 5)),
        max_seconds=float(c.get("max_seconds", 120)),
        submit_post_forms=bool(c.get("submit_post_forms", False)),
        destructive=bool(c.get("destructive", False)),
        exclude=tuple(compiled),
    )
    return DastSettings(
        engine=raw.get("engine", "builtin"),
        identity=raw.get("identity", "anonymous"),
        seeds=tuple(raw.get("seeds") or ()),
        rules=resolve(raw.get("rules")),
        known=resolve(raw.get("known", "dast-known.json")) or here / "dast-known.json",
        informational=bool(raw.get("informational", False)),
        crawl=crawl,
        zap=zap,
        declared=section is not None,
        exclude=exclude,
        unlisted_rules=raw.get("unlisted_rules", "WARN"),
    )


def seed_paths(baseline: Baseline, settings: DastSettings) -> list[str]:
    """Where a scan starts: /, the dast seeds, and the paths the headers area checks."""
    paths = ["/", *settings.seeds]
    for spec in (baseline.section("headers") or {}).get("paths") or ():
        method, sep, path = spec.partition(" ")
        if not sep:
            method, path = "GET", spec
        if method.upper() == "GET":
            paths.append(path)
    return list(dict.fromkeys(paths))
