"""The HTML report (``--secure-html PATH``): one self-contained file a person reads in one glance.

The verdict on top, then the findings grouped by severity and rule (evidence, fix, curl, browser
screenshots), the authz grid coloured by outcome, the Observatory-style grade, the waivers with
the days they have left, and new versus known for DAST. The page loads nothing: its stylesheet and
script are inline and allowed by hash in its own Content-Security-Policy, screenshots are
``data:`` URIs. Every text is HTML-escaped, and known secrets are masked once more on the way in.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .authz_grid import EXPECTED_SHORT
from .html_assets import CSS, JS, OPEN_LIMIT, content_security_policy
from .html_model import STATUSES, FindingView, GradeView, HtmlReport, RuleGroup, build


def write(path: Path, reporter: Any) -> None:
    page = render(build(reporter), reporter.session.redactor.mask_known)
    path.write_text(page, encoding="utf-8")


def render(report: HtmlReport, mask: Callable[[str], str] = str) -> str:
    """The page for ``report``; ``mask`` hides known secrets in every text before it is escaped."""
    return "".join(_Page(mask).page(report))


class _Page:
    def __init__(self, mask: Callable[[str], str]) -> None:
        self.mask = mask

    def t(self, value: object) -> str:
        """Text, masked and escaped for element content and attribute values alike."""
        return html.escape(self.mask(str(value)), quote=True)

    def page(self, r: HtmlReport) -> Iterator[str]:
        h = r.headline
        title = f"pytest-secure: {h.state.upper()}"
        yield ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
               f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy()}">'
               '<meta name="viewport" content="width=device-width, initial-scale=1">'
               '<meta name="referrer" content="no-referrer">'
               f'<title>{self.t(title)} ({self.t(r.target)})</title><style>{CSS}</style></head><body>')
        yield from self.verdict(r)
        yield from self.nav(r)
        yield "<main>"
        yield from self.findings(r)
        yield from self.grid(r.grid)
        if r.grade is not None:
            yield from self.grade(r.grade)
        yield from self.waivers(r)
        yield from self.dast(r)
        yield from self.errors(r)
        yield "</main>"
        yield (f'<footer>pytest-secure {self.t(r.tool_version)}, generated {self.t(r.generated)}. '
               f'A self-contained file: it loads nothing. <span id="ready"></span></footer>')
        yield f"<script>{JS}</script></body></html>\n"

    def verdict(self, r: HtmlReport) -> Iterator[str]:
        h = r.headline
        yield (f'<header class="verdict verdict-{self.t(h.state)}" id="verdict" data-state="{self.t(h.state)}">'
               f'<div class="inner"><h1>Security verdict: {self.t(h.state.upper())}</h1><p>{self.t(h.text)}</p>'
               '<ul class="chips">')
        for outcome, n in sorted(h.checks.items()):
            yield f'<li class="chip">{n} {self.t(outcome)}</li>'
        for severity, n in h.failing.items():
            yield f'<li class="chip">{n} failing {self.t(severity)}</li>'
        yield '</ul><ul class="chips areas">'
        for area, outcomes in r.areas.items():
            detail = ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items()))
            yield f'<li class="chip" data-area="{self.t(area)}"><b>{self.t(area)}</b> {self.t(detail)}</li>'
        yield ('</ul><dl class="facts">'
               f'<div><dt>target</dt><dd>{self.t(r.target)}</dd></div>'
               f'<div><dt>baseline</dt><dd>{self.t(r.baseline)}</dd></div>'
               f'<div><dt>fails on</dt><dd>{self.t(r.fail_on)} and above</dd></div>'
               f'<div><dt>findings</dt><dd>{r.total_findings}</dd></div>'
               '</dl></div></header>')

    def nav(self, r: HtmlReport) -> Iterator[str]:
        links = [("findings", f"Findings ({r.total_findings})")]
        if r.grid is not None:
            links.append(("authz", "Authz grid"))
        if r.grade is not None:
            links.append(("grade", "Grade"))
        links.append(("waivers", f"Waivers ({len(r.waivers)})"))
        if r.dast is not None:
            links.append(("dast", "DAST"))
        if r.errors or r.left_behind or r.notes:
            links.append(("errors", "Errors and notes"))
        items = "".join(f'<li><a href="#{a}">{self.t(label)}</a></li>' for a, label in links)
        yield f"<nav><ul>{items}</ul></nav>"

    # -- findings ---------------------------------------------------------------------------
    def findings(self, r: HtmlReport) -> Iterator[str]:
        yield '<section id="findings"><h2>Findings</h2>'
        if not r.total_findings:
            yield '<p class="card">No findings: every check met the baseline.</p></section>'
            return
        opened = " open" if r.total_findings <= OPEN_LIMIT else ""
        yield ('<div class="controls"><input id="filter" type="search" aria-label="filter findings" '
               'placeholder="filter: rule, location, message, evidence">')
        for status in STATUSES:
            yield (f'<label><input type="checkbox" class="status-filter" value="{status}" checked> '
                   f'{status}</label>')
        yield ('<button type="button" id="expand-all">expand all</button>'
               '<button type="button" id="collapse-all">collapse all</button>'
               f'<span id="shown" class="muted">{r.total_findings} findings</span></div>')
        for group in r.severities:
            yield (f'<section class="severity" data-severity="{group.severity}">'
                   f'<h3 class="sev-title"><span class="sev sev-{group.severity}">{group.severity}</span>'
                   f'{group.count} finding{"" if group.count == 1 else "s"}</h3>')
            for rule in group.rules:
                yield from self.rule(rule, opened)
            yield "</section>"
        yield "</section>"

    def rule(self, group: RuleGroup, opened: str) -> Iterator[str]:
        rule = group.rule
        counts = ", ".join(f"{n} {s}" for s in STATUSES if (n := group.count(s)))
        cwe = f"CWE-{rule.cwe}" if rule.cwe else ""
        yield (f'<details class="rule" data-rule="{self.t(rule.id)}"{opened}><summary>'
               f'<code>{self.t(rule.id)}</code><span class="title">{self.t(rule.title)}</span>'
               f'<span class="muted">{self.t(counts)}{" · " + cwe if cwe else ""}</span></summary>'
               '<div class="rule-body"><div class="rule-info">'
               + (f"<p>{self.t(rule.description)}</p>" if rule.description else "")
               + f'<p><b>Fix:</b> {self.t(rule.fix)}</p></div>'
               '<table class="findings"><thead><tr><th>status</th><th>where</th><th>finding</th><th>item</th>'
               "</tr></thead><tbody>")
        for view in group.findings:
            yield self.finding(view)
        yield "</tbody></table></div></details>"

    def finding(self, view: FindingView) -> str:
        f = view.record
        badges = f'<span class="badge st-{self.t(f.status)}">{self.t(f.status)}</span>'
        if view.dast:
            badges += f' <span class="badge dast-{self.t(view.dast)}">{self.t(view.dast)}</span>'
        places = ""
        if len(f.places) > 1:
            places = (f'<details class="evidence"><summary>{len(f.places)} places</summary><pre>'
                      + self.t("\n".join(f.places)) + "</pre></details>")
        details = []
        if f.evidence:
            details.append(f"<pre class=\"evidence-text\">{self.t(f.evidence)}</pre>")
        if f.request is not None:
            details.append(f'<p>reproduce:</p><pre class="curl">{self.t(f.request.curl)}</pre>')
        for shot in view.screenshots:
            details.append(f'<figure><img src="{shot.data_uri}" alt="{self.t("screenshot " + shot.path)}">'
                           f"<figcaption>{self.t(shot.path)}</figcaption></figure>")
        if f.waiver is not None:
            w = f.waiver
            ticket = f", {self.t(w.ticket)}" if w.ticket else ""
            details.append(f"<p>waived by {self.t(w.owner)}{ticket} until {self.t(w.expires)}: {self.t(w.reason)} "
                           f'<span class="muted">({self.t(w.place)})</span></p>')
        more = ""
        if details:
            label = "evidence, screenshot and reproduction" if view.screenshots else "evidence and reproduction"
            more = f'<details class="evidence"><summary>{label}</summary>{"".join(details)}</details>'
        return (f'<tr class="finding" data-status="{self.t(f.status)}" data-fingerprint="{self.t(f.fingerprint)}">'
                f"<td>{badges}</td><td><code>{self.t(f.location)}</code>{places}</td>"
                f"<td>{self.t(f.message)}{more}</td><td><code>{self.t(view.item)}</code></td></tr>")

    # -- authz grid -------------------------------------------------------------------------
    def grid(self, grid: dict[str, Any] | None) -> Iterator[str]:
        if grid is None:
            return
        columns = grid["identities"]
        cells = sum(len(row["cells"]) for row in grid["rows"])
        yield ('<section id="authz"><h2>Authorization grid</h2>'
               f'<p class="muted">{cells} cells: {grid["violations"]} violations, {grid["errors"]} setup errors, '
               f'{grid["warnings"]} warnings. Each cell: what the baseline expects, then what happened.</p>'
               '<div class="legend"><span class="cell cell-ok">ok</span><span class="cell cell-FAIL">FAIL</span>'
               '<span class="cell cell-ERROR">ERROR</span><span class="cell cell-warn">warn</span>'
               '<span class="cell cell-waived">waived</span><span class="cell cell-none">not run</span></div>'
               '<div class="card"><table class="grid" id="authz-grid"><thead><tr><th>request</th>')
        yield "".join(f"<th>{self.t(c)}</th>" for c in columns) + "</tr></thead><tbody>"
        for row in grid["rows"]:
            yield f'<tr><td><code>{self.t(row["request"])}</code></td>'
            for column in columns:
                cell = row["cells"].get(column)
                if cell is None:
                    yield "<td></td>"
                    continue
                result = cell["result"] if cell["result"] in ("ok", "FAIL", "ERROR", "warn", "waived") else "none"
                expected = EXPECTED_SHORT.get(cell["expected"], cell["expected"])
                label = cell["result"] if expected == "ok" else f"{expected} {cell['result']}"  # as the terminal
                tip = f"{cell['outcome']}" + (f": {', '.join(cell['rules'])}" if cell["rules"] else "")
                yield (f'<td><span class="cell cell-{result}" data-result="{self.t(cell["result"])}" '
                       f'title="{self.t(tip)}">{self.t(label)}</span></td>')
            yield "</tr>"
        yield "</tbody></table></div></section>"

    # -- grade ------------------------------------------------------------------------------
    def grade(self, g: GradeView) -> Iterator[str]:
        letter = g.grade or (f"≥ {g.minimum}" if g.outcome == "passed" else "?")
        band = g.grade[0] if g.grade else ("A" if g.outcome == "passed" and g.minimum.startswith("A") else "")
        if g.grade:
            text = f"score {g.score}, below the minimum {g.minimum}" if g.outcome != "passed" else f"score {g.score}"
        elif g.outcome == "passed":
            text = f"meets the minimum {g.minimum} (the exact grade is reported when it falls below)"
        else:
            text = f"the grade check ended with {g.outcome}"
        yield ('<section id="grade"><h2>Observatory-style grade</h2><div class="card grade">'
               f'<div class="grade-letter grade-{self.t(band)}" id="grade-letter">{self.t(letter)}</div>'
               f"<div><p><code>{self.t(g.location)}</code>: {self.t(text)}</p>"
               + (f"<pre>{self.t(g.detail)}</pre>" if g.detail else "") + "</div></div></section>")

    # -- waivers ----------------------------------------------------------------------------
    def waivers(self, r: HtmlReport) -> Iterator[str]:
        yield '<section id="waivers"><h2>Waivers</h2>'
        if not r.waivers:
            yield '<p class="card">The baseline has no waivers.</p></section>'
            return
        yield ('<div class="card"><table id="waiver-table"><thead><tr><th>rule</th><th>where</th><th>owner</th>'
               "<th>ticket</th><th>reason</th><th>expires</th><th>days left</th><th>this run</th></tr></thead><tbody>")
        for w in r.waivers:
            if w.days_left < 0:
                ago = "yesterday" if w.days_left == -1 else f"{-w.days_left} days ago"
                left = f'<span class="expired">expired {ago}</span>'
            else:
                css = ' class="soon"' if w.days_left <= 30 else ""
                left = f"<span{css}>{w.days_left or 'expires today'}</span>"
            use = "no longer needed: remove it" if w.unneeded else ("used" if w.used else "unused")
            yield (f'<tr data-place="{self.t(w.place)}"><td><code>{self.t(w.rule)}</code></td>'
                   f"<td>{self.t(w.where or 'everywhere')}</td><td>{self.t(w.owner)}</td>"
                   f"<td>{self.t(w.ticket or '')}</td><td>{self.t(w.reason)}</td><td>{self.t(w.expires)}</td>"
                   f"<td>{left}</td><td>{self.t(use)}</td></tr>")
        yield "</tbody></table></div></section>"

    # -- DAST, errors -----------------------------------------------------------------------
    def dast(self, r: HtmlReport) -> Iterator[str]:
        d = r.dast
        if d is None:
            return
        if d.compared:
            text = (f"{d.new} new finding{'' if d.new == 1 else 's'} (they fail the run), {d.known} known "
                    f"(in the known-findings file: {d.known_entries} entries; they are xfailed).")
        else:
            text = (f"{d.new + d.known} DAST finding(s), not compared with a known-findings file: run with "
                    "--secure-dast-new-only to tell new from known.")
        yield ('<section id="dast"><h2>DAST: new versus known</h2>'
               f'<p class="card" id="dast-summary">{self.t(text)}</p></section>')

    def errors(self, r: HtmlReport) -> Iterator[str]:
        if not (r.errors or r.left_behind or r.notes):
            return
        yield '<section id="errors"><h2>Errors and notes</h2>'
        for e in r.errors:
            yield (f'<div class="card"><p><code>{self.t(e.item)}</code> could not run:</p>'
                   f"<pre>{self.t(e.error)}</pre></div>")
        if r.left_behind:
            yield (f'<details class="card"><summary>pytest-secure created {len(r.left_behind)} object(s) on the target '
                   'it could not delete</summary><ul>'
                   + "".join(f"<li>{self.t(text)}</li>" for text in r.left_behind) + "</ul></details>")
        for text in r.notes:
            yield f'<p class="card">{self.t(text)}</p>'
        yield "</section>"
