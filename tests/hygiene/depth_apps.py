"""Planted apps for the detection-depth checks (issue 13), each with a hardened twin.

* Flask: ``/reports`` crashes (Flask's own 500 page) and, when a request carries no Origin,
  the app answers ``Access-Control-Allow-Origin: *`` with credentials; the twin works and
  echoes only the allowed origin.
* Django: ``/reports`` crashes (DEBUG off: the plain 500 page; DEBUG on: the debug page) and a
  middleware sends ``*`` with credentials on every response; the twin works and sends no CORS.
* FastAPI: ``/reports`` turns a failure into ``HTTPException(500)`` and CORSMiddleware is
  given ``allow_origins=["*"]`` with credentials (so it echoes every Origin); the twin answers
  200 and allows the one origin.
"""

from __future__ import annotations

from typing import Any

ALLOWED_ORIGIN = "https://app.example.test"
INDEX = '<!doctype html><title>Home</title><a href="/reports">reports</a>'
REPORTS = "<!doctype html><title>Reports</title><p>no reports yet"


def flask_app(*, planted: bool) -> Any:
    from flask import Flask, request

    app = Flask(f"depth_flask_{planted}")

    @app.get("/")
    def index() -> str:
        return INDEX

    @app.get("/reports")
    def reports() -> str:
        if planted:
            return str(1 / len([]))  # the defect: an unhandled ZeroDivisionError, Flask answers 500
        return REPORTS

    @app.after_request
    def cors(response: Any) -> Any:
        origin = request.headers.get("Origin")
        if planted and origin is None:  # the defect: "no Origin, so allow everyone", with cookies
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Allow-Credentials"] = "true"
        elif origin == ALLOWED_ORIGIN:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
            response.headers["Vary"] = "Origin"
        return response

    return app


def wildcard_cors_middleware(get_response: Any) -> Any:
    def middleware(request: Any) -> Any:
        response = get_response(request)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Credentials"] = "true"
        return response

    return middleware


def _django_index(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse(INDEX)


def _django_reports_broken(request: Any) -> Any:
    return {}["missing"]  # the defect: KeyError, Django answers 500


def _django_reports(request: Any) -> Any:
    from django.http import HttpResponse

    return HttpResponse(REPORTS)


urlpatterns: list[Any] = []
hardened_urls: list[Any] = []


class _HardenedUrls:
    urlpatterns = hardened_urls


HARDENED_URLCONF = _HardenedUrls


def django_app(*, planted: bool, debug: bool = False) -> Any:
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings
    from django.urls import path

    from . import apps

    apps.django_app(apps.DJANGO_HARDENED)  # configures Django once per process
    if not urlpatterns:
        urlpatterns.extend([path("", _django_index), path("reports", _django_reports_broken)])
        hardened_urls.extend([path("", _django_index), path("reports", _django_reports)])
    middleware = list(apps.DJANGO_HARDENED["MIDDLEWARE"])
    if planted:
        middleware.append(f"{__name__}.wildcard_cors_middleware")
    overrides = {**apps.DJANGO_HARDENED, "DEBUG": debug, "MIDDLEWARE": middleware,
                 "ROOT_URLCONF": __name__ if planted else HARDENED_URLCONF}

    def app(environ: Any, start_response: Any) -> Any:
        with override_settings(**overrides):
            return list(WSGIHandler()(environ, start_response))

    return app


def fastapi_app(*, planted: bool) -> Any:
    from fastapi import FastAPI, HTTPException
    from fastapi.middleware.cors import CORSMiddleware
    from fastapi.responses import HTMLResponse

    app = FastAPI()
    if planted:  # the defect: any origin, with credentials
        app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
    else:
        app.add_middleware(CORSMiddleware, allow_origins=[ALLOWED_ORIGIN], allow_credentials=True)

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return INDEX

    @app.get("/reports", response_class=HTMLResponse)
    def reports() -> str:
        if planted:
            try:
                raise ConnectionError("database unavailable")
            except ConnectionError:  # the defect: the failure becomes a 500 for every client
                raise HTTPException(status_code=500, detail="internal error") from None
        return REPORTS

    return app


# -- Host-header probes -----------------------------------------------------------------------------
TRUSTED = ["localhost", "127.0.0.1"]


def flask_host_app(*, planted: bool) -> Any:
    """Planted: absolute links built from the request's host, X-Forwarded-Host trusted from anyone
    (ProxyFix), any Host answered. Twin: TRUSTED_HOSTS, no ProxyFix."""
    from flask import Flask, url_for
    from werkzeug.middleware.proxy_fix import ProxyFix

    app = Flask(f"depth_host_{planted}")
    if planted:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_host=1)  # type: ignore[method-assign]
    else:
        app.config["TRUSTED_HOSTS"] = TRUSTED

    @app.get("/")
    def index() -> str:
        reset = url_for("reset", token="t0k3n", _external=True)  # what a reset e-mail would carry
        return f'<!doctype html><title>Home</title><a href="{reset}">reset your password</a>'

    @app.get("/reset/<token>")
    def reset(token: str) -> str:
        return "<!doctype html><title>Reset</title>"

    return app


