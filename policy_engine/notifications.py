"""Messages that move the board's work: a version submitted for their vote (with the link to its
changes), a vote reaching quorum, a version in force; and staff asked to sign a version."""

from __future__ import annotations

from accounts.messaging import message_once, site_url
from accounts.models import RoleCode, User
from policy_engine.models import BoardMember, PolicyVersion


def _board_users() -> list[User]:
    return [
        m.user
        for m in BoardMember.objects.filter(is_active=True, user__isnull=False).select_related("user")
        if m.user
    ]


def _admins() -> list[User]:
    return list(User.objects.filter(is_active=True, roles__code=RoleCode.ASSOCIATION_ADMIN).distinct())


def version_submitted(version: PolicyVersion) -> None:
    link = site_url(f"/staff/policy/{version.number}/")
    stamp = version.submitted_at.isoformat() if version.submitted_at else ""
    message_once(
        key=f"policy.submitted:{version.pk}:{stamp}",
        recipients=_board_users(),
        subject={
            "ar": f"الإصدار {version.number} من السياسة بانتظار تصويتك",
            "en": f"Policy version {version.number} awaits your vote",
        },
        body={
            "ar": f"رُفع الإصدار {version.number} من سياسة العلاقة مع المستفيدين إلى المجلس.\n"
            f"اقرأ التغييرات وصوّت هنا:\n{link}\n",
            "en": f"Version {version.number} of the beneficiary relations policy was submitted to the board.\n"
            f"Read the changes and vote here:\n{link}\n",
        },
    )


def quorum_reached(version: PolicyVersion) -> None:
    link = site_url(f"/staff/policy/{version.number}/")
    message_once(
        key=f"policy.quorum:{version.pk}",
        recipients={u.pk: u for u in [*_board_users(), *_admins()]}.values(),
        subject={
            "ar": f"اكتمل نصاب الموافقة على الإصدار {version.number}",
            "en": f"Version {version.number} has reached its quorum",
        },
        body={
            "ar": f"اكتمل نصاب الموافقة على الإصدار {version.number}؛ يستطيع الرئيس إغلاق التصويت واعتماده:\n{link}\n",
            "en": f"Version {version.number} has enough approving votes; the chair can close the vote:\n{link}\n",
        },
    )


def version_in_force(version: PolicyVersion) -> None:
    link = site_url(f"/staff/policy/{version.number}/")
    message_once(
        key=f"policy.in_force:{version.pk}",
        recipients={u.pk: u for u in [*_board_users(), *_admins()]}.values(),
        subject={
            "ar": f"الإصدار {version.number} من السياسة نافذ",
            "en": f"Policy version {version.number} is in force",
        },
        body={
            "ar": f"أصبح الإصدار {version.number} من سياسة العلاقة مع المستفيدين نافذًا:\n{link}\n",
            "en": f"Version {version.number} of the beneficiary relations policy is now in force:\n{link}\n",
        },
    )
    if version.document.get("staff_acknowledgment_required"):
        board_only = {m.user_id for m in BoardMember.objects.filter(user__isnull=False)}
        staff = [
            u
            for u in User.objects.filter(is_active=True, roles__isnull=False).distinct()
            if u.pk not in board_only or u.role_codes() - {RoleCode.BOARD_MEMBER}
        ]
        message_once(
            key=f"policy.acknowledge:{version.pk}",
            recipients=staff,
            subject={
                "ar": f"وقّع على اطلاعك على الإصدار {version.number} من السياسة",
                "en": f"Sign that you have read policy version {version.number}",
            },
            body={
                "ar": f"تشترط سياسة الجمعية توقيع الموظفين على اطلاعهم على الإصدار النافذ:\n{link}\n",
                "en": "The association's policy asks staff to sign that they have read the version in force:\n"
                f"{link}\n",
            },
        )
