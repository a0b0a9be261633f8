"""The ZAP Automation Framework plan equivalent to the baseline's ``dast:`` settings, for
teams that run ``zap.sh -cmd -autorun plan.yaml`` themselves.

What maps to what:

* target.scope -> the context's ``includePaths``; ``*`` OUTOFSCOPE lines, ``dast.exclude`` and
  (unless ``dast.crawl.destructive``) the logout/delete URLs -> ``excludePaths``;
* the scan identity's credential headers -> a ``replacer`` job whose values are
  ``${ZAP_AUTH_<HEADER>}`` environment variables (no secret is ever written to the plan);
* seeds -> ``requestor``; target.openapi -> ``openapi``; spider, AJAX spider, passive-scan
  wait and active scan with their caps in minutes;
* the rules file -> ``passiveScan-config`` (IGNORE rules off), ``alertFilter`` (OUTOFSCOPE
  per rule) and ``outputSummary`` rules (the same FAIL/WARN/INFO/IGNORE levels);
* dast.zap.report -> a ``traditional-json`` report job, plus a ``sarif-json`` one.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.scope import scope_regexes
from .config import DastSettings, seed_paths
from .rules_file import RulesFile

if TYPE_CHECKING:
    from ..core.session import SecureSession

HEADER = """\
# ZAP Automation Framework plan written by pytest-secure (--secure-zap-plan) from {baseline}.
# Run it with: zap.sh -cmd -autorun {name}
# Credentials are read from the environment: {variables}
"""


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


def env_name(header: str) -> str:
    return "ZAP_AUTH_" + re.sub(r"[^A-Z0-9]", "_", header.upper())


def build_plan(session: SecureSession, settings: DastSettings, rules: RulesFile) -> dict[str, Any]:
    z = settings.zap
    target = (z.target or session.target.base_url).rstrip("/")
    context = z.context
    scope = session.target.scope.entries
    identity = session.baseline.identities.get(settings.identity)
    auth_headers = []
    if identity is not None and settings.identity != "anonymous":
        auth_headers = sorted({*identity.headers, "Authorization"} if (identity.login or identity.bearer
                                                                        or identity.basic) else identity.headers)
    excludes = [o.pattern.pattern if o.pattern.pattern.endswith(".*") else o.pattern.pattern + ".*"
                for o in rules.out_of_scope if "*" in o.rules]
    excludes += [regex for regex in settings.zap_excludes() if regex not in excludes]
    jobs: list[dict[str, Any]] = []
    ignored = [r.rule for r in rules.listed("IGNORE") if r.rule.isdigit()]
    jobs.append({"type": "passiveScan-config", "parameters": {"scanOnlyInScope": True, "maxAlertsPerRule": 10},
                 "rules": [{"id": int(r), "threshold": "off"} for r in ignored]})
    if auth_headers:
        url_regex = "|".join(f"(?:{r})" for r in scope_regexes(scope))
        jobs.append({"type": "replacer", "rules": [
            {"description": f"pytest-secure auth: {h}", "url": url_regex, "matchType": "req_header",
             "matchString": h, "matchRegex": False, "replacementString": "${" + env_name(h) + "}"}
            for h in auth_headers]})
    jobs.append({"type": "requestor", "requests": [{"url": target + p, "method": "GET"}
                                                   for p in seed_paths(session.baseline, settings)]})
    if session.baseline.target.openapi:
        spec = session.baseline.target.openapi
        jobs.append({"type": "openapi", "parameters": {
            "apiUrl": spec if "://" in spec else target + "/" + spec.lstrip("/"), "context": context}})
    jobs.append({"type": "spider", "parameters": {"context": context, "url": target,
                                                  "maxDuration": _minutes(z.spider_seconds),
                                                  "maxChildren": z.spider_max_children}})
    if z.ajax_spider:
        jobs.append({"type": "spiderAjax", "parameters": {"context": context, "url": target,
                                                          "maxDuration": _minutes(z.ajax_seconds)}})
    jobs.append({"type": "passiveScan-wait", "parameters": {"maxDuration": _minutes(z.passive_seconds)}})
    if z.active:
        active: dict[str, Any] = {"context": context, "maxScanDurationInMins": _minutes(z.active_seconds)}
        if z.active_policy:
            active["policy"] = z.active_policy
        jobs.append({"type": "activeScan", "parameters": active})
        jobs.append({"type": "passiveScan-wait", "parameters": {"maxDuration": _minutes(z.passive_seconds)}})
    filters = [{"ruleId": int(rule), "newRisk": "False Positive", "url": o.pattern.pattern, "urlRegex": True}
               for o in rules.out_of_scope if "*" not in o.rules for rule in o.rules if rule.lstrip("-").isdigit()]
    if filters:
        jobs.append({"type": "alertFilter", "alertFilters": filters})
    summary_rules = [{"id": int(r.rule), "action": r.level, **({"customMessage": r.message} if r.message else {})}
                     for r in rules.levels.values() if r.rule.lstrip("-").isdigit() and r.level != "PASS"]
    jobs.append({"type": "outputSummary", "parameters": {"format": "Long", "summaryFile": "zap_out.json"},
                 "rules": summary_rules})
    report = z.report.name if z.report else "zap-report.json"
    jobs.append({"type": "report", "parameters": {"template": "traditional-json", "reportDir": ".",
                                                  "reportFile": report}})
    jobs.append({"type": "report", "parameters": {"template": "sarif-json", "reportDir": ".",
                                                  "reportFile": "zap-report.sarif.json"}})
    context_doc: dict[str, Any] = {"name": context, "urls": [target], "includePaths": scope_regexes(scope)}
    if excludes:
        context_doc["excludePaths"] = excludes
    return {
        "env": {
            "contexts": [context_doc],
            "parameters": {"failOnError": True, "failOnWarning": False, "progressToStdout": True},
        },
        "jobs": jobs,
    }


def write_plan(path: Path, session: SecureSession, settings: DastSettings, rules: RulesFile) -> None:
    import yaml

    plan = build_plan(session, settings, rules)
    variables = sorted({j["rules"][i]["replacementString"][2:-1] for j in plan["jobs"] if j["type"] == "replacer"
                        for i in range(len(j["rules"]))})
    text = HEADER.format(baseline=session.baseline.path.name, name=path.name,
                         variables=", ".join(variables) or "none needed")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + yaml.safe_dump(plan, sort_keys=False, width=120), encoding="utf-8")