def _django_absolute(request: Any) -> Any:
    from django.http import HttpResponseRedirect

    return HttpResponseRedirect(request.build_absolute_uri("/welcome"))  # absolute, from the Host


host_urlpatterns: list[Any] = []


class _HostUrls:
    urlpatterns = host_urlpatterns


def django_host_app(*, planted: bool) -> Any:
    """Planted: DEBUG on, so a disallowed Host gets Django's debug page (``DisallowedHost``).
    Twin: DEBUG off and the same ALLOWED_HOSTS: a plain 400."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings
    from django.urls import path

    from . import apps

    apps.django_app(apps.DJANGO_HARDENED)
    if not host_urlpatterns:
        host_urlpatterns.append(path("", _django_absolute))
    overrides = {**apps.DJANGO_HARDENED, "DEBUG": planted, "ALLOWED_HOSTS": TRUSTED, "ROOT_URLCONF": _HostUrls}

    def app(environ: Any, start_response: Any) -> Any:
        with override_settings(**overrides):
            return list(WSGIHandler()(environ, start_response))

    return app


def fastapi_host_app(*, planted: bool) -> Any:
    """Planted: a redirect to ``request.url_for`` (the request's Host). Twin: the same app behind
    TrustedHostMiddleware."""
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse, RedirectResponse
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    app = FastAPI()
    if not planted:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=TRUSTED)

    async def index(request: Any) -> RedirectResponse:
        return RedirectResponse(str(request.url_for("home")), status_code=302)

    app.add_route("/", index, methods=["GET"])

    @app.get("/home", response_class=HTMLResponse)
    def home() -> str:
        return INDEX

    return app


# -- default pages and versions in bodies ------------------------------------------------------------
class _EmptyUrls:
    urlpatterns: list[Any] = []


def django_welcome_app(*, planted: bool) -> Any:
    """Planted: a project with DEBUG on and no URL yet, so / is Django's "install worked" page.
    Twin: the same project with DEBUG off and its index view."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    from . import apps

    apps.django_app(apps.DJANGO_HARDENED)
    django_app(planted=False)  # fills hardened_urls
    overrides = {**apps.DJANGO_HARDENED, "DEBUG": planted, "ROOT_URLCONF": _EmptyUrls if planted else HARDENED_URLCONF}

    def app(environ: Any, start_response: Any) -> Any:
        with override_settings(**overrides):
            return list(WSGIHandler()(environ, start_response))

    return app


def flask_footer_app(*, planted: bool) -> Any:
    """Planted: a footer that says "Powered by Flask <version>". Twin: "Powered by Flask"."""
    from importlib.metadata import version

    from flask import Flask

    app = Flask(f"depth_footer_{planted}")
    footer = f"Powered by Flask {version('flask')}" if planted else "Powered by Flask"

    @app.get("/")
    def index() -> str:
        return f"<!doctype html><title>Home</title><p>hello</p><footer>{footer}</footer>"

    return app


def fastapi_generator_app(*, planted: bool) -> Any:
    """Planted: a generator meta tag with FastAPI's version. Twin: no generator tag."""
    import fastapi
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    app = FastAPI()
    meta = f'<meta name="generator" content="FastAPI {fastapi.__version__}">' if planted else ""

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return f"<!doctype html><html><head>{meta}<title>Home</title></head><body>hello</body></html>"

    return app


# -- content discovery ---------------------------------------------------------------------------------
PROJECT_FILES = {  # what a project folder holds next to its code
    ".env": "DATABASE_URL=postgres://app:planted-db-password@db/app\nSECRET_KEY=planted-secret-key\n",
    ".git/HEAD": "ref: refs/heads/main\n",
    ".git/config": "[core]\n\trepositoryformatversion = 0\n\tbare = false\n",
    "backup.sql": "CREATE TABLE users (id integer, email text);\nINSERT INTO users VALUES (1, 'a@example.test');\n",
    "index.html": INDEX,
}


def write_project(folder: Any) -> Any:
    for name, text in PROJECT_FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def flask_files_app(folder: Any, *, planted: bool) -> Any:
    """Planted: the project folder is the static folder, served from /. Twin: a single-page app
    that answers 200 with its index for every path (a soft 404)."""
    from flask import Flask

    if planted:
        return Flask(f"depth_files_{planted}", static_folder=str(folder), static_url_path="")
    app = Flask("depth_files_spa")

    @app.get("/", defaults={"anything": ""})
    @app.get("/<path:anything>")
    def spa(anything: str) -> str:
        return INDEX

    return app


files_urlpatterns: list[Any] = []


class _FilesUrls:
    urlpatterns = files_urlpatterns


def django_files_app(folder: Any, *, planted: bool) -> Any:
    """Planted: ``django.views.static.serve`` over the project folder (DEBUG off). Twin: the
    index view only."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings
    from django.urls import re_path
    from django.views.static import serve

    from . import apps

    apps.django_app(apps.DJANGO_HARDENED)
    django_app(planted=False)
    files_urlpatterns[:] = [re_path(r"^(?P<path>.+)$", serve, {"document_root": str(folder)})]
    overrides = {**apps.DJANGO_HARDENED, "ROOT_URLCONF": _FilesUrls if planted else HARDENED_URLCONF}

    def app(environ: Any, start_response: Any) -> Any:
        with override_settings(**overrides):
            return list(WSGIHandler()(environ, start_response))

    return app


def fastapi_files_app(folder: Any, *, planted: bool) -> Any:
    """Planted: StaticFiles over the project folder at /, and FastAPI's default /docs and
    /openapi.json. Twin: docs off and a catch-all 200 page."""
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles

    if planted:
        app = FastAPI()
        app.mount("/", StaticFiles(directory=str(folder), html=True))
        return app
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/{anything:path}", response_class=HTMLResponse)
    def spa(anything: str) -> str:
        return INDEX

    return app


# -- secrets in the application's own logs ---------------------------------------------------------------
def flask_logging_app(*, planted: bool, log_file: Any = None) -> Any:
    """Planted: the login logs the password it was given and /pay logs the card number. Twin: both
    log the user name and the card's last four digits only."""
    import logging

    from flask import Flask, jsonify, request, session

    app = Flask(f"depth_logs_{planted}_{bool(log_file)}")
    app.secret_key = "depth-logs-not-secret"
    log = logging.getLogger(f"shop.auth.{planted}.{id(app)}")
    log.setLevel(logging.INFO)
    if log_file is not None:
        log.addHandler(logging.FileHandler(log_file))

    @app.post("/login")
    def login() -> Any:
        user, password = request.form.get("username", ""), request.form.get("password", "")
        if planted:
            log.info("login attempt user=%s password=%s", user, password)
        else:
            log.info("login attempt user=%s", user)
        session["user"] = user
        return jsonify(ok=True)

    @app.get("/")
    def index() -> str:
        return INDEX

    @app.post("/pay")
    def pay() -> Any:
        card = str((request.get_json(silent=True) or {}).get("card", ""))
        log.info("payment with card %s", card if planted else "****" + card[-4:])
        return jsonify(paid=True)

    return app


def fastapi_logging_app(*, planted: bool) -> Any:
    """Planted: a middleware logs every request's Authorization header. Twin: it logs the path."""
    import logging

    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    app = FastAPI()
    log = logging.getLogger(f"api.requests.{planted}.{id(app)}")
    log.setLevel(logging.INFO)

    @app.middleware("http")
    async def log_requests(request: Any, call_next: Any) -> Any:
        if planted:
            log.info("%s %s auth=%s", request.method, request.url.path, request.headers.get("authorization"))
        else:
            log.info("%s %s", request.method, request.url.path)
        return await call_next(request)

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return INDEX

    return app


# -- client-side roles -------------------------------------------------------------------------------------
ROLE_PASSWORD = "viewer-role-pw-51"


def flask_role_app(*, planted: bool) -> Any:
    """Planted: /admin trusts a ``role`` cookie. Twin: the same cookie is set (for the UI) but
    /admin reads the role from the signed session."""
    from flask import Flask, make_response, request, session

    app = Flask(f"depth_role_{planted}")
    app.secret_key = "depth-role-not-secret"

    @app.post("/login")
    def login() -> Any:
        if request.form.get("password") != ROLE_PASSWORD:
            return "bad credentials", 401
        session["role"] = "user"
        response = make_response("ok")
        response.set_cookie("role", "user")
        return response

    @app.get("/admin")
    def admin() -> Any:
        role = request.cookies.get("role") if planted else session.get("role")
        return ("<!doctype html>admin console", 200) if role == "admin" else ("forbidden", 403)

    return app


role_urlpatterns: list[Any] = []


class _RoleUrls:
    urlpatterns = role_urlpatterns


def _django_app(urls: type, planted: bool) -> Any:
    """A Django WSGI app on ``urls`` whose requests carry ``planted`` (the views read it)."""
    from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
    from django.test.utils import override_settings

    from . import apps

    overrides = {**apps.DJANGO_HARDENED, "ROOT_URLCONF": urls, "SESSION_COOKIE_SECURE": False}

    class Handler(WSGIHandler):
        request_class = type("Req", (WSGIRequest,), {"planted": planted})

    def app(environ: Any, start_response: Any) -> Any:
        with override_settings(**overrides):
            return list(Handler()(environ, start_response))

    return app


def django_role_app(*, planted: bool) -> Any:
    """Planted: /admin-panel trusts an ``is_admin`` cookie. Twin: it reads the session."""
    from django.http import HttpResponse, HttpResponseForbidden
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    from . import apps

    apps.django_app(apps.DJANGO_HARDENED)

    @csrf_exempt
    def login(request: Any) -> Any:
        if request.POST.get("password") != ROLE_PASSWORD:
            return HttpResponse("bad credentials", status=401)
        request.session["is_admin"] = False
        response = HttpResponse("ok")
        response.set_cookie("is_admin", "0")
        return response

    def panel(request: Any) -> Any:
        admin = request.COOKIES.get("is_admin") == "1" if request.planted else request.session.get("is_admin")
        return HttpResponse("<!doctype html>panel") if admin else HttpResponseForbidden("forbidden")

    if not role_urlpatterns:
        role_urlpatterns.extend([path("login", login), path("admin-panel", panel)])

    return _django_app(_RoleUrls, planted)


def fastapi_role_app(*, planted: bool) -> Any:
    """Planted: /admin decodes an unsigned base64 JSON ``profile`` cookie and trusts its ``role``
    claim. Twin: the same cookie, but /admin looks the role up on the server by session id."""
    import base64
    import json
    import secrets as random
    import urllib.parse

    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse, PlainTextResponse

    app = FastAPI()
    roles: dict[str, str] = {}

    async def login(request: Any) -> Any:
        form = urllib.parse.parse_qs((await request.body()).decode())
        if form.get("password") != [ROLE_PASSWORD]:
            return PlainTextResponse("bad credentials", status_code=401)
        sid = random.token_hex(16)
        roles[sid] = "user"
        response = PlainTextResponse("ok")
        response.set_cookie("sid", sid, httponly=True)
        response.set_cookie("profile", base64.b64encode(json.dumps({"name": "viewer", "role": "user"}).encode()).decode())
        return response

    async def admin(request: Any) -> Any:
        if planted:
            role = json.loads(base64.b64decode(request.cookies.get("profile", "e30="))).get("role")
        else:
            role = roles.get(request.cookies.get("sid", ""))
        if role == "admin":
            return HTMLResponse("<!doctype html>admin console")
        return PlainTextResponse("forbidden", status_code=403)

    app.add_route("/login", login, methods=["POST"])
    app.add_route("/admin", admin, methods=["GET"])
    return app


def flask_profile_form_app(*, planted: bool) -> Any:
    """Planted: the profile form carries the role in a hidden field and POST /profile stores it,
    so a viewer who raises it reaches /admin. Twin: the same form and field; POST /profile keeps
    the role the server gave."""
    from flask import Flask, request, session

    app = Flask(f"depth_form_role_{planted}")
    app.secret_key = "depth-form-role-not-secret"

    @app.post("/login")
    def login() -> Any:
        if request.form.get("password") != ROLE_PASSWORD:
            return "bad credentials", 401
        session.update(role="user", name="viewer")
        return "ok"

    @app.get("/profile")
    def profile() -> Any:
        return (f"<!doctype html><form method=post action=profile><input name=name value={session.get('name', '')}>"
                f"<input type=hidden name=role value={session.get('role', 'user')}>"
                "<input type=submit value=Save></form>")

    @app.post("/profile")
    def save_profile() -> Any:
        session["name"] = request.form.get("name", "")
        if planted:
            session["role"] = request.form.get("role", "user")
        return "saved"

    @app.get("/admin")
    def admin() -> Any:
        return ("<!doctype html>admin console", 200) if session.get("role") == "admin" else ("forbidden", 403)

    return app


approve_urlpatterns: list[Any] = []


class _ApproveUrls:
    urlpatterns = approve_urlpatterns


def django_approve_form_app(*, planted: bool) -> Any:
    """Planted: POST /orders/approve trusts the form's hidden ``is_manager`` field. Twin: the same
    form; the view reads the flag from the session."""
    from django.http import HttpResponse, HttpResponseForbidden
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    from . import apps

    apps.django_app(apps.DJANGO_HARDENED)

    @csrf_exempt
    def login(request: Any) -> Any:
        if request.POST.get("password") != ROLE_PASSWORD:
            return HttpResponse("bad credentials", status=401)
        request.session["is_manager"] = False
        return HttpResponse("ok")

    def orders(request: Any) -> Any:
        return HttpResponse('<!doctype html><form method="post" action="/orders/approve">'
                            '<input type="hidden" name="order" value="7">'
                            '<input type="hidden" name="is_manager" value="false">'
                            '<button>Approve</button></form>')

    @csrf_exempt
    def approve(request: Any) -> Any:
        if request.method != "POST":
            return HttpResponse(status=405)
        manager = request.POST.get("is_manager") == "true" if request.planted else request.session.get("is_manager")
        return HttpResponse("approved") if manager else HttpResponseForbidden("managers only")

    if not approve_urlpatterns:
        approve_urlpatterns.extend([path("login", login), path("orders", orders), path("orders/approve", approve)])

    return _django_app(_ApproveUrls, planted)


def fastapi_unsigned_jwt_app(*, planted: bool) -> Any:
    """Planted: /admin reads the ``role`` claim of the bearer token, an unsigned JWT (alg none) the
    login issued. Twin: the same token; /admin looks the role of its ``sub`` up on the server."""
    import base64
    import json

    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

    app = FastAPI()
    server_roles = {"viewer": "user"}

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    async def login(request: Any) -> Any:
        body = await request.json()
        if body.get("password") != ROLE_PASSWORD:
            return PlainTextResponse("bad credentials", status_code=401)
        token = f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({'sub': 'viewer', 'role': 'user'})}."
        return JSONResponse({"token": token})

    async def admin(request: Any) -> Any:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        except (ValueError, IndexError):
            return PlainTextResponse("unauthenticated", status_code=401)
        role = claims.get("role") if planted else server_roles.get(claims.get("sub"))
        if role == "admin":
            return HTMLResponse("<!doctype html>admin console")
        return PlainTextResponse("forbidden", status_code=403)

    app.add_route("/login", login, methods=["POST"])
    app.add_route("/admin", admin, methods=["GET"])
    return app
