"""zap-baseline.py's rules file, read unchanged so teams keep their configuration.

One rule per line, fields separated by TABs::

    10038\tFAIL\t(Content Security Policy (CSP) Header Not Set)
    10020\tWARN\t(Anti-clickjacking Header)\tcustom message shown with the rule
    10027\tIGNORE\t(Information Disclosure - Suspicious Comments)
    *\tOUTOFSCOPE\thttp://.*/static/.*
    10021,10038\tOUTOFSCOPE\t.*\\.js

``#`` lines and blank lines are skipped. As in zap-baseline.py a rule line needs at least
two TABs and the level must be PASS, IGNORE, INFO, WARN or FAIL; OUTOFSCOPE's third field
is a regular expression applied with ``re.match`` (anchored at the start) to the alert URL.

How a level changes an alert's finding (the gate then judges it against ``fail_on``):
FAIL raises its severity to at least ``fail_on``; WARN lowers it below ``fail_on``; INFO
makes it info; IGNORE and PASS drop it. A rule the file does not list is a WARN, as in
zap-baseline.py (zap_common.inc_warn_rules counts unlisted rules as WARN), unless
``dast.unlisted_rules`` says INFO, FAIL or keep (ZAP's own risk). Without a rules file every
alert keeps its mapped severity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import RulesFileError
from ..core.findings import Severity
from .alerts import Alert

LEVELS = ("PASS", "IGNORE", "INFO", "WARN", "FAIL")
_RULE_ID = re.compile(r"^-?\d+(-\d+)?$")


@dataclass(frozen=True)
class RuleLevel:
    rule: str  # plugin id or alert reference (10020 or 10020-1)
    level: str
    name: str = ""
    message: str = ""
    line: int = 0


@dataclass(frozen=True)
class OutOfScope:
    rules: tuple[str, ...]  # ("*",) for every rule
    pattern: re.Pattern[str]
    line: int = 0

    def matches(self, alert: Alert) -> bool:
        if "*" not in self.rules and alert.plugin_id not in self.rules and alert.alert_ref not in self.rules:
            return False
        return self.pattern.match(alert.url) is not None


@dataclass
class RulesFile:
    path: Path | None = None
    levels: dict[str, RuleLevel] = field(default_factory=dict)
    out_of_scope: list[OutOfScope] = field(default_factory=list)
    unlisted: str | None = None  # level of a rule the file does not list (WARN once a file is read); None: ZAP's risk

    def level_of(self, alert: Alert) -> RuleLevel | None:
        """The configured level: an alert reference's own line wins over its rule's."""
        return self.levels.get(alert.alert_ref) or self.levels.get(alert.plugin_id)

    def is_out_of_scope(self, alert: Alert) -> bool:
        return any(o.matches(alert) for o in self.out_of_scope)

    def adjust(self, alert: Alert, fail_on: Severity) -> Severity | None:
        """The alert's severity under this file, or None when the file drops the alert."""
        if self.is_out_of_scope(alert):
            return None
        configured = self.level_of(alert)
        severity = alert.severity
        level = configured.level if configured is not None else self.unlisted
        if level is None:
            return severity
        if level in ("IGNORE", "PASS"):
            return None
        if level == "FAIL":
            return max(severity, fail_on)
        if level == "WARN":
            return min(severity, Severity(max(fail_on - 1, Severity.INFO)))
        return Severity.INFO

    def listed(self, *levels: str) -> list[RuleLevel]:
        return [r for r in self.levels.values() if r.level in levels]


def read_rules_file(path: Path) -> RulesFile:
    """Parse the file; raise :class:`RulesFileError` on the first problem, with its line."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise RulesFileError(f"{path}: rules file not found; fix dast.rules in the baseline, or create it "
                             "(zap-baseline.py -g writes one with every rule set to WARN)", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesFileError(f"{path}: cannot read the rules file: {exc}", path=path) from None
    return parse_rules(text, path)


def parse_rules(text: str, path: Path | None = None) -> RulesFile:
    where = str(path) if path else "rules file"
    rules = RulesFile(path=path, unlisted="WARN")  # zap-baseline.py: an unlisted rule is a WARN
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) < 3:
            hint = " (the fields are separated by spaces: use TABs)" if "  " in line or " " in fields[0] else ""
            raise RulesFileError(
                f"{where}:{number}: expected `<rule id>\\t<LEVEL>\\t(<name>)` with TABs between the fields, "
                f"found {len(fields) - 1} TAB(s){hint}; e.g. `10038\\tFAIL\\t(Content Security Policy Header Not Set)`",
                path=path, line=number)
        key, level, third = fields[0].strip(), fields[1].strip(), fields[2].strip()
        message = fields[3].strip() if len(fields) > 3 else ""
        if level == "OUTOFSCOPE":
            ids = tuple(i.strip() for i in key.split(",") if i.strip())
            bad = [i for i in ids if i != "*" and not _RULE_ID.match(i)]
            if not ids or bad:
                raise RulesFileError(f"{where}:{number}: OUTOFSCOPE needs `*` or comma-separated rule ids before it, "
                                     f"got {key!r}", path=path, line=number)
            try:
                pattern = re.compile(third)
            except re.error as exc:
                raise RulesFileError(f"{where}:{number}: OUTOFSCOPE URL pattern {third!r} is not a valid regular "
                                     f"expression: {exc}", path=path, line=number) from None
            rules.out_of_scope.append(OutOfScope(ids, pattern, number))
            continue
        if level not in LEVELS:
            raise RulesFileError(f"{where}:{number}: level {level!r} of rule {key}: expected one of "
                                 f"{', '.join(LEVELS)} or OUTOFSCOPE (upper case)", path=path, line=number)
        if not _RULE_ID.match(key):
            raise RulesFileError(f"{where}:{number}: {key!r} is not a ZAP rule id (e.g. 10038, or 10020-1)",
                                 path=path, line=number)
        name = third[1:-1] if third.startswith("(") and third.endswith(")") else third
        rules.levels[key] = RuleLevel(key, level, name, message, number)
    return rules
