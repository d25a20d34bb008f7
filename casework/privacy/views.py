"""The privacy screens: the association admin's page (rights requests, retention periods, the
access log, the privacy notice) and the consents and cross-association check on a beneficiary's
page. Thin: read the form, call a service, show the answer or each field's problem."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from casework import roles
from casework.models import Beneficiary
from casework.privacy import breaches, crosscheck, processing, retention, rights
from casework.privacy import consents as privacy
from casework.privacy.access import LIST_VIA, access_log_record
from casework.privacy.models import (
    AccessAction,
    AccessLogEntry,
    Breach,
    Consent,
    ConsentKind,
    ConsentVia,
    RetentionClass,
    RightKind,
    RightsRequest,
    RightStatus,
)
from casework.views._base import current_lang, render_screen, staff_screen, staff_user
from core.errors import ServiceError

ADMIN = (roles.ADMIN,)


def _errors(exc: ServiceError, lang: str) -> dict[str, str]:
    found = {p.field: p.message(lang) for p in exc.problems}
    found.setdefault("form", exc.message(lang))
    return found


@staff_screen(*ADMIN)
def privacy_home(request: HttpRequest) -> HttpResponse:
    user, lang = staff_user(request), current_lang()
    errors: dict[str, str] = {}
    posted: Any = {}
    status = 200
    if request.method == "POST":
        posted = request.POST
        action = request.POST.get("action", "")
        try:
            if action == "open":
                rights.rights_request_open(
                    actor=user,
                    kind=request.POST.get("kind", ""),
                    national_id=request.POST.get("national_id", ""),
                    details=request.POST.get("details", ""),
                )
                messages.success(request, _("The request is recorded. It is due within 30 days."))
            elif action in ("fulfil", "refuse"):
                pk = request.POST.get("request", "")
                request_id = int(pk) if pk.isascii() and pk.isdigit() and len(pk) < 10 else 0
                revision_raw = request.POST.get("revision", "")
                revision = int(revision_raw) if revision_raw.isascii() and revision_raw.isdigit() else None
                if action == "fulfil":
                    corrections = {
                        key: request.POST[key].strip()
                        for key in ("full_name_ar", "phone", "city")
                        if request.POST.get(key, "").strip()
                    }
                    rights.rights_request_fulfil(
                        actor=user,
                        request_id=request_id,
                        corrections=corrections or None,
                        expected_revision=revision,
                        via="screen:privacy",
                    )
                    messages.success(request, _("Done."))
                else:
                    rights.rights_request_refuse(
                        actor=user,
                        request_id=request_id,
                        reason=request.POST.get("reason", ""),
                        expected_revision=revision,
                    )
                    messages.success(request, _("The request is refused, with its reason."))
            elif action == "retention":
                raw = request.POST.get("years", "")
                retention.retention_rule_set(
                    actor=user,
                    data_class=request.POST.get("data_class", ""),
                    years=int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 4 else raw,
                )
                messages.success(request, _("Saved."))
            elif action == "breach":
                breaches.breach_record(
                    actor=user,
                    values={
                        key: request.POST.get(key, "")
                        for key in (
                            "what_happened",
                            "data_affected",
                            "people_affected",
                            "found_at",
                            "measures",
                        )
                    },
                )
                messages.success(request, _("The breach is recorded. Notify the authority within 72 hours."))
            elif action == "breach_update":
                pk = request.POST.get("breach", "")
                revision_raw = request.POST.get("revision", "")
                values: dict[str, Any] = {
                    key: request.POST[key] for key in ("notifications", "measures") if key in request.POST
                }
                if request.POST.get("authority_notified") == "now":
                    values["authority_notified_at"] = timezone.now()
                if request.POST.get("people_notified") == "now":
                    values["people_notified_at"] = timezone.now()
                breaches.breach_update(
                    actor=user,
                    breach_id=int(pk) if pk.isascii() and pk.isdigit() and len(pk) < 10 else 0,
                    values=values,
                    expected_revision=int(revision_raw)
                    if revision_raw.isascii() and revision_raw.isdigit()
                    else None,
                )
                messages.success(request, _("Saved."))
            elif action == "notice":
                published = privacy.privacy_notice_publish(
                    actor=user,
                    body_ar=request.POST.get("body_ar", ""),
                    body_en=request.POST.get("body_en", ""),
                )
                messages.success(
                    request, _("Version %(n)s of the privacy notice is published.") % {"n": published.version}
                )
            else:
                raise Http404
        except ServiceError as exc:
            errors = _errors(exc, lang)
            status = exc.status
            messages.error(request, exc.message(lang))
        else:
            return redirect("staff-privacy")
    now = timezone.now()
    notice = privacy.notice_in_force()
    template_ar, template_en = privacy.notice_template()
    rows = []
    for r in RightsRequest.objects.select_related("beneficiary").order_by("-id")[:100]:
        rows.append(
            {
                "request": r,
                "kind": RightKind(r.kind).label,
                "status": RightStatus(r.status).label,
                "overdue": r.status == RightStatus.OPEN and r.due_at < now,
                "outcome": rights.outcome_words(r, lang) if r.outcome else "",
            }
        )
    log = list(AccessLogEntry.objects.all()[:50])
    for entry in log:
        setattr(entry, "via_label", LIST_VIA.get(entry.via, ""))  # noqa: B010 - a screen-only label
    return render_screen(
        request,
        "privacy/home.html",
        {
            "rows": rows,
            "export_days": settings.SILA_ACCESS_EXPORT_DAYS,
            "kinds": RightKind.choices,
            "retention": retention.retention_table(),
            "retention_classes": RetentionClass.choices,
            "log": log,
            "actions": dict(AccessAction.choices),
            "notice": notice,
            "notice_ar": posted.get("body_ar") if posted else (notice.body_ar if notice else template_ar),
            "notice_en": posted.get("body_en") if posted else (notice.body_en if notice else template_en),
            "errors": errors,
            "posted": posted,
            "breaches": [{"breach": b, "clock": breaches.clock(b, now)} for b in Breach.objects.all()[:50]],
        },
        status=status,
    )


@staff_screen(*ADMIN)
def rights_export(request: HttpRequest, pk: int) -> FileResponse:
    found = RightsRequest.objects.filter(pk=pk).exclude(export="").first()
    if found is None:
        raise Http404
    access_log_record(
        user=staff_user(request),
        via="screen:rights-export",
        beneficiary_id=found.beneficiary_id,
        action=AccessAction.EXPORT,
    )
    try:
        handle = found.export.open("rb")
    except FileNotFoundError:  # deleted by the retention job since the row was read
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=f"access-{found.pk}.zip")


@staff_screen(*roles.REGISTRY_READERS)
def beneficiary_privacy(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's consents (withdraw one) and the check with other associations."""
    user, lang = staff_user(request), current_lang()
    beneficiary = Beneficiary.objects.filter(pk=pk, merged_into__isnull=True).first()
    if beneficiary is None:
        raise Http404
    answer = None
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "withdraw":
                privacy.consent_withdraw(
                    actor=user, beneficiary_id=pk, kind=request.POST.get("kind", ""), via=ConsentVia.OFFICE
                )
                messages.success(request, _("The consent is withdrawn and no longer takes effect."))
                return redirect("staff-beneficiary-privacy", pk=pk)
            answer = crosscheck.beneficiary_cross_check(
                actor=user, beneficiary_id=pk, via="screen:beneficiary"
            )
        except ServiceError as exc:
            messages.error(request, exc.message(lang))
            status = exc.status
    consents = [
        {"consent": c, "label": ConsentKind(c.kind).label}
        for c in Consent.objects.filter(beneficiary=beneficiary).select_related("notice").order_by("-id")
    ]
    return render_screen(
        request,
        "privacy/beneficiary.html",
        {
            "beneficiary": beneficiary,
            "consents": consents,
            "can_write": roles.has_any(user, roles.REGISTRY_WRITERS),
            "answer": answer,
            "checks_left": crosscheck.checks_left(user),
            "lang": lang,
        },
        status=status,
    )


@staff_screen(*ADMIN)
def record_of_processing_download(request: HttpRequest) -> HttpResponse:
    """The record of processing activities as a JSON file to keep or hand to the authority."""
    record = processing.record_of_processing()
    response = HttpResponse(
        json.dumps(record, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="record-of-processing.json"'
    return response
