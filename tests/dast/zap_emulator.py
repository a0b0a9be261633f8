"""An emulator of the ZAP HTTP JSON API, faithful to shared/reference/zap-api.md.

ZAP cannot run on these machines, so the driver is tested against this: a real HTTP server on
127.0.0.1 that the ``zaproxy`` client reaches exactly as it reaches ZAP, through ``proxies``.

What it reproduces (the section of zap-api.md in brackets):

* proxy-form requests (``GET http://zap/JSON/core/view/version/``) and origin-form ones,
  path ``/JSON|OTHER/<component>/<view|action|other>/<name>/``, parameters from the query or
  a form-urlencoded POST body, booleans in any case [1.1, 1.2, 7.1];
* the key in ``X-ZAP-API-Key`` or ``apikey``; a wrong or missing key closes the connection
  without an answer, or answers 400 ``bad_api_key`` with ``report_perm_errors`` [1.3, 1.5];
* one-key JSON envelopes with string leaves, ``{"code","message"}`` errors with 400 (500 for
  ``internal_error``), empty bodies for ``other`` errors [1.4, 1.5];
* a sites tree fed by accessUrl (which really fetches the target, so an unreachable target
  is a 500 internal_error, and replacer rules really add headers), the spider (which really
  follows links), OpenAPI import; spider and active scans whose string ids count from "0"
  and whose status advances per poll; a passive queue drained per ``recordsToScan`` poll; the
  alert object's real field names; the 1-based ``start`` pagination; FP alerts hidden;
  contexts with "Default Context" = 1; replacer rules; a reset on newSession [2, 7.4, 7.5];
* a few real passive rules run on the real responses (10038, 10020, 10021, 10037, 10010,
  10054, 10011), plus canned alerts by rule id and path, and faults: hang, close, a spider or
  passive queue that never finishes [5, 7.6].

Whatever the real API does not have (an unknown endpoint, an unknown or missing parameter, a
parameter of a later ZAP version) is recorded in ``violations``; the ``zap`` fixture fails
the test when there are any.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

R = tuple[str, ...]
# (component, type, name) -> (required parameters, optional parameters), from the API of ZAP 2.16/2.17
ENDPOINTS: dict[tuple[str, str, str], tuple[R, R]] = {
    ("core", "view", "version"): ((), ()),
    ("core", "view", "sites"): ((), ()),
    ("core", "view", "urls"): ((), ("baseurl",)),
    ("core", "view", "mode"): ((), ()),
    ("core", "view", "alerts"): ((), ("baseurl", "start", "count", "riskId")),
    ("core", "view", "numberOfAlerts"): ((), ("baseurl", "riskId")),
    ("core", "view", "alertsSummary"): ((), ("baseurl",)),
    ("core", "action", "newSession"): ((), ("name", "overwrite")),
    ("core", "action", "accessUrl"): (("url",), ("followRedirects",)),
    ("core", "action", "deleteAllAlerts"): ((), ()),
    ("core", "action", "shutdown"): ((), ()),
    ("core", "other", "jsonreport"): ((), ()),
    ("alert", "view", "alerts"): ((), ("baseurl", "start", "count", "riskId", "contextName")),
    ("alert", "view", "numberOfAlerts"): ((), ("baseurl", "riskId")),
    ("alert", "view", "alertsSummary"): ((), ("baseurl",)),
    ("context", "view", "contextList"): ((), ()),
    ("context", "view", "context"): (("contextName",), ()),
    ("context", "action", "newContext"): (("contextName",), ()),
    ("context", "action", "removeContext"): (("contextName",), ()),
    ("context", "action", "includeInContext"): (("contextName", "regex"), ()),
    ("context", "action", "excludeFromContext"): (("contextName", "regex"), ()),
    ("replacer", "view", "rules"): ((), ()),
    ("replacer", "action", "addRule"): (("description", "enabled", "matchType", "matchRegex", "matchString"),
                                        ("replacement", "initiators", "url", "method")),
    ("replacer", "action", "removeRule"): (("description",), ()),
    ("openapi", "action", "importUrl"): (("url",), ("hostOverride", "contextId", "userId")),
    ("spider", "action", "scan"): ((), ("url", "maxChildren", "recurse", "contextName", "subtreeOnly")),
    ("spider", "view", "status"): ((), ("scanId",)),
    ("spider", "view", "results"): ((), ("scanId",)),
    ("spider", "action", "stop"): ((), ("scanId",)),
    ("ajaxSpider", "action", "scan"): ((), ("url", "inScope", "contextName", "subtreeOnly")),
    ("ajaxSpider", "view", "status"): ((), ()),
    ("ajaxSpider", "action", "stop"): ((), ()),
    ("ajaxSpider", "action", "setOptionMaxDuration"): (("Integer",), ()),
    ("ajaxSpider", "view", "optionMaxDuration"): ((), ()),
    ("ajaxSpider", "view", "numberOfResults"): ((), ()),
    ("pscan", "view", "recordsToScan"): ((), ()),
    ("pscan", "view", "scanners"): ((), ()),
    ("ascan", "action", "scan"): ((), ("url", "recurse", "inScopeOnly", "scanPolicyName", "method", "postData",
                                       "contextId")),
    ("ascan", "view", "status"): ((), ("scanId",)),
    ("ascan", "view", "scanPolicyNames"): ((), ()),
    ("ascan", "action", "stop"): (("scanId",), ()),
}
# parameters that exist only from some version on: (component, type, name, param) -> (major, minor)
SINCE = {("alert", "view", "alerts", "falsePositive"): (2, 17)}
ERROR_MESSAGES = {
    "bad_format": "Bad Format", "no_implementor": "No Implementor", "bad_action": "Bad Action",
    "bad_view": "Bad View", "bad_other": "Bad Other", "internal_error": "Internal Error",
    "missing_parameter": "Missing Parameter", "illegal_parameter": "Provided parameter has illegal or unrecognized value",
    "url_not_found": "URL Not Found in the Scan Tree", "scan_in_progress": "Scan In Progress",
    "already_exists": "Already Exists", "does_not_exist": "Does Not Exist",
    "context_not_found": "No Context found that matches parameter", "url_not_in_context": "URL Not In Context",
    "bad_api_key": "Invalid or missing API key", "content_type_not_supported": "Content Type Not Supported",
    "bad_external_data": "Bad External Data",
}
RISK_IDS = {"Informational": "0", "Low": "1", "Medium": "2", "High": "3"}
CONF_IDS = {"False Positive": "0", "Low": "1", "Medium": "2", "High": "3", "Confirmed": "4"}
# real rule data for the alerts the emulator raises (zap-api.md §5)
RULES = {
    "10038": ("10038-1", "Content Security Policy (CSP) Header Not Set", "Medium", "High", "693", "15"),
    "10020": ("10020-1", "Missing Anti-clickjacking Header", "Medium", "Medium", "1021", "15"),
    "10021": ("10021", "X-Content-Type-Options Header Missing", "Low", "Medium", "693", "15"),
    "10037": ("10037", 'Server Leaks Information via "X-Powered-By" HTTP Response Header Field(s)', "Low", "Medium",
              "497", "13"),
    "10010": ("10010", "Cookie No HttpOnly Flag", "Low", "Medium", "1004", "13"),
    "10011": ("10011", "Cookie Without Secure Flag", "Low", "Medium", "614", "13"),
    "10054": ("10054-1", "Cookie without SameSite Attribute", "Low", "Medium", "1275", "13"),
    "10109": ("10109", "Modern Web Application", "Informational", "Medium", "-1", "-1"),
    "10027": ("10027", "Information Disclosure - Suspicious Comments", "Informational", "Low", "615", "13"),
    "40018": ("40018", "SQL Injection", "High", "Medium", "89", "19"),
    "40012": ("40012", "Cross Site Scripting (Reflected)", "High", "Medium", "79", "8"),
    "90022": ("90022", "Application Error Disclosure", "Medium", "Medium", "550", "13"),
}


class ApiError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Message:
    id: int
    method: str
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: str
    request_headers: dict[str, str]


@dataclass
class Scan:
    id: str
    progress: int = 0
    stopped: bool = False
    kind: str = "spider"
    results: list[str] = field(default_factory=list)


@dataclass
class Canned:
    plugin_id: str
    path: str
    phase: str  # "passive" or "active"
    fields: dict[str, str]


class ZapEmulator:
    def __init__(self, *, api_key: str | None = "zap-test-key", version: str = "2.16.1",
                 report_perm_errors: bool = False, spider_step: int = 40, ascan_step: int = 50,
                 pscan_drain: int = 3, reports_addon: bool = True, ajax_stopped_first: int = 1,
                 ajax_running_polls: int = 2, delays: dict[str, float] | None = None) -> None:
        self.api_key = api_key
        self.version = version
        self.report_perm_errors = report_perm_errors
        self.spider_step, self.ascan_step, self.pscan_drain = spider_step, ascan_step, pscan_drain
        self.reports_addon = reports_addon
        # scan only starts the AJAX spider's thread (AjaxSpiderAPI.java): status reads "stopped" for
        # this many polls, then "running" for ajax_running_polls polls, then "stopped"
        self.ajax_stopped_first, self.ajax_running_polls = ajax_stopped_first, ajax_running_polls
        self.ajax_max_duration = 60  # minutes, AjaxSpiderParam.DEFAULT_MAX_DURATION; survives newSession
        # endpoint -> seconds the answer takes (ZAP answers accessUrl, importUrl and jsonreport when the
        # work is done); tests keep these small
        self.delays: dict[str, float] = dict(delays or {})
        self.lock = threading.RLock()
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.violations: list[str] = []
        self.canned: list[Canned] = []
        self.hang: set[str] = set()  # endpoints that never answer
        self.drop: set[str] = set()  # endpoints whose connection is closed without an answer
        self.spider_stuck_at: int | None = None
        self.pscan_stuck = False
        self.replacer: dict[str, dict[str, str]] = {}  # survives newSession, like ZAP's options
        self.fetched: list[tuple[str, dict[str, str]]] = []  # (url, request headers) of every target request
        self._stop = threading.Event()
        self._new_session()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # -- life cycle ----------------------------------------------------------------------
    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> ZapEmulator:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def _new_session(self) -> None:
        self.messages: list[Message] = []
        self.sites: set[str] = set()
        self.pscan_queue: list[Message] = []
        self.alerts: list[dict[str, Any]] = []
        self.alert_ids = itertools.count(1)
        self.message_ids = itertools.count(1)
        self.contexts: dict[str, dict[str, Any]] = {"Default Context": {"id": "1", "include": []}}
        self.context_ids = itertools.count(2)
        self.spiders: dict[str, Scan] = {}
        self.ascans: dict[str, Scan] = {}
        self.ajax_polls: int | None = None
        self.ajax_pending = 0  # polls still reading "stopped" before the spider's thread runs
        self.ajax_ran = False  # the AJAX spider's thread really ran (and found the target's pages)
        self.policies = ["Default Policy"]

    # -- test hooks ----------------------------------------------------------------------
    def add_alert(self, plugin_id: str, path: str, *, phase: str = "passive", **fields: str) -> None:
        """Raise an alert of rule ``plugin_id`` when a message for ``path`` is scanned."""
        self.canned.append(Canned(plugin_id, path, phase, fields))

    def endpoints_called(self) -> list[str]:
        return [endpoint for endpoint, _ in self.calls]

    def params_of(self, endpoint: str) -> list[dict[str, str]]:
        return [params for e, params in self.calls if e == endpoint]

    # -- request handling ----------------------------------------------------------------
    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        if parts.scheme and parts.hostname != "zap":
            self.violations.append(f"a request through ZAP as a forward proxy to {handler.path}")
            self._send(handler, 502, "text/plain", b"ZAP Error [java.net.UnknownHostException]: " +
                       (parts.hostname or "").encode())
            return
        params = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        if method == "POST":
            length = int(handler.headers.get("Content-Length") or 0)
            body = handler.rfile.read(length).decode("utf-8", "replace")
            if "application/x-www-form-urlencoded" not in (handler.headers.get("Content-Type") or ""):
                self._error(handler, "content_type_not_supported", "json")
                return
            params.update(urllib.parse.parse_qsl(body, keep_blank_values=True))
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) < 4:
            self.violations.append(f"not an API path: {parts.path}")
            self._send(handler, 404, "text/html", b"<html>ZAP</html>")
            return
        fmt, component, kind, name = segments[0].upper(), segments[1], segments[2], segments[3]
        endpoint = f"{component}/{kind}/{name}"
        with self.lock:
            self.calls.append((endpoint, dict(params)))
        key = handler.headers.get("X-ZAP-API-Key") or params.get("apikey")
        if self.api_key is not None and key != self.api_key:
            if self.report_perm_errors:
                self._error(handler, "bad_api_key", "json")
            else:
                handler.close_connection = True  # ZAP's silent failure: no answer at all
            return
        if endpoint in self.drop:
            handler.close_connection = True
            return
        if endpoint in self.hang:
            self._stop.wait(60)
            return
        if self.delays.get(endpoint):
            self._stop.wait(self.delays[endpoint])  # outside the lock: other calls go on meanwhile
        style = "other" if fmt == "OTHER" else "json"
        if fmt not in ("JSON", "OTHER"):
            self.violations.append(f"format {fmt} is not emulated")
            self._error(handler, "bad_format", style)
            return
        if kind not in ("view", "action", "other"):
            self._error(handler, "bad_type", style)
            return
        spec = ENDPOINTS.get((component, kind, name))
        if spec is None:
            known = {c for c, _, _ in ENDPOINTS}
            self.violations.append(f"{endpoint}: no such endpoint in the ZAP API")
            self._error(handler, "no_implementor" if component not in known else f"bad_{kind}", style)
            return
        required, optional = spec
        for param in params:
            if param == "apikey":
                continue
            since = SINCE.get((component, kind, name, param))
            if since and tuple(int(n) for n in self.version.split(".")[:2]) < since:
                self.violations.append(f"{endpoint}: parameter {param} needs ZAP {since[0]}.{since[1]}")
            elif param not in required and param not in optional and not since:
                self.violations.append(f"{endpoint}: no parameter {param!r} in the real API")
        missing = [p for p in required if p not in params]
        if missing:
            self.violations.append(f"{endpoint}: missing required parameter(s) {missing}")
            self._error(handler, "missing_parameter", style)
            return
        try:
            with self.lock:
                result = getattr(self, f"_{component}_{kind}_{name}")(params)
        except ApiError as exc:
            self._error(handler, exc.code, style)
            return
        if style == "other":
            self._send(handler, 200, "application/json", result.encode())
        else:
            self._send(handler, 200, "application/json; charset=UTF-8", json.dumps(result).encode())

    def _error(self, handler: BaseHTTPRequestHandler, code: str, style: str) -> None:
        status = 500 if code == "internal_error" else 400
        if style == "other":
            self._send(handler, status, "text/plain", b"")
        else:
            body = json.dumps({"code": code, "message": ERROR_MESSAGES.get(code, code)}).encode()
            self._send(handler, status, "application/json; charset=UTF-8", body)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, ctype: str, body: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("X-Frame-Options", "DENY")
        handler.end_headers()
        handler.wfile.write(body)

    # -- parameter parsing as ZAP does it ------------------------------------------------
    @staticmethod
    def _bool(params: dict[str, str], name: str, default: bool) -> bool:
        if name not in params or params[name] == "":
            return default
        value = params[name].lower()
        if value not in ("true", "false"):
            raise ApiError("illegal_parameter")
        return value == "true"

    @staticmethod
    def _int(params: dict[str, str], name: str, default: int) -> int:
        if name not in params or params[name] == "":
            return default
        try:
            return int(params[name])
        except ValueError:
            raise ApiError("illegal_parameter") from None

    # -- the target, reached for real ----------------------------------------------------
    def _fetch(self, url: str, follow: bool = False) -> list[Message]:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ApiError("illegal_parameter")
        if parts.hostname not in ("127.0.0.1", "localhost"):
            raise ApiError("internal_error")  # tests never leave this machine
        out: list[Message] = []
        for _ in range(6):
            headers = {"User-Agent": "ZAP emulator"}
            for rule in self.replacer.values():
                if (rule["enabled"] and rule["matchType"] == "REQ_HEADER"
                        and (not rule.get("url") or re.fullmatch(rule["url"], url))):
                    headers[rule["matchString"]] = rule.get("replacement", "")
            try:
                response = requests.get(url, headers=headers, allow_redirects=False, timeout=5,
                                        proxies={"http": "", "https": ""})
            except requests.RequestException:
                raise ApiError("internal_error") from None
            self.fetched.append((url, headers))
            message = Message(next(self.message_ids), "GET", url, response.status_code,
                              list(response.raw.headers.items()), response.text[:200_000], headers)
            self.messages.append(message)
            self.sites.add(url)
            self.pscan_queue.append(message)
            out.append(message)
            location = response.headers.get("Location")
            if not (follow and response.status_code in (301, 302, 303, 307, 308) and location):
                break
            url = urllib.parse.urljoin(url, location)
        return out

    @staticmethod
    def _message_json(m: Message) -> dict[str, Any]:
        head = f"HTTP/1.1 {m.status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in m.headers)
        return {"id": str(m.id), "type": "1", "timestamp": str(int(time.time() * 1000)), "rtt": "1",
                "cookieParams": "", "note": "", "requestHeader": f"GET {m.url} HTTP/1.1\r\n",
                "requestBody": "", "responseHeader": head, "responseBody": m.body, "tags": []}

    # -- passive rules and alerts --------------------------------------------------------
    def _raise(self, plugin_id: str, message: Message, *, sourceid: str = "3", **fields: str) -> None:
        ref, name, risk, conf, cwe, wasc = RULES.get(plugin_id, (plugin_id, f"Rule {plugin_id}", "Low", "Medium",
                                                                  "-1", "-1"))
        alert = {
            "id": "", "pluginId": plugin_id, "alertRef": ref, "alert": name, "name": name,
            "description": f"<p>{name}.</p>", "risk": risk, "confidence": conf, "url": message.url,
            "method": message.method, "other": "", "param": "", "attack": "", "evidence": "",
            "inputVector": "", "reference": "<p>https://owasp.org</p>", "cweid": cwe, "wascid": wasc,
            "sourceid": sourceid, "solution": f"<p>Fix {name}.</p>", "messageId": str(message.id),
            "sourceMessageId": message.id,
            "tags": {f"CWE-{cwe}": f"https://cwe.mitre.org/data/definitions/{cwe}.html"} if cwe != "-1" else {},
        }
        alert.update(fields)
        if alert["risk"] in RISK_IDS and fields.get("name"):
            alert["alert"] = fields["name"]
        if tuple(int(n) for n in self.version.split(".")[:2]) >= (2, 17):
            alert["nodeName"] = message.url
        alert["id"] = str(next(self.alert_ids))
        self.alerts.append(alert)

    def _passive(self, m: Message) -> None:
        headers = {k.lower(): v for k, v in m.headers}
        html = "html" in headers.get("content-type", "")
        if html and m.status == 200 and "content-security-policy" not in headers:
            self._raise("10038", m)
        if html and "x-frame-options" not in headers and "frame-ancestors" not in headers.get(
                "content-security-policy", ""):
            self._raise("10020", m, param="x-frame-options")
        if headers.get("x-content-type-options", "").lower() != "nosniff":
            self._raise("10021", m, param="x-content-type-options")
        if "x-powered-by" in headers:
            self._raise("10037", m, evidence=f"X-Powered-By: {headers['x-powered-by']}")
        for k, v in m.headers:
            if k.lower() != "set-cookie":
                continue
            cookie = v.split("=", 1)[0].strip()
            attrs = v.lower()
            if "httponly" not in attrs:
                self._raise("10010", m, param=cookie, evidence=f"Set-Cookie: {cookie}")
            if "samesite" not in attrs:
                self._raise("10054", m, param=cookie, evidence=f"Set-Cookie: {cookie}")
            if m.url.startswith("https") and "secure" not in attrs:
                self._raise("10011", m, param=cookie, evidence=f"Set-Cookie: {cookie}")
        path = urllib.parse.urlsplit(m.url).path or "/"
        for canned in self.canned:
            if canned.phase == "passive" and canned.path == path:
                self._raise(canned.plugin_id, m, **canned.fields)

    def _visible_alerts(self, params: dict[str, str]) -> list[dict[str, Any]]:
        out = [a for a in self.alerts if a["confidence"] != "False Positive"]
        base = params.get("baseurl")
        if base:
            out = [a for a in out if a["url"].startswith(base)]
        if params.get("riskId", "") != "":
            risk = self._int(params, "riskId", -1)
            if risk not in range(4):
                raise ApiError("illegal_parameter")
            out = [a for a in out if RISK_IDS[a["risk"]] == str(risk)]
        if params.get("contextName"):
            context = self.contexts.get(params["contextName"])
            if context is None:
                raise ApiError("context_not_found")
            out = [a for a in out if any(re.fullmatch(r, a["url"]) for r in context["include"])]
        return out

    def _paged(self, params: dict[str, str]) -> dict[str, Any]:
        alerts = self._visible_alerts(params)
        start, count = self._int(params, "start", 0), self._int(params, "count", 0)
        offset = 0 if start <= 0 else start - 1  # start=0 and start=1 both mean the first alert
        return {"alerts": alerts[offset:] if count <= 0 else alerts[offset:offset + count]}

    # -- endpoints -----------------------------------------------------------------------
    def _core_view_version(self, p: dict[str, str]) -> Any:
        return {"version": self.version}

    def _core_view_mode(self, p: dict[str, str]) -> Any:
        return {"mode": "standard"}

    def _core_view_sites(self, p: dict[str, str]) -> Any:
        return {"sites": sorted({"{}://{}".format(*urllib.parse.urlsplit(u)[:2]) for u in self.sites})}

    def _core_view_urls(self, p: dict[str, str]) -> Any:
        return {"urls": sorted(u for u in self.sites if u.startswith(p.get("baseurl", "")))}

    def _core_view_alerts(self, p: dict[str, str]) -> Any:
        return self._paged(p)

    _alert_view_alerts = _core_view_alerts

    def _core_view_numberOfAlerts(self, p: dict[str, str]) -> Any:  # noqa: N802 - ZAP's names
        return {"numberOfAlerts": str(len(self._visible_alerts(p)))}

    _alert_view_numberOfAlerts = _core_view_numberOfAlerts

    def _core_view_alertsSummary(self, p: dict[str, str]) -> Any:  # noqa: N802
        alerts = self._visible_alerts(p)
        return {"alertsSummary": {r: sum(a["risk"] == r for a in alerts) for r in ("High", "Medium", "Low",
                                                                                  "Informational")}}

    _alert_view_alertsSummary = _core_view_alertsSummary

    def _core_action_newSession(self, p: dict[str, str]) -> Any:  # noqa: N802
        self._bool(p, "overwrite", False)
        self._new_session()
        return {"Result": "OK"}

    def _core_action_accessUrl(self, p: dict[str, str]) -> Any:  # noqa: N802
        messages = self._fetch(p["url"], self._bool(p, "followRedirects", False))
        return {"accessUrl": [self._message_json(m) for m in messages]}

    def _core_action_deleteAllAlerts(self, p: dict[str, str]) -> Any:  # noqa: N802
        self.alerts.clear()
        return {"Result": "OK"}

    def _core_action_shutdown(self, p: dict[str, str]) -> Any:
        return {"Result": "OK"}

    def _core_other_jsonreport(self, p: dict[str, str]) -> str:
        if not self.reports_addon:
            raise ApiError("no_implementor")
        sites: dict[str, list[dict[str, Any]]] = {}
        for a in self._visible_alerts({}):
            parts = urllib.parse.urlsplit(a["url"])
            sites.setdefault(f"{parts.scheme}://{parts.netloc}", []).append(a)
        report = {"@programName": "ZAP", "@version": self.version,
                  "@generated": time.strftime("%a, %d %b %Y %H:%M:%S"), "site": []}
        for site, alerts in sites.items():
            parts = urllib.parse.urlsplit(site)
            by_plugin: dict[str, list[dict[str, Any]]] = {}
            for a in alerts:
                by_plugin.setdefault(a["pluginId"], []).append(a)
            report["site"].append({
                "@name": site, "@host": parts.hostname, "@port": str(parts.port or 80), "@ssl": "false",
                "alerts": [{
                    "pluginid": pid, "alertRef": items[0]["alertRef"], "alert": items[0]["name"],
                    "name": items[0]["name"], "riskcode": RISK_IDS[items[0]["risk"]],
                    "confidence": CONF_IDS[items[0]["confidence"]],
                    "riskdesc": f"{items[0]['risk']} ({items[0]['confidence']})", "desc": items[0]["description"],
                    "instances": [{"id": i["id"], "uri": i["url"], "method": i["method"], "param": i["param"],
                                   "attack": i["attack"], "evidence": i["evidence"], "otherinfo": i["other"]}
                                  for i in items],
                    "count": str(len(items)), "solution": items[0]["solution"], "otherinfo": "",
                    "reference": items[0]["reference"], "cweid": items[0]["cweid"], "wascid": items[0]["wascid"],
                    "sourceid": items[0]["sourceid"]} for pid, items in by_plugin.items()],
            })
        return json.dumps(report)

    def _context_view_contextList(self, p: dict[str, str]) -> Any:  # noqa: N802
        return {"contextList": list(self.contexts)}

    def _context_view_context(self, p: dict[str, str]) -> Any:
        context = self.contexts.get(p["contextName"])
        if context is None:
            raise ApiError("context_not_found")
        return {"context": {"id": context["id"], "name": p["contextName"], "inScope": "true",
                            "includedRegexs": str(context["include"]),
                            "excludedRegexs": str(context["exclude"])}}

    def _context_action_newContext(self, p: dict[str, str]) -> Any:  # noqa: N802
        name = p["contextName"]
        if not name or name in self.contexts:
            raise ApiError("already_exists")
        self.contexts[name] = {"id": str(next(self.context_ids)), "include": [], "exclude": []}
        return {"contextId": self.contexts[name]["id"]}

    def _context_action_removeContext(self, p: dict[str, str]) -> Any:  # noqa: N802
        if self.contexts.pop(p["contextName"], None) is None:
            raise ApiError("context_not_found")
        return {"Result": "OK"}

    def _context_action_includeInContext(self, p: dict[str, str]) -> Any:  # noqa: N802
        context = self.contexts.get(p["contextName"])
        if context is None:
            raise ApiError("context_not_found")
        try:
            re.compile(p["regex"])
        except re.error:
            raise ApiError("illegal_parameter") from None
        context["include"].append(p["regex"])
        return {"Result": "OK"}

    def _context_action_excludeFromContext(self, p: dict[str, str]) -> Any:  # noqa: N802
        context = self.contexts.get(p["contextName"])
        if context is None:
            raise ApiError("context_not_found")
        try:
            re.compile(p["regex"])
        except re.error:
            raise ApiError("illegal_parameter") from None
        context["exclude"].append(p["regex"])
        return {"Result": "OK"}

    def _replacer_view_rules(self, p: dict[str, str]) -> Any:
        return {"rules": [dict(r) for r in self.replacer.values()]}

    def _replacer_action_addRule(self, p: dict[str, str]) -> Any:  # noqa: N802
        if p["description"] in self.replacer:
            raise ApiError("already_exists")
        if p["matchType"] not in ("REQ_HEADER", "REQ_HEADER_STR", "REQ_BODY_STR", "RESP_HEADER", "RESP_HEADER_STR",
                                  "RESP_BODY_STR"):
            raise ApiError("illegal_parameter")
        enabled, regex = self._bool(p, "enabled", True), self._bool(p, "matchRegex", False)
        if p.get("initiators") and not all(i.strip().isdigit() for i in p["initiators"].split(",")):
            raise ApiError("illegal_parameter")
        if p.get("url"):
            try:
                re.compile(p["url"])
            except re.error:
                raise ApiError("illegal_parameter") from None
        self.replacer[p["description"]] = {**p, "enabled": enabled, "matchRegex": regex}
        return {"Result": "OK"}

    def _replacer_action_removeRule(self, p: dict[str, str]) -> Any:  # noqa: N802
        if self.replacer.pop(p["description"], None) is None:
            raise ApiError("does_not_exist")
        return {"Result": "OK"}

    def _openapi_action_importUrl(self, p: dict[str, str]) -> Any:  # noqa: N802
        if p.get("contextId") and p["contextId"] not in {c["id"] for c in self.contexts.values()}:
            raise ApiError("context_not_found")
        try:
            body = self._fetch(p["url"])[0].body
        except ApiError:
            raise ApiError("illegal_parameter") from None  # "Failed to access the target."
        try:  # OpenApiAPI.java: an empty or invalid definition is bad_external_data
            document = json.loads(body)
            if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
                raise ValueError("not an OpenAPI definition")
        except ValueError:
            raise ApiError("bad_external_data") from None
        base = "{}://{}".format(*urllib.parse.urlsplit(p["url"])[:2])
        warnings = []
        for path, ops in (document.get("paths") or {}).items():
            if "get" in ops and "{" not in path:
                self._fetch(base + path)
            elif "{" in path:
                warnings.append(f"path {path} needs parameter values")
        return {"importUrl": warnings}

    def _spider_action_scan(self, p: dict[str, str]) -> Any:
        url, context_name = p.get("url", ""), p.get("contextName", "")
        if not url and not context_name:
            raise ApiError("missing_parameter")
        context = None
        if context_name:
            context = self.contexts.get(context_name)
            if context is None:
                raise ApiError("context_not_found")
        if url:
            if not urllib.parse.urlsplit(url).scheme.startswith("http"):
                raise ApiError("illegal_parameter")
            if context is not None and not any(re.fullmatch(r, url) for r in context["include"]):
                raise ApiError("url_not_in_context")
        self._bool(p, "recurse", True)
        self._bool(p, "subtreeOnly", False)
        max_children = self._int(p, "maxChildren", 0)
        scan = Scan(str(len(self.spiders)), kind="spider")
        self.spiders[scan.id] = scan
        scan.results = self._crawl(url, context, max_children)
        return {"scan": scan.id}

    def _crawl(self, start: str, context: dict[str, Any] | None, max_children: int) -> list[str]:
        origin = urllib.parse.urlsplit(start)[:2]
        queue, seen = [start], {start}
        while queue and len(seen) <= 40:
            url = queue.pop(0)
            try:
                message = self._fetch(url)[-1]
            except ApiError:
                continue
            for href in re.findall(r"""(?:href|src|action)\s*=\s*['"]([^'"#]+)""", message.body):
                link = urllib.parse.urljoin(url, href)
                if urllib.parse.urlsplit(link)[:2] != origin or link in seen:
                    continue
                if context is not None and (not any(re.fullmatch(r, link) for r in context["include"])
                                            or any(re.fullmatch(r, link) for r in context["exclude"])):
                    continue
                seen.add(link)
                queue.append(link)
        return sorted(seen)

    def _scan(self, scans: dict[str, Scan], p: dict[str, str]) -> Scan:
        if not scans:
            raise ApiError("does_not_exist")
        scan_id = p.get("scanId") or max(scans, key=int)
        if scan_id not in scans:
            raise ApiError("does_not_exist")
        return scans[scan_id]

    def _spider_view_status(self, p: dict[str, str]) -> Any:
        scan = self._scan(self.spiders, p)
        if not scan.stopped:
            scan.progress = min(100, scan.progress + self.spider_step)
            if self.spider_stuck_at is not None:
                scan.progress = min(scan.progress, self.spider_stuck_at)
        return {"status": "100" if scan.stopped else str(scan.progress)}

    def _spider_view_results(self, p: dict[str, str]) -> Any:
        return {"results": self._scan(self.spiders, p).results}

    def _spider_action_stop(self, p: dict[str, str]) -> Any:
        if self.spiders:
            self._scan(self.spiders, p).stopped = True
        return {"Result": "OK"}

    def _ajaxSpider_action_scan(self, p: dict[str, str]) -> Any:  # noqa: N802
        if self.ajax_pending or (self.ajax_polls is not None and self.ajax_polls > 0):
            raise ApiError("scan_in_progress")
        self._bool(p, "inScope", False)
        context_name = p.get("contextName")
        if context_name and context_name not in self.contexts:
            raise ApiError("context_not_found")
        self.ajax_pending, self.ajax_polls, self.ajax_ran = self.ajax_stopped_first, self.ajax_running_polls, False
        return {"Result": "OK"}

    def _ajaxSpider_view_status(self, p: dict[str, str]) -> Any:  # noqa: N802
        if self.ajax_pending:  # the thread has not started yet
            self.ajax_pending -= 1
            return {"status": "stopped"}
        if self.ajax_polls:
            self.ajax_polls -= 1
            self.ajax_ran = True
            return {"status": "running"}
        return {"status": "stopped"}

    def _ajaxSpider_view_numberOfResults(self, p: dict[str, str]) -> Any:  # noqa: N802
        return {"numberOfResults": str(len(self.messages) if self.ajax_ran else 0)}

    def _ajaxSpider_view_optionMaxDuration(self, p: dict[str, str]) -> Any:  # noqa: N802
        return {"MaxDuration": str(self.ajax_max_duration)}

    def _ajaxSpider_action_setOptionMaxDuration(self, p: dict[str, str]) -> Any:  # noqa: N802
        self.ajax_max_duration = self._int(p, "Integer", 60)
        return {"Result": "OK"}

    def _ajaxSpider_action_stop(self, p: dict[str, str]) -> Any:  # noqa: N802
        self.ajax_pending = self.ajax_polls = 0
        return {"Result": "OK"}

    def _pscan_view_recordsToScan(self, p: dict[str, str]) -> Any:  # noqa: N802
        if not self.pscan_stuck:
            for message in self.pscan_queue[: self.pscan_drain]:
                self._passive(message)
            del self.pscan_queue[: self.pscan_drain]
        return {"recordsToScan": str(len(self.pscan_queue))}

    def _pscan_view_scanners(self, p: dict[str, str]) -> Any:
        return {"scanners": [{"id": pid, "name": data[1], "enabled": "true", "alertThreshold": "DEFAULT",
                              "quality": "release", "status": "release"} for pid, data in RULES.items()]}

    def _ascan_view_scanPolicyNames(self, p: dict[str, str]) -> Any:  # noqa: N802
        return {"scanPolicyNames": self.policies}

    def _ascan_action_scan(self, p: dict[str, str]) -> Any:
        url = p.get("url", "")
        if not url and not p.get("contextId"):
            raise ApiError("missing_parameter")
        if p.get("contextId") and p["contextId"] not in {c["id"] for c in self.contexts.values()}:
            raise ApiError("context_not_found")
        if url and not urllib.parse.urlsplit(url).scheme:
            raise ApiError("illegal_parameter")
        context = next((c for c in self.contexts.values() if c["id"] == p.get("contextId")), None)
        if url and context is not None and not any(re.fullmatch(r, url) for r in context["include"]):
            raise ApiError("url_not_in_context")  # ActiveScanAPI.java
        self._bool(p, "recurse", True)
        if p.get("method") and p["method"] not in ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"):
            raise ApiError("illegal_parameter")
        if p.get("scanPolicyName") and p["scanPolicyName"] not in self.policies:
            raise ApiError("does_not_exist")
        if url and not any(s == url or s.startswith(url.rstrip("/") + "/") or s == url.rstrip("/")
                           for s in self.sites):
            raise ApiError("url_not_found")
        scan = Scan(str(len(self.ascans)), kind="ascan")
        scan.results = [url]
        self.ascans[scan.id] = scan
        return {"scan": scan.id}

    def _ascan_view_status(self, p: dict[str, str]) -> Any:
        scan = self._scan(self.ascans, p)
        if not scan.stopped and scan.progress < 100:
            scan.progress = min(100, scan.progress + self.ascan_step)
            if scan.progress == 100:
                for canned in self.canned:
                    target = next((m for m in self.messages
                                   if (urllib.parse.urlsplit(m.url).path or "/") == canned.path), None)
                    if canned.phase == "active" and target is not None:
                        self._raise(canned.plugin_id, target, sourceid="1", **canned.fields)
        return {"status": "100" if scan.stopped else str(scan.progress)}

    def _ascan_action_stop(self, p: dict[str, str]) -> Any:
        self._scan(self.ascans, p).stopped = True
        return {"Result": "OK"}


def _handler(emulator: ZapEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            emulator.handle(self, "GET")

        def do_POST(self) -> None:  # noqa: N802
            emulator.handle(self, "POST")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
