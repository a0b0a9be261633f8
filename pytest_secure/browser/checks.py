"""The five browser checks. Each opens the page in its own browser context and judges by
what the browser did: which injected script ran (the marker it calls), which
``securitypolicyviolation`` events fired, whether a frame rendered, which cookies the browser
kept, showed to scripts and sent cross-site, and which requests an https page made.

Cookie values never leave the browser: findings name cookies, never show them.
"""

from __future__ import annotations

import contextlib
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import SetupError
from ..core.findings import Finding
from ..core.target import InProcessTarget
from .run import Visit
from .serve import marker_script

MAX_FORMS = 3
SETTLE_MS = 100  # after a load or a keystroke: an error event of the payload's image is queued, not yet run
MAX_FIELDS = 10
ACTIVE_TYPES = {"script", "stylesheet", "xhr", "fetch", "document", "websocket", "eventsource", "font", "manifest"}

# Attacker markup inside the page, the way an HTML injection lands: an inline event handler
# added through innerHTML, and parser-inserted inline and off-origin scripts in a srcdoc frame
# (it inherits the page's policy; 'strict-dynamic' rightly trusts scripts that a trusted
# script creates, so a script element created from here would prove nothing).
INJECT_DOM = """
([evil, handler, inline, offorigin]) => {
  const holder = document.createElement('div');
  holder.innerHTML = '<img src="x:x" onerror="__secureMark(\\'' + handler + '\\')">';
  (document.body || document.documentElement).appendChild(holder);
  const frame = document.createElement('iframe');
  const loaded = new Promise((resolve) => { frame.onload = resolve; setTimeout(resolve, 5000); });
  frame.srcdoc = '<script>__secureMark("' + inline + '")<\\/script><script src="' + evil + '"><\\/script>';
  (document.body || document.documentElement).appendChild(frame);
  return loaded.then(() => new Promise((resolve) => setTimeout(resolve, 20)));
}
"""


def xss_payload(tag: str) -> str:
    return f"\"'><img src=x:x onerror=__secureMark('{tag}')>"


@dataclass
class PageCheck:
    """What a check needs: the visit, the page's path, the reproduction base, the findings."""

    visit: Visit
    path: str
    name: str = ""  # the item's, for the screenshot's file name
    findings: list[Finding] = field(default_factory=list)
    screenshot: str | None = None  # taken when the first finding is made, of the page that shows it
    _page: Any = None

    @property
    def page(self) -> Any:
        """The check's one tab: each navigation is a fresh document (and a fresh marker log)."""
        if self._page is None:
            self._page = self.visit.new_page()
        return self._page

    @property
    def config(self) -> Any:
        return self.visit.run.config

    @property
    def location(self) -> str:
        return f"GET {self.path}"

    def browser_url(self, path: str | None = None) -> str:
        return self.visit.run.url(path or self.path)

    def public_url(self, browser_url: str) -> str:
        """The URL a reader reproduces with: the target's own base URL, not the run's bridge."""
        base = self.visit.run.base_url
        if browser_url.startswith(base):
            return self.visit.session.target.url(browser_url[len(base):] or "/")
        return browser_url

    def load(self, page: Any, url: str) -> Any:
        from playwright.sync_api import Error

        try:
            return self.visit.goto(page, url)
        except Error as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise SetupError(f"the browser could not load {self.public_url(url)}: {first}") from None

    def add(self, rule_id: str, message: str, evidence: str, key: str, page: Any = None) -> None:
        self.findings.append(Finding(rule_id, message, self.location, evidence=evidence, key=key))
        if page is not None and self.screenshot is None:
            self.screenshot = self.visit.screenshot(page, self.name or self.path)


def ran(log: list[str]) -> set[str]:
    return {entry[4:] for entry in log if entry.startswith("ran ")}


def violations(log: list[str]) -> list[str]:
    """The script violations (the payloads' ``x:x`` image may break an img-src too: not the point)."""
    return sorted({entry[len("violation "):] for entry in log if entry.startswith("violation script-src")})


def with_param(url: str, name: str, value: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, value))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def headers_of(response: Any, name: str) -> list[str]:
    if response is None:
        return []
    return [h["value"] for h in response.headers_array() if h["name"].lower() == name.lower()]


