"""The real applications the hygiene tests audit, each in a known configuration.

* Django with the settings ``startproject`` writes (DEBUG on, SecurityMiddleware defaults)
  and with hardened settings (HSTS, secure cookies, a CSP, DEBUG off);
* Flask with flask-talisman's defaults (HTTPS forcing off: the tests speak plain HTTP);
* FastAPI bare, and with a security-headers middleware;
* the third-party httpbin app, unchanged.

Django's settings can be configured once per process, so each Django app applies its own
settings with ``override_settings`` around every request.
"""


from typing import Any

DJANGO_DEFAULT = {  # what `django-admin startproject` writes, minus the database
    "DEBUG": True,
    "ALLOWED_HOSTS": ["localhost", "127.0.0.1", "testserver"],
    # Django's own defaults, spelled out: another test module may have configured Django first
    "SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",  # no database needed
    "SESSION_COOKIE_AGE": 1209600, "SESSION_COOKIE_SECURE": False, "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax", "CSRF_COOKIE_SECURE": False, "CSRF_COOKIE_HTTPONLY": False,
    "CSRF_USE_SESSIONS": False, "SECURE_HSTS_SECONDS": 0, "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
    "SECURE_CONTENT_TYPE_NOSNIFF": True, "SECURE_REFERRER_POLICY": "same-origin", "X_FRAME_OPTIONS": "DENY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin", "SECURE_SSL_REDIRECT": False,
    "MIDDLEWARE": [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
}
DJANGO_HARDENED = {
    **DJANGO_DEFAULT,
    "DEBUG": False,
    "MIDDLEWARE": [*DJANGO_DEFAULT["MIDDLEWARE"], f"{__name__}.csp_middleware"],
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_AGE": 8 * 3600,
    "CSRF_COOKIE_SECURE": True,
    "CSRF_COOKIE_HTTPONLY": True,
    "X_FRAME_OPTIONS": "DENY",
    "SECURE_REFERRER_POLICY": "strict-origin-when-cross-origin",
}


def csp_middleware(get_response: Any) -> Any:
    """Django 5 has no CSP setting; hardened projects add the header in a middleware like this."""

    def middleware(request: Any) -> Any:
        response = get_response(request)
        response["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'; object-src 'none'"
        return response

    return middleware


def _django_views() -> Any:
    from django.http import HttpResponse
    from django.middleware.csrf import get_token
    from django.urls import path

    def index(request: Any) -> Any:
        request.session["visits"] = request.session.get("visits", 0) + 1  # sets the session cookie
        token = get_token(request)  # sets the CSRF cookie
        return HttpResponse(f"<!doctype html><title>Home</title><form method=post>"
                            f"<input type=hidden name=csrfmiddlewaretoken value={token}></form>")

    return [path("", index)]


urlpatterns: list[Any] = []


def django_app(settings_overrides: dict[str, Any]) -> Any:
    import django
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.utils import override_settings

    if not settings.configured:
        settings.configure(
            SECRET_KEY="hygiene-tests-not-secret", ROOT_URLCONF=__name__, USE_TZ=True,
            INSTALLED_APPS=["django.contrib.sessions"], **DJANGO_DEFAULT,
        )
        django.setup()
    if not urlpatterns:
        urlpatterns.extend(_django_views())
    overrides = {**settings_overrides, "ROOT_URLCONF": __name__}

    def app(environ: Any, start_response: Any) -> Any:
        with override_settings(**overrides):
            handler = WSGIHandler()  # loads the middleware of these settings
            return list(handler(environ, start_response))

    return app


def talisman_app() -> Any:
    from flask import Flask, session
    from flask_talisman import Talisman

    app = Flask("talisman_app")
    app.secret_key = "hygiene-tests-not-secret"
    Talisman(app, force_https=False)

    @app.get("/")
    def index() -> str:
        session["visits"] = session.get("visits", 0) + 1
        return "<!doctype html><title>Home</title><p>hello"

    return app


def fastapi_app(secure: bool) -> Any:
    from fastapi import FastAPI, Response
    from fastapi.responses import HTMLResponse

    app = FastAPI()
    if secure:
        app.add_middleware(SecurityHeaders)

    @app.get("/", response_class=HTMLResponse)
    def index(response: Response) -> str:
        response.set_cookie("session", "s3cr3t-session-value", max_age=3600, secure=secure, httponly=secure,
                            samesite="lax" if secure else None)
        return "<!doctype html><title>Home</title><p>hello"

    return app


class SecurityHeaders:
    """A pure ASGI middleware that adds the recommended security headers to every response."""

    HEADERS = [
        (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
        (b"strict-transport-security", b"max-age=63072000; includeSubDomains; preload"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), geolocation=()"),
    ]

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


def httpbin_app() -> Any:
    from httpbin import app

    return app
