"""Opening a request: find the beneficiary (by national ID, name or mobile number, never by an
internal number), then fill in the intake form of the policy in force and choose the channel."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from casework import forms as f
from casework import roles, selectors, services
from casework.models import Beneficiary
from casework.privacy import consents as privacy
from casework.privacy import intake_check
from casework.privacy.access import access_log_list
from casework.privacy.models import ConsentVia
from casework.views._base import current_lang, problems_of, render_screen, staff_screen, staff_user
from casework.views.intake_form import intake_answers, intake_view
from casework.views.presenter import channel_choices, engine_in_force
from core.errors import FieldProblem, ServiceError

MATCHES_SHOWN = 10


@staff_screen(*roles.CASE_OPENERS)
def case_new(request: HttpRequest) -> HttpResponse:
    user, lang = staff_user(request), current_lang()
    engine = engine_in_force()
    channels = channel_choices(engine, lang)
    status = 200
    problems: list[FieldProblem] = []
    posted = request.POST if request.method == "POST" else None
    notice = privacy.notice_in_force()
    if request.method == "POST":
        form = f.CaseOpenForm(request.POST, channels=channels)
        if form.is_valid() and engine is not None:
            answers, uploads = intake_answers(engine.intake_form(), request.POST, request.FILES)
            try:
                case = services.case_open(
                    actor=user,
                    beneficiary_id=form.cleaned_data["beneficiary"],
                    channel=form.cleaned_data["channel"],
                    intake=answers,
                    files=uploads,
                    assigned_to_id=user.pk if form.cleaned_data["assign_to_me"] else None,
                    consents=form.cleaned_data["consents"],
                    notice_version=notice.version if notice is not None else None,
                    notice_given=form.cleaned_data["notice_given"],
                    via=ConsentVia.OFFICE,
                )
            except ServiceError as exc:
                messages.error(request, exc.message(lang))
                problems = problems_of(exc)
                f.add_problems(form, [p for p in problems if not p.field.startswith("intake.")], lang)
                status = exc.status
            else:
                messages.success(request, _("The request is open."))
                # After the request is saved, as the employee: never undoes or fails it.
                check = intake_check.intake_cross_check(
                    actor=user, beneficiary_id=case.beneficiary_id, via="screen:case-new"
                )
                notice_text = intake_check.served_elsewhere_message(check)
                if notice_text:
                    (messages.info if check.checked else messages.warning)(request, notice_text)
                return redirect("staff-case", pk=case.pk)
        else:
            messages.error(request, _("Some fields are invalid."))
            status = 400
    else:
        wanted = request.GET.get("beneficiary", "")
        form = f.CaseOpenForm(
            initial={"beneficiary": int(wanted) if wanted.isdigit() else None}, channels=channels
        )
    beneficiary = None
    raw = form["beneficiary"].value()
    if raw not in (None, "") and str(raw).isdigit():
        beneficiary = Beneficiary.objects.filter(pk=int(raw), merged_into__isnull=True).first()
    query = request.GET.get("q", "").strip()
    matches = list(selectors.beneficiaries_search(query=query)[:MATCHES_SHOWN]) if query else []
    access_log_list(user=user, via="screen:new-request", beneficiary_ids=[b.pk for b in matches])
    return render_screen(
        request,
        "case_new.html",
        {
            "form": form,
            "beneficiary": beneficiary,
            "no_policy": engine is None,
            "q": query,
            "matches": matches,
            "searched": bool(query),
            "notice": notice,
            "intake": intake_view(engine.intake_form(), lang, posted, problems) if engine is not None else [],
        },
        status=status,
    )
