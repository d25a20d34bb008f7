"""Writes of the sign-up flow: create, verify, provision (the background job's body), hand off."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from billing.services import subscription_ensure
from core.errors import FieldProblem, ServiceError, invalid
from ops.models import IncidentKind
from ops.services import incident_record
from policy_engine.rules.sector_templates import sector_template
from policy_engine.rules.seeds import SEED_SLUGS, load_seed
from policy_engine.services import policy_version_create_draft
from signup import limits
from signup.models import Signup, SignupStatus
from signup.validation import (
    email_pending_problem,
    expire_stale_signups,
    sector_templates,
    signup_clean,
    slug_taken_problem,
)
from tenants.db import connection
from tenants.models import Association
from tenants.services import association_provision, primary_domain_for

logger = logging.getLogger(__name__)

VERIFICATION_LIFETIME = timedelta(hours=48)
HANDOFF_LIFETIME = timedelta(minutes=5)


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def platform_url(path: str) -> str:
    scheme = getattr(settings, "SILA_PUBLIC_SCHEME", "https")
    port = getattr(settings, "SILA_PUBLIC_PORT", "")
    return f"{scheme}://{settings.SILA_BASE_DOMAIN}{':' + str(port) if port else ''}{path}"


def association_url(slug: str, path: str = "/") -> str:
    scheme = getattr(settings, "SILA_PUBLIC_SCHEME", "https")
    port = getattr(settings, "SILA_PUBLIC_PORT", "")
    return f"{scheme}://{primary_domain_for(slug)}{':' + str(port) if port else ''}{path}"


def _send_verification(signup_id: UUID, token: str) -> None:
    signup = Signup.objects.get(pk=signup_id)
    with translation.override(signup.language):
        link = platform_url(f"/signup/verify/{token}/")
        send_mail(
            _("Confirm your email to create your association's site on Sila"),
            _(
                "Peace be upon you,\n\nTo finish signing up %(name)s on Sila, open this link within 48 hours:\n"
                "%(link)s\n\nIf you did not ask for this, ignore this message."
            )
            % {"name": signup.name_ar if signup.language == "ar" else signup.name_en, "link": link},
            None,
            [signup.admin_email],
        )


@transaction.atomic
def signup_create(
    *, data: Mapping[str, Any], language: str = "ar", client_address: str | None = None
) -> tuple[Signup, str]:
    """Record a sign-up and send its verification link (after commit). Returns it with the
    link's token (shown nowhere but the email; tests read it from there too).

    ``client_address`` is the address of the browser or API client that asked (the pages and the
    API always pass it): past the per-address or per-email limits the sign-up is refused with 429
    (signup.limits). None is for callers that are not a client (a command, a benchmark)."""
    client = limits.client_key(client_address) if client_address is not None else ""
    if client_address is not None:
        limits.check_address(client)
    clean, problems = signup_clean(data)
    if clean is None:
        raise invalid(problems)
    limits.check_email(clean.admin_email)
    expire_stale_signups(slug=clean.slug, email=clean.admin_email)
    token = secrets.token_urlsafe(32)
    from django.contrib.auth.hashers import make_password

    signup = Signup(
        name_ar=clean.name_ar,
        name_en=clean.name_en,
        licence_number=clean.licence_number,
        sector=clean.sector,
        region=clean.region,
        admin_name=clean.admin_name,
        admin_email=clean.admin_email,
        password_hash=make_password(clean.password),
        slug=clean.slug,
        template=clean.template,
        language="en" if language.startswith("en") else "ar",
        accepted_terms_at=timezone.now(),
        client_key=client,
        verification_sha256=_sha(token),
        verification_expires_at=timezone.now() + VERIFICATION_LIFETIME,
    )
    try:
        with transaction.atomic():
            signup.save(force_insert=True)
    except IntegrityError as exc:
        # The database decided a race: name the field that lost.
        raise invalid(
            [slug_taken_problem() if "signup_one_holder_per_slug" in str(exc) else email_pending_problem()]
        ) from None
    audit_record(
        actor=None, action="signup.created", obj=signup, changes={"slug": {"old": None, "new": signup.slug}}
    )
    transaction.on_commit(lambda: _send_verification(signup.pk, token))
    return signup, token


def _link_problem(code: str, ar: str, en: str, status: int = 400) -> ServiceError:
    return ServiceError(code, ar, en, status)


@transaction.atomic
def signup_verify(*, token: str) -> Signup:
    """The email's link was opened: start provisioning in the background (once)."""
    signup = Signup.objects.select_for_update().filter(verification_sha256=_sha(token)).first()
    if signup is None:
        raise _link_problem("link_invalid", "هذا الرابط غير صحيح.", "This link is not valid.", status=404)
    if signup.verified_at is not None:
        raise _link_problem(
            "link_used",
            "استُخدم هذا الرابط من قبل؛ تابع التسجيل من صفحة التقدم أو سجّل الدخول في موقع جمعيتك.",
            "This link was already used; follow the sign-up from its progress page or sign in on your site.",
            status=409,
        )
    if signup.status != SignupStatus.PENDING_VERIFICATION or signup.verification_expires_at < timezone.now():
        # (The row turns "expired" when a later sign-up wants its subdomain or email.)
        raise _link_problem(
            "link_expired",
            "انتهت صلاحية هذا الرابط؛ سجّل من جديد.",
            "This link has expired; please sign up again.",
            status=410,
        )
    signup.verified_at = timezone.now()
    signup.status = SignupStatus.PROVISIONING
    signup.step = "queued"
    signup.progress = 5
    signup.save(update_fields=["verified_at", "status", "step", "progress"])
    audit_record(actor=None, action="signup.verified", obj=signup)
    from signup.tasks import signup_provision_job

    signup_provision_job.defer(signup_id=str(signup.pk))
    return signup


