"""The HTML report's one stylesheet and one script, inlined into the page (no network, no CDN).

The page's Content-Security-Policy allows exactly these two by their SHA-256 hashes, images only
as ``data:`` URIs, and nothing else: no style attributes, no other script, no request.
"""

from __future__ import annotations

import base64
import hashlib

# findings above this count start with their rule groups collapsed (the page's own budget)
OPEN_LIMIT = 200

CSS = """
:root{--fg:#1d2330;--muted:#5b6475;--line:#d8dce4;--bg:#f6f7f9;--card:#fff;
--critical:#7a1020;--high:#c62828;--medium:#e65100;--low:#a57900;--info:#546e7a}
*{box-sizing:border-box}
[hidden]{display:none !important}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1280px;margin:0 auto;padding:0 20px 40px}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{white-space:pre-wrap;word-break:break-word;background:#f1f3f6;border:1px solid var(--line);border-radius:4px;
padding:8px;margin:6px 0;max-height:24em;overflow:auto}
h2{margin:28px 0 10px;font-size:19px}h3{margin:18px 0 8px;font-size:16px}
.verdict{padding:22px 20px 16px;color:#fff}
.verdict h1{margin:0 0 4px;font-size:26px;letter-spacing:.2px}
.verdict p{margin:0 0 10px;font-size:15px}
.verdict-passed{background:#1b5e20}.verdict-failed{background:#b71c1c}.verdict-incomplete{background:#8a5a00}
.verdict .inner{max-width:1280px;margin:0 auto}
.facts{display:flex;flex-wrap:wrap;gap:4px 22px;margin:0;font-size:13px;opacity:.93}
.facts dt{font-weight:600;display:inline}.facts dd{display:inline;margin:0 0 0 4px}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin:0 0 10px;padding:0;list-style:none}
.chip{background:rgba(255,255,255,.16);border:1px solid rgba(255,255,255,.35);border-radius:12px;padding:1px 10px}
nav{position:sticky;top:0;z-index:2;background:var(--card);border-bottom:1px solid var(--line)}
nav ul{max-width:1280px;margin:0 auto;padding:8px 20px;list-style:none;display:flex;flex-wrap:wrap;gap:18px}
nav a{color:#0b57d0;text-decoration:none}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:12px 14px;margin:10px 0}
.controls{display:flex;flex-wrap:wrap;align-items:center;gap:10px 16px;margin:8px 0 12px}
.controls input[type=search]{min-width:320px;padding:5px 8px;border:1px solid var(--line);border-radius:4px}
.controls button{padding:4px 10px;border:1px solid var(--line);border-radius:4px;background:var(--card);cursor:pointer}
.muted{color:var(--muted)}
.sev-title{display:flex;align-items:center;gap:8px}
.sev{display:inline-block;min-width:66px;text-align:center;color:#fff;border-radius:3px;padding:0 6px;
font-size:12px;font-weight:600;text-transform:uppercase}
.sev-critical{background:var(--critical)}.sev-high{background:var(--high)}.sev-medium{background:var(--medium)}
.sev-low{background:var(--low)}.sev-info{background:var(--info)}
details.rule{background:var(--card);border:1px solid var(--line);border-radius:6px;margin:8px 0}
details.rule>summary{cursor:pointer;padding:8px 12px;display:flex;flex-wrap:wrap;gap:6px 12px;align-items:baseline}
details.rule>summary .title{font-weight:600}
.rule-body{padding:0 12px 10px}
.rule-info{margin:0 0 8px;color:var(--muted)}.rule-info p{margin:2px 0}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-top:1px solid var(--line)}
th{font-weight:600;background:#f1f3f6}
.badge{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;border:1px solid}
.st-failing{color:#b71c1c;border-color:#e5a0a0;background:#fdecec}
.st-expired{color:#6a1b9a;border-color:#c9a3dd;background:#f6ecfb}
.st-warning{color:#8a5a00;border-color:#e6c77a;background:#fff6dc}
.st-waived{color:#455a64;border-color:#b0bec5;background:#eef2f4}
.dast-new{color:#0d47a1;border-color:#90b4e8;background:#e8f0fd}
.dast-known{color:#455a64;border-color:#b0bec5;background:#eef2f4}
details.evidence>summary{cursor:pointer;color:#0b57d0;font-size:13px}
figure{margin:6px 0}figure img{max-width:100%;border:1px solid var(--line)}
figcaption{font-size:12px;color:var(--muted)}
.grid td,.grid th{text-align:center;white-space:nowrap}.grid td:first-child,.grid th:first-child{text-align:left}
.cell{display:inline-block;min-width:84px;border-radius:3px;padding:1px 6px;font-size:12.5px;font-weight:600}
.cell-ok{background:#dff3e1;color:#1b5e20}.cell-FAIL{background:#c62828;color:#fff}
.cell-ERROR{background:#ef6c00;color:#fff}.cell-warn{background:#fff1c2;color:#7a5400}
.cell-waived{background:#e3e7ea;color:#37474f}.cell-none{background:#f0f1f3;color:#78808c}
.legend{display:flex;flex-wrap:wrap;gap:8px;margin:6px 0;font-size:12.5px}
.grade{display:flex;gap:18px;align-items:center}
.grade-letter{font-size:40px;font-weight:700;min-width:84px;text-align:center;border-radius:8px;padding:4px 10px;
color:#fff;background:#607d8b}
.grade-A{background:#2e7d32}.grade-B{background:#689f38}.grade-C{background:#f9a825}.grade-D{background:#ef6c00}
.grade-F{background:#c62828}
.expired{color:#b71c1c;font-weight:600}.soon{color:#8a5a00;font-weight:600}
footer{max-width:1280px;margin:0 auto;padding:10px 20px 30px;color:var(--muted);font-size:12px}
"""

