"""``Idempotency-Key`` for the API's create endpoints: a retried request creates nothing new.

The first request with a key runs and its 2xx answer is stored (per association, per user). A
retry with the same key and the same request gets that answer again, marked
``Idempotent-Replayed: true``; the same key with a different request is refused with 422. A
request that fails stores nothing, so it can be retried with its key. Two requests with one key at
once: the second waits for the first (the key's row is unique) and replays its answer.

Keys expire after ``SILA_IDEMPOTENCY_KEY_HOURS`` (24 by default): an expired key is forgotten when
it is sent again, and a periodic job (``casework.maintenance``) deletes expired keys everywhere.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.auth import request_user
from casework.models import IdempotencyKey
from core.errors import ServiceError

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# The path is kept for reading only (the request's digest covers the whole path): a longer one is cut.
PATH_LENGTH = IdempotencyKey._meta.get_field("path").max_length or 500


def key_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "SILA_IDEMPOTENCY_KEY_HOURS", 24)))


def expired_keys_delete() -> int:
    """Delete this association's expired keys; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - key_lifetime()).delete()
    return deleted


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    pattern=r"^\S(.{0,253}\S)?$",
    description="Any unique string (a UUID): a retry with the same key and body returns the first "
    "answer and creates nothing; the same key with another body is refused with 422.",
)

V = TypeVar("V")
Handler = Callable[..., Response]


def _canonical(value: Any) -> Any:
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "sha256": digest.hexdigest()}
    if hasattr(value, "getlist") and hasattr(value, "keys"):  # QueryDict (form data)
        return {key: [_canonical(v) for v in value.getlist(key)] for key in value}
    if isinstance(value, dict):
        return {str(key): _canonical(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def request_sha256(request: Request) -> str:
    body = json.dumps(_canonical(request.data), sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)
    return hashlib.sha256(f"{request.method}\n{request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyKey, digest: str) -> Response:
    if record.request_sha256 != digest:
        raise ServiceError(
            "idempotency_key_reused",
            "استُعمل مفتاح عدم التكرار هذا لطلب مختلف؛ استعمل مفتاحًا جديدًا لكل طلب جديد.",
            "This Idempotency-Key was used for a different request; use a new key for each new request.",
            422,
        )
    response = Response(record.response_body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(handler: Handler) -> Handler:
    """Decorate an APIView's ``post`` with this."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise ValidationError({HEADER: [f"Expected 1 to {MAX_KEY_LENGTH} characters."]})
        user = request_user(request)
        digest = request_sha256(request)
        with transaction.atomic():
            # An expired key is free again: forget its old answer.
            IdempotencyKey.objects.filter(
                user=user, key=key, created_at__lt=timezone.now() - key_lifetime()
            ).delete()
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        user=user,
                        key=key,
                        method=request.method or "",
                        path=request.path[:PATH_LENGTH],
                        request_sha256=digest,
                    )
            except IntegrityError:
                return _replay(IdempotencyKey.objects.get(user=user, key=key), digest)
            response = handler(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                record.status_code = response.status_code
                record.response_body = response.data
                record.save(update_fields=["status_code", "response_body"])
            else:
                record.delete()
            return response

    return wrapper
