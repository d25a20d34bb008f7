"""Opening a case and the one transition function.

A case changes state only in :func:`case_transition`: it locks the case, asks the policy engine
of the case's *pinned* version whether the action is possible at the current step, applies it,
bumps the revision and appends a :class:`CaseEvent` to the timeline. An online application's
attestation, given before the attest step, is applied and recorded by the same code
(:func:`case_attest_on_application`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from casework import roles, selectors
from casework.models import (
    AttestationMethod,
    Beneficiary,
    CaseStatus,
    ChecklistItem,
    SupportCase,
)
from casework.privacy import consents as privacy
from casework.services._base import (
    append_event,
    field_problem,
    from_invalid,
    refused,
    require_role,
    staff_member,
    step_label,
)
from casework.services.actions import ACTIONS
from casework.services.actions._types import ActionContext
from casework.services.documents import CONTENT_TYPE_OF, document_store, intake_uploads
from casework.validators import InvalidValue, national_id_normalize
from core.errors import FieldProblem, ServiceError, conflict, invalid, not_found
from policy_engine.rules.engine import PolicyEngine
from policy_engine.rules.errors import FieldError
from policy_engine.selectors import policy_version_in_force


def _applicant(beneficiary_id: int | None, national_id: str | None) -> Beneficiary:
    """The beneficiary named by record id or by national ID / iqama number (the record a merged
    one points to is not followed: opening on a merged record is refused with its pointer)."""
    beneficiary = None
    if national_id is not None:
        try:
            normalized = national_id_normalize(national_id)
        except InvalidValue as exc:
            raise invalid([from_invalid("beneficiary.national_id", exc)]) from None
        beneficiary = Beneficiary.objects.filter(national_id=normalized).first()
        if beneficiary is None:
            raise invalid(
                [
                    field_problem(
                        "beneficiary.national_id",
                        "not_registered",
                        "لا يوجد مستفيد مسجَّل بهذا الرقم؛ سجّله أولًا.",
                        "No beneficiary is registered with this ID number: register them first.",
                    )
                ]
            )
    elif beneficiary_id is not None:
        beneficiary = Beneficiary.objects.filter(pk=beneficiary_id).first()
    if beneficiary is None:
        raise invalid(
            [field_problem("beneficiary", "not_found", "لا يوجد مستفيد بهذا الرقم.", "No such beneficiary.")]
        )
    if beneficiary.merged_into_id is not None:
        raise invalid(
            [
                field_problem(
                    "beneficiary",
                    "merged",
                    f"دُمج هذا السجل في السجل رقم {beneficiary.merged_into_id}.",
                    f"This record was merged into beneficiary {beneficiary.merged_into_id}.",
                )
            ]
        )
    return beneficiary


def intake_problems(errors: list[FieldError]) -> list[FieldProblem]:
    """The engine's answer problems as field problems under ``intake.`` (the API's field names)."""
    return [FieldProblem(f"intake.{e.path}", e.code, e.message_ar, e.message_en) for e in errors]


@transaction.atomic
def case_open(
    *,
    actor: User | None,
    channel: str,
    beneficiary_id: int | None = None,
    national_id: str | None = None,
    intake: Mapping[str, Any] | None = None,
    files: Mapping[str, UploadedFile] | None = None,
    assigned_to_id: int | None = None,
    consents: Collection[str] | None = None,
    notice_version: int | None = None,
    notice_given: bool = True,
    lawful_basis: str = "request",
    via: str = "office",
) -> SupportCase:
    """Open a support request through ``channel`` for the beneficiary named by ``beneficiary_id``
    or ``national_id``, with the applicant's answers to the intake form (``files``: the uploads of
    its file fields, by field code). The case pins the version in force now: its steps, intake
    form, checklists, referral target, deciding body and review window never change afterwards.
    Nothing is saved when any answer is refused.

    The request records its lawful basis and purposes, the privacy notice version the applicant saw
    (``notice_version``, else the one in force) and the ``consents`` they gave (``None``: nobody was
    asked, as for the system's own requests)."""
    require_role(actor, roles.CASE_OPENERS)
    beneficiary = _applicant(beneficiary_id, national_id)
    version = policy_version_in_force()
    if version is None:
        raise conflict(
            "no_policy_in_force",
            "لا توجد سياسة نافذة لهذه الجمعية، فلا يمكن فتح طلب قبل اعتماد المجلس لها.",
            "This association has no policy in force: a request cannot be opened until the board "
            "approves one.",
        )
    engine = selectors.engine_for(version)
    problems: list[FieldProblem] = []
    if not engine.is_channel_allowed(channel):
        allowed = ", ".join(engine.allowed_channels())
        problems.append(
            field_problem(
                "channel",
                "channel_not_allowed",
                f"سياسة الجمعية النافذة لا تتيح هذه القناة. القنوات المتاحة: {allowed}.",
                f"The policy in force does not allow this channel. Allowed: {allowed}.",
            )
        )
    answers = dict(intake or {})
    uploads, file_problems = intake_uploads(engine.intake_form(), files or {})
    answers |= {code: meta for code, (meta, _upload) in uploads.items()}
    problems += file_problems
    clean, errors = engine.check_intake(answers)
    problems += intake_problems(errors)
    notice = None
    try:
        notice = privacy.intake_privacy_check(
            consents=consents,
            notice_version=notice_version,
            lawful_basis=lawful_basis,
            notice_given=notice_given,
        )
    except ServiceError as exc:
        problems += exc.problems
    if problems or notice is None:
        raise invalid(problems)
    assignee = None
    if assigned_to_id is not None:
        assignee = staff_member(assigned_to_id, field_name="assigned_to")
    case = SupportCase.objects.create(
        beneficiary=beneficiary,
        channel=channel,
        policy_version=version,
        step=engine.first_step(),
        referral_target=engine.referral_target() or "",
        deciding_body=engine.deciding_body(),
        assigned_to=assignee,
        opened_by=actor,
        intake=clean,
    )
    for code, (meta, upload) in uploads.items():
        if code in clean:
            document = document_store(
                actor=actor,
                beneficiary=beneficiary,
                upload=upload,
                content_type=CONTENT_TYPE_OF[meta["type"]],
                kind=code,
                case=case,
            )
            clean[code]["document"] = document.pk
    if uploads:
        case.save(update_fields=["intake"])
    # The pinned checklists, as they apply to this applicant's answers.
    entries = [(step, entry) for step in engine.steps() for entry in engine.checklist(step, clean)]
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            case=case,
            step=step,
            code=entry.code,
            kind=entry.kind,
            label_ar=entry.label_ar,
            label_en=entry.label_en,
            required=entry.required,
            position=index,
        )
        for index, (step, entry) in enumerate(entries)
    )
    privacy.intake_privacy_record(
        actor=actor, case=case, notice=notice, consents=consents, lawful_basis=lawful_basis, via=via
    )
    append_event(
        case=case,
        actor=actor,
        action="open",
        from_step="",
        to_step=case.step,
        data={"channel": channel, "policy_version": version.number, "beneficiary": beneficiary.pk},
    )
    audit_record(
        actor=actor,
        action="case.opened",
        obj=case,
        changes={
            "policy_version": {"old": None, "new": version.number},
            "channel": {"old": None, "new": channel},
        },
    )
    return case


