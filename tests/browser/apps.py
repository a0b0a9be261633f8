"""Planted pages for the browser checks, each with a fixed twin, on Flask, FastAPI and Django.

* Flask: ``/search`` reflects ``q`` unescaped under a policy that lets scripts run (planted:
  ``script-src 'self' 'unsafe-inline' *``; twin: nonce + 'strict-dynamic'); ``/app`` writes the
  URL fragment, the ``msg`` parameter and a form field with innerHTML (twin: textContent);
  ``/find``'s GET form reflects its field unescaped in the next page (twin: escaped);
  ``/shop`` (https) loads a script and an image over http and a CDN script without integrity.
* FastAPI: ``/account`` sets a readable session cookie, a ``__Host-`` cookie with a wrong Path
  and a ``SameSite=None`` cookie without Secure (twin: HttpOnly, SameSite=Lax, Path=/);
  ``/`` can be framed by anyone (twin: frame-ancestors 'none').
* Django: ``/embed`` is exempt from the clickjacking middleware (twin: X-Frame-Options DENY);
  ``/search`` reflects ``q`` under ``script-src 'nonce-..' http: https:`` (the nonce disables
  'unsafe-inline', but any http origin may serve scripts; twin: nonce + 'strict-dynamic').
"""

from __future__ import annotations

import html
import secrets
from typing import Any

STRICT = "script-src 'nonce-{nonce}' 'strict-dynamic'; object-src 'none'; base-uri 'none'"
CDN_SCRIPT = "https://cdn.example.com/lib.js"


def flask_app(*, planted: bool) -> Any:
    from flask import Flask, make_response, request

    app = Flask(f"browser_flask_{planted}")

    @app.get("/search")
    def search() -> Any:
        nonce = secrets.token_urlsafe(12)
        q = request.args.get("q", "")
        body = (f"<!doctype html><title>Search</title><h1>Results for {q}</h1>"  # unescaped: the CSP is the defence
                f"<script nonce='{nonce}'>document.title = 'Search results';</script>")
        resp = make_response(body)
        resp.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self' 'unsafe-inline' *" if planted else STRICT.format(nonce=nonce))
        return resp

    @app.get("/app")
    def single_page() -> Any:
        sink = "innerHTML" if planted else "textContent"
        return (f"<!doctype html><title>App</title><div id=out></div><p id=msg></p><p id=greet></p>"
                "<form id=hello><input name=name id=name><button>go</button></form>"
                "<script>"
                f"document.getElementById('out').{sink} = decodeURIComponent(location.hash.slice(1));"
                "const msg = new URLSearchParams(location.search).get('msg');"
                f"if (msg) document.getElementById('msg').{sink} = msg;"
                "document.getElementById('name').addEventListener('input', (e) => {"
                f"  document.getElementById('greet').{sink} = 'Hello ' + e.target.value; }});"
                "document.getElementById('hello').addEventListener('submit', (e) => e.preventDefault());"
                "</script>")

    @app.get("/find")
    def find() -> Any:
        q = request.args.get("q", "")
        shown = q if planted else html.escape(q)  # planted: the server reflects the field unescaped
        return (f"<!doctype html><title>Find</title><form method=get action=/find><input name=q>"
                f"<button>find</button></form><p>You searched for {shown}</p>")

    @app.get("/shop")
    def shop() -> Any:
        if planted:
            return ("<!doctype html><title>Shop</title>"
                    "<script src='http://localhost:9/lib.js'></script><img src='http://localhost:9/pic.png' alt=''>"
                    f"<script src='{CDN_SCRIPT}'></script>")
        return ("<!doctype html><title>Shop</title><img src='/pic.png' alt=''>"
                f"<script src='{CDN_SCRIPT}' integrity='sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC'"
                " crossorigin='anonymous'></script>")

    @app.get("/pic.png")
    def picture() -> Any:
        return make_response(b"", 204)

    return app


def fastapi_app(*, planted: bool) -> Any:
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    app = FastAPI()

    @app.get("/", response_class=HTMLResponse)
    def index() -> Any:
        resp = HTMLResponse("<!doctype html><title>Home</title><h1>Welcome</h1>")
        if not planted:
            resp.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
        return resp

    @app.get("/account", response_class=HTMLResponse)
    def account() -> Any:
        resp = HTMLResponse("<!doctype html><title>Account</title><h1>Your account</h1>")
        if planted:
            resp.headers.append("Set-Cookie", "session=s3cr3t-session-value; Path=/")
            resp.headers.append("Set-Cookie", "__Host-prefs=dark; Secure; Path=/account")
            resp.headers.append("Set-Cookie", "tracking=t1; SameSite=None; Path=/")
        else:
            resp.headers.append("Set-Cookie", "session=s3cr3t-session-value; HttpOnly; SameSite=Lax; Path=/")
            resp.headers.append("Set-Cookie", "__Host-prefs=dark; Secure; Path=/")
            resp.headers.append("Set-Cookie", "tracking=t1; SameSite=Lax; Path=/")
        return resp

    return app


def _django_search(request: Any) -> Any:
    from django.http import HttpResponse

    nonce = secrets.token_urlsafe(12)
    q = request.GET.get("q", "")
    resp = HttpResponse(f"<!doctype html><title>Search</title><h1>Results for {q}</h1>"
                        f"<script nonce='{nonce}'>document.title = 'Search';</script>")
    planted = request.META.get("browser.planted")
    resp["Content-Security-Policy"] = (f"script-src 'nonce-{nonce}' 'unsafe-inline' http: https:" if planted
                                       else STRICT.format(nonce=nonce))
    return resp


def _django_embed(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse(f"<!doctype html><title>Embed</title><p>{html.escape('widget')}</p>")


urlpatterns: list[Any] = []


def django_app(*, planted: bool) -> Any:
    """Django with its clickjacking middleware (X-Frame-Options: DENY); planted: ``/embed`` is
    ``xframe_options_exempt`` and ``/search``'s policy allows any http origin."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings
    from django.urls import path
    from django.views.decorators.clickjacking import xframe_options_exempt

    from tests.hygiene import apps

    apps.django_app(apps.DJANGO_DEFAULT)  # configures Django once per process
    if not urlpatterns:
        urlpatterns.extend([path("search", _django_search), path("embed", _django_embed),
                            path("embed-exempt", xframe_options_exempt(_django_embed))])
    overrides = {**apps.DJANGO_DEFAULT, "DEBUG": False, "ROOT_URLCONF": __name__}

    def app(environ: Any, start_response: Any) -> Any:
        if planted:
            environ["browser.planted"] = True
            if environ.get("PATH_INFO") == "/embed":
                environ["PATH_INFO"] = "/embed-exempt"
        with override_settings(**overrides):
            return list(WSGIHandler()(environ, start_response))

    return app
