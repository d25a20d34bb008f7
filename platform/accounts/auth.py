from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotAuthenticated

from accounts.models import User


def request_user(request: Any) -> User:
    """The signed-in user of a request, typed; the API's permission classes have already run."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user
