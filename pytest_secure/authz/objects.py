"""Object level authorization (BOLA/IDOR): reads, writes judged by their effect, lists.

* Reads: an identity must reach its own objects (its preflight) and be refused every other
  identity's objects, unless the rule's ``allow`` lets it reach them all.
* Writes (update/delete): the owner reads a fresh object, the other identity writes it, the
  owner reads it back. A difference is a leak whatever status the write got; an app that
  answers 204 and acts on the caller's own object leaves the owner's object alone, which is
  no leak. The owner writing its own object must show an effect, or the oracle would be
  blind (setup error). ``effect.login`` judges by logging in with the owner's credentials,
  after checking that the owner can log in, and puts back credentials the write changed
  (the victim's, or the attacker's own) with ``effect.restore``.
* Lists: one identity's list must not contain another identity's ids; its own ids must be
  found at ``ids`` (else the path is wrong and the check would be blind).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..core.errors import SetupError
from ..core.findings import Finding
from .cells import CellCheck, cell_name, untrustworthy
from .config import ALLOW, AREA, AuthzConfig, ObjectKind, Rule, _fill
from .effects import read_state, show_state
from .outcome import ALLOWED, BLOCKED, OK, classify, finding_for, judge, path_of, snippet
from .rules import MATRIX_RULES, OBJECT_RULES
from .runtime import dig_all, runtime

if TYPE_CHECKING:
    from ..core.identities import Identity
    from ..core.session import SecureSession
    from ..core.target import Response

Runner = Callable[["SecureSession"], list[Finding]]


def object_cell(config: AuthzConfig, rule: Rule, identity: str, name: str) -> CellCheck:
    kind = config.objects[rule.kind] if rule.kind else None
    all_objects = config.allows(rule, identity)
    expected = "all" if all_objects else ("own" if kind and identity in config.owners_of(kind) else "none")
    if rule.call.is_write:
        run = _write_runner(config, rule, identity, all_objects)
        rules: tuple[str, ...] = ("authz/object-write",)
    else:
        run = _read_runner(config, rule, identity, all_objects)
        rules = OBJECT_RULES
    return CellCheck(area=AREA, name=name, rules=rules + config.error_rules, run=run, path=rule.call.path,
                     row=rule.label, column=identity, expected=expected)


def list_cell(config: AuthzConfig, rule: Rule, identity: str, name: str) -> CellCheck:
    sees_all = config.allows(rule, identity)
    return CellCheck(area=AREA, name=name, rules=("authz/list-leak", *MATRIX_RULES, *config.error_rules),
                     run=_list_runner(config, rule, identity, sees_all), path=rule.call.path, row=rule.label,
                     column=identity, expected="all" if sees_all else "own")


# -- reads --------------------------------------------------------------------------------------
def _read_runner(config: AuthzConfig, rule: Rule, identity: str, all_objects: bool) -> Runner:
    def run(session: SecureSession) -> list[Finding]:
        rt = runtime(session, config)
        kind = config.objects[rule.kind]  # type: ignore[index]
        who = session.identity(identity)
        owner_param = rule.owner
        assert owner_param is not None
        for values in rule.value_sets():
            for own in rt.owned(kind, identity):
                response = rule.call.send(who, {**values, owner_param: own})
                if judge(ALLOW, response, rule.matchers).verdict == BLOCKED:
                    raise untrustworthy(identity, rule.call.method, response)
        findings: list[Finding] = []
        expected = ALLOW if all_objects else config.expectation(rule, identity)
        for owner, ids in rt.others(kind, identity).items():
            for obj in ids:
                for values in rule.value_sets():
                    response = rule.call.send(who, {**values, owner_param: obj})
                    findings.extend(config.server_errors(response, session))
                    judgement = judge(expected, response, rule.matchers)
                    if judgement.verdict == BLOCKED:
                        raise untrustworthy(identity, rule.call.method, response)
                    finding = finding_for(judgement, expected, identity, response, rule.label)
                    if finding is not None:
                        if finding.rule_id in ("authz/forbidden-access", "authz/forbidden-action"):
                            finding = _object_finding(rule, identity, owner, obj, response)
                        findings.append(finding)
        if rule.explore and not all_objects and not findings:
            from .explore import explore_cell

            findings.extend(explore_cell(session, config, rule, identity, expected))
        return findings

    return run


def _object_finding(rule: Rule, identity: str, owner: str, obj: str, response: Response) -> Finding:
    where = f"{rule.call.method} {path_of(response)}"
    return Finding("authz/object-access", f"{identity} read {owner}'s object {obj} at {where}", where,
                   evidence=f"{identity} got HTTP {response.status}: {snippet(response)}",
                   request=response.request, key=f"{identity}->{owner}")


# -- writes -------------------------------------------------------------------------------------
def _write_runner(config: AuthzConfig, rule: Rule, identity: str, all_objects: bool) -> Runner:
    def run(session: SecureSession) -> list[Finding]:
        rt = runtime(session, config)
        kind = config.objects[rule.kind]  # type: ignore[index]
        effect = rule.effect
        assert effect is not None and rule.owner is not None
        if effect.login:
            return _login_effect(session, rt, kind, rule, identity, all_objects)
        read = effect.read or kind.read
        assert read is not None
        attacker = session.identity(identity)
        owners = config.owners_of(kind)
        if identity in owners:  # the oracle must see the owner's own write, or it is blind
            obj = rt.create(kind, identity)
            before = read_state(read, attacker, {read.placeholders[0]: obj}, effect.field, rule)
            response = rule.call.send(attacker, {**_first(rule), rule.owner: obj})
            after = read_state(read, attacker, {read.placeholders[0]: obj}, effect.field, rule)
            if before == after:
                raise SetupError(
                    f"setup untrustworthy: {identity}'s {rule.label} on its own {kind.name} {obj} (HTTP "
                    f"{response.status}) left no trace in {read.label}; the effect check would be blind. Fix the "
                    "rule's body, effect.read or effect.field")
        findings: list[Finding] = []
        for victim in owners:
            if victim == identity:
                continue
            owner = session.identity(victim)
            obj = rt.create(kind, victim)
            before = read_state(read, owner, {read.placeholders[0]: obj}, effect.field, rule)
            response = rule.call.send(attacker, {**_first(rule), rule.owner: obj})
            findings.extend(config.server_errors(response, session))
            after = read_state(read, owner, {read.placeholders[0]: obj}, effect.field, rule)
            changed = before != after
            if all_objects and not changed:
                raise SetupError(f"setup untrustworthy: {identity} may write every {kind.name} but its "
                                 f"{rule.label} on {victim}'s {obj} (HTTP {response.status}) had no effect")
            if changed and not all_objects:
                where = f"{rule.call.method} {path_of(response)}"
                findings.append(Finding(
                    "authz/object-write", f"{identity}'s {rule.call.method} changed {victim}'s {kind.name} {obj}",
                    where, evidence=(f"{identity} got HTTP {response.status}; {victim} read {read.label} before: "
                                     f"{show_state(before)}; after: {show_state(after)}"),
                    request=response.request, key=f"{identity}->{victim}"))
        return findings

    return run


def _login_effect(session: SecureSession, rt: Any, kind: ObjectKind, rule: Rule, identity: str,
                  all_objects: bool = False) -> list[Finding]:
    """Judge a credentials write (password/e-mail change) by logging in again, then put back
    whatever it changed.

    For each victim object: the victim must log in first (else the check would be blind: setup
    error); the attacker sends the write; a fresh login as the victim that now fails is the
    violation. An app that applies the write to the *caller's* own account (and answers 204)
    changes the attacker's credentials instead: no violation, but they are put back too, so
    later checks are not broken and the next attacker is not blamed. ``effect.restore`` puts
    credentials back (:func:`_restore`); without it, changed credentials are a setup error.
    An identity the rule allows to write every object (``all_objects``, an admin) changes the
    victim's credentials by right: restored, never reported.
    """
    assert rule.owner is not None and rule.effect is not None
    cell = f"{AREA}[{cell_name(rule.label, identity)}]"
    attacker = session.identity(identity).fresh()
    _logged_in_before(attacker, identity, rule, "sends the write")
    findings = []
    for victim, ids in rt.others(kind, identity).items():
        for obj in ids:
            holder = session.identity(victim).fresh()
            _logged_in_before(holder, victim, rule, f"is the victim of {identity}'s write on its {kind.name} {obj}")
            values = {**_first(rule), rule.owner: obj}
            response = rule.call.send(attacker, values)
            victim_failure = _login_failure(session, victim)
            attacker_failure = None if attacker.is_anonymous else _login_failure(session, identity)
            where = f"{rule.call.method} {path_of(response)}"
            if victim_failure is not None and not all_objects:
                findings.append(Finding(
                    "authz/object-write", f"after {identity}'s {rule.call.method} on {victim}'s {kind.name} {obj}, "
                    f"{victim} can no longer log in with its credentials", where,
                    evidence=(f"{identity} got HTTP {response.status}; {victim} logged in before it, and a fresh "
                              f"login as {victim} after it failed ({victim_failure}); {victim}'s credentials were "
                              "put back afterwards (effect.restore)"),
                    request=response.request, key=f"{identity}->{victim}"))
            if victim_failure is not None:
                why = _restore(session, rule, victim, holder, values, values)
                if why is not None:
                    session.identity(victim).changed_by = cell
                    verdict = "as the rule allows" if all_objects else "a violation (authz/object-write)"
                    raise SetupError(
                        f"{identity}'s {rule.label} on {victim}'s {kind.name} {obj} (HTTP {response.status}) changed "
                        f"{victim}'s credentials, {verdict}, and they could not be put back: "
                        f"{why}; later checks as {victim} would fail. {_RESTORE_HINT}")
            if attacker_failure is not None:  # the app applied the write to the caller: no violation
                own = next(iter(rt.owned(kind, identity)), obj)  # the attacker's own account, when it has one
                target = {**_first(rule), rule.owner: own}
                why = _restore(session, rule, identity, attacker, target, values)
                if why is not None:
                    session.identity(identity).changed_by = cell
                    raise SetupError(
                        f"{identity}'s {rule.label} on {victim}'s {kind.name} {obj} (HTTP {response.status}) changed "
                        f"{identity}'s OWN credentials (the app applies it to the caller, which is no violation), "
                        f"and they could not be put back: {why}; later checks as {identity} would fail. "
                        f"{_RESTORE_HINT}")
    return findings


_RESTORE_HINT = ("Give the rule `effect.restore`, a request that sets the credentials back (e.g. PUT "
                 "/users/{name}/password with the password field of its body set to {login.password}, the "
                 "identity's own login value; see docs/authz.md), or run this rule against a dedicated identity")


def _logged_in_before(who: Identity, name: str, rule: Rule, role: str) -> None:
    """The precondition: ``who`` (a fresh copy of identity ``name``) logs in before the write."""
    try:
        who.ensure_logged_in()
    except SetupError as exc:
        raise SetupError(f"setup untrustworthy: {name} {role} ({rule.label}) but cannot log in before it, so "
                         f"its effect cannot be judged: {exc}") from None


def _login_failure(session: SecureSession, name: str) -> str | None:
    """Why a fresh login as ``name`` with its baseline credentials fails now (None: it works)."""
    try:
        session.identity(name).fresh().ensure_logged_in()
    except SetupError as exc:
        return str(exc)
    return None


def _restore(session: SecureSession, rule: Rule, name: str, holder: Identity, values: dict[str, Any],
             sent: dict[str, Any]) -> str | None:
    """Put ``name``'s credentials back with ``effect.restore``; None when they work again, else why not.

    The restore is sent as ``name``: first with the session ``holder`` held before the change
    (apps that keep sessions at a password change), then, if that did not help, after a login
    with the new credentials (the write's body fields that its login body also has, e.g.
    ``password``). Either way a fresh login with the baseline's credentials must work after it.
    """
    assert rule.effect is not None
    restore = rule.effect.restore
    if restore is None:
        return "the rule has no effect.restore"
    login = holder.config.login
    body = (login.json if login.json is not None else login.form) if login is not None else None
    fields = {f"login.{k}": v for k, v in (body or {}).items() if isinstance(v, str | int | float)}
    answers = [f"with the session held before: HTTP {restore.send(holder, {**values, **fields}, login=False).status}"]
    if _login_failure(session, name) is None:
        return None
    written = _fill(rule.call.json if rule.call.json is not None else rule.call.form, sent)
    items = written.items() if isinstance(written, dict) else ()
    new = {k: v for k, v in items if isinstance(v, str | int | float)}
    if new:
        renewed = holder.fresh(new)
        try:
            renewed.ensure_logged_in()
        except SetupError as exc:
            answers.append(f"a login with the new credentials ({', '.join(sorted(new))} from the write's body) "
                           f"failed: {exc}")
        else:
            answers.append(f"after a login with the new credentials: HTTP "
                           f"{restore.send(renewed, {**values, **fields}, login=False).status}")
            if _login_failure(session, name) is None:
                return None
    return f"{restore.label} as {name} did not make its login work again ({'; '.join(answers)})"


def _first(rule: Rule) -> dict[str, Any]:
    return next(iter(rule.value_sets()))


# -- lists --------------------------------------------------------------------------------------
def _list_runner(config: AuthzConfig, rule: Rule, identity: str, sees_all: bool) -> Runner:
    def run(session: SecureSession) -> list[Finding]:
        rt = runtime(session, config)
        kind = config.objects[rule.list_kind]  # type: ignore[index]
        assert rule.ids_path is not None
        own = set(rt.owned(kind, identity))
        others = {obj: owner for owner, ids in rt.others(kind, identity).items() for obj in ids}
        who = session.identity(identity)
        findings: list[Finding] = []
        for values in rule.value_sets():
            response = rule.call.send(who, values)
            findings.extend(config.server_errors(response, session))
            allowed = classify(response, rule.matchers) == ALLOWED
            if not allowed:
                if sees_all or own:
                    raise untrustworthy(identity, rule.call.method, response)
                verdict = judge(config.expectation(rule, identity), response, rule.matchers)
                finding = finding_for(verdict, config.expectation(rule, identity), identity, response, rule.label)
                if finding is not None and verdict.verdict != OK:
                    findings.append(finding)
                continue
            try:
                listed = {str(v) for v in dig_all(response.json(), rule.ids_path) if not isinstance(v, dict | list)}
            except ValueError:
                listed = set()
            missing = own - listed
            if missing:
                raise SetupError(
                    f"setup untrustworthy: {identity}'s {rule.label} does not list its own {kind.name} "
                    f"{', '.join(sorted(missing))} at {rule.ids_path!r}; the leak check would be blind. Fix the "
                    f"rule's `ids` path (response: {snippet(response)})")
            if sees_all:
                continue
            leaked = sorted(listed & set(others))
            if leaked:
                where = f"{rule.call.method} {path_of(response)}"
                owners = sorted({others[o] for o in leaked})
                findings.append(Finding(
                    "authz/list-leak",
                    f"{identity}'s {where} lists {len(leaked)} {kind.name} object(s) of {', '.join(owners)}", where,
                    evidence=f"ids of others in the response: {', '.join(leaked[:10])}",
                    request=response.request, key=identity))
        return findings

    return run
