"""How casework shows things to people, shared by the staff screens, the portal and the API:
catalogue and policy labels, the timeline's wording, the attested data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from accounts.models import User
from casework import selectors
from casework.models import (
    AttestationMethod,
    CaseOutcome,
    NotificationChannel,
    NotificationKind,
    ServiceDelivery,
    SmsStatus,
    SupportCase,
    VoteChoice,
)
from casework.services.actions.serve import service_kind_label
from casework.services.steps import STATES, event_steps, step_states
from policy_engine.models import PolicyStatus, PolicyVersion
from policy_engine.rules.catalog import CHANNELS, CatalogKind, get_entry
from policy_engine.rules.engine import PolicyEngine
from policy_engine.rules.intake import FormField
from themes.templatetags.sila import dual_date

# --- labels -------------------------------------------------------------------------------------


def catalog_label(kind: CatalogKind, code: str, lang: str) -> str:
    entry = get_entry(kind, code)
    if entry is None:
        return code
    return entry.label_en if lang == "en" else entry.label_ar


def engine_in_force() -> PolicyEngine | None:
    version = (
        PolicyVersion.objects.filter(status=PolicyStatus.IN_FORCE)
        .only("pk", "document", "updated_at")
        .first()
    )
    return selectors.engine_for(version) if version is not None else None


def channel_choices(engine: PolicyEngine | None, lang: str) -> list[tuple[str, str]]:
    """The channels of a policy, in its order and with its own wording."""
    if engine is None:
        return []
    return [(c.code, c.label("en" if lang == "en" else "ar")) for c in engine.document.channels]


def channel_labels(engine: PolicyEngine | None, lang: str) -> dict[str, str]:
    """Every channel's label: the policy's own wording first, then the catalog's."""
    own = dict(channel_choices(engine, lang))
    return own | {
        code: catalog_label(CatalogKind.CHANNEL, code, lang) for code in CHANNELS if code not in own
    }


def policy_step_choices(engine: PolicyEngine | None, lang: str) -> list[tuple[str, str]]:
    """The steps of a policy's procedure, in its order (none without a policy)."""
    if engine is None:
        return []
    return [(code, catalog_label(CatalogKind.STEP, code, lang)) for code in engine.steps()]


def person_name(user: User | None) -> str:
    return (user.full_name or user.email) if user is not None else _("the system")


EVENT_LABELS = {
    "open": gettext_lazy("Request opened"),
    "verify_item": gettext_lazy("Item verified"),
    "add_item": gettext_lazy("Item added to the checklist"),
    "complete": gettext_lazy("Step completed"),
    "refer": gettext_lazy("Question referred"),
    "answer_referral": gettext_lazy("Referral answered"),
    "attest": gettext_lazy("Applicant signed the data"),
    "attestation_voided": gettext_lazy("Signature voided: the data changed"),
    "vote": gettext_lazy("Committee vote"),
    "decide": gettext_lazy("Decision"),
    "record_service": gettext_lazy("Service recorded"),
    "withdraw": gettext_lazy("Withdrawn"),
    "assign": gettext_lazy("Assigned"),
    "note": gettext_lazy("Note"),
    "rated": gettext_lazy("Service rated"),
    "beneficiary_merged": gettext_lazy("Beneficiary records merged"),
}

# The event data a timeline entry shows; other keys (row ids) mean nothing to a reader.
DATA_LABELS = {
    "channel": gettext_lazy("Channel"),
    "policy_version": gettext_lazy("Policy version"),
    "item": gettext_lazy("Item"),
    "document": gettext_lazy("Document"),
    "referrals": gettext_lazy("Referrals"),
    "target": gettext_lazy("Referred to"),
    "data_sha256": gettext_lazy("Data fingerprint (SHA-256)"),
    "method": gettext_lazy("Method"),
    "reason": gettext_lazy("Reason"),
    "choice": gettext_lazy("Vote"),
    "outcome": gettext_lazy("Outcome"),
    "votes": gettext_lazy("Votes (accept, reject)"),
    "decision_due": gettext_lazy("Decision due"),
    "kind": gettext_lazy("Kind"),
    "amount": gettext_lazy("Amount (SAR)"),
    "from": gettext_lazy("From"),
    "to": gettext_lazy("To"),
    "text": gettext_lazy("Note"),
    "registration_number": gettext_lazy("Registration number"),
    "from_beneficiary": gettext_lazy("From beneficiary"),
    "to_beneficiary": gettext_lazy("To beneficiary"),
}


