"""The forms of an HTML page, as a browser would submit them: action, method and the fields
with their default values, hidden ones marked."""

from __future__ import annotations

import html.parser
import urllib.parse
from dataclasses import dataclass, field

_NOT_SENT = frozenset({"submit", "button", "image", "reset", "file"})  # not part of a plain submission
_CHECKABLE = frozenset({"checkbox", "radio"})


@dataclass
class HtmlForm:
    action: str  # the path the form submits to, resolved against the page's path
    method: str  # GET or POST
    fields: dict[str, str] = field(default_factory=dict)  # name -> default value, in page order
    hidden: list[str] = field(default_factory=list)  # names of <input type=hidden>


class _FormParser(html.parser.HTMLParser):
    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: str | None = None  # the name of the <select> whose first option is its value

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "form":
            action = urllib.parse.urlsplit(urllib.parse.urljoin(self.page_path, a.get("action") or self.page_path))
            self._form = HtmlForm(action.path + (f"?{action.query}" if action.query else ""),
                                  (a.get("method") or "GET").upper())
            self.forms.append(self._form)
            return
        form, name = self._form, a.get("name", "")
        if form is None or not name:
            if tag == "option" and form is not None and self._select is not None:
                self._option(a)
            return
        kind = a.get("type", "text").lower()
        if tag == "input" and kind not in _NOT_SENT and (kind not in _CHECKABLE or "checked" in a):
            form.fields.setdefault(name, a.get("value", "on" if kind in _CHECKABLE else ""))
            if kind == "hidden":
                form.hidden.append(name)
        elif tag == "textarea":
            form.fields.setdefault(name, "")
        elif tag == "select":
            self._select = name

    handle_startendtag = handle_starttag

    def _option(self, a: dict[str, str]) -> None:
        assert self._form is not None and self._select is not None
        if self._select not in self._form.fields or "selected" in a:
            self._form.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def parse_forms(page: str, page_path: str) -> list[HtmlForm]:
    """Every form of ``page`` (served at ``page_path``); malformed markup ends the list early."""
    parser = _FormParser(page_path)
    try:
        parser.feed(page)
        parser.close()
    except AssertionError:  # html.parser gives up on some malformed markup
        pass
    return parser.forms
