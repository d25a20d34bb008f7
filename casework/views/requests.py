"""Opening a request."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from casework import forms as f
from casework import roles, services
from casework.models import (
    Beneficiary,
)
from casework.views._base import (
    current_lang,
    problems_of,
    render_screen,
    staff_screen,
    staff_user,
)
from casework.views.presenter import (
    channel_choices,
    engine_in_force,
)
from core.errors import ServiceError

# --- opening a case -----------------------------------------------------------------------------


@staff_screen(*roles.CASE_OPENERS)
def case_new(request: HttpRequest) -> HttpResponse:
    user, lang = staff_user(request), current_lang()
    engine = engine_in_force()
    channels = channel_choices(engine, lang)
    status = 200
    if request.method == "POST":
        form = f.CaseOpenForm(request.POST, channels=channels)
        if form.is_valid():
            try:
                case = services.case_open(
                    actor=user,
                    beneficiary_id=form.cleaned_data["beneficiary"],
                    channel=form.cleaned_data["channel"],
                    assigned_to_id=user.pk if form.cleaned_data["assign_to_me"] else None,
                )
            except ServiceError as exc:
                messages.error(request, exc.message(lang))
                f.add_problems(form, problems_of(exc), lang)
                status = exc.status
            else:
                messages.success(request, _("The request is open."))
                return redirect("staff-case", pk=case.pk)
        else:
            status = 400
    else:
        wanted = request.GET.get("beneficiary", "")
        form = f.CaseOpenForm(
            initial={"beneficiary": int(wanted) if wanted.isdigit() else None}, channels=channels
        )
    beneficiary = None
    raw = form["beneficiary"].value()
    if raw not in (None, "") and str(raw).isdigit():
        beneficiary = Beneficiary.objects.filter(pk=int(raw)).first()
    return render_screen(
        request,
        "case_new.html",
        {"form": form, "beneficiary": beneficiary, "no_policy": engine is None},
        status=status,
    )
