"""The association's billing page (its own host, its admin): plan, card, invoices.

With a real Stripe account the card is collected by Stripe Checkout (Sila never sees its number);
against the fake server (demo and tests) a test card number is typed here instead."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import RoleCode
from billing import gateway, selectors, services
from billing.models import Invoice
from core.errors import ServiceError
from tenants.models import Association


def billing_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.path}")
    if not user.has_role(RoleCode.ASSOCIATION_ADMIN):
        return HttpResponse(status=403)
    association: Association = request.tenant  # type: ignore[attr-defined]
    if request.method == "POST":
        lang = get_language() or "ar"
        try:
            response = _act(request, association)
            if response is not None:
                return response
        except ServiceError as exc:
            detail = "; ".join(p.message(lang) for p in exc.problems) or exc.message(lang)
            messages.error(request, detail)
        return redirect("billing-page")
    subscription = selectors.subscription_of(association)
    return render(
        request,
        "billing/page.html",
        {
            "enabled": gateway.billing_enabled(),
            "test_mode": gateway.uses_fake_server(),
            "subscription": subscription,
            "plans": selectors.plans_offered(),
            "invoices": Invoice.objects.filter(subscription=subscription)[:24] if subscription else [],
        },
    )


def _act(request: HttpRequest, association: Association) -> HttpResponse | None:
    action = request.POST.get("action", "")
    plan = request.POST.get("plan", "")
    actor = request.user
    if not gateway.billing_enabled():
        raise services.billing_off()
    if action == "checkout":
        url = services.checkout_session_create(
            association=association,
            plan_code=plan,
            success_url=request.build_absolute_uri("/staff/billing/?done=1"),
            cancel_url=request.build_absolute_uri("/staff/billing/"),
        )
        return redirect(url)
    if not gateway.uses_fake_server():
        return HttpResponse(status=400)
    if action in ("subscribe", "card"):
        services.customer_ensure(association=association, email=actor.email)  # type: ignore[union-attr]
        number = "".join(ch for ch in request.POST.get("card_number", "") if ch.isdigit())
        services.card_set(
            association=association, payment_method_id=services.test_card_create(number), actor=actor
        )
        if action == "subscribe":
            services.subscription_start(association=association, plan_code=plan, actor=actor)
            messages.success(
                request, _("Your subscription was sent to the payment provider; it shows here once paid.")
            )
        else:
            services.invoices_retry(association=association, actor=actor)
            messages.success(request, _("The card was saved and unpaid invoices were paid again."))
    elif action == "change":
        services.subscription_plan_change(association=association, plan_code=plan, actor=actor)
        messages.success(request, _("The plan change was sent; it shows here once confirmed."))
    elif action == "renew":
        services.invoice_bill_now(association=association)
        messages.success(request, _("A renewal invoice was issued (test mode)."))
    return None
