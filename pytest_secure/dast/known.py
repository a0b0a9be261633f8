"""New versus known: fingerprints of an accepted run, in a file the team commits.

zap-baseline.py's progress file marks whole *rules* as in progress, so a new instance of a
known rule slips through, and its alert filters still fail the exit status
(zaproxy/zaproxy#9021). Here each *finding* has a fingerprint (rule, alert variant, method,
path, query parameter names, parameter; never the host, the evidence or the parameter
values, which change between runs), and with ``--secure-dast-new-only`` a finding whose
fingerprint is in the file is xfailed while any other one is judged normally.

The file is JSON with one accepted finding per line, so that reviews show what was accepted::

    {"version": 1, "accepted": "2026-11-29", "engine": "zap", "findings": [
    {"fingerprint": "…", "rule": "dast/zap-10038", "where": "GET /legacy", "key": "10038-1|"},
    ...
    ]}

A zap-baseline.py progress file (``-p``) can be the known file as it is, for teams moving
over: ``{"issues": [{"id": "10020", "state": "inprogress", "link": "https://..."}]}``. As in
zap-baseline.py (zap_common.print_rule), an issue in state ``inprogress`` covers every finding of
its rule; other states are ignored. ``--secure-dast-accept`` replaces it by fingerprints.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.baseline.model import Waiver
from ..core.errors import KnownFileError
from ..core.findings import Finding


def normalised_place(finding: Finding) -> tuple[str, str]:
    """(method, path with sorted query parameter names) of a finding, host left out."""
    method, sep, where = finding.location.partition(" ")
    if not sep:
        method, where = "GET", finding.location
    parts = urllib.parse.urlsplit(where)
    names = sorted({name for name, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)})
    path = (parts.path or "/") + ("?" + "&".join(names) if names else "")
    return method.upper(), path


def fingerprint(finding: Finding) -> str:
    method, path = normalised_place(finding)
    raw = "\x1f".join((finding.rule_id, finding.key, method, path))
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class KnownFinding(Waiver):
    """An accepted finding, used as a waiver that matches exactly one fingerprint.

    It never expires, and it never goes stale: a known finding that is gone is good news,
    listed in the summary as unused so that the file can be refreshed.
    """

    fingerprint: str = ""

    def covers(self, rule_id: str, path: str | None) -> bool:
        return False

    def matches(self, finding: Finding) -> bool:
        return fingerprint(finding) == self.fingerprint

    def expired(self, today: datetime.date) -> bool:
        return False

    def describe(self) -> str:
        return f"known finding, accepted in {self.place}; with --secure-dast-new-only only new findings fail"


def write_known(path: Path, findings: list[Finding], engine: str, today: datetime.date) -> int:
    """Write the accepted fingerprints; returns how many (duplicates collapse)."""
    entries: dict[str, dict[str, Any]] = {}
    for finding in findings:
        method, where = normalised_place(finding)
        entries.setdefault(fingerprint(finding), {"fingerprint": fingerprint(finding), "rule": finding.rule_id,
                                                  "where": f"{method} {where}", "key": finding.key})
    rows = sorted(entries.values(), key=lambda e: (e["rule"], e["where"], e["key"]))
    head = json.dumps({"version": 1, "accepted": today.isoformat(), "engine": engine})[:-1]
    body = ",\n".join(json.dumps(r, sort_keys=True) for r in rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'{head}, "findings": [\n{body}\n]}}\n', encoding="utf-8")
    return len(rows)


def read_known(path: Path) -> list[dict[str, Any]]:
    """The accepted entries, each with its ``line`` in the file."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise KnownFileError(
            f"{path}: no known-findings file, which --secure-dast-new-only compares against; run the scan once "
            "with --secure-dast-accept to write it from the current findings, review and commit it "
            "(or fix dast.known in the baseline)", path=path) from None
    try:
        data = json.loads(text)
        if isinstance(data, dict) and "issues" in data and "findings" not in data:
            return _progress_entries(data, text)
        rows = data["findings"]
        if data.get("version") != 1 or not isinstance(rows, list):
            raise ValueError("expected version 1 and a findings list")
        lines = text.splitlines()
        out = []
        for row in rows:
            if not isinstance(row, dict) or not isinstance(row.get("fingerprint"), str):
                raise ValueError(f"entry {row!r} has no fingerprint")
            line = next((i for i, t in enumerate(lines, 1) if row["fingerprint"] in t), 0)
            out.append({**row, "line": line})
        return out
    except (ValueError, KeyError, TypeError) as exc:
        raise KnownFileError(f"{path}: not a known-findings file ({exc}); "
                             "rewrite it with --secure-dast-accept", path=path) from None


def _progress_entries(data: dict[str, Any], text: str) -> list[dict[str, Any]]:
    """The in-progress issues of a zap-baseline.py progress file, as rule-wide known entries."""
    issues = data["issues"]
    if not isinstance(issues, list):
        raise ValueError("a progress file's issues must be a list")
    lines = text.splitlines()
    out = []
    for issue in issues:
        if not isinstance(issue, dict) or not str(issue.get("id", "")).lstrip("-").isdigit():
            raise ValueError(f"issue {issue!r} has no rule id")
        if issue.get("state") != "inprogress":
            continue
        rule = str(issue["id"])
        line = next((i for i, t in enumerate(lines, 1) if f'"{rule}"' in t or f": {rule}" in t), 0)
        out.append({"rule": f"dast/zap-{rule}", "in_progress": rule, "link": issue.get("link") or "", "line": line})
    return out


@dataclass(frozen=True)
class KnownRule(KnownFinding):
    """A zap-baseline.py in-progress issue: every finding of its rule is known."""

    link: str = ""

    def matches(self, finding: Finding) -> bool:
        return finding.rule_id == self.rule

    def describe(self) -> str:
        return (f"rule in progress in the zap-baseline.py progress file {self.place}"
                + (f" ({self.link})" if self.link else "") + "; with --secure-dast-new-only it does not fail")


def known_waivers(entries: list[dict[str, Any]]) -> list[KnownFinding]:
    """Waivers for the entries of :func:`read_known` (each also carrying the file's ``path``)."""
    return [
        KnownRule(rule=e["rule"], reason="in progress", owner="zap-baseline progress file", expires=datetime.date.max,
                  place=f"{e.get('path', '?')}:{e.get('line', 0)}", link=e.get("link", ""))
        if "in_progress" in e else
        KnownFinding(rule=e.get("rule", "*"), reason="known finding", owner="known-findings file",
                     expires=datetime.date.max, where=e.get("where"), place=f"{e.get('path', '?')}:{e.get('line', 0)}",
                     fingerprint=e["fingerprint"])
        for e in entries
    ]
