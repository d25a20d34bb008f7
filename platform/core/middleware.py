"""Requests Sila refuses before any view sees them, and the JSON every ``/api/`` path answers.

Comes first in ``MIDDLEWARE`` so that it also wraps host routing:

- a NUL character in the query string or a submitted form field is refused with 400: PostgreSQL
  cannot store it in text, and a query filtered by it fails in the database (a 500 otherwise);
- an ``/api/`` request whose declared body is larger than Sila accepts is refused with 413 before
  it is read;
- a request that failed because the disk is full is answered 507 (nothing was saved: the
  transaction rolled back and ``core.storage`` removed the partial file);
- a request that failed because the database could not be reached (PostgreSQL restarting, every
  pooled connection busy past the pool's timeout, "too many clients") is answered 503 with
  ``Retry-After`` instead of 500: the client may safely try again, nothing was written;
- an error answer under ``/api/`` that is not JSON (Django's HTML 404 for a path no route matches,
  e.g. a non-numeric id, an unknown host's page, a 500 page) is replaced with the API's error
  shape ``{"code", "detail"}`` and the same status.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import get_language_from_request

from core.uploads import MAX_DOCUMENT_BYTES

API_PREFIX = "/api/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# A JSON body is never near this; an upload is one document plus its form fields.
MAX_JSON_BODY_BYTES = 1024 * 1024
MAX_MULTIPART_BODY_BYTES = MAX_DOCUMENT_BYTES + 1024 * 1024

_MESSAGES: dict[str, tuple[str, str, str]] = {
    # code: (Arabic, English)
    "nul_character": (
        "nul_character",
        "يحتوي الطلب على محرف غير مسموح به (NUL).",
        "The request contains a character that is not allowed (NUL).",
    ),
    "too_large": ("too_large", "حجم الطلب أكبر من المسموح.", "The request body is larger than allowed."),
    "bad_request": ("bad_request", "طلب غير صالح.", "Bad request."),
    "not_found": ("not_found", "غير موجود.", "Not found."),
    "method_not_allowed": ("method_not_allowed", "الطريقة غير مسموح بها.", "Method not allowed."),
    "unsupported_media_type": ("unsupported_media_type", "نوع المحتوى غير مدعوم.", "Unsupported media type."),
    "error": ("error", "حدث خطأ في الخادم.", "Server error."),
    "unavailable": (
        "unavailable",
        "الخدمة غير متاحة مؤقتًا، أعد المحاولة.",
        "Service unavailable, try again.",
    ),
    "storage_full": (
        "storage_full",
        "تعذّر حفظ الملف: مساحة التخزين ممتلئة. لم يُحفظ شيء؛ أعد المحاولة لاحقًا.",
        "The file could not be stored: storage is full. Nothing was saved; try again later.",
    ),
}
_STATUS_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}
_STATUS_CODES |= {415: "unsupported_media_type", 503: "unavailable"}


def _english(request: HttpRequest) -> bool:
    try:
        return get_language_from_request(request).startswith("en")
    except Exception:  # a malformed Accept-Language must not turn an error page into a 500
        return False


def api_error(request: HttpRequest, code: str, status: int) -> JsonResponse:
    code, message_ar, message_en = _MESSAGES.get(code, _MESSAGES["error"])
    return JsonResponse(
        {"code": code, "detail": message_en if _english(request) else message_ar},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def has_nul(request: HttpRequest) -> bool:
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or "\x00" in query:
        for key, value in parse_qsl(query, keep_blank_values=True):
            if "\x00" in key or "\x00" in value:
                return True
    if request.method == "POST" and request.content_type in FORM_TYPES:
        # Reading POST here is what CsrfViewMiddleware does too; DRF reuses the parsed form.
        for key, values in request.POST.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return True
        for _, uploads in request.FILES.lists():
            if any("\x00" in (upload.name or "") for upload in uploads):
                return True
    return False


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class RequestSanitisingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = request.path.startswith(API_PREFIX)
        if is_api:
            limit = (
                MAX_MULTIPART_BODY_BYTES
                if request.content_type == "multipart/form-data"
                else min(MAX_JSON_BODY_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or MAX_JSON_BODY_BYTES)
            )
            if _declared_length(request) > limit:
                return api_error(request, "too_large", 413)
        try:
            nul = has_nul(request)
        except Exception:  # a body Django cannot parse (too big, broken multipart): a 400, not a 500
            return api_error(request, "bad_request", 400) if is_api else _plain(request, "bad_request", 400)
        if nul:
            return (
                api_error(request, "nul_character", 400) if is_api else _plain(request, "nul_character", 400)
            )
        response = self.get_response(request)
        failure = getattr(request, "_sila_exception", None)
        if response.status_code == 500 and isinstance(failure, OSError) and failure.errno in STORAGE_FULL:
            return api_error(request, "storage_full", 507) if is_api else _plain(request, "storage_full", 507)
        if response.status_code == 500 and isinstance(failure, DB_UNAVAILABLE):
            unavailable = (
                api_error(request, "unavailable", 503) if is_api else _plain(request, "unavailable", 503)
            )
            unavailable["Retry-After"] = RETRY_AFTER_SECONDS
            return unavailable
        if is_api and response.status_code >= 400 and not _is_json(response):
            replacement = api_error(
                request, _STATUS_CODES.get(response.status_code, "error"), response.status_code
            )
            for header in ("Retry-After", "Allow", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response


DB_UNAVAILABLE = (OperationalError, InterfaceError)
# The disk is full, over quota, or the process may write no larger file.
STORAGE_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
RETRY_AFTER_SECONDS = "2"


@receiver(got_request_exception)
def _remember_exception(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Django turns an uncaught exception into a 500 page before the outer middleware sees it
    (with DEBUG, the technical page): keep the exception on the request to judge it there."""
    if request is not None:
        request._sila_exception = sys.exc_info()[1]  # type: ignore[attr-defined]


def _is_json(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "")
    return content_type.startswith("application/json") or "+json" in content_type.split(";")[0]


def _plain(request: HttpRequest, code: str, status: int) -> HttpResponse:
    _, message_ar, message_en = _MESSAGES[code]
    message = message_en if _english(request) else message_ar
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
