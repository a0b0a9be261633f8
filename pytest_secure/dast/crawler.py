"""The built-in engine's crawler: breadth first, in scope, bounded in pages, depth and time.

It starts from the seed paths, the GET operations of the OpenAPI document and what the site
lists itself (``/robots.txt`` Allow/Disallow paths and sitemaps, ``/sitemap.xml``), follows links
(``a``, ``area``, ``link``, ``iframe``, ``frame``, ``script``) and GET forms with their
default values, and submits POST forms only when asked. It stays on the target's origin and
inside ``target.scope``, and sends every request as the scan identity through the same
transport as every other check (in-process or live, with timeouts and body caps); the engine
gives it a session of its own (a fresh login of that identity), never the one the other checks use.

It never requests a URL that ``dast.exclude`` matches, and, unless ``dast.crawl.destructive``
is true, never follows a link or submits a form whose URL, link text or submit button names an
action of :data:`DESTRUCTIVE_WORDS` (Logout, Sign out, Delete...): following a Logout link
would end the session, and a delete link would destroy the data other checks need. What it
left alone is listed in the scan's notes.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ..core.errors import SecureError
from ..core.target import Response
from .config import CrawlSettings
from .progress import Progress

_LINK_ATTRS = {"a": "href", "area": "href", "link": "href", "iframe": "src", "frame": "src", "script": "src"}
# Words that, in a link's URL or text or a form's action or buttons, name an action that ends
# the session or destroys data (compared word by word; "log out", "sign-out" count joined).
DESTRUCTIVE_WORDS = frozenset({
    "logout", "logoff", "signout", "signoff", "delete", "remove", "destroy", "reset", "purge", "wipe", "erase",
    "truncate", "deactivate", "unsubscribe", "revoke", "cancel", "terminate", "disable",
})
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def destructive(*texts: str) -> bool:
    """Whether any text (a URL's path and query, a link text, a button label) names a destructive action."""
    for text in texts:
        words = [w.lower() for w in _WORD.findall(text)]
        joined = {a + b for a, b in zip(words, words[1:], strict=False)}
        if DESTRUCTIVE_WORDS.intersection(words) or DESTRUCTIVE_WORDS.intersection(joined):
            return True
    return False


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)  # submit buttons' values and texts


