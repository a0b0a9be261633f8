"""Run the configured engine once and shape its output as a :class:`~.result.ScanResult`:
findings grouped per rule, one group per future pytest item."""

from __future__ import annotations

import urllib.parse
from collections import defaultdict
from typing import TYPE_CHECKING

from ..core.area import ResponseAudit
from ..core.errors import CrawlError, DastError, SetupError
from ..core.findings import Finding
from ..core.target import InProcessTarget
from . import zap_rules
from .alerts import Alert, deduplicate, item_label, rule_of, to_finding
from .audit import has_policy
from .config import DastSettings, seed_paths
from .crawler import Crawler, load_openapi, openapi_paths
from .progress import Progress
from .result import RuleGroup, ScanResult
from .rules_file import RulesFile

if TYPE_CHECKING:
    from ..core.identities import Identity
    from ..core.session import SecureSession


def run_engine(session: SecureSession, settings: DastSettings, rules: RulesFile, progress: Progress,
               audit: ResponseAudit) -> ScanResult:
    """Scan with the baseline's engine; ``audit`` is the response-hygiene policy the built-in one applies."""
    if settings.engine == "zap":
        return run_zap(session, settings, rules, progress)
    return run_builtin(session, settings, progress, audit)


def scan_identity(session: SecureSession, name: str) -> Identity:
    """The scan identity with a session of its own: a fresh login and an empty cookie jar, so that
    what the scan does to its session (a logout it reaches after all) never touches the session
    the other checks use."""
    return session.identity(name).fresh()


def _credentials(session: SecureSession, name: str, identity: Identity | None = None) -> dict[str, str]:
    """The scan identity's credential headers, after its login (a cookie jar becomes a Cookie header)."""
    identity = identity or scan_identity(session, name)
    if identity.is_anonymous:
        return {}
    try:
        identity.ensure_logged_in()
    except SetupError as exc:
        raise DastError(f"the scan identity {name!r} cannot log in, so the scan would not be authenticated: {exc}; "
                        "fix the identity or dast.identity") from None
    headers = dict(identity.headers)
    if identity.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in identity.cookies.items())
    return headers


# -- ZAP ----------------------------------------------------------------------------------
def run_zap(session: SecureSession, settings: DastSettings, rules: RulesFile, progress: Progress) -> ScanResult:
    from dataclasses import replace

    from .zap_scan import ZapScan

    if rules.path is not None:  # with a rules file, an unlisted rule is WARN (zap-baseline) unless the baseline says
        rules = replace(rules, unlisted=None if settings.unlisted_rules == "keep" else settings.unlisted_rules)
    target = session.target
    zap_target = settings.zap.target or target.base_url
    if settings.zap.target is None and isinstance(target, InProcessTarget):
        raise DastError("engine zap needs a live target, and this baseline tests the app in-process (target.app), "
                        "which ZAP cannot reach; pass --secure-target URL of a running service, set "
                        "dast.zap.target, or use engine: builtin")
    if not target.scope.allows(zap_target):
        raise DastError(f"the ZAP target {zap_target} is outside target.scope ({', '.join(target.scope.entries)}); "
                        "add its host to target.scope")
    session.redactor.add(settings.zap.api_key)
    scan = ZapScan(settings.zap, target=zap_target, scope=target.scope.entries or (urllib.parse.urlsplit(zap_target)
                   .netloc,), seeds=seed_paths(session.baseline, settings),
                   openapi=session.baseline.target.openapi, auth_headers=_credentials(session, settings.identity),
                   progress=progress, excludes=settings.zap_excludes())
    run = scan.run()
    result = ScanResult(engine="zap", target=zap_target, incomplete=list(run.incomplete),
                        notes=[f"ZAP {run.version}", f"{run.urls} URL(s) spidered", *run.notes])
    fail_on = session.baseline.gates.fail_on
    kept: dict[str, list[tuple[Alert, Finding]]] = defaultdict(list)
    dropped = 0
    for alert in deduplicate(run.alerts):
        if (alert.plugin_id in zap_rules.IGNORED_IDS or alert.confidence == "False Positive"
                or (alert.risk == "Informational" and not settings.informational)
                or not target.scope.allows(alert.url)):
            dropped += 1
            continue
        severity = rules.adjust(alert, fail_on)
        if severity is None:
            dropped += 1
            continue
        configured = rules.level_of(alert)
        kept[alert.plugin_id].append((alert, to_finding(alert, severity, configured.message if configured else "")))
    for plugin_id, pairs in sorted(kept.items(), key=lambda kv: _id_order(kv[0])):
        first = min((a for a, _ in pairs), key=lambda a: a.alert_ref)
        result.rules.append(rule_of(first))
        result.groups.append(RuleGroup(first.rule_id, item_label(plugin_id, first.name), [f for _, f in pairs]))
    # rules the team listed as FAIL or WARN and that raised nothing: passing items
    for listed in sorted(rules.listed("FAIL", "WARN"), key=lambda r: _id_order(r.rule)):
        if listed.rule.lstrip("-").isdigit() and listed.rule not in kept:
            result.groups.append(RuleGroup(f"dast/zap-{listed.rule}", item_label(listed.rule, listed.name), []))
    result.notes.append(f"{sum(len(p) for p in kept.values())} alert(s) kept, {dropped} dropped "
                        "(informational, ignored rules, out of scope)")
    return result


