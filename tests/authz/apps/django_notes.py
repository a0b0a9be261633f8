"""The notes-and-reports service on Django: an HTML login form protected by Django's CSRF
middleware, server-side sessions (cache backend, no database), class-based views.

Plantable bugs, as in ``flask_notes``: export_role, note_owner, list_leak, admin_action,
note_write, write_own, plus ``fixation`` (no ``cycle_key()`` at login) and ``logout``
(the cookie is deleted but the session is not flushed).

Several variants live in one process: each gets its own URLconf module, chosen per request
by a middleware (Django's ``request.urlconf``); the app object's ``urlconf`` attribute names
it, which is also where pytest-secure reads the route table from.
"""

from __future__ import annotations

import itertools
import json
import sys
import types
from typing import Any

import django
from django.conf import settings

# What the notes app needs; applied on every request too, because another test module may have
# configured Django first in this process (settings.configure runs once).
NOTES_SETTINGS: dict[str, Any] = dict(
    DEBUG=False, SECRET_KEY="notes-test-secret-key-" + "x" * 40, ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__,
    MIDDLEWARE=[f"{__name__}.urlconf_middleware", "django.contrib.sessions.middleware.SessionMiddleware",
                "django.middleware.csrf.CsrfViewMiddleware"],
    USE_TZ=True, SESSION_COOKIE_AGE=8 * 3600, SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False,
    CSRF_USE_SESSIONS=False, SESSION_ENGINE="django.contrib.sessions.backends.cache",
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "notes"}},
)
if not settings.configured:
    settings.configure(INSTALLED_APPS=[], DATABASES={}, **NOTES_SETTINGS)
    django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402 - after settings
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.middleware.csrf import get_token  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import path  # noqa: E402
from django.views import View  # noqa: E402

urlpatterns: list[Any] = []  # ROOT_URLCONF; every variant brings its own
ROLES = {"viewer": 1, "analyst": 2, "admin": 3}
REPORTS = {"public": False, "quarterly": False, "salaries": True}
_variants = itertools.count()


def urlconf_middleware(get_response: Any) -> Any:
    def middleware(request: Any) -> Any:
        request.urlconf = request.META.get("notes.urlconf")
        return get_response(request)

    return middleware


class DjangoNotes:
    """A WSGI app: Django's handler with this variant's URLconf."""

    def __init__(self, urlconf: str) -> None:
        self.urlconf = urlconf

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        environ["notes.urlconf"] = self.urlconf
        with override_settings(**NOTES_SETTINGS):
            return list(WSGIHandler()(environ, start_response))  # the middleware of these settings


def create_app(bugs: frozenset[str] | set[str] = frozenset()) -> DjangoNotes:
    bugs = frozenset(bugs)
    users = {"alice": "viewer", "bob": "viewer", "carol": "analyst", "dave": "admin", "erin": "analyst",
             "frank": "viewer"}
    notes: dict[str, dict[str, Any]] = {}
    ids = itertools.count(100)

    def error(status: int) -> JsonResponse:
        return JsonResponse({"error": status}, status=status)

    class Authenticated(View):
        role = "viewer"

        def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            user = request.session.get("user")
            if user is None:
                return error(401)
            if ROLES[users[user]] < ROLES[self.role] and not self.skip_role_check():
                return error(403)
            self.user = user
            return super().dispatch(request, *args, **kwargs)

        def skip_role_check(self) -> bool:
            return False

        def body(self) -> dict[str, Any]:
            try:
                return json.loads(self.request.body or b"{}")
            except ValueError:
                return {}

    class Login(View):
        def get(self, request: Any) -> HttpResponse:
            token = get_token(request)
            request.session["seen_login_form"] = True  # a session issued before login, as many sites do
            return HttpResponse(f"<form method=post><input type=hidden name=csrfmiddlewaretoken value={token}>"
                                "<input name=username><input name=password type=password></form>")

        def post(self, request: Any) -> HttpResponse:
            user = request.POST.get("username")
            if user not in users or request.POST.get("password") != f"{user}-pw":
                return HttpResponse("bad credentials", status=401)
            if "fixation" not in bugs:
                request.session.cycle_key()
            request.session["user"] = user
            response = HttpResponse(status=302)
            response["Location"] = "/dashboard"
            return response

    class Logout(Authenticated):
        def post(self, request: Any) -> HttpResponse:
            if "logout" not in bugs:
                request.session.flush()
            response = HttpResponse(status=204)
            response.delete_cookie(settings.SESSION_COOKIE_NAME)
            return response

    class Dashboard(Authenticated):
        def get(self, request: Any) -> JsonResponse:
            return JsonResponse({"user": self.user})

    class Export(Authenticated):
        role = "analyst"

        def skip_role_check(self) -> bool:
            return "export_role" in bugs

        def get(self, request: Any, report_id: str) -> HttpResponse:
            if report_id not in REPORTS:
                return error(404)
            if REPORTS[report_id] and users[self.user] != "admin" and "export_role" not in bugs:
                return error(403)
            return HttpResponse(f"report,{report_id}\n", content_type="text/csv")

    def visible(note: dict[str, Any], user: str) -> bool:
        return note["owner"] == user or users[user] == "admin"

    class Notes(Authenticated):
        def get(self, request: Any) -> JsonResponse:
            mine = [dict(id=k, **v) for k, v in notes.items() if "list_leak" in bugs or visible(v, self.user)]
            return JsonResponse({"notes": mine})

        def post(self, request: Any) -> JsonResponse:
            note_id = str(next(ids))
            notes[note_id] = {"owner": self.user, "text": self.body().get("text", "")}
            return JsonResponse({"id": note_id}, status=201)

    class Note(Authenticated):
        def get(self, request: Any, note_id: str) -> JsonResponse:
            note = notes.get(note_id)
            if note is None or ("note_owner" not in bugs and not visible(note, self.user)):
                return error(404)
            return JsonResponse(dict(id=note_id, **note))

        def writable(self, note_id: str) -> str | None:
            if "write_own" in bugs:
                mine = [k for k, v in notes.items() if v["owner"] == self.user]
                return mine[-1] if mine else None
            note = notes.get(note_id)
            if note is None or ("note_write" not in bugs and note["owner"] != self.user):
                return None
            return note_id

        def put(self, request: Any, note_id: str) -> HttpResponse:
            target = self.writable(note_id)
            if target is None:
                return error(404)
            notes[target]["text"] = self.body().get("text", "")
            return HttpResponse(status=204)

        def delete(self, request: Any, note_id: str) -> HttpResponse:
            target = self.writable(note_id)
            if target is None:
                return error(404)
            del notes[target]
            return HttpResponse(status=204)

    class SetRole(Authenticated):
        role = "admin"

        def skip_role_check(self) -> bool:
            return "admin_action" in bugs

        def post(self, request: Any, name: str) -> HttpResponse:
            role = self.body().get("role")
            if name not in users or role not in ROLES:
                return error(400)
            users[name] = role
            return HttpResponse(status=204)

    module = types.ModuleType(f"django_notes_urls_{next(_variants)}")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("login", Login.as_view()),
        path("logout", Logout.as_view()),
        path("dashboard", Dashboard.as_view()),
        path("reports/<str:report_id>/export.csv", Export.as_view()),
        path("notes", Notes.as_view()),
        path("notes/<str:note_id>", Note.as_view()),
        path("admin/users/<str:name>/role", SetRole.as_view()),
    ]
    sys.modules[module.__name__] = module
    return DjangoNotes(module.__name__)