# -- 1. CSP enforced -----------------------------------------------------------------------
def check_csp(c: PageCheck) -> None:
    page = c.page
    url = c.browser_url()
    response = c.load(page, url)
    header = headers_of(response, "content-security-policy")
    meta = page.evaluate("() => Array.from(document.querySelectorAll('meta[http-equiv]'))"
                         ".filter(m => m.httpEquiv.toLowerCase() === 'content-security-policy').map(m => m.content)")
    policy = " , ".join([*header, *(f"{m} (meta)" for m in meta)]) or "none: no Content-Security-Policy"
    evil = c.visit.run.attacker_origin + "/evil.js?tag="
    tags = {"dom-handler": "inline", "dom-inline": "inline", "dom-offorigin": "offorigin"}
    page.evaluate(INJECT_DOM, [evil + "dom-offorigin", "dom-handler", "dom-inline", "dom-offorigin"])
    log = c.visit.log(page)
    tried = ["through the DOM (inline handler, inline script, off-origin script)"]
    shot_url = url if ran(log) else None
    for name in c.config.params_of(c.path)[:5]:
        inline, off = f"reflected-{name}-inline", f"reflected-{name}-offorigin"
        tags |= {inline: "inline", off: "offorigin"}
        payload = f"<script>{marker_script(inline)}</script><script src=\"{evil}{off}\"></script>"
        attempt = with_param(url, name, payload)
        c.load(page, attempt)  # parser-inserted scripts run (or are blocked) before the load event
        reflected_log = c.visit.log(page)
        if shot_url is None and ran(reflected_log):
            shot_url = attempt
        log += reflected_log
        tried.append(f"through the reflected parameter {name}")
    executed = ran(log)
    seen = violations(log)
    evidence = (f"policy: {policy}\ninjected: {'; '.join(tried)}\nran: {', '.join(sorted(executed & set(tags))) or '-'}"
                f"\nblocked (securitypolicyviolation): {'; '.join(seen) or 'no event fired'}")
    if executed & set(tags) and shot_url is not None and page.url != shot_url:
        c.load(page, shot_url)  # the screenshot shows the page where the script ran
        if shot_url == url:
            page.evaluate(INJECT_DOM, [evil + "dom-offorigin", "dom-handler", "dom-inline", "dom-offorigin"])
    for kind, rule_id, what in (("inline", "browser/csp-inline-script-ran", "an injected inline script"),
                                ("offorigin", "browser/csp-offorigin-script-ran",
                                 f"an injected script from another origin ({c.visit.run.attacker_origin})")):
        hits = sorted(tag for tag in executed if tags.get(tag) == kind)
        if hits:
            c.add(rule_id, f"{what} ran in the browser despite the page's policy ({', '.join(hits)})",
                  evidence, key=kind, page=page)


# -- 2. Framing enforced -------------------------------------------------------------------
def check_framing(c: PageCheck) -> None:
    if any(c.path.split("?", 1)[0] == p for p in c.config.frameable):
        return
    page = c.page
    url = c.browser_url()
    framed: list[Any] = []
    page.on("response", lambda r: framed.append(r) if r.url == url else None)
    framer = c.visit.run.attacker_origin + "/frame?url=" + urllib.parse.quote(url, safe="")
    c.load(page, framer)  # the load event waits for the frame
    child = next((f for f in page.frames if f.parent_frame is not None), None)
    if child is not None and child.url.startswith(c.visit.run.base_url):  # a blocked frame shows chrome-error://
        resp = framed[0] if framed else None
        xfo = ", ".join(headers_of(resp, "x-frame-options")) or "absent"
        csp = [p for p in headers_of(resp, "content-security-policy") if "frame-ancestors" in p]
        c.add("browser/framing-allowed",
              f"the page rendered inside a frame of another site ({c.visit.run.attacker_origin})",
              f"framed by {framer.split('?', 1)[0]}; the frame shows {c.public_url(child.url)}\n"
              f"X-Frame-Options: {xfo}; CSP frame-ancestors: {'; '.join(csp) or 'absent'}", key="frame", page=page)


