"""Editing a beneficiary's record and household (the API's PATCH, on a screen).

The page carries the record's last change time: if someone else saved the record meanwhile, the
save is refused with what was typed kept, rather than overwriting their change unseen."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from casework import forms as f
from casework import roles, selectors, services
from casework.views._base import current_lang, problems_of, render_screen, staff_screen, staff_user
from casework.views.registry import household_rows
from core.errors import ServiceError


def _initial(beneficiary: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    person = {
        "national_id": beneficiary.national_id,
        "full_name_ar": beneficiary.full_name_ar,
        "phone": beneficiary.phone_e164,
        "birth_date": beneficiary.birth_date,
        "gender": beneficiary.gender,
        "city": beneficiary.city,
        "notes": beneficiary.notes,
    }
    household = [
        {
            "full_name_ar": m.full_name_ar,
            "relation": m.relation,
            "national_id": m.national_id,
            "birth_date": m.birth_date,
            "gender": m.gender,
        }
        for m in beneficiary.household.all()
    ]
    return person, household


@staff_screen(*roles.REGISTRY_WRITERS)
def beneficiary_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user, lang = staff_user(request), current_lang()
    beneficiary = selectors.beneficiary_get(beneficiary_id=pk)
    if beneficiary is None or beneficiary.merged_into_id is not None:
        raise Http404
    seen = beneficiary.updated_at.isoformat()
    status = 200
    if request.method == "POST":
        form = f.BeneficiaryForm(request.POST)
        household = f.HouseholdFormSet(request.POST, prefix="household")
        if request.POST.get("seen") != seen:
            messages.error(
                request,
                _("Someone else changed this record after you opened it. Check it, then save again."),
            )
            form.is_valid()
            status = 409
        elif form.is_valid() and household.is_valid():
            rows, where = household_rows(household)
            data = form.cleaned_data
            try:
                services.beneficiary_update(
                    actor=user,
                    beneficiary_id=pk,
                    changes={
                        "national_id": data["national_id"],
                        "full_name_ar": data["full_name_ar"],
                        "phone": data["phone"],
                        "birth_date": data["birth_date"],
                        "gender": data["gender"],
                        "city": data["city"],
                        "notes": data["notes"],
                        "household": rows,
                    },
                )
            except ServiceError as exc:
                messages.error(request, exc.message(lang))
                for problem in problems_of(exc):
                    if problem.field.startswith("household["):
                        index, _dot, name = problem.field[len("household[") :].partition("].")
                        if index.isdigit() and int(index) < len(where):
                            member = household.forms[where[int(index)]]
                            if name in member.fields:
                                member.add_error(name, problem.message(lang))
                                continue
                    form.add_error(
                        problem.field if problem.field in form.fields else None, problem.message(lang)
                    )
                status = exc.status
            else:
                messages.success(request, _("The record was saved."))
                return redirect("staff-beneficiary", pk=pk)
        else:
            messages.error(request, _("Some fields are invalid."))
            status = 400
    else:
        person, members = _initial(beneficiary)
        form = f.BeneficiaryForm(initial=person)
        household = f.HouseholdFormSet(initial=members, prefix="household")
    return render_screen(
        request,
        "beneficiary_edit.html",
        {"beneficiary": beneficiary, "form": form, "household": household, "seen": seen},
        status=status,
    )