def _progress(signup: Signup, step: str, progress: int) -> None:
    # Written outside the provisioning transaction, so the progress page sees each step.
    Signup.objects.filter(pk=signup.pk).update(step=step, progress=progress)


def _starting_document(signup: Signup) -> dict[str, Any] | None:
    """The chosen starting policy as a new draft's document (None: start blank).

    A founding policy is copied as printed; a sector template takes that sector's founding policy
    and gives it the sector's generic intake form and checklists."""
    template = signup.template
    sector_bases = sector_templates()
    if template in sector_bases:
        document: dict[str, Any] = load_seed(sector_bases[template])["document"]
        generic = sector_template(
            template,
            steps=tuple(step["step"] for step in document["procedure"]),
            staff_tools=tuple(
                t if isinstance(t, str) else t["code"] for t in document.get("staff_tools", [])
            ),
        )
        document["intake_form"] = generic["intake_form"]
        document["checklists"] = generic["checklists"]
    elif template in SEED_SLUGS:
        document = load_seed(template)["document"]
    else:
        return None
    # The founding association's own contacts and bank accounts are not the new one's.
    document["contacts"] = [{"kind": "email", "value": signup.admin_email}]
    document["bank_accounts"] = []
    return document


def signup_provision(*, signup_id: UUID | str) -> Signup:
    """Create the association of a verified sign-up: schema, domain, admin, draft policy.

    All of it in one transaction: if anything fails, nothing is left (no row, schema or user) and
    the sign-up is marked failed, with an incident for the console and Sentry."""
    started = time.perf_counter()
    signup = Signup.objects.get(pk=signup_id)
    if signup.status != SignupStatus.PROVISIONING:
        return signup  # already done (a job retried after success), or not verified
    Signup.objects.filter(pk=signup.pk).update(provisioning_started_at=timezone.now())
    _progress(signup, "creating_schema", 20)
    try:
        with transaction.atomic():
            result = association_provision(
                slug=signup.slug,
                name_ar=signup.name_ar,
                name_en=signup.name_en,
                admin_email=signup.admin_email,
                admin_full_name=signup.admin_name,
                licence_number=signup.licence_number,
                sector=signup.sector,
                region=signup.region,
                spare=True,
            )
            if not result.created:
                raise ServiceError("slug_taken", "العنوان مستخدم.", "The address is taken.", 409)
            association = result.association
            subscription_ensure(association=association)
            connection.set_tenant(association)
            try:
                admin = User.objects.get(email=signup.admin_email)
                admin.password = signup.password_hash
                admin.save(update_fields=["password"])
                document = _starting_document(signup)
                if document is not None:
                    policy_version_create_draft(actor=admin, document=document)
            finally:
                connection.set_schema_to_public()
            Signup.objects.filter(pk=signup.pk).update(
                status=SignupStatus.ACTIVE,
                association=association,
                step="ready",
                progress=100,
                password_hash="",
                finished_at=timezone.now(),
                seconds=time.perf_counter() - started,
            )
            audit_record(
                actor=None,
                action="signup.provisioned",
                obj=signup,
                changes={"association": {"old": None, "new": association.slug}},
            )
    except Exception as exc:
        logger.exception("provisioning sign-up %s failed", signup.pk)
        Signup.objects.filter(pk=signup.pk).update(
            status=SignupStatus.FAILED,
            step="failed",
            error_code=getattr(exc, "code", "") or "provisioning_failed",
            finished_at=timezone.now(),
            password_hash="",
        )
        incident_record(
            kind=IncidentKind.PROVISIONING,
            summary=f"Provisioning {signup.slug} failed: {type(exc).__name__}",
            association_slug=signup.slug,
            reference=str(signup.pk),
            error=exc,
        )
    signup.refresh_from_db()
    return signup


@transaction.atomic
def signup_handoff_create(*, signup_id: UUID | str) -> str:
    """A one-time, short-lived token that signs the new admin in on the new site (the progress
    page's browser only: the caller checks the session)."""
    signup = Signup.objects.select_for_update().get(pk=signup_id)
    if signup.status != SignupStatus.ACTIVE or signup.handoff_used_at is not None:
        raise _link_problem(
            "handoff_unavailable",
            "سجّل الدخول في موقع جمعيتك ببريدك وكلمة المرور.",
            "Sign in on your association's site with your email and password.",
            status=409,
        )
    token = secrets.token_urlsafe(32)
    signup.handoff_sha256 = _sha(token)
    signup.handoff_expires_at = timezone.now() + HANDOFF_LIFETIME
    signup.save(update_fields=["handoff_sha256", "handoff_expires_at"])
    return token


@transaction.atomic
def signup_handoff_consume(*, token: str, association: Association) -> User:
    """Spend a hand-off token on the association's own host; returns the admin to sign in."""
    signup = (
        Signup.objects.select_for_update()
        .filter(handoff_sha256=_sha(token), association=association, status=SignupStatus.ACTIVE)
        .first()
    )
    if (
        signup is None
        or signup.handoff_used_at is not None
        or (signup.handoff_expires_at is None or signup.handoff_expires_at < timezone.now())
    ):
        raise _link_problem(
            "handoff_invalid",
            "انتهت صلاحية رابط الدخول؛ سجّل الدخول ببريدك وكلمة المرور.",
            "This sign-in link has expired; sign in with your email and password.",
            status=410,
        )
    signup.handoff_used_at = timezone.now()
    signup.save(update_fields=["handoff_used_at"])
    return User.objects.get(email=signup.admin_email)


def problems_by_field(problems: list[FieldProblem], lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for problem in problems:
        out.setdefault(problem.field, problem.message(lang))
    return out
