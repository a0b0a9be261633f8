"""Everything a check needs while it runs: baseline, target, identities, redactor.

One :class:`SecureSession` per pytest process (each xdist worker has its own). Responses to
plain requests are cached per (identity, method, path), so ten header items on ``/login``
cost one request.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .area import Check
from .baseline.model import Baseline, Waiver
from .errors import SecureError, SetupError, TargetError
from .extras import require
from .findings import Finding
from .gate import FAILED, Verdict, judge, waiver_coverage
from .identities import Identities, Identity
from .records import CreatedObject
from .redaction import Redactor
from .rules import RuleTable
from .target import InProcessTarget, LiveTarget, Response, Target, import_app


class SecureSession:
    def __init__(self, baseline: Baseline, target: Target, redactor: Redactor, rules: RuleTable,
                 login_hook: Callable[[Identity], dict[str, Any] | None] | None = None,
                 today: datetime.date | None = None) -> None:
        self.baseline = baseline
        self.target = target
        self.redactor = redactor
        self.rules = rules
        self.identities = Identities(baseline.identities, target, redactor, login_hook)
        self.today = today or datetime.date.today()
        # False in a pytest-xdist worker that runs only some of the checks (--dist load, worksteal...):
        # then nothing may be sent ahead for checks another worker runs (authz/prefetch.py)
        self.runs_every_check = True
        self._cache: dict[tuple[str, str, str], Response | TargetError] = {}
        self._coverage: dict[str, list[str]] | None = None
        self.checks: tuple[Check, ...] = ()
        self.waivers: tuple[Waiver, ...] = baseline.waivers
        self._results: dict[str, list[Finding] | SecureError] = {}
        self._trust: dict[str, bool] = {}
        self._by_name: dict[str, Check] = {}
        self.created_objects: list[CreatedObject] = []  # objects checks made on the target (see records)

    def start_run(self, checks: Sequence[Check], waivers: Sequence[Waiver] = ()) -> None:
        """Fix what this run checks, once, before any check runs: the checks, the rules they
        define beyond the areas' table, and ``waivers`` beside the baseline's (DAST's known
        findings)."""
        self.checks = tuple(checks)
        self.rules = self.rules.extended(rule for check in self.checks for rule in check.defines)
        self.waivers = (*self.baseline.waivers, *waivers)
        self._by_name = {c.item_name: c for c in self.checks}
        self._coverage = None

    def identity(self, name: str) -> Identity:
        return self.identities[name]

    def fetch(self, method: str, path: str, identity: str = "anonymous") -> Response:
        """A cached request as ``identity``: for checks that only read responses.

        As ``anonymous`` (the default) every request is a first visit: anonymous keeps no cookie
        a page sets and sends no credential (see :mod:`.identities`)."""
        key = (identity, method.upper(), path)
        if key not in self._cache:
            try:
                self._cache[key] = self.identity(identity).request(method, path)
            except TargetError as exc:
                self._cache[key] = exc
        cached = self._cache[key]
        if isinstance(cached, TargetError):
            raise SetupError(str(cached))
        return cached

    def run_check(self, check: Check) -> list[Finding]:
        """Run ``check`` once per process; later calls return the same findings (or error)."""
        name = check.item_name
        if name not in self._results:
            try:
                self._results[name] = check.run(self)
            except SecureError as exc:
                if isinstance(exc, SetupError) and exc.check is None:
                    exc.check = name
                self._results[name] = exc
        result = self._results[name]
        if isinstance(result, SecureError):
            raise result
        return list(result)

    def trusted(self, item_name: str) -> bool:
        """Whether the check named ``item_name`` ran cleanly and passes its gate.

        Cached: a check runs once per process, so its trust never changes (an authz matrix asks
        this for every allow cell of every deny cell)."""
        if item_name not in self._trust:
            check = self._by_name.get(item_name)
            self._trust[item_name] = check is not None and self._passes(check)
        return self._trust[item_name]

    def _passes(self, check: Check) -> bool:
        try:
            findings = self.run_check(check)
        except SecureError:
            return False
        return self.judge_check(check, findings).outcome != FAILED

    @property
    def waiver_coverage(self) -> dict[str, list[str]]:
        """Waiver place -> item names of the checks it covers (computed once, after collection)."""
        if self._coverage is None:
            self._coverage = waiver_coverage(self.waivers, self.checks)
        return self._coverage

    def judge_check(self, check: Check, findings: list[Finding]) -> Verdict:
        """The gate's verdict on one check; waivers that cover only this check are strict here."""
        sole = [w for w in self.waivers if self.waiver_coverage.get(w.place) == [check.item_name]]
        return judge(findings, gates=self.baseline.gates, waivers=self.waivers, rules=self.rules,
                     sole_waivers=sole, today=self.today)

    def close(self) -> None:
        self.target.close()


def make_target(baseline: Baseline, rootdir: Path) -> Target:
    """Build the target the baseline names; raise on a missing or unimportable target."""
    t = baseline.target
    common: dict[str, Any] = dict(timeout=t.timeout, max_body_bytes=t.max_body_bytes,
                                  max_redirects=t.max_redirects, default_headers=t.headers)
    if t.app:
        require("app", f"{baseline.place('target', 'app')}: target.app")
        app = import_app(t.app, [rootdir, baseline.path.parent.resolve()])
        return InProcessTarget(app, base_url=t.base_url or "http://localhost", scope=t.scope, **common)
    if t.base_url:
        return LiveTarget(t.base_url, t.scope, verify=t.verify, **common)
    raise TargetError("no target: set target.app (in-process) or target.base_url (live) in the baseline, "
                      "or pass --secure-target URL")

