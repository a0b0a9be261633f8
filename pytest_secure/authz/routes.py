"""Operations (method, path template) from an OpenAPI document or a framework's route table.

Flask (``url_map``), FastAPI/Starlette (``routes``, mounts followed) and Django (the URL
resolver of ``settings.ROOT_URLCONF``, or of the handler's ``urlconf`` attribute when it
has one). Paths come out as OpenAPI-style templates (``/notes/{id}``); a Django function
view, which accepts any method, is reported with method ``*``.
"""

from __future__ import annotations

import re
from typing import Any

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
Operation = tuple[str, str]  # (METHOD or "*", /path/{template})


def from_openapi(document: dict[str, Any]) -> list[Operation]:
    ops = []
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in item:
            if method.upper() in (*HTTP_METHODS, "HEAD", "OPTIONS", "TRACE"):
                ops.append((method.upper(), path))
    return sorted(ops, key=lambda o: (o[1], o[0]))


def from_app(app: Any) -> list[Operation]:
    """The route table of a Flask, FastAPI/Starlette or Django application."""
    if hasattr(app, "url_map") and hasattr(app.url_map, "iter_rules"):
        return _flask(app)
    if hasattr(app, "routes") and isinstance(getattr(app, "routes", None), list):
        return _starlette(app.routes, "")
    module = type(app).__module__
    if module.startswith("django.") or hasattr(app, "urlconf") or _is_django_handler(app):
        return _django(getattr(app, "urlconf", None))
    raise TypeError(f"{type(app).__name__} is not a Flask, FastAPI/Starlette or Django application; "
                    "set authz.coverage_source to `openapi` or to the module:attribute of the app")


def _is_django_handler(app: Any) -> bool:
    return any(c.__module__.startswith("django.core.handlers") for c in type(app).__mro__)


_FLASK_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _flask(app: Any) -> list[Operation]:
    ops = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = _FLASK_PARAM.sub(r"{\1}", rule.rule)
        for method in rule.methods or ():
            if method not in ("HEAD", "OPTIONS"):
                ops.add((method, path))
    return sorted(ops, key=lambda o: (o[1], o[0]))


def _starlette(routes: list[Any], prefix: str) -> list[Operation]:
    ops: set[Operation] = set()
    for route in routes:
        path = prefix + getattr(route, "path", "")
        if hasattr(route, "routes") and not hasattr(route, "methods"):  # a Mount or a router
            ops.update(_starlette(list(route.routes), path))
            continue
        if not getattr(route, "include_in_schema", True):
            continue  # FastAPI's /docs, /redoc, /openapi.json
        methods = getattr(route, "methods", None)
        if methods is None:
            continue  # websockets
        clean = re.sub(r"\{([^}:]+)(?::[^}]*)?\}", r"{\1}", path)
        for method in methods:
            if method not in ("HEAD", "OPTIONS"):
                ops.add((method, clean))
    return sorted(ops, key=lambda o: (o[1], o[0]))


_DJANGO_ROUTE_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<([^>]+)>[^)]*\)")


def _django(urlconf: Any) -> list[Operation]:
    from django.urls import URLPattern, URLResolver, get_resolver

    ops: set[Operation] = set()

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            part = _django_pattern(p.pattern)
            if isinstance(p, URLResolver):
                walk(list(p.url_patterns), prefix + part)
            elif isinstance(p, URLPattern):
                path = "/" + (prefix + part).lstrip("/")
                view_class = getattr(p.callback, "view_class", None)
                if view_class is None:
                    ops.add(("*", path))
                    continue
                for name in view_class.http_method_names:
                    if name not in ("head", "options") and hasattr(view_class, name):
                        ops.add((name.upper(), path))

    walk(list(get_resolver(urlconf).url_patterns), "")
    return sorted(ops, key=lambda o: (o[1], o[0]))


def _django_pattern(pattern: Any) -> str:
    text = str(pattern)
    if type(pattern).__name__ == "RegexPattern":
        text = _REGEX_GROUP.sub(r"{\1}", text).lstrip("^").rstrip("$").replace("\\", "")
        return text
    return _DJANGO_ROUTE_PARAM.sub(r"{\1}", text)


def template_regex(path: str) -> re.Pattern[str]:
    """``/notes/{id}`` -> a regex that matches ``/notes/17`` and ``/notes/{note_id}``."""
    parts = re.split(r"(\{[^{}/]+\})", path)
    return re.compile("".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts))
