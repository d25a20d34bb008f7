"""The portal's pages: apply, sign in with a code, follow one's requests, send a missing document,
rate the service. Thin: the work is in ``casework.portal.services``/``otp``/``selectors``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from casework.models import PortalSession
from casework.portal import intake, otp, selectors, services
from casework.portal import privacy as portal_privacy
from casework.portal.site import window_words
from core.errors import ServiceError

SESSION_KEY = "sila_portal"


def _lang() -> str:
    return "en" if (get_language() or "ar").startswith("en") else "ar"


from casework.privacy import consents as privacy  # noqa: E402


def _errors(exc: ServiceError) -> dict[str, str]:
    lang = _lang()
    errors = {p.field: p.message(lang) for p in exc.problems}
    errors.setdefault("form", exc.message(lang))
    return errors


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


def portal_session(request: HttpRequest) -> PortalSession | None:
    """The portal session this browser is signed into, if it is still live."""
    data = request.session.get(SESSION_KEY) or {}
    if not data.get("id"):
        return None
    return PortalSession.objects.filter(
        pk=data["id"], revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).first()


def signed_in(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session = portal_session(request)
        if session is None:
            request.session.pop(SESSION_KEY, None)
            return redirect("portal-sign-in")
        return view(request, session, *args, **kwargs)

    return wrapper


def _uploads(request: HttpRequest, names: list[str]) -> dict[str, UploadedFile]:
    found: dict[str, UploadedFile] = {}
    for name in names:
        upload = request.FILES.get(name)
        if isinstance(upload, UploadedFile):
            found[name.removeprefix("doc_")] = upload
    return found


def _uploads_all(request: HttpRequest) -> dict[str, UploadedFile]:
    return {
        name: upload for name in request.FILES if isinstance(upload := request.FILES.get(name), UploadedFile)
    }


# --- Applying ---------------------------------------------------------------------------------------


def _notice_version(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 9 else None


@never_cache
def apply(request: HttpRequest) -> HttpResponse:
    spec = services.application_spec()
    if spec is None:
        return render(request, "casework/site/apply_closed.html", status=404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if spec.has_intake_form:
            answers, intake_files = intake.answers_from_post(spec.intake, request.POST, _uploads_all(request))
        else:
            answers, intake_files = {"needs": request.POST.get("needs", "")}, {}
        try:
            tracking = services.application_submit(
                national_id=request.POST.get("national_id", ""),
                full_name_ar=request.POST.get("full_name_ar", ""),
                phone=request.POST.get("phone", ""),
                city=request.POST.get("city", ""),
                answers=answers,
                documents=_uploads(request, [f"doc_{d.code}" for d in spec.documents]),
                intake_files=intake_files,
                attestation_name=request.POST.get("attestation_name", ""),
                attestation_confirmed=request.POST.get("attestation_confirmed") == "yes",
                consents=request.POST.getlist("consents"),
                notice_version=_notice_version(request.POST.get("notice_version", "")),
            )
        except ServiceError as exc:
            errors = _errors(exc)
        else:
            request.session["sila_applied"] = tracking.reference
            return redirect("portal-apply-done", reference=tracking.reference)
    lang = _lang()
    return render(
        request,
        "casework/site/apply.html",
        {
            "spec": spec,
            "documents": [
                {
                    "code": d.code,
                    "label": d.label_ar if lang == "ar" else d.label_en,
                    "required": d.required,
                    "error": errors.get(f"documents.{d.code}", ""),
                }
                for d in spec.documents
            ],
            "window": window_words(spec.window, lang),
            "intake": intake.form_view(spec.intake, lang, request.POST, errors),
            "errors": errors
            | ({"consents": errors["privacy.consents"]} if "privacy.consents" in errors else {}),
            "posted": request.POST,
            "notice": privacy.notice_in_force(),
            "consents": [
                {
                    "code": code,
                    "label": label_ar if lang == "ar" else label_en,
                    "checked": code in request.POST.getlist("consents"),
                }
                for code, label_ar, label_en in privacy.consent_labels()
            ],
        },
        status=(errors and 400) or 200,
    )


@never_cache
def apply_done(request: HttpRequest, reference: str) -> HttpResponse:
    # Only the browser that applied sees this page; the reference alone shows nothing.
    if request.session.get("sila_applied") != reference:
        raise Http404
    return render(request, "casework/site/apply_done.html", {"reference": reference})


# --- Signing in --------------------------------------------------------------------------------------


@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    if portal_session(request) is not None:
        return redirect("portal-requests")
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        phone = request.POST.get("phone", "")
        try:
            challenge = otp.otp_request(phone=phone, client_address=client_address(request))
        except ServiceError as exc:
            errors, status = _errors(exc), exc.status
        else:
            request.session["sila_portal_phone"] = challenge.phone_e164
            return redirect("portal-code")
    return render(
        request,
        "casework/portal/sign_in.html",
        {"errors": errors, "posted": request.POST},
        status=status,
    )


@never_cache
def enter_code(request: HttpRequest) -> HttpResponse:
    phone = request.session.get("sila_portal_phone")
    if not phone:
        return redirect("portal-sign-in")
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            session, _token = otp.otp_verify(phone=phone, code=request.POST.get("code", ""))
        except ServiceError as exc:
            errors = _errors(exc)
        else:
            request.session.cycle_key()
            request.session.pop("sila_portal_phone", None)
            request.session[SESSION_KEY] = {"id": session.pk}
            return redirect("portal-requests")
    return render(
        request,
        "casework/portal/enter_code.html",
        {"errors": errors, "masked_phone": selectors.masked(phone)},
        status=400 if errors else 200,
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    session = portal_session(request)
    if session is not None:
        otp.session_end(session_id=session.pk)
    request.session.flush()
    return redirect("portal-sign-in")


# --- Following -----------------------------------------------------------------------------------------


@never_cache
@signed_in
def my_requests(request: HttpRequest, session: PortalSession) -> HttpResponse:
    return render(
        request,
        "casework/portal/requests.html",
        {"requests": selectors.own_requests(phone=session.phone_e164, lang=_lang())},
    )


def _int_or_none(value: str) -> int | None:
    """A number posted by a form; None when nothing was sent, 0 (no such row) for anything else."""
    value = value.strip()
    if not value:
        return None
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else 0


@never_cache
@signed_in
def request_detail(request: HttpRequest, session: PortalSession, reference: str) -> HttpResponse:
    lang = _lang()
    errors: dict[str, str] = {}
    notice = ""
    if request.method == "POST":
        try:
            if request.POST.get("do") == "document":
                upload = request.FILES.get("file")
                if upload is None:
                    raise services.invalid_upload()
                services.portal_document_upload(
                    phone=session.phone_e164,
                    reference=reference,
                    code=request.POST.get("code", ""),
                    upload=upload,
                )
                notice = "document"
            elif request.POST.get("do") == "rate":
                try:
                    score = int(request.POST.get("score", ""))
                except ValueError:
                    score = 0
                services.portal_rate(
                    phone=session.phone_e164,
                    reference=reference,
                    service_id=_int_or_none(request.POST.get("service", "")),
                    score=score,
                    comment=request.POST.get("comment", ""),
                )
                notice = "rated"
        except ServiceError as exc:
            if exc.status == 404:
                raise Http404 from None
            errors = _errors(exc)
        else:
            return redirect(f"{request.path}?done={notice}")
    try:
        detail = selectors.own_request(phone=session.phone_e164, reference=reference, lang=lang)
    except ServiceError:
        raise Http404 from None
    return render(
        request,
        "casework/portal/request.html",
        {
            "r": detail,
            "errors": errors,
            "posted": request.POST,
            "done": request.GET.get("done", ""),
            "scores": [5, 4, 3, 2, 1],
        },
        status=400 if errors else 200,
    )


# --- The person's own data (their rights under the data protection law) ------------------------


@never_cache
@signed_in
def my_data(request: HttpRequest, session: PortalSession) -> HttpResponse:
    """Ask for access, correction, erasure or restriction of one's data; withdraw a consent; see
    the requests made and where they stand."""
    lang = _lang()
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        person_id = _int_or_none(request.POST.get("person", ""))
        try:
            if request.POST.get("do") == "withdraw":
                portal_privacy.portal_consent_withdraw(
                    phone=session.phone_e164, kind=request.POST.get("kind", ""), person_id=person_id
                )
                done = "withdrawn"
            else:
                portal_privacy.portal_rights_request(
                    phone=session.phone_e164,
                    kind=request.POST.get("kind", ""),
                    details=request.POST.get("details", ""),
                    person_id=person_id,
                )
                done = "asked"
        except ServiceError as exc:
            if exc.status == 404:
                raise Http404 from None
            errors, status = _errors(exc), exc.status
        else:
            return redirect(f"{request.path}?done={done}")
    people = portal_privacy.own_privacy(phone=session.phone_e164, lang=lang)
    return render(
        request,
        "casework/portal/privacy.html",
        {
            "people": people,
            "several": len(people) > 1,
            "rights": portal_privacy.right_choices(lang),
            "errors": errors,
            "posted": request.POST,
            "done": request.GET.get("done", ""),
        },
        status=status,
    )