def _id_order(rule: str) -> tuple[int, str]:
    head = rule.split("-")[0] if not rule.startswith("-") else rule
    return (int(head) if head.lstrip("-").isdigit() else 1 << 30, rule)


# -- built-in -----------------------------------------------------------------------------
def run_builtin(session: SecureSession, settings: DastSettings, progress: Progress,
                audit: ResponseAudit) -> ScanResult:
    target = session.target
    if not has_policy(session.baseline):
        raise DastError("the built-in engine judges every page it reaches by the baseline's headers, cookies and "
                        "leaks policies, and this baseline has none of them: add `extends: recommended` or those "
                        "sections (or use engine: zap)")
    identity = scan_identity(session, settings.identity)  # the crawl's own session
    credentials = _credentials(session, settings.identity, identity)  # logs in first: a failure is an error
    seeds = seed_paths(session.baseline, settings)
    spec = session.baseline.target.openapi
    if spec:
        document = load_openapi(spec, lambda path: identity.request("GET", path),
                                session.baseline.path.parent)
        paths, templated = openapi_paths(document)
        seeds += [p for p in paths if p not in seeds]
        if document is None:
            progress.note(f"could not read the OpenAPI document {spec}; crawling without it")
        elif templated:
            progress.note(f"{templated} OpenAPI path(s) with parameters left to the links that reach them")
    progress.note(f"built-in engine crawling {target.base_url} as {settings.identity}"
                  + (" (authenticated)" if credentials else ""))
    crawler = Crawler(lambda method, url, **kw: identity.request(method, url, **kw), base_url=target.base_url,
                      in_scope=target.scope.allows, settings=settings.crawl, progress=progress)
    crawl = crawler.crawl(seeds)
    if not crawl.responses:
        first = crawl.errors[0] if crawl.errors else "no URL to start from"
        raise CrawlError(f"the built-in engine reached no page of {target.base_url}: {first}; start the service "
                         "or fix the target")
    findings: dict[tuple[str, str, str], Finding] = {}
    for response in crawl.responses:  # the audit covers the cookies its redirect hops set
        for finding in audit(response, session.baseline):
            findings.setdefault((finding.rule_id, finding.location, finding.key), finding)
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings.values():
        groups[finding.rule_id].append(finding)
    result = ScanResult(engine="builtin", target=target.base_url, incomplete=list(crawl.incomplete),
                        notes=[f"{len(crawl.responses)} page(s) crawled", *crawl.notes,
                               *(f"error: {e}" for e in crawl.errors[:20])])
    for rule_id in sorted(groups):
        rule = session.rules.rule(rule_id)
        label = f"{rule_id} {rule.title}" if rule.title != rule_id else rule_id
        result.groups.append(RuleGroup(rule_id, label, sorted(groups[rule_id], key=lambda f: (f.location, f.key))))
    progress.note(f"crawled {len(crawl.responses)} page(s), {len(findings)} finding(s) in {len(groups)} rule(s)")
    for note in crawl.notes:
        progress.note(note)
    return result

