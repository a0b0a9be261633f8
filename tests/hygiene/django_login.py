"""A Django site with an HTML login form behind Django's CSRF middleware (sessions, CSRF
cookie, ``{% csrf_token %}``-style hidden input), for the login cookie checks.

It shares the Django settings of ``tests.authz.apps.django_notes`` (Django is configured once
per process) and brings its own URLconf, chosen per request by that module's middleware.

``GET /login`` sets ``csrftoken`` and shows the form; ``POST /login`` (a 302 to ``/account``)
rotates the session and sets ``sessionid`` and a ``remember_me`` cookie. Plantable:
``remember_js``: ``remember_me`` without HttpOnly, readable by any script on the page.
"""

from __future__ import annotations

import itertools
import secrets
import sys
import types
from typing import Any

from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.urls import path
from django.views import View

from tests.authz.apps.django_notes import DjangoNotes  # configures Django: sessions + CsrfViewMiddleware

USERS = {"alice": "alice-pw", "bob": "bob-pw"}
_variants = itertools.count()


def create_app(bugs: frozenset[str] | set[str] = frozenset()) -> DjangoNotes:
    bugs = frozenset(bugs)

    class Login(View):
        def get(self, request: Any) -> HttpResponse:
            token = get_token(request)
            return HttpResponse(f"<form method=post><input type=hidden name=csrfmiddlewaretoken value={token}>"
                                "<input name=username><input name=password type=password></form>")

        def post(self, request: Any) -> HttpResponse:
            user = request.POST.get("username")
            if USERS.get(user or "") != request.POST.get("password"):
                return HttpResponse("bad credentials", status=401)
            request.session.cycle_key()
            request.session["user"] = user
            response = HttpResponse(status=302)
            response["Location"] = "/account"
            response.set_cookie("remember_me", secrets.token_urlsafe(16), max_age=8 * 3600, samesite="Lax",
                                httponly="remember_js" not in bugs)
            return response

    class Account(View):
        def get(self, request: Any) -> JsonResponse:
            user = request.session.get("user")
            if user is None:
                return JsonResponse({"error": "login required"}, status=401)
            return JsonResponse({"user": user})

    module = types.ModuleType(f"django_login_urls_{next(_variants)}")
    module.urlpatterns = [path("login", Login.as_view()), path("account", Account.as_view())]  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    return DjangoNotes(module.__name__)


