"""The ZAP Automation Framework plan equivalent to the baseline's ``dast:`` settings, for
teams that run ``zap.sh -cmd -autorun plan.yaml`` themselves.

What maps to what:

* target.scope -> the context's ``includePaths``; ``*`` OUTOFSCOPE lines, ``dast.exclude`` and
  (unless ``dast.crawl.destructive``) the logout/delete URLs -> ``excludePaths``;
* the scan identity's credential header -> ZAP's own auth-header environment variables
  ``ZAP_AUTH_HEADER`` (the header's name), ``ZAP_AUTH_HEADER_VALUE`` (the secret, set by the
  user, never written to the plan) and ``ZAP_AUTH_HEADER_SITE`` (the target's host), which
  ZAP's core reads at start-up and sets on every request it sends (zaproxy
  ``zap/src/main/java/org/zaproxy/zap/extension/authentication/HttpSenderAuthHeaderListener.java``).
  A replacer job is not used: ZAP's replacer job copies ``replacementString`` verbatim, so a
  ``${VAR}`` there is sent as literal text. ZAP applies one header only; an identity that needs
  more (several headers, a cookie jar plus a header, a token in the query) gets a warning;
* seeds -> ``requestor``; target.openapi -> ``openapi``; spider, AJAX spider, passive-scan
  wait and active scan with their caps in minutes;
* the rules file -> ``passiveScan-config`` (IGNORE rules off), ``alertFilter`` (OUTOFSCOPE
  per rule, right after ``passiveScan-config`` as zap-baseline does: a filter only changes
  alerts raised after it exists; ZAP's job refuses negative rule ids, so they are left out
  with a warning) and ``outputSummary`` rules (the same FAIL/WARN/INFO/IGNORE levels);
* dast.zap.report -> a ``traditional-json`` report job, plus a ``sarif-json`` one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..core.scope import scope_regexes
from .config import DastSettings, seed_paths
from .rules_file import RulesFile

if TYPE_CHECKING:
    from ..core.session import SecureSession

HEADER = """\
# ZAP Automation Framework plan written by pytest-secure (--secure-zap-plan) from {baseline}.
# Run it with: zap.sh -cmd -autorun {name}
"""
AUTH_COMMENT = """\
# Authentication: ZAP sets one header on every request it sends from these environment
# variables of the ZAP process (read at start-up, see HttpSenderAuthHeaderListener.java):
#   ZAP_AUTH_HEADER={header}  ZAP_AUTH_HEADER_SITE={site}
#   ZAP_AUTH_HEADER_VALUE=<the {identity!r} identity's {header} value; keep it a CI secret>
"""
NO_AUTH_COMMENT = "# Authentication: none (the scan identity is anonymous).\n"


@dataclass
class PlanAuth:
    """How the plan authenticates: ZAP's auth-header environment variables, plus what could not go."""

    identity: str = "anonymous"
    header: str | None = None
    site: str = ""
    warnings: list[str] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        """The environment variables ZAP needs (the value is the user's secret, so a placeholder)."""
        if self.header is None:
            return {}
        return {"ZAP_AUTH_HEADER": self.header, "ZAP_AUTH_HEADER_SITE": self.site,
                "ZAP_AUTH_HEADER_VALUE": "<secret>"}


def plan_auth(session: SecureSession, settings: DastSettings, target: str) -> PlanAuth:
    """The one credential header ZAP can apply for the scan identity, and warnings for the rest."""
    auth = PlanAuth(identity=settings.identity, site=urlsplit(target).hostname or "")
    identity = session.baseline.identities.get(settings.identity)
    if identity is None or settings.identity == "anonymous":
        return auth
    names: list[str] = []
    token = identity.send_token
    if identity.has_token or identity.basic:
        if identity.basic or token.kind == "header":
            names.append("Authorization" if identity.basic else token.name)
        elif token.kind == "cookie":
            names.append("Cookie")
        else:
            auth.warnings.append(f"the identity {settings.identity!r} sends its token in the query parameter "
                                 f"{token.name!r}, which ZAP's auth-header variables cannot do")
    names += [h for h in identity.headers if h.lower() not in {n.lower() for n in names}]
    if (identity.cookies or (identity.login is not None and not identity.has_token)) and "Cookie" not in names:
        names.append("Cookie")
    if not names:
        auth.warnings.append(f"the identity {settings.identity!r} has no credential header to export; "
                             "the plan scans unauthenticated")
        return auth
    auth.header = names[0]
    if len(names) > 1:
        auth.warnings.append(f"ZAP applies one auth header and the identity {settings.identity!r} needs "
                             f"{', '.join(names)}; the plan sends only {names[0]}, so the scan may be "
                             "partly unauthenticated (use --secure-dast, which sends them all)")
    return auth


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


def build_plan(session: SecureSession, settings: DastSettings, rules: RulesFile,
               warnings: list[str] | None = None) -> dict[str, Any]:
    """The plan as a dict; what it cannot express is appended to ``warnings``."""
    warnings = warnings if warnings is not None else []
    z = settings.zap
    target = (z.target or session.target.base_url).rstrip("/")
    context = z.context
    scope = session.target.scope.entries
    excludes = [o.pattern.pattern if o.pattern.pattern.endswith(".*") else o.pattern.pattern + ".*"
                for o in rules.out_of_scope if "*" in o.rules]
    excludes += [regex for regex in settings.zap_excludes() if regex not in excludes]
    jobs: list[dict[str, Any]] = []
    ignored = [r.rule for r in rules.listed("IGNORE") if r.rule.isdigit()]
    jobs.append({"type": "passiveScan-config", "parameters": {"scanOnlyInScope": True, "maxAlertsPerRule": 10},
                 "rules": [{"id": int(r), "threshold": "off"} for r in ignored]})
    filters = [{"ruleId": int(rule), "newRisk": "False Positive", "url": o.pattern.pattern, "urlRegex": True}
               for o in rules.out_of_scope if "*" not in o.rules for rule in o.rules if rule.isdigit()]
    negative = sorted({rule for o in rules.out_of_scope for rule in o.rules if rule.startswith("-")
                       and rule[1:].isdigit()})
    if negative:  # AlertFilterJob.java refuses a rule id that is a negative integer
        warnings.append(f"ZAP's alertFilter job refuses negative rule ids, so the OUTOFSCOPE lines for "
                        f"{', '.join(negative)} are not in the plan")
    if filters:  # before any scan: ZAP filters only the alerts raised after the filter exists
        jobs.append({"type": "alertFilter", "alertFilters": filters})
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


def write_plan(path: Path, session: SecureSession, settings: DastSettings, rules: RulesFile) -> list[str]:
    """Write the plan; returns the warnings (also written as comments at the top of the plan)."""
    import yaml

    warnings: list[str] = []
    plan = build_plan(session, settings, rules, warnings)
    target = (settings.zap.target or session.target.base_url).rstrip("/")
    auth = plan_auth(session, settings, target)
    warnings = auth.warnings + warnings
    text = HEADER.format(baseline=session.baseline.path.name, name=path.name)
    text += (AUTH_COMMENT.format(header=auth.header, site=auth.site, identity=auth.identity) if auth.header
             else NO_AUTH_COMMENT)
    text += "".join(f"# WARNING: {w}\n" for w in warnings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + yaml.safe_dump(plan, sort_keys=False, width=120), encoding="utf-8")
    return warnings
