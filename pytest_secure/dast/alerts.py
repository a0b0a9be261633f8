"""ZAP alerts as findings.

An alert object from ``alert/view/alerts`` has string leaves (``pluginId``, ``alertRef``,
``name``, ``risk``, ``confidence``, ``url``, ``method``, ``param``, ``attack``, ``evidence``,
``other``, ``cweid``, ``solution``...). Risk and confidence together give the severity:

==============  ============================  =======================
risk            confidence                    severity
==============  ============================  =======================
High            Confirmed                     critical
High            High, Medium                  high
High            Low                           medium
Medium          Confirmed, High, Medium       medium
Medium          Low                           low
Low             Confirmed, High, Medium       low
Low             Low                           info
Informational   any                           info
==============  ============================  =======================
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from ..core.findings import Finding, Request, Severity
from ..core.rules import Rule
from . import zap_rules

RISKS = ("Informational", "Low", "Medium", "High")
CONFIDENCES = ("False Positive", "Low", "Medium", "High", "Confirmed")
MAX_EVIDENCE = 300


def severity_of(risk: str, confidence: str) -> Severity:
    """The severity of an alert from its risk and confidence names (see the module table)."""
    conf = CONFIDENCES.index(confidence) if confidence in CONFIDENCES else 2
    if risk == "High":
        return Severity.CRITICAL if conf == 4 else Severity.HIGH if conf >= 2 else Severity.MEDIUM
    if risk == "Medium":
        return Severity.MEDIUM if conf >= 2 else Severity.LOW
    if risk == "Low":
        return Severity.LOW if conf >= 2 else Severity.INFO
    return Severity.INFO


@dataclass(frozen=True)
class Alert:
    """The fields of a ZAP alert that pytest-secure uses."""

    id: str
    plugin_id: str
    alert_ref: str
    name: str
    risk: str
    confidence: str
    url: str
    method: str
    param: str
    attack: str
    evidence: str
    other: str
    cwe: int | None
    solution: str
    description: str

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Alert:
        def text(key: str) -> str:
            value = data.get(key)
            return "" if value is None else str(value)

        plugin_id = text("pluginId")
        cwe = text("cweid")
        return cls(
            id=text("id"), plugin_id=plugin_id, alert_ref=text("alertRef") or plugin_id,
            name=text("name") or text("alert"), risk=text("risk"), confidence=text("confidence"),
            url=text("url"), method=(text("method") or "GET").upper(), param=text("param"), attack=text("attack"),
            evidence=text("evidence"), other=text("other"),
            cwe=int(cwe) if cwe.lstrip("-").isdigit() and int(cwe) > 0 else None,
            solution=_plain(text("solution")), description=_plain(text("description")),
        )

    @property
    def rule_id(self) -> str:
        return f"dast/zap-{self.plugin_id}"

    @property
    def severity(self) -> Severity:
        return severity_of(self.risk, self.confidence)


def deduplicate(alerts: list[Alert]) -> list[Alert]:
    """One alert per id, then one per (variant, method, URL, parameter, attack).

    Paging can return an alert twice (ZAP's 1-based ``start``), and ZAP before 2.17 raises
    the same alert on one URL once per message that reached it.
    """
    seen_ids: set[str] = set()
    seen: set[tuple[str, ...]] = set()
    out = []
    for alert in alerts:
        key = (alert.alert_ref, alert.method, alert.url, alert.param, alert.attack)
        if (alert.id and alert.id in seen_ids) or key in seen:
            continue
        seen_ids.add(alert.id)
        seen.add(key)
        out.append(alert)
    return out


def rule_of(alert: Alert) -> Rule:
    """The rule of an alert: the declared one for a plugin id pytest-secure knows, else one made
    from the alert itself (its name, risk, CWE and solution)."""
    known = zap_rules.KNOWN.get(alert.plugin_id)
    if known is not None:
        return zap_rules.known_rule(alert.plugin_id, *known)
    return Rule(alert.rule_id, alert.name, severity_of(alert.risk, "Medium"), alert.cwe,
                _short(alert.solution) or "See the ZAP alert's solution.", _short(alert.description))


def to_finding(alert: Alert, severity: Severity, note: str = "") -> Finding:
    """The finding for one alert, at ``METHOD URL``; ``note`` is a rules file's custom message."""
    message = alert.name + (f" (parameter {alert.param!r})" if alert.param else "")
    if note:
        message += f" [{note}]"
    parts = []
    if alert.attack:
        parts.append(f"attack: {_clip(alert.attack)}")
    if alert.evidence:
        parts.append(f"evidence: {_clip(alert.evidence)}")
    if alert.other and not alert.evidence:
        parts.append(_clip(alert.other))
    parts.append(f"risk {alert.risk or '?'}, confidence {alert.confidence or '?'}, alert {alert.alert_ref}")
    return Finding(
        rule_id=alert.rule_id, message=message, location=f"{alert.method} {alert.url}", evidence="; ".join(parts),
        severity=severity, request=Request(alert.method, alert.url), key=f"{alert.alert_ref}|{alert.param}",
    )


def item_label(plugin_id: str, fallback_name: str) -> str:
    """``zap-10038 Content Security Policy (CSP) Header Not Set``: the item's name."""
    known = zap_rules.KNOWN.get(plugin_id)
    return f"zap-{plugin_id} {known[0] if known else fallback_name}".strip()


def _plain(text: str) -> str:
    """ZAP's descriptions and solutions are HTML fragments (<p>...</p>)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def _short(text: str, limit: int = 400) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_EVIDENCE else text[: MAX_EVIDENCE - 3] + "..."