def action_possible(*, case: SupportCase, action: str, user: User | None) -> bool:
    """Whether ``action`` is offered at the case's current step to ``user`` (by role and step;
    the action itself may still refuse the data it is given)."""
    rule = ACTIONS.get(action)
    if rule is None or case.status != CaseStatus.OPEN:
        return False
    if user is not None and not roles.has_any(user, rule.roles):
        return False
    if rule.steps is not None and case.step not in rule.steps:
        return False
    engine = selectors.engine_for(case.policy_version)
    if not engine.has_step(case.step):
        return False
    body_role = roles.PARTY_ROLES.get(case.deciding_body, "")
    if action == "vote":
        already = user is not None and case.votes.filter(member=user).exists()
        return case.deciding_body == "research_committee" and not already
    if action == "decide" and user is not None:
        return bool(roles.role_codes(user) & {body_role, roles.ADMIN})
    if action == "complete" and case.step == "committee_review":
        return False
    if action == "answer_referral" and user is not None:
        target_role = roles.PARTY_ROLES.get(case.referral_target, "")
        return bool(roles.role_codes(user) & {target_role, roles.ADMIN})
    if action == "assign" and user is not None and roles.ADMIN not in roles.role_codes(user):
        # Others may only take a case for themselves: nothing to offer when it is theirs already.
        return case.assigned_to_id != user.pk
    if action == "attest":
        return engine.has_step("attest") and (
            case.step == "attest" or not selectors.attestation_is_valid(case)
        )
    return True


def case_available_actions(*, case: SupportCase, user: User | None) -> list[str]:
    """The actions a case page offers ``user`` now, in a stable order."""
    return [action for action in ACTIONS if action_possible(case=case, action=action, user=user)]