# -- 3. Cookies as the browser sees them ---------------------------------------------------
def check_cookies(c: PageCheck) -> None:
    page = c.page
    blocked: list[tuple[str, list[str]]] = []
    cdp = c.visit.context.new_cdp_session(page)
    cdp.send("Network.enable")

    def on_extra(event: dict[str, Any]) -> None:
        for item in event.get("blockedCookies") or ():
            line = item.get("cookieLine") or ""
            name = (item.get("cookie") or {}).get("name") or line.split("=", 1)[0].strip()
            blocked.append((name, list(item.get("blockedReasons") or ())))

    cdp.on("Network.responseReceivedExtraInfo", on_extra)
    url = c.browser_url()
    c.load(page, url)
    bridged = isinstance(c.visit.session.target, InProcessTarget)
    for name, reasons in blocked[:20]:
        if bridged and set(reasons) <= {"DomainMismatch"}:
            continue  # the bridge serves the app on 127.0.0.1, not on target.base_url's host: not the app's fault
        c.add("browser/cookie-dropped", f"the browser refused cookie {name} the page set ({', '.join(reasons)})",
              f"Set-Cookie of {name} on {c.public_url(url)} was rejected by Chromium: {', '.join(reasons)}",
              key=f"dropped:{name}", page=page)
    script_sees = page.evaluate("() => document.cookie")
    visible = {part.split("=", 1)[0].strip() for part in script_sees.split(";") if part.strip()}
    for name in sorted(visible):
        if c.config.is_session_cookie(name):
            c.add("browser/session-cookie-readable", f"document.cookie shows the session cookie {name}",
                  f"document.cookie lists {', '.join(sorted(visible))} (values not shown); {name} matches "
                  "browser.session_cookies", key=f"readable:{name}", page=page)
    jar = [cookie["name"] for cookie in c.visit.context.cookies() if c.config.is_session_cookie(cookie["name"])]
    if jar:
        cross_site(c, page, url, jar)


def cross_site(c: PageCheck, page: Any, url: str, session_cookies: list[str]) -> None:
    """A cross-site image and form post to the page: the session cookies must not travel.
    The post never reaches the target: it is answered in the browser once its cookies are read."""
    sent: list[tuple[str, str, set[str]]] = []

    def intercept(route: Any) -> None:
        request = route.request
        names = {p.split("=", 1)[0].strip() for p in (request.header_value("cookie") or "").split(";") if p.strip()}
        sent.append((request.method, request.resource_type, names))
        if request.method == "GET":
            route.continue_()
        else:
            route.fulfill(status=204, body="")

    page.route(url, intercept)
    attacker = c.visit.run.attacker_origin + "/post?url=" + urllib.parse.quote(url, safe="")
    c.load(page, attacker)  # the load event waits for the cross-site image
    page.evaluate("() => document.getElementById('f').submit()")
    for _ in range(int(c.config.page_timeout * 50)):  # until the post reached the interception (bounded)
        if any(method == "POST" for method, _, _ in sent):
            break
        page.wait_for_timeout(20)
    for method, kind, names in sent:
        leaked = sorted(n for n in names if n in session_cookies)
        if not leaked or (method == "GET" and kind == "document"):
            continue  # a top-level GET navigation carries Lax cookies by design
        what = "form post" if method == "POST" else f"{kind} request"
        c.add("browser/session-cookie-cross-site",
              f"a cross-site {what} carried the session cookie(s) {', '.join(leaked)}",
              f"from {c.visit.run.attacker_origin} the browser sent {', '.join(leaked)} with a {method} {what} to "
              f"{c.public_url(url)} (SameSite missing, None, or Chromium's Lax+POST grace for cookies without "
              "SameSite)", key=f"cross-site:{method}:{','.join(leaked)}")


# -- 4. DOM XSS ----------------------------------------------------------------------------
def check_dom_xss(c: PageCheck) -> None:
    url = c.browser_url()
    tries: list[tuple[str, str]] = [("fragment", url.split("#", 1)[0] + "#" + xss_payload("xss-fragment"))]
    existing = [k for k, _ in urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query, keep_blank_values=True)]
    for name in dict.fromkeys([*c.config.params_of(c.path), *existing]):
        tries.append((f"query parameter {name}", with_param(url, name, xss_payload(f"xss-query-{name}"))))
    page = c.page
    for source, attempt in tries[:8]:
        if source == "fragment":
            c.load(page, "about:blank")  # a fragment change alone does not reload the page
        c.load(page, attempt)
        c.visit.settle(page, SETTLE_MS)
        if ran(c.visit.log(page)):
            c.add("browser/dom-xss", f"a payload in the {source} ran in the page",
                  f"the marker script ran; reproduce: open {c.public_url(attempt)}", key=source, page=page)
    if c.config.forms:
        forms(c, url)


