"""The deciding bodies' queue, with the committee's vote form."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from casework import forms as f
from casework import roles, selectors, services
from casework.models import (
    CaseStatus,
    VoteChoice,
)
from casework.privacy.access import access_log_list
from casework.views._base import (
    DECIDERS,
    PAGE_SIZE,
    current_lang,
    problems_of,
    render_screen,
    staff_screen,
    staff_user,
)
from casework.views.case_page import SUCCESS, rebind_form
from casework.views.presenter import (
    catalog_label,
)
from core.errors import FieldProblem, ServiceError
from policy_engine.rules.catalog import CatalogKind

# --- the committee's queue ----------------------------------------------------------------------


def _bodies(user: User) -> list[str]:
    codes = roles.role_codes(user)
    if roles.ADMIN in codes:
        return ["research_committee", "administration"]
    return [party for party, role in roles.PARTY_ROLES.items() if role in codes]


@staff_screen(*DECIDERS)
def committee_queue(request: HttpRequest) -> HttpResponse:
    """The cases awaiting this user's deciding body, most urgent first, with the vote form."""
    user, lang = staff_user(request), current_lang()
    bound: f.ActionForm | None = None
    bound_case: int | None = None
    status = 200
    if request.method == "POST":
        case_id = request.POST.get("case", "")
        case = selectors.cases_visible_to(user).filter(pk=int(case_id) if case_id.isdigit() else 0).first()
        if case is None:
            raise Http404
        form = f.VoteForm(request.POST, key=str(case.pk))
        problems: list[FieldProblem] = []
        if form.is_valid():
            try:
                services.case_transition(
                    actor=user,
                    case_id=case.pk,
                    action="vote",
                    data=form.service_data(),
                    expected_revision=form.cleaned_data["expected_revision"],
                )
            except ServiceError as exc:
                if exc.status == 404:
                    raise Http404 from None
                problems, status = problems_of(exc), exc.status
                messages.error(request, exc.message(lang))
            else:
                messages.success(request, str(SUCCESS["vote"]))
                return redirect("staff-committee")
        else:
            status = 400
            messages.error(request, _("Some fields are invalid."))
        case.refresh_from_db()
        bound = rebind_form(form, case, key=str(case.pk))
        f.add_problems(bound, problems, lang)
        bound_case = case.pk
    cases = (
        selectors.case_inbox(user=user, step="committee_review", status=CaseStatus.OPEN)
        .filter(deciding_body__in=_bodies(user))
        .prefetch_related("votes__member")
        .order_by("decision_due", "id")
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    quorum = selectors.committee_quorum()
    is_member = roles.has_any(user, (roles.COMMITTEE,))
    sees_votes = roles.has_any(user, (roles.COMMITTEE, roles.ADMIN))
    now = timezone.now()
    rows = []
    for case in page.object_list:
        votes = list(case.votes.all())
        voted = any(v.member_id == user.pk for v in votes)
        vote_form: f.ActionForm | None = None
        if is_member and case.deciding_body == "research_committee" and not voted:
            vote_form = (
                bound
                if bound is not None and bound_case == case.pk
                else f.VoteForm(initial={"expected_revision": case.revision}, key=str(case.pk))
            )
        rows.append(
            {
                "case": case,
                "votes": votes if sees_votes else None,
                "votes_cast": len(votes),
                "accept": sum(v.choice == VoteChoice.ACCEPT for v in votes),
                "reject": sum(v.choice == VoteChoice.REJECT for v in votes),
                "quorum": quorum if case.deciding_body == "research_committee" else None,
                "quorum_met": case.deciding_body != "research_committee" or len(votes) >= quorum,
                "voted": voted,
                "form": vote_form,
                "overdue": selectors.case_is_overdue(case, now=now),
                "body": catalog_label(CatalogKind.PARTY, case.deciding_body, lang),
            }
        )
    access_log_list(
        user=user,
        via="screen:committee",
        beneficiary_ids=[row["case"].beneficiary_id for row in rows],
        case_ids=[row["case"].pk for row in rows],
    )
    return render_screen(request, "committee.html", {"page": page, "rows": rows}, status=status)
