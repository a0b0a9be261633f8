"""A Django REST framework API with DRF's ``TokenAuthentication`` (issue 19, item 1).

DRF reads ``Authorization: Token <key>`` and nothing else (no Bearer, no cookie session: the
views list only ``TokenAuthentication``). Tokens are kept in memory rather than in DRF's
``authtoken`` table (Django is configured once per test process, without a database, by
``tests.authz.apps.django_notes``): ``authenticate_credentials`` is the documented hook for
that. ``POST /api/login`` answers ``{"data": {"token": key}}``; ``POST /api/logout`` deletes
the key (the ``logout`` bug keeps it).
"""

from __future__ import annotations

import itertools
import secrets
import sys
import types
from typing import Any

from django.conf import settings  # noqa: E402, I001 - after the settings
from django.urls import path  # noqa: E402

from tests.authz.apps.django_notes import DjangoNotes  # configures Django (settings, no database)

if not hasattr(settings, "REST_FRAMEWORK"):
    # DRF's default unauthenticated user is django.contrib.auth's AnonymousUser, which needs the
    # auth app installed; these views need no user model at all
    settings.REST_FRAMEWORK = {"UNAUTHENTICATED_USER": None, "DEFAULT_AUTHENTICATION_CLASSES": [],
                               "DEFAULT_PERMISSION_CLASSES": []}

from rest_framework import exceptions, permissions, status  # noqa: E402
from rest_framework.authentication import TokenAuthentication  # noqa: E402
from rest_framework.parsers import JSONParser  # noqa: E402
from rest_framework.renderers import JSONRenderer  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

USERS = {"alice": ("alice-pw", "admin"), "bob": ("bob-pw", "viewer")}
_variants = itertools.count()


class User:
    is_authenticated = True

    def __init__(self, name: str) -> None:
        self.name = name
        self.role = USERS[name][1]


def create_app(bugs: frozenset[str] | set[str] = frozenset()) -> DjangoNotes:
    bugs = frozenset(bugs)
    keys: dict[str, str] = {}  # token key -> user
    notes: dict[str, list[str]] = {u: [] for u in USERS}

    class MemoryTokenAuthentication(TokenAuthentication):  # keyword "Token", as DRF's
        def authenticate_credentials(self, key: str) -> tuple[User, str]:
            if key not in keys:
                raise exceptions.AuthenticationFailed("Invalid token.")
            return User(keys[key]), key

    class Api(APIView):
        authentication_classes = [MemoryTokenAuthentication]
        permission_classes = [permissions.IsAuthenticated]
        renderer_classes = [JSONRenderer]
        parser_classes = [JSONParser]

    class Login(Api):
        authentication_classes: list[Any] = []
        permission_classes: list[Any] = []

        def post(self, request: Any) -> Response:
            user, password = request.data.get("username"), request.data.get("password")
            if user not in USERS or USERS[user][0] != password:
                return Response({"error": "bad credentials"}, status=status.HTTP_400_BAD_REQUEST)
            key = secrets.token_hex(20)  # like DRF's authtoken keys
            keys[key] = user
            return Response({"data": {"token": key, "user": user}})

    class Logout(Api):
        def post(self, request: Any) -> Response:
            if "logout" not in bugs:
                keys.pop(request.auth, None)
            return Response(status=status.HTTP_204_NO_CONTENT)

    class Me(Api):
        def get(self, request: Any) -> Response:
            return Response({"user": request.user.name})

    class Admin(Api):
        def get(self, request: Any) -> Response:
            if request.user.role != "admin":
                return Response({"error": "forbidden"}, status=status.HTTP_403_FORBIDDEN)
            return Response({"admin": True})

    class Notes(Api):
        def get(self, request: Any) -> Response:
            return Response({"notes": notes[request.user.name]})

        def post(self, request: Any) -> Response:
            text = request.data.get("text") if isinstance(request.data, dict) else None
            if not isinstance(text, str):
                return Response({"error": "text required"}, status=status.HTTP_400_BAD_REQUEST)
            notes[request.user.name].append(text[:200])
            return Response({"id": len(notes[request.user.name])}, status=status.HTTP_201_CREATED)

    module = types.ModuleType(f"drf_tokens_urls_{next(_variants)}")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("api/login", Login.as_view()), path("api/logout", Logout.as_view()), path("api/me", Me.as_view()),
        path("api/admin", Admin.as_view()), path("api/notes", Notes.as_view()),
    ]
    sys.modules[module.__name__] = module
    return DjangoNotes(module.__name__)
