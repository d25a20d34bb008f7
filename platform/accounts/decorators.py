"""The one role check for screens: signed in (else the sign-in page) and holding one of the roles
(a superuser holds them all), else a 403 page. casework and policy_engine screens use it too."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

View = Callable[..., HttpResponseBase]


def role_required(*roles: str, forbidden_template: str = "accounts/forbidden.html") -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user: Any = request.user
            if not (user.is_authenticated and user.holds_any(roles)):
                return render(request, forbidden_template, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