@transaction.atomic
def case_transition(
    *,
    actor: User | None,
    case_id: int,
    action: str,
    data: Mapping[str, object] | None = None,
    expected_revision: int | None = None,
) -> SupportCase:
    """Apply ``action`` to a case, as its pinned policy allows, and append it to the timeline.

    The case row is locked for the transaction: of two employees acting at once, the second waits,
    then finds the case changed. Naming ``expected_revision`` (or ``data["step"]``, the step the
    caller acted on) turns that into a 409 conflict instead of acting on a state not seen.

    ``data`` is the action's input as it came (JSON, a form's values): the action's declared input
    type parses it once, refusing every field at fault at once (see ``actions.inputs``).
    """
    data = dict(data or {})
    case = SupportCase.objects.select_for_update().select_related("policy_version").filter(pk=case_id).first()
    if case is None or (
        actor is not None and not selectors.cases_visible_to(actor).filter(pk=case_id).exists()
    ):
        raise not_found("لا يوجد طلب بهذا الرقم.", "No such case.")
    if expected_revision is not None and expected_revision != case.revision:
        raise refused(
            "stale_revision",
            "revision",
            f"غيّر شخص آخر هذا الطلب (المراجعة {case.revision}) بعد أن فتحته (المراجعة {expected_revision}). "
            "أعد تحميله ثم أعد المحاولة.",
            f"Someone else changed this case (revision {case.revision}) after you opened it "
            f"(revision {expected_revision}). Reload it and try again.",
        )
    seen_step = data.pop("step", None)
    if seen_step is not None and seen_step != case.step:
        raise refused(
            "step_moved_on",
            "step",
            f"انتقل الطلب إلى خطوة «{step_label(case.step, 'ar')}» قبل إجرائك.",
            f"The case moved on to '{case.step}' before your action.",
        )
    if case.status != CaseStatus.OPEN:
        raise refused("case_closed", "action", "أُغلق هذا الطلب.", "This case is closed.")
    rule = ACTIONS.get(action)
    if rule is None:
        raise invalid(
            [
                field_problem(
                    "action",
                    "unknown_action",
                    "إجراء غير معروف.",
                    f"Unknown action; one of {sorted(ACTIONS)}.",
                )
            ]
        )
    require_role(actor, rule.roles)
    engine = selectors.engine_for(case.policy_version)
    if not engine.has_step(case.step) or (rule.steps is not None and case.step not in rule.steps):
        raise refused(
            "not_at_this_step",
            "action",
            f"هذا الإجراء غير متاح في خطوة «{step_label(case.step, 'ar')}».",
            f"This action is not possible at the '{case.step}' step.",
        )
    return _apply(actor=actor, case=case, engine=engine, action=action, data=data)


@transaction.atomic
def case_attest_on_application(*, case_id: int, typed_name: str) -> SupportCase:
    """The attestation an applicant gives with an online application, on the request just opened
    (at its first step, before its attest step): recorded as ``case_transition`` records the
    ``attest`` action, the signed data's hash, an ``attest`` event on the timeline and an audit row."""
    case = SupportCase.objects.select_for_update().select_related("policy_version").get(pk=case_id)
    engine = selectors.engine_for(case.policy_version)
    if case.status != CaseStatus.OPEN or not engine.has_step("attest"):
        raise refused(
            "not_at_this_step",
            "action",
            "لا تطلب سياسة هذا الطلب إقرار مقدمه.",
            "This request's policy does not ask the applicant to attest.",
        )
    digest = selectors.payload_sha256(selectors.attestation_payload(case))
    data: dict[str, object] = {
        "method": AttestationMethod.PORTAL,
        "typed_name": typed_name,
        "confirmed": True,
        "data_hash": digest,
    }
    return _apply(actor=None, case=case, engine=engine, action="attest", data=data)


def _apply(
    *, actor: User | None, case: SupportCase, engine: PolicyEngine, action: str, data: dict[str, object]
) -> SupportCase:
    """Apply an allowed action to the locked case: parse its input, run its handler, save what
    changed, append the event and audit it."""
    ctx = ActionContext(
        actor=actor,
        roles=roles.role_codes(actor) if actor is not None else frozenset(roles.CASEWORK_ROLES),
        case=case,
        engine=engine,
        now=timezone.now(),
    )
    # The action's input is parsed here, once, and its handler receives it typed.
    applied = ACTIONS[action].apply(ctx, data)
    from_step = case.step
    changed = ["revision", "updated_at", *applied.changed]
    if applied.to_step is not None:
        if not engine.can_transition(from_step, applied.to_step):  # pragma: no cover - engine invariant
            raise refused("step_out_of_order", "action", "ترتيب خطوات غير صحيح.", "Steps out of order.")
        case.step = applied.to_step
        changed.append("step")
    if applied.close is not None:
        case.status = CaseStatus.CLOSED
        case.outcome = applied.close
        case.closed_reason = applied.reason
        case.closed_at = ctx.now
        changed += ["status", "outcome", "closed_reason", "closed_at"]
    case.revision += 1
    case.save(update_fields=changed)
    event_data = dict(applied.event)
    if applied.close is not None:
        event_data |= {"outcome": applied.close, "reason": applied.reason}
    append_event(
        case=case, actor=actor, action=action, from_step=from_step, to_step=case.step, data=event_data
    )
    audit_changes: dict[str, Any] = {"revision": {"old": case.revision - 1, "new": case.revision}}
    if case.step != from_step:
        audit_changes["step"] = {"old": from_step, "new": case.step}
    if applied.close is not None:
        audit_changes["status"] = {"old": CaseStatus.OPEN, "new": CaseStatus.CLOSED}
    audit_record(actor=actor, action=f"case.{action}", obj=case, changes=audit_changes)
    return case
