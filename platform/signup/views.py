"""Sign-up pages: the form on the bare domain, the link from the email, progress, hand-off."""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from core.errors import ServiceError
from signup import selectors, services
from signup.choices import BLANK_TEMPLATE, FOUNDING_TEMPLATES, Region, Sector
from signup.limits import client_address
from signup.models import SignupStatus
from signup.validation import sector_templates

SESSION_KEY = "sila_signups"

STEP_LABELS = {
    "queued": _("Your email is confirmed; preparing to create your site"),
    "creating_schema": _("Creating your association's site and its database"),
    "ready": _("Your site is ready"),
    "failed": _("We could not create your site"),
}

TEMPLATE_LABELS = {
    "rumaila": _("Al-Rumaila Charity (social services)"),
    "jamoum": _("Al-Jamoum Orphan Care"),
    "mawsam": _("Mawsam (social development)"),
    "tabuk": _("Tabuk Health Care"),
    "baraa": _("Bara'a Educational Association"),
}


def _template_choices() -> list[tuple[str, str]]:
    choices = [(slug, str(TEMPLATE_LABELS[slug])) for slug in FOUNDING_TEMPLATES]
    sectors = dict(Sector.choices)
    choices += [
        (key, str(_("Sector template: %(s)s") % {"s": sectors.get(key, key)})) for key in sector_templates()
    ]
    choices.append((BLANK_TEMPLATE, str(_("Start with a blank policy"))))
    return choices


@require_http_methods(["GET", "POST"])
def signup_form(request: HttpRequest) -> HttpResponse:
    values: dict[str, str] = {"template": "rumaila"}
    errors: dict[str, str] = {}
    refused: ServiceError | None = None  # too many sign-ups lately (429): said above the form
    if request.method == "POST":
        values = {k: str(v) for k, v in request.POST.items() if k not in ("password", "csrfmiddlewaretoken")}
        try:
            signup, _token = services.signup_create(
                data=request.POST, language=get_language() or "ar", client_address=client_address(request)
            )
        except ServiceError as exc:
            errors = services.problems_by_field(exc.problems, get_language() or "ar")
            if exc.status == 429:
                refused = exc
        else:
            return redirect("signup-sent", signup_id=signup.pk)
    response = render(
        request,
        "signup/form.html",
        {
            "values": values,
            "errors": errors,
            "sectors": Sector.choices,
            "regions": Region.choices,
            "templates": _template_choices(),
            "refused": refused.message(get_language() or "ar") if refused else "",
        },
        status=429 if refused else 400 if errors else 200,
    )
    if refused is not None:
        response["Retry-After"] = str(refused.extra["retry_after"])
    return response


def signup_sent(request: HttpRequest, signup_id: str) -> HttpResponse:
    signup = selectors.signup_get(signup_id)
    if signup is None:
        raise Http404
    return render(request, "signup/sent.html", {"signup": signup})


def signup_verify(request: HttpRequest, token: str) -> HttpResponse:
    try:
        signup = services.signup_verify(token=token)
    except ServiceError as exc:
        return render(
            request,
            "signup/link_problem.html",
            {"message": exc.message(get_language() or "ar")},
            status=exc.status,
        )
    # Only this browser may be signed in on the new site when it is ready.
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []), str(signup.pk)][-5:]
    return redirect("signup-progress", signup_id=signup.pk)


def signup_progress(request: HttpRequest, signup_id: str) -> HttpResponse:
    signup = selectors.signup_get(signup_id)
    if signup is None:
        raise Http404
    return render(
        request,
        "signup/progress.html",
        {
            "signup": signup,
            "state": selectors.signup_state(signup),
            "step_label": STEP_LABELS.get(signup.step, ""),
            "step_labels": {k: str(v) for k, v in STEP_LABELS.items()},
            "ready": signup.status == SignupStatus.ACTIVE,
            "failed": signup.status == SignupStatus.FAILED,
            "can_enter": str(signup.pk) in request.session.get(SESSION_KEY, []),
        },
    )


def signup_enter(request: HttpRequest, signup_id: str) -> HttpResponse:
    """Leave the platform for the new site, signed in (this browser verified the email)."""
    signup = selectors.signup_get(signup_id)
    if signup is None or str(signup.pk) not in request.session.get(SESSION_KEY, []):
        raise Http404
    try:
        token = services.signup_handoff_create(signup_id=signup.pk)
    except ServiceError:
        return redirect(services.association_url(signup.slug, "/accounts/login/"))
    return redirect(services.association_url(signup.slug, f"/welcome/enter/{token}/"))


# --- on the association's own host ----------------------------------------------------------


def welcome_enter(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.signup_handoff_consume(token=token, association=request.tenant)  # type: ignore[attr-defined]
    except ServiceError as exc:
        return render(
            request,
            "signup/link_problem.html",
            {"message": exc.message(get_language() or "ar")},
            status=exc.status,
        )
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    # The admin set this password in the sign-up form moments ago: that is the recent proof allauth
    # asks for before the second factor an admin must enrol (accounts.security) is added.
    record_authentication(request, user, "password", reauthenticated=True)
    return redirect("signup-welcome")


def welcome(request: HttpRequest) -> HttpResponse:
    """The new association's admin: what to do next."""
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.path}")
    association = request.tenant  # type: ignore[attr-defined]
    items = selectors.next_steps(association=association)
    return render(
        request, "signup/welcome.html", {"items": items, "done_count": sum(1 for i in items if i["done"])}
    )