def _value_text(key: str, value: Any, lang: str, case: SupportCase, people: dict[int, str]) -> str:
    if value is None or value == "":
        return "—"
    if key in ("outcome",) and value in CaseOutcome.values:
        return str(CaseOutcome(value).label)
    if key == "choice" and value in VoteChoice.values:
        return str(VoteChoice(value).label)
    if key == "method" and value in AttestationMethod.values:
        return str(AttestationMethod(value).label)
    if key == "kind":
        return service_kind_label(str(value), lang)
    if key == "document":
        for document in case.beneficiary.documents.all():
            if document.pk == value:
                return document.original_name
    if key == "target":
        return catalog_label(CatalogKind.PARTY, str(value), lang)
    if key == "channel":
        return catalog_label(CatalogKind.CHANNEL, str(value), lang)
    if key == "item":
        for item in case.checklist.all():
            if item.code == value:
                return item.label_en if lang == "en" else item.label_ar
    if key in ("from", "to") and isinstance(value, int):
        return people.get(value, str(value))
    if key == "decision_due" and isinstance(value, str):
        from themes.templatetags.sila import dual_date

        try:
            return dual_date(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list):
        return "، ".join(str(v) for v in value) if lang == "ar" else ", ".join(str(v) for v in value)
    return str(value)


def timeline(case: SupportCase, steps: tuple[str, ...], lang: str) -> list[dict[str, Any]]:
    """The case's timeline in words. Its steps are the step-state selector's (``event_steps``): a
    referral step passed without a referral reads "not needed" here as in the step list, and the
    entry that closed a rejected or withdrawn case names the steps it never reached."""
    events = list(case.events.all())
    facts = event_steps(case, steps)
    ids = {
        v
        for e in events
        if e.action == "assign"
        for v in (e.data.get("from"), e.data.get("to"))
        if isinstance(v, int)
    }
    people = {u.pk: person_name(u) for u in User.objects.filter(pk__in=ids)} if ids else {}
    entries = []
    for e in events:
        fact = facts.get(e.pk)
        data: list[tuple[Any, str]] = [
            (DATA_LABELS[key], _value_text(key, value, lang, case, people))
            for key, value in e.data.items()
            if key in DATA_LABELS and value not in (None, "", [])
        ]
        if fact is not None and fact.closed_at:
            data.append((_("Closed at the step"), catalog_label(CatalogKind.STEP, fact.closed_at, lang)))
        if fact is not None and fact.not_reached:
            names = [catalog_label(CatalogKind.STEP, code, lang) for code in fact.not_reached]
            data.append((STATES["not_reached"], ("، " if lang == "ar" else ", ").join(names)))
        entries.append(
            {
                "event": e,
                "label": EVENT_LABELS.get(e.action, e.action),
                "actor": person_name(e.actor),
                "from": catalog_label(CatalogKind.STEP, e.from_step, lang) if e.from_step else "",
                # Said only where it adds to "from": a step passed without its work.
                "from_state": STATES["skipped"] if fact is not None and fact.from_state == "skipped" else "",
                "to": catalog_label(CatalogKind.STEP, e.to_step, lang) if e.to_step else "",
                "moved": e.from_step != e.to_step,
                "data": data,
            }
        )
    return entries


