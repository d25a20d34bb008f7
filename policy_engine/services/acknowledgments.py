"""Staff sign that they have read the policy in force."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from audit.services import audit_record
from core.errors import FieldProblem, ServiceError, conflict, invalid
from policy_engine.models import PolicyStatus, PolicyVersion, StaffAcknowledgment


@transaction.atomic
def staff_acknowledge(*, actor: User, number: int, signed_name: str) -> StaffAcknowledgment:
    """A staff member signs that they have read and understood the version in force."""
    if not signed_name.strip():
        raise invalid(
            [FieldProblem("signed_name", "required", "اكتب اسمك للتوقيع.", "Type your name to sign.")]
        )
    version = PolicyVersion.objects.filter(number=number).first()
    if version is None:
        raise ServiceError("not_found", "لا يوجد إصدار بهذا الرقم.", "No such policy version.", 404)
    if version.status != PolicyStatus.IN_FORCE:
        raise conflict(
            "not_in_force", "يُوقَّع على الإصدار النافذ فقط.", "Only the version in force can be acknowledged."
        )
    existing = StaffAcknowledgment.objects.filter(version=version, user=actor).first()
    if existing is not None:
        return existing
    ack = StaffAcknowledgment.objects.create(version=version, user=actor, signed_name=signed_name.strip())
    audit_record(actor=actor, action="policy.acknowledged", obj=version)
    return ack