JS = """
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.finding"));
  var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
  var rules = Array.prototype.slice.call(document.querySelectorAll("details.rule"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.severity"));
  var filter = document.getElementById("filter");
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input.status-filter"));
  var shown = document.getElementById("shown");
  var timer = null;
  function apply() {
    var started = performance.now();
    var query = filter ? filter.value.trim().toLowerCase() : "";
    var on = {};
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    var count = 0;
    rows.forEach(function (row, i) {
      var visible = on[row.getAttribute("data-status")] !== false && (!query || texts[i].indexOf(query) >= 0);
      row.hidden = !visible;
      if (visible) { count += 1; }
    });
    rules.forEach(function (rule) {
      var any = rule.querySelector("tr.finding:not([hidden])") !== null;
      rule.hidden = !any;
      if (any && query) { rule.open = true; }
    });
    sections.forEach(function (section) {
      section.hidden = section.querySelector("details.rule:not([hidden])") === null;
    });
    if (shown) { shown.textContent = count + " of " + rows.length + " findings shown"; }
    document.body.setAttribute("data-filter-ms", String(Math.round(performance.now() - started)));
  }
  function later() {
    if (timer !== null) { clearTimeout(timer); }
    timer = setTimeout(apply, rows.length > 300 ? 150 : 0);
  }
  if (filter) { filter.addEventListener("input", later); }
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  function openAll(open) {
    return function () { rules.forEach(function (rule) { rule.open = open; }); };
  }
  var expand = document.getElementById("expand-all");
  var collapse = document.getElementById("collapse-all");
  if (expand) { expand.addEventListener("click", openAll(true)); }
  if (collapse) { collapse.addEventListener("click", openAll(false)); }
  apply();
  var ready = Math.round(performance.now());
  document.body.setAttribute("data-ready-ms", String(ready));
  var stamp = document.getElementById("ready");
  if (stamp) { stamp.textContent = "page ready " + ready + " ms after it was opened"; }
})();
"""


def sha256_source(text: str) -> str:
    """The CSP source expression allowing exactly this inline element's content."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy() -> str:
    return (f"default-src 'none'; style-src {sha256_source(CSS)}; script-src {sha256_source(JS)}; "
            "img-src data:; base-uri 'none'; form-action 'none'")
