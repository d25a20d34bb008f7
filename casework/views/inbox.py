"""The inbox and the satisfaction summary."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from casework import forms as f
from casework import selectors
from casework.models import (
    CaseStatus,
)
from casework.privacy.access import access_log_list
from casework.views._base import (
    PAGE_SIZE,
    SATISFACTION_READERS,
    current_lang,
    render_screen,
    staff_screen,
    staff_user,
)
from casework.views.presenter import (
    catalog_label,
    channel_choices,
    channel_labels,
    engine_in_force,
    policy_step_choices,
)
from policy_engine import selectors as policy_selectors
from policy_engine.rules.catalog import CatalogKind

# --- inbox --------------------------------------------------------------------------------------


@staff_screen()
def inbox(request: HttpRequest) -> HttpResponse:
    """The cases this user's role lets them see, filtered, 25 a page: the API inbox's selector,
    so the query count does not grow with the page."""
    user, lang = staff_user(request), current_lang()
    engine = engine_in_force()
    labels = channel_labels(engine, lang)
    # Only what the policy in force has: its steps and its channels, in its order and words.
    form = f.InboxFilterForm(
        request.GET, steps=policy_step_choices(engine, lang), channels=channel_choices(engine, lang)
    )
    form.is_valid()
    wanted = form.cleaned_data
    status = wanted.get("status") or CaseStatus.OPEN
    cases = selectors.case_inbox(
        user=user,
        step=wanted.get("step") or None,
        channel=wanted.get("channel") or None,
        status=None if status == "all" else status,
        overdue=True if wanted.get("overdue") else None,
        assigned=wanted.get("assigned") or None,
        **{key: wanted.get(key) or None for key in f.INBOX_REPORT_FILTERS},
        query=wanted.get("q") or None,
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {
            "case": case,
            "channel": labels.get(case.channel, case.channel),
            "step": catalog_label(CatalogKind.STEP, case.step, lang),
            "overdue": selectors.case_is_overdue(case, now=now),
        }
        for case in page.object_list
    ]
    access_log_list(
        user=user,
        via="screen:inbox",
        beneficiary_ids=[row["case"].beneficiary_id for row in rows],
        case_ids=[row["case"].pk for row in rows],
    )
    return render_screen(
        request,
        "inbox.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            # Where staff work: the version in force awaiting their signature, until they sign.
            "awaiting_signature": policy_selectors.versions_awaiting_signature(user=user),
        },
    )


@staff_screen(*SATISFACTION_READERS)
def satisfaction(request: HttpRequest) -> HttpResponse:
    """Beneficiaries' ratings of the service: overall, and per employee from five ratings."""
    return render_screen(request, "satisfaction.html", {"summary": selectors.rating_summaries()})
