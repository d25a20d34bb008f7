"""The beneficiary registry: the list, a person's file, their documents, the duplicates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from casework import forms as f
from casework import roles, selectors, services
from casework.models import (
    Beneficiary,
    BeneficiaryDocument,
)
from casework.privacy import intake_check
from casework.privacy.access import access_log_list, access_log_record
from casework.privacy.models import AccessAction
from casework.views._base import (
    PAGE_SIZE,
    current_lang,
    problems_of,
    render_screen,
    staff_screen,
    staff_user,
)
from casework.views.presenter import (
    catalog_label,
    channel_labels,
    choice_label,
    engine_in_force,
)
from core.errors import ServiceError
from policy_engine.rules.catalog import CatalogKind

# --- the registry -------------------------------------------------------------------------------


def household_rows(formset: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """The household rows filled in, and for each the index of its form (blank rows are left out,
    so the service's ``household[i]`` is the i-th filled row, not the i-th form)."""
    rows, where = [], []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data if form.is_valid() else {}
        if not any(data.values()):
            continue
        rows.append(
            {
                "full_name_ar": data.get("full_name_ar") or "",
                "relation": data.get("relation") or "",
                "national_id": data.get("national_id") or "",
                "birth_date": data.get("birth_date"),
                "gender": data.get("gender") or "",
            }
        )
        where.append(index)
    return rows, where


def _register(
    request: HttpRequest,
) -> tuple[Beneficiary | None, f.BeneficiaryForm, Any, dict[str, Any] | None]:
    user, lang = staff_user(request), current_lang()
    form = f.BeneficiaryForm(request.POST)
    household = f.HouseholdFormSet(request.POST, prefix="household")
    existing = None
    if not (form.is_valid() and household.is_valid()):
        messages.error(request, _("Some fields are invalid."))
        return None, form, household, None
    rows, where = household_rows(household)
    data = form.cleaned_data
    try:
        beneficiary = services.beneficiary_register(
            actor=user,
            national_id=data["national_id"],
            full_name_ar=data["full_name_ar"],
            phone=data["phone"],
            birth_date=data["birth_date"],
            gender=data["gender"],
            city=data["city"],
            notes=data["notes"],
            household=rows,
        )
    except ServiceError as exc:
        messages.error(request, exc.message(lang))
        for problem in problems_of(exc):
            if problem.field.startswith("household["):
                index, _dot, name = problem.field[len("household[") :].partition("].")
                member = (
                    household.forms[where[int(index)]]
                    if index.isdigit() and int(index) < len(where)
                    else None
                )
                if member is not None and name in member.fields:
                    member.add_error(name, problem.message(lang))
                    continue
            form.add_error(problem.field if problem.field in form.fields else None, problem.message(lang))
        existing = exc.extra.get("existing")
        return None, form, household, existing
    return beneficiary, form, household, None


@staff_screen(*roles.REGISTRY_READERS)
def beneficiary_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    can_write = roles.has_any(user, roles.REGISTRY_WRITERS)
    form, household, existing, status = f.BeneficiaryForm(), f.HouseholdFormSet(prefix="household"), None, 200
    if request.method == "POST":
        if not can_write:
            return render(request, "casework/forbidden.html", status=403)
        beneficiary, form, household, existing = _register(request)
        if beneficiary is not None:
            messages.success(request, _("The beneficiary is registered."))
            # Where the person's consent to the check stands here (given at a request), the check
            # runs as the employee once the record is saved; it never fails the registration.
            check = intake_check.intake_cross_check(
                actor=user, beneficiary_id=beneficiary.pk, via="screen:beneficiary-new"
            )
            notice_text = intake_check.served_elsewhere_message(check)
            if notice_text:
                (messages.info if check.checked else messages.warning)(request, notice_text)
            flags = selectors.duplicate_flags().filter(beneficiary=beneficiary)
            if flags.exists():
                messages.warning(
                    request,
                    _(
                        "A record with a similar name and the same mobile number exists: check the duplicates list."
                    ),
                )
            return redirect("staff-beneficiary", pk=beneficiary.pk)
        status = 400
    query = request.GET.get("q", "")
    page = Paginator(selectors.beneficiaries_search(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read once: the template shows what is logged here
    access_log_list(user=user, via="screen:beneficiaries", beneficiary_ids=[b.pk for b in page.object_list])
    return render_screen(
        request,
        "beneficiaries.html",
        {
            "q": query,
            "page": page,
            "form": form,
            "household": household,
            "can_write": can_write,
            "existing": existing,
            "open_duplicates": selectors.duplicate_flags().count() if can_write else 0,
        },
        status=status,
    )


@staff_screen(*roles.REGISTRY_READERS)
def beneficiary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user, lang = staff_user(request), current_lang()
    beneficiary = selectors.beneficiary_get(beneficiary_id=pk)
    if beneficiary is None:
        raise Http404
    access_log_record(user=user, via="screen:beneficiary", beneficiary_id=beneficiary.pk)
    can_write = roles.has_any(user, roles.REGISTRY_WRITERS)
    engine = engine_in_force()
    tools = engine.staff_tools() if engine is not None else ()
    upload = f.DocumentForm(staff_tools=tools)
    status = 200
    if request.method == "POST":
        if not can_write:
            return render(request, "casework/forbidden.html", status=403)
        upload = f.DocumentForm(request.POST, request.FILES, staff_tools=tools)
        if upload.is_valid():
            try:
                services.beneficiary_document_upload(
                    actor=user,
                    beneficiary_id=pk,
                    upload=upload.cleaned_data["file"],
                    kind=upload.cleaned_data["kind"],
                )
            except ServiceError as exc:
                messages.error(request, exc.message(lang))
                f.add_problems(upload, problems_of(exc), lang)
                status = exc.status
            else:
                messages.success(request, _("The document was added to the file."))
                return redirect("staff-beneficiary", pk=pk)
        else:
            status = 400
    flags = list(
        selectors.duplicate_flags().filter(beneficiary=beneficiary)
        | selectors.duplicate_flags().filter(other=beneficiary)
    )
    cases = list(selectors.case_inbox(user=user, beneficiary_id=pk))
    engine = engine_in_force()
    labels = channel_labels(engine, lang)
    return render_screen(
        request,
        "beneficiary_detail.html",
        {
            "beneficiary": beneficiary,
            "household": [(m, choice_label("relation", m.relation)) for m in beneficiary.household.all()],
            "documents": list(beneficiary.documents.all()),
            "cases": [
                {
                    "case": c,
                    "channel": labels.get(c.channel, c.channel),
                    "step": catalog_label(CatalogKind.STEP, c.step, lang),
                }
                for c in cases
            ],
            "flags": flags,
            "upload": upload,
            "can_write": can_write,
            "can_open": roles.has_any(user, roles.CASE_OPENERS),
        },
        status=status,
    )


@staff_screen(*roles.REGISTRY_READERS)
def beneficiary_document(request: HttpRequest, pk: int, document_id: int) -> FileResponse:
    document = BeneficiaryDocument.objects.filter(pk=document_id, beneficiary_id=pk).first()
    if document is None:
        raise Http404
    access_log_record(
        user=staff_user(request),
        via="screen:document",
        beneficiary_id=pk,
        case_id=document.case_id,
        document_id=document.pk,
        action=AccessAction.DOWNLOAD,
    )
    return FileResponse(
        document.file.open("rb"), content_type=document.content_type, filename=document.original_name
    )


@staff_screen(*roles.REGISTRY_WRITERS)
def duplicate_list(request: HttpRequest) -> HttpResponse:
    user, lang = staff_user(request), current_lang()
    status = 200
    if request.method == "POST":
        flag_id = request.POST.get("flag", "")
        pk = int(flag_id) if flag_id.isdigit() else 0
        try:
            if request.POST.get("op") == "merge":
                keep = request.POST.get("keep", "")
                kept = services.duplicate_merge(
                    actor=user,
                    flag_id=pk,
                    keep_id=int(keep) if keep.isdigit() else None,
                    confirmed=request.POST.get("confirm") == "yes",
                )
                messages.success(
                    request, _("The records were merged: every case and document is now in one file.")
                )
                return redirect("staff-beneficiary", pk=kept.pk)
            dismiss = f.DismissForm(request.POST)
            dismiss.is_valid()
            services.duplicate_dismiss(actor=user, flag_id=pk, note=dismiss.cleaned_data.get("note") or "")
        except ServiceError as exc:
            if exc.status == 404:
                raise Http404 from None
            for problem in problems_of(exc):
                messages.error(request, problem.message(lang))
            status = exc.status
        else:
            messages.success(request, _("The flag was dismissed: both records are kept."))
            return redirect("staff-duplicates")
    # The older record is kept unless the employee chooses the other one.
    flags = [
        (
            flag,
            [(b, b.pk == min(flag.beneficiary_id, flag.other_id)) for b in (flag.beneficiary, flag.other)],
            flag.beneficiary.merged_into_id is None and flag.other.merged_into_id is None,
        )
        for flag in selectors.duplicate_flags()
    ]
    access_log_list(
        user=user,
        via="screen:duplicates",
        beneficiary_ids=[person.pk for _flag, people, _open in flags for person, _kept in people],
    )
    return render_screen(
        request, "duplicates.html", {"flags": flags, "dismiss": f.DismissForm()}, status=status
    )