def payload_view(payload: dict[str, Any], lang: str) -> dict[str, Any]:
    """The attested data, labelled for the page."""
    b = payload.get("beneficiary", {})
    return {
        "fields": [
            (_("National ID or iqama number"), b.get("national_id")),
            (_("Full name"), b.get("full_name_ar")),
            (_("Mobile number"), b.get("phone")),
            (_("Date of birth"), b.get("birth_date")),
            (_("Gender"), choice_label("gender", b.get("gender"))),
            (_("City"), b.get("city")),
            (
                _("Channel"),
                catalog_label(CatalogKind.CHANNEL, payload.get("case", {}).get("channel", ""), lang),
            ),
        ],
        "household": [
            m | {"relation_label": choice_label("relation", m.get("relation"))}
            for m in payload.get("household", [])
        ],
        "documents": payload.get("documents", []),
    }


def case_messages(case: SupportCase) -> list[dict[str, Any]]:
    """The messages sent to the beneficiary about ``case``, oldest first, each with what became of
    it in words: sent and awaiting the gateway's report, delivered to the phone (and when), not
    delivered, refused or not sent. The stored text keeps no secret link."""
    rows = []
    for notification in sorted(case.notifications.all(), key=lambda n: n.pk):
        if notification.channel != NotificationChannel.SMS:
            continue
        delivery = max(notification.deliveries.all(), key=lambda d: d.pk, default=None)
        status = delivery.status if delivery is not None else ""
        rows.append(
            {
                "notification": notification,
                "kind": str(NotificationKind(notification.kind).label)
                if notification.kind in NotificationKind.values
                else notification.kind,
                "status": status,
                "status_label": str(SmsStatus(status).label) if status in SmsStatus.values else _("Sending"),
                "delivered_at": delivery.delivered_at if delivery is not None else None,
                "to": delivery.recipient_masked if delivery is not None else "",
            }
        )
    return rows


def service_label(service: ServiceDelivery) -> str:
    """«Cash support — 1,500 SAR — <Hijri> — <Gregorian>»: which service, in words, to rate it."""
    lang = "en" if (get_language() or "ar").startswith("en") else "ar"
    parts = [service_kind_label(service.kind, lang)]
    if service.amount is not None:
        parts.append(_("%(amount)s SAR") % {"amount": f"{service.amount:,}"})
    parts.append(dual_date(service.delivered_on))
    return " — ".join(parts)


def choice_label(kind: str, value: Any) -> str:
    from casework.models import Gender, Relation

    choices = Gender if kind == "gender" else Relation
    return str(choices(value).label) if value in choices.values else (value or "—")


def step_view(case: SupportCase, steps: tuple[str, ...], lang: str) -> list[dict[str, Any]]:
    """Every step of the case's procedure with its state (the step-state selector's) in words."""
    return [
        {
            "code": code,
            "label": catalog_label(CatalogKind.STEP, code, lang),
            "state": state,
            "state_label": STATES[state],
        }
        for code, state in step_states(case, steps)
    ]


def answers_view(case: SupportCase, engine: PolicyEngine, lang: str) -> list[tuple[str, str]]:
    """The applicant's answers to the pinned intake form, each beside its question, in words."""
    from themes.templatetags.sila import dual_date

    def words(field: FormField, value: Any) -> str:
        if field.type == "choice":
            option = field.option(value)
            return option.label(lang) if option is not None else str(value)
        if field.type == "yes_no":
            return str(_("Yes") if value else _("No"))
        if field.type == "date" and isinstance(value, dict) and isinstance(value.get("gregorian"), str):
            return dual_date(dt.date.fromisoformat(value["gregorian"]))
        if field.type == "date" and value:
            # Kept as typed (older demo data): read as the form reads it, then shown like the rest.
            clean = engine.check_intake({field.code: value})[0].get(field.code)
            if isinstance(clean, dict) and isinstance(clean.get("gregorian"), str):
                return dual_date(dt.date.fromisoformat(clean["gregorian"]))
        if field.type == "file" and isinstance(value, dict):
            return str(value.get("name", ""))
        if field.type == "group" and isinstance(value, list):
            return "؛ ".join(
                "، ".join(words(sub, row[sub.code]) for sub in field.fields if sub.code in row)
                for row in value
            )
        return str(value)

    return [
        (field.label(lang), words(field, case.intake[field.code]))
        for field in engine.intake_form().fields
        if field.code in case.intake
    ]
