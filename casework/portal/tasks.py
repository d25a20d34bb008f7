"""The portal's background job: texting a sign-in code (after the commit, never in the request)."""

from __future__ import annotations

from django.utils import timezone

from casework.models import OtpChallenge, SmsPurpose
from casework.notifications import sender_name
from casework.sms import SmsMessage, get_backend
from casework.sms_reports import delivery_record
from tenants.jobs import defer_for_current_tenant, tenant_task

QUEUE = "casework"


def defer_code_text(challenge: OtpChallenge) -> None:
    # Every request gets a job, known number or not: what the request does must not tell them apart.
    defer_for_current_tenant(sign_in_code_text, challenge_id=challenge.pk)


@tenant_task(queue=QUEUE, retry=2)
def sign_in_code_text(*, challenge_id: int) -> int:
    """Text the code to a number a beneficiary has; nothing for an unknown one or a stale code.
    The job carries only the challenge's id: the code is derived here, not stored anywhere."""
    from casework.portal.otp import code_for

    challenge = OtpChallenge.objects.filter(pk=challenge_id).first()
    if challenge is None or not challenge.known or challenge.used_at or challenge.locked_at:
        return 0
    if challenge.expires_at <= timezone.now():
        return 0
    name = sender_name()
    result = get_backend().send(
        SmsMessage(
            to=challenge.phone_e164,
            body=f"رمز الدخول إلى بوابة {name}: {code_for(challenge)}\nصالح 10 دقائق. لا تعطه لأحد.",
            sender=name,
        )
    )
    delivery_record(result=result, purpose=SmsPurpose.SIGN_IN_CODE, phone=challenge.phone_e164)
    return int(result.status == "sent")