def forms(c: PageCheck, url: str) -> None:
    """Each text field of the page's forms (bounded) gets a payload; GET forms are submitted too
    (POST forms never: filling them is enough for client-side sinks, and a post may change data)."""
    from playwright.sync_api import Error

    page = c.page
    c.load(page, url)
    fields = page.evaluate(f"""() => Array.from(document.forms).slice(0, {MAX_FORMS}).flatMap((form, i) =>
        Array.from(form.querySelectorAll('input:not([type]), input[type=text], input[type=search], input[type=url],'
          + 'input[type=email], textarea')).slice(0, {MAX_FIELDS})
          .filter((el) => !el.disabled && !el.readOnly && el.getClientRects().length > 0)
          .map((el, j) => ({{form: i, index: j, name: el.name || el.id || ('field' + j),
                            method: (form.method || 'get').toLowerCase()}})))""")
    if not fields:
        return
    for f in fields:
        tag = f"xss-form{f['form']}-{f['name']}"
        locator = page.locator("form").nth(f["form"]).locator(
            "input:not([type]), input[type=text], input[type=search], input[type=url], input[type=email], textarea"
        ).nth(f["index"])
        with contextlib.suppress(Error):  # a field a script hid or replaced meanwhile: not typed into
            locator.fill(xss_payload(tag), timeout=2000)
            locator.dispatch_event("change", timeout=2000)
    c.visit.settle(page, SETTLE_MS)
    hits = ran(c.visit.log(page))
    get_forms = sorted({f["form"] for f in fields if f["method"] == "get"})
    for index in get_forms[:1]:  # one submission: the page is gone after it (unless a script keeps it)
        submit = f"document.forms[{index}]"
        with contextlib.suppress(Error):  # the navigation may end the script's document before it returns
            page.evaluate(f"() => {submit}.requestSubmit ? {submit}.requestSubmit() : {submit}.submit()")
        c.visit.settle(page, SETTLE_MS)
        page.wait_for_load_state("load")
        c.visit.settle(page, SETTLE_MS)
        hits |= ran(c.visit.log(page))
    for f in fields:
        tag = f"xss-form{f['form']}-{f['name']}"
        if tag in hits:
            how = f"submit the form to {c.public_url(page.url)}" if f["method"] == "get" else "type it into the field"
            c.add("browser/dom-xss", f"a payload typed into form field {f['name']} ran in the page",
                  f"the marker script ran; reproduce: open {c.public_url(url)}, enter {xss_payload('x')!r} in "
                  f"{f['name']} and {how}", key=f"form:{f['form']}:{f['name']}", page=page)


# -- 5. Mixed content and subresource integrity --------------------------------------------
def check_mixed_content(c: PageCheck) -> None:
    if not c.visit.session.target.base_url.startswith("https://"):
        return  # only https pages can mix content
    page = c.page
    own = urllib.parse.urlsplit(c.visit.run.base_url)
    insecure: dict[str, str] = {}
    console: list[str] = []

    def on_request(request: Any) -> None:
        parts = urllib.parse.urlsplit(request.url)
        if parts.scheme in ("http", "ws") and parts.netloc != own.netloc and len(insecure) < 50:
            insecure.setdefault(request.url, request.resource_type)

    page.on("request", on_request)
    page.on("console", lambda m: console.append(m.text) if "Mixed Content" in m.text and len(console) < 50 else None)
    c.load(page, c.browser_url())
    for text in console:  # requests Chromium blocked never start: its console names them
        quoted = [part for part in text.split("'") if part.startswith(("http://", "ws://"))]
        if len(quoted) >= 2:
            kind = "script" if "insecure script" in text else ("stylesheet" if "stylesheet" in text else "document")
            insecure.setdefault(quoted[1], kind)
    for resource, kind in sorted(insecure.items()):
        active = kind in ACTIVE_TYPES
        c.add("browser/mixed-content-active" if active else "browser/mixed-content-passive",
              f"the https page loads {'active' if active else 'passive'} content over http: {kind} {resource}",
              f"{kind} {resource} requested by {c.public_url(c.browser_url())}", key=resource, page=page)
    missing = page.evaluate("""() => Array.from(document.querySelectorAll('script[src], link[rel~=stylesheet][href]'))
        .filter(el => !el.integrity && new URL(el.src || el.href, location.href).origin !== location.origin)
        .map(el => (el.src || el.href)).slice(0, 50)""")
    for resource in missing:
        c.add("browser/sri-missing", f"a resource from another origin has no integrity attribute: {resource}",
              f"<script src> / <link rel=stylesheet> of {resource} on {c.public_url(c.browser_url())} "
              "has no integrity=\"sha384-...\"", key=f"sri:{resource}", page=page)


CHECKS: dict[str, Callable[[PageCheck], None]] = {
    "csp": check_csp,
    "framing": check_framing,
    "cookies": check_cookies,
    "dom_xss": check_dom_xss,
    "mixed_content": check_mixed_content,
}
