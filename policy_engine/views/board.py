"""The board's members (who may vote and sign) and its quorum."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import RoleCode, User
from accounts.reauth import reauthentication_spend
from core.errors import FieldProblem, ServiceError, invalid
from policy_engine import selectors, services
from policy_engine.models import BoardMember, BoardRole, BoardSettings
from policy_engine.views.common import page_lang, staff_required, user_of


@staff_required(RoleCode.ASSOCIATION_ADMIN)
def board(request: HttpRequest) -> HttpResponse:
    """The board's members (who may vote and sign) and the quorum."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("form") in ("seat_invite", "seat_link", "seat_unlink"):
                _seat_action(request)
                if post.get("next") == "team":
                    return redirect("team")
            elif post.get("form") == "quorum":
                raw = (post.get("quorum") or "").strip()
                services.board_quorum_set(actor=user_of(request), quorum=int(raw) if raw.isdigit() else None)
                messages.success(request, _("The quorum was saved."))
            else:
                member_id = post.get("member_id")
                services.board_member_save(
                    actor=user_of(request),
                    member_id=int(member_id) if member_id and member_id.isdigit() else None,
                    name_ar=post.get("name_ar", ""),
                    name_en=post.get("name_en", ""),
                    role=post.get("role", ""),
                    user_email=post.get("user_email", ""),
                    is_active=post.get("is_active", "1") == "1",
                )
                messages.success(request, _("The board member was saved."))
            return redirect("policy-staff-board")
        except ServiceError as exc:
            errors = {p.field: p.message(page_lang()) for p in exc.problems} or {
                "form": exc.message(page_lang())
            }
            if post.get("form", "").startswith("seat_"):
                errors["seat_id"] = post.get("seat_id", "")  # shown at that seat
    return render(
        request,
        "policy_engine/board.html",
        {
            "members": BoardMember.objects.select_related("user").order_by("-is_active", "role", "name_ar"),
            # Accounts that may take a seat: active, and not seated already.
            "seatable": User.objects.filter(is_active=True, board_member__isnull=True).order_by(
                "full_name", "email"
            ),
            "roles": BoardRole.choices,
            # The "add a member" form's role: an ordinary seat unless that form came back with another.
            "new_role": _added_role(request),
            "quorum": selectors.quorum_needed(),
            "configured_quorum": BoardSettings.objects.filter(pk=1).values_list("quorum", flat=True).first(),
            "errors": errors,
            "posted": request.POST,
        },
        status=400 if errors else 200,
    )


def _added_role(request: HttpRequest) -> str:
    post = request.POST
    adding = request.method == "POST" and not post.get("form") and not post.get("member_id")
    role = post.get("role", "") if adding else ""
    return role if role in BoardRole.values else BoardRole.MEMBER


def _seat_action(request: HttpRequest) -> None:
    """Invite someone for a vacant seat, or seat an existing account, or unseat it; each after the
    administrator confirms it is them (allauth asks, then replays this POST)."""
    post = request.POST
    raw = post.get("seat_id", "")
    seat_id = int(raw) if raw.isdigit() else 0
    reauthenticate = lambda: reauthentication_spend(request)  # noqa: E731
    if post.get("form") == "seat_invite":
        services.board_seat_invite(
            actor=user_of(request),
            seat_id=seat_id,
            email=post.get("email", ""),
            reauthenticate=reauthenticate,
        )
        messages.success(request, _("The invitation was sent. The link works once, for seven days."))
        return
    user_raw = post.get("user_id", "") if post.get("form") == "seat_link" else ""
    if post.get("form") == "seat_link" and not user_raw.isdigit():
        raise invalid([FieldProblem("user", "required", "اختر حسابًا.", "Choose an account.")])
    services.board_seat_link(
        actor=user_of(request),
        seat_id=seat_id,
        user_id=int(user_raw) if user_raw else None,
        reauthenticate=reauthenticate,
    )
    messages.success(request, _("The board member was saved."))
