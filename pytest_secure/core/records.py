"""Records: what a check's result carries to the reporters, typed, redacted and JSON-safe.

A :class:`CheckRecord` travels as a dict on the pytest ``TestReport`` (``secure_record``), so
it crosses from pytest-xdist workers to the controller with the report itself; the reporter
turns it back into a :class:`CheckRecord`. Dicts exist only on that crossing and in the JSON
report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .baseline.model import Waiver
from .findings import Finding
from .gate import Judged, Verdict
from .redaction import Redactor
from .rules import RuleTable


@dataclass(frozen=True)
class RuleInfo:
    id: str
    title: str
    cwe: int | None
    fix: str
    description: str
    default_severity: str


@dataclass(frozen=True)
class RequestRecord:
    method: str
    url: str
    headers: dict[str, str]
    body: str | None
    curl: str


@dataclass(frozen=True)
class WaiverRecord:
    rule: str
    where: str | None
    reason: str
    owner: str
    ticket: str | None
    expires: str
    place: str

    @classmethod
    def of(cls, waiver: Waiver, redactor: Redactor) -> WaiverRecord:
        return cls(waiver.rule, waiver.where, redactor.clean(waiver.reason), waiver.owner, waiver.ticket,
                   waiver.expires.isoformat(), waiver.place)


@dataclass(frozen=True)
class FindingRecord:
    rule_id: str
    message: str
    location: str
    evidence: str
    severity: str  # as judged
    key: str
    fingerprint: str
    request: RequestRecord | None
    rule: RuleInfo
    status: str  # failing, warning, waived, expired
    area: str
    waiver: WaiverRecord | None = None
    places: tuple[str, ...] = ()  # every place it was seen (a crawl's pages of one URL pattern)

    @classmethod
    def of(cls, judged: Judged, rules: RuleTable, redactor: Redactor, area: str | None = None) -> FindingRecord:
        """What came from the target redacted, the rule as the run's table knows it."""
        finding, clean = judged.finding, redactor.clean
        rule = rules.rule(finding.rule_id)
        return cls(
            rule_id=clean(finding.rule_id), message=clean(finding.message), location=clean(finding.location),
            evidence=clean(finding.evidence), severity=judged.severity.label, key=clean(finding.key),
            fingerprint=finding.fingerprint, request=_request(finding, redactor),
            rule=RuleInfo(rule.id, rule.title, rule.cwe, rule.fix, rule.description, rule.severity.label),
            status=judged.status, area=area or rule.area,
            waiver=WaiverRecord.of(judged.waiver, redactor) if judged.waiver else None,
            places=tuple(clean(p) for p in finding.places))

    def to_dict(self) -> dict[str, Any]:
        # what dataclasses.asdict gives, without its deep copy of every value (once per finding per item)
        data = dict(vars(self))
        data["rule"] = dict(vars(self.rule))
        if self.request is not None:
            data["request"] = {**vars(self.request), "headers": dict(self.request.headers)}
        if self.waiver is not None:
            data["waiver"] = dict(vars(self.waiver))
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FindingRecord:
        request, waiver = data.get("request"), data.get("waiver")
        return cls(**{**data, "rule": RuleInfo(**data["rule"]),
                      "request": RequestRecord(**request) if request else None,
                      "waiver": WaiverRecord(**waiver) if waiver else None,
                      "places": tuple(data.get("places") or ())})


@dataclass(frozen=True)
class CheckRecord:
    """One item's result: its outcome, its judged findings, the waivers it used or left stale."""

    nodeid: str
    area: str
    check: str  # the check's name inside area[...], with known secrets masked
    outcome: str  # passed, failed, xfailed, error
    findings: tuple[FindingRecord, ...] = ()
    stale_waivers: tuple[WaiverRecord, ...] = ()
    used_waivers: tuple[str, ...] = ()  # places of the waivers that matched a finding
    error: str | None = None

    @property
    def item_name(self) -> str:
        return f"{self.area}[{self.check}]"

    def to_dict(self) -> dict[str, Any]:
        return {"nodeid": self.nodeid, "area": self.area, "check": self.check,
                "findings": [f.to_dict() for f in self.findings],
                "stale_waivers": [asdict(w) for w in self.stale_waivers],
                "used_waivers": list(self.used_waivers), "error": self.error, "outcome": self.outcome}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckRecord:
        return cls(nodeid=data["nodeid"], area=data["area"], check=data["check"], outcome=data["outcome"],
                   findings=tuple(FindingRecord.from_dict(f) for f in data["findings"]),
                   stale_waivers=tuple(WaiverRecord(**w) for w in data["stale_waivers"]),
                   used_waivers=tuple(data["used_waivers"]), error=data["error"])

    @classmethod
    def of_verdict(cls, nodeid: str, area: str, check: str, verdict: Verdict, rules: RuleTable,
                   redactor: Redactor, finding_area: str | None = None) -> CheckRecord:
        return cls(nodeid=nodeid, area=area, check=check, outcome=verdict.outcome,
                   findings=finding_records(verdict, rules, redactor, finding_area),
                   stale_waivers=tuple(WaiverRecord.of(w, redactor) for w in verdict.stale),
                   used_waivers=tuple(w.place for w in verdict.used_waivers))


_ORDER = ("failing", "warning", "waived", "expired")


def finding_records(verdict: Verdict, rules: RuleTable, redactor: Redactor,
                    area: str | None = None) -> tuple[FindingRecord, ...]:
    """Every finding of a verdict, grouped by status (failing, warning, waived, expired); ``area``
    None: the area of each finding's rule."""
    judged = sorted(verdict.judged, key=lambda j: _ORDER.index(j.status))
    return tuple(FindingRecord.of(j, rules, redactor, area) for j in judged)


def _request(finding: Finding, redactor: Redactor) -> RequestRecord | None:
    request = finding.request
    if request is None:
        return None
    clean = redactor.clean
    return RequestRecord(method=request.method, url=clean(request.url),
                         headers={k: redactor.header_value(k, v) for k, v in request.headers.items()},
                         body=clean(request.body) if request.body else None,
                         curl=clean(request.curl(redactor.header_value)))


__all__ = ["CheckRecord", "CreatedObject", "FindingRecord", "RequestRecord", "RuleInfo", "WaiverRecord",
           "finding_records"]


@dataclass(frozen=True)
class CreatedObject:
    """An object a check created on the target (an authz owner's note...), and whether it was
    deleted at the end of the run. Objects left behind are listed in the reports."""

    area: str
    kind: str
    id: str
    owner: str
    deleted: bool = False
    note: str = ""  # why it was not deleted (no delete request, or what the delete answered)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.id} (owner {self.owner})"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CreatedObject:
        return cls(**data)
