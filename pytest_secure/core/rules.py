"""Rules: what a finding's ``rule_id`` stands for (title, default severity, CWE, fix).

Each area declares its rules as data (a tuple of :class:`Rule`); the runner composes them
once into one :class:`RuleTable` (:data:`pytest_secure.areas.RULES`), the way the baseline
schema is composed from its parts. Rules that only a run can know (a ZAP alert's plugin id,
a conftest's custom check) travel on the check that reports them (``Check.defines``), and the
run's table is the composed one extended with those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from .findings import Severity


@dataclass(frozen=True)
class Rule:
    """A stable, namespaced rule id with its default severity, CWE and fix advice."""

    id: str
    title: str
    severity: Severity
    cwe: int | None
    fix: str
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.severity, Severity):  # accept "high" as well as Severity.HIGH
            object.__setattr__(self, "severity", Severity.parse(self.severity))

    @property
    def area(self) -> str:
        return self.id.split("/", 1)[0]

    @classmethod
    def generic(cls, rule_id: str) -> Rule:
        """The stand-in for an id no table knows: its own title, medium severity."""
        return cls(rule_id, rule_id, Severity.MEDIUM, None, "See the rule's documentation.")


def rules_from(rows: Iterable[tuple[str, str, str, int | None, str]],
               describe: Callable[[str], str] = lambda title: title + ".") -> tuple[Rule, ...]:
    """``(id, title, severity, cwe, fix)`` rows as rules; ``describe(title)`` gives each description."""
    return tuple(Rule(i, title, Severity.parse(sev), cwe, fix, describe(title)) for i, title, sev, cwe, fix in rows)


class RuleTable(Mapping[str, Rule]):
    """An immutable id -> :class:`Rule` table. Two different rules under one id are an error.

    ``lazy`` maps an area name to a function returning that area's rules: they are loaded the
    first time an id of that area (``"headers/..."``) is looked up, or when the whole table is
    listed, so that a run imports only the areas whose rules it meets (docs/performance.md).
    """

    def __init__(self, rules: Iterable[Rule] = (), *,
                 lazy: Mapping[str, Callable[[], Iterable[Rule]]] | None = None) -> None:
        self._rules: dict[str, Rule] = {}
        self._pending = dict(lazy or {})
        self._add(rules)

    def _add(self, rules: Iterable[Rule]) -> None:
        table = self._rules
        for rule in rules:
            existing = table.get(rule.id)
            if existing is not None and existing != rule:
                raise ValueError(f"rule {rule.id!r} is declared twice with different definitions")
            table[rule.id] = rule

    def _load(self, area: str) -> None:
        loader = self._pending.pop(area, None)
        if loader is not None:
            self._add(loader())

    def _all(self) -> dict[str, Rule]:
        for area in list(self._pending):
            self._load(area)
        return self._rules

    def _get(self, rule_id: str) -> Rule | None:
        found = self._rules.get(rule_id)
        if found is None and self._pending:
            self._load(rule_id.split("/", 1)[0])
            found = self._rules.get(rule_id)
        return found

    def __getitem__(self, rule_id: str) -> Rule:
        found = self._get(rule_id)
        if found is None:
            raise KeyError(rule_id)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def rule(self, rule_id: str) -> Rule:
        """The rule for ``rule_id``; an unknown id gets :meth:`Rule.generic`."""
        return self._get(rule_id) or Rule.generic(rule_id)

    def extended(self, rules: Iterable[Rule]) -> RuleTable:
        """A new table with ``rules`` added (an id already here keeps its first definition)."""
        new = [r for r in rules if self._get(r.id) is None]
        if not new:
            return self
        return RuleTable([*self._rules.values(), *new], lazy=self._pending)

    def sorted(self) -> list[Rule]:
        return sorted(self._all().values(), key=lambda r: r.id)