@dataclass
class Link:
    url: str
    text: str = ""  # the text of an <a> element (its title/aria-label too)


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._anchor: Link | None = None
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag in _LINK_ATTRS and a.get(_LINK_ATTRS[tag]):
            link = Link(a[_LINK_ATTRS[tag]], " ".join(a.get(k, "") for k in ("title", "aria-label")).strip())
            self.links.append(link)
            if tag == "a":
                self._anchor = link
        elif tag == "form":
            self._form = Form(a.get("action", ""), (a.get("method") or "GET").upper())
            self.forms.append(self._form)
        elif tag == "button" and self._form is not None:
            self._form.labels += [a.get("value", ""), a.get("name", "")]
            self._button = []
        elif (tag == "input" and self._form is not None
              and a.get("type", "").lower() in ("submit", "button", "image")):
            self._form.labels += [a.get("value", ""), a.get("name", ""), a.get("alt", "")]
        elif (tag in ("input", "select", "textarea") and self._form is not None and a.get("name")
              and a.get("type", "").lower() not in ("submit", "button", "image", "reset", "file")):
            self._form.fields.setdefault(a["name"], a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._anchor is not None:
            self._anchor.text = f"{self._anchor.text} {data}".strip()[:200]
        if self._button is not None:
            self._button.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "a":
            self._anchor = None
        elif tag == "button" and self._button is not None:
            if self._form is not None:
                self._form.labels.append(" ".join(self._button).strip()[:200])
            self._button = None


def parse_page(html: str) -> tuple[list[Link], list[Form]]:
    parser = _LinkParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; a pathological page just yields fewer links
        pass
    return parser.links, parser.forms


@dataclass
class CrawlResult:
    responses: list[Response] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left_alone: dict[str, str] = field(default_factory=dict)  # "METHOD url" -> why it was not requested


class Crawler:
    def __init__(self, send: Callable[..., Response], *, base_url: str, in_scope: Callable[[str], bool],
                 settings: CrawlSettings, progress: Progress) -> None:
        self.send = send  # (method, url, **kwargs) -> Response, as the scan identity
        self.base = base_url.rstrip("/")
        self.origin = urllib.parse.urlsplit(self.base)[:2]
        self.in_scope = in_scope
        self.s = settings
        self.progress = progress

    def crawl(self, seeds: list[str]) -> CrawlResult:
        result = CrawlResult()
        queue: deque[tuple[str, str, dict[str, str] | None, int]] = deque()
        seen: set[tuple[str, str]] = set()
        left_alone: dict[str, str] = {}  # URL -> why it was not requested

        def enqueue(method: str, url: str, data: dict[str, str] | None, depth: int, *texts: str) -> None:
            url = urllib.parse.urldefrag(url)[0]
            if depth > self.s.max_depth or not self._crawlable(url):
                return
            why = self._left_alone(url, texts)
            if why:
                left_alone.setdefault(f"{method} {url}", why)
                return
            key = (method, url if method == "GET" else url + "?" + urllib.parse.urlencode(sorted((data or {}).items())))
            if key not in seen:
                seen.add(key)
                queue.append((method, url, data, depth))

        for seed in seeds:
            enqueue("GET", self.base + seed if seed.startswith("/") else seed, None, 0)
        for url in self._robots_and_sitemaps(result):  # what the site itself lists, hidden paths included
            enqueue("GET", url, None, 1)
        deadline = time.monotonic() + self.s.max_seconds
        skipped_posts = 0
        while queue:
            if len(result.responses) + len(result.errors) >= self.s.max_pages:
                result.notes.append(f"stopped at crawl.max_pages={self.s.max_pages}; {len(queue)} URL(s) not visited")
                break
            visited = len(result.responses) + len(result.errors)
            if visited and time.monotonic() > deadline:  # the first page is always fetched
                result.incomplete.append(
                    f"the crawl did not finish within {self.s.max_seconds:g}s (dast.crawl.max_seconds); "
                    f"{len(queue)} URL(s) were not visited")
                break
            method, url, data, depth = queue.popleft()
            try:
                response = self.send(method, url, data=data) if data is not None else self.send(method, url)
            except SecureError as exc:
                result.errors.append(f"{method} {url}: {exc}")
                continue
            result.responses.append(response)
            self.progress.update("crawl", None, f"{len(result.responses)} page(s)")
            if not _is_html(response):
                continue
            links, forms = parse_page(response.text)
            for link in links:
                enqueue("GET", urllib.parse.urljoin(response.url, link.url), None, depth + 1, link.text)
            for form in forms:
                action = urllib.parse.urljoin(response.url, form.action or response.url)
                if form.method == "GET":
                    query = urllib.parse.urlencode(form.fields)
                    enqueue("GET", action.split("?", 1)[0] + (f"?{query}" if query else ""), None, depth + 1,
                            *form.labels)
                elif self.s.submit_post_forms:
                    enqueue(form.method, action, dict(form.fields), depth + 1, *form.labels)
                else:
                    skipped_posts += 1
        if skipped_posts:
            result.notes.append(f"{skipped_posts} POST form(s) not submitted (dast.crawl.submit_post_forms: false)")
        if left_alone:
            shown = "; ".join(f"{where} ({why})" for where, why in list(left_alone.items())[:10])
            more = f"; and {len(left_alone) - 10} more" if len(left_alone) > 10 else ""
            result.notes.append(f"{len(left_alone)} URL(s) not requested: {shown}{more}")
        result.left_alone = dict(left_alone)
        return result

    def _robots_and_sitemaps(self, result: CrawlResult) -> list[str]:
        """URLs from /robots.txt (Allow/Disallow paths, a Disallow is what the owner would rather hide)
        and from the sitemaps it names or /sitemap.xml (one level of sitemap index). At most
        MAX_SITEMAPS + 1 requests; out-of-scope URLs are dropped by ``enqueue`` as any link."""
        found: list[str] = []
        robots = self._fetch_text(self.base + "/robots.txt")
        sitemaps: list[str] = []
        if robots is not None:
            paths, sitemaps = parse_robots(robots)
            found += [self.base + p for p in paths]
        queue = deque(sitemaps or [self.base + "/sitemap.xml"])
        fetched = 0
        while queue and fetched < MAX_SITEMAPS:
            url = urllib.parse.urljoin(self.base + "/", queue.popleft())
            if not self._crawlable(url):
                continue
            fetched += 1
            text = self._fetch_text(url)
            if text is None:
                continue
            pages, nested = parse_sitemap(text)
            found += pages
            queue.extend(nested)
        if found:
            result.notes.append(f"robots.txt and sitemaps listed {len(found)} URL(s)")
        return found

    def _fetch_text(self, url: str) -> str | None:
        if not self._crawlable(url) or self._left_alone(url, ()):
            return None
        try:
            response = self.send("GET", url)
        except SecureError:
            return None
        if not 200 <= response.status < 300 or _is_html(response):  # a catch-all page is no robots.txt
            return None
        return response.body[:MAX_LIST_BYTES].decode("utf-8", "replace")

    def _left_alone(self, url: str, texts: tuple[str, ...]) -> str:
        """Why ``url`` must not be requested ('' when it may): dast.exclude, or a destructive action."""
        for pattern in self.s.exclude:
            if pattern.search(url):
                return f"dast.exclude {pattern.pattern!r}"
        parts = urllib.parse.urlsplit(url)
        if not self.s.destructive and destructive(parts.path, urllib.parse.unquote_plus(parts.query), *texts):
            return "ends the session or destroys data; dast.crawl.destructive: true crawls it"
        return ""

    def _crawlable(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        return parts.scheme in ("http", "https") and parts[:2] == self.origin and self.in_scope(url)


MAX_SITEMAPS = 5
MAX_LIST_BYTES = 262_144
MAX_LISTED = 200  # URLs taken from robots.txt and each sitemap
_SITEMAP_LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>", re.IGNORECASE)


def parse_robots(text: str) -> tuple[list[str], list[str]]:
    """(paths from Allow/Disallow, sitemap URLs) of a robots.txt; wildcards cut the path where they start."""
    paths: list[str] = []
    sitemaps: list[str] = []
    for line in text.splitlines():
        field_name, _, value = line.split("#", 1)[0].partition(":")
        name, value = field_name.strip().lower(), value.strip()
        if name in ("allow", "disallow") and value.startswith("/"):
            path = re.split(r"[*$]", value, maxsplit=1)[0]
            if path != "/" and path not in paths:
                paths.append(path)
        elif name == "sitemap" and value:
            sitemaps.append(value)
    return paths[:MAX_LISTED], sitemaps[:MAX_SITEMAPS]


def parse_sitemap(text: str) -> tuple[list[str], list[str]]:
    """(page URLs, nested sitemap URLs) of a sitemap or sitemap index (XML ``<loc>`` entries)."""
    import html

    locs = [html.unescape(m) for m in _SITEMAP_LOC.findall(text)][:MAX_LISTED]
    if re.search(r"<sitemapindex\b", text, re.IGNORECASE):
        return [], locs
    return locs, []


def openapi_paths(document: Any) -> tuple[list[str], int]:
    """GET paths of an OpenAPI document without path parameters, and how many templated ones were left out."""
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        return [], 0
    prefix = ""
    servers = document.get("servers")
    if isinstance(servers, list) and servers and isinstance(servers[0], dict):
        prefix = urllib.parse.urlsplit(str(servers[0].get("url", ""))).path.rstrip("/")
    if not prefix and isinstance(document.get("basePath"), str):
        prefix = document["basePath"].rstrip("/")
    found, templated = [], 0
    for path, operations in document["paths"].items():
        if not isinstance(operations, dict) or "get" not in operations:
            continue
        if "{" in path:
            templated += 1
            continue
        found.append(prefix + path)
    return found, templated


def load_openapi(spec: str, fetch: Callable[[str], Response], here: Path) -> Any:
    """The OpenAPI document from the target (a path) or a local file; None when it cannot be read."""
    import yaml

    try:
        if spec.startswith("/") or "://" in spec:
            response = fetch(spec)
            if response.status != 200:
                return None
            text = response.text
        else:
            text = (here / spec).read_text("utf-8")
        return json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except (SecureError, OSError, ValueError, yaml.YAMLError):
        return None


def _is_html(response: Response) -> bool:
    ctype = (response.header("content-type") or "").lower()
    return "html" in ctype or (not ctype and response.body.lstrip()[:1] == b"<")
