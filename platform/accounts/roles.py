"""The role catalogue, loaded into every schema by a data migration."""

from __future__ import annotations

from accounts.models import RoleCode, RoleScope

ROLES: list[dict[str, str]] = [
    {
        "code": RoleCode.PLATFORM_ADMIN,
        "scope": RoleScope.PLATFORM,
        "name_ar": "مشرف المنصة",
        "name_en": "Platform administrator",
    },
    {
        "code": RoleCode.PLATFORM_BILLING,
        "scope": RoleScope.PLATFORM,
        "name_ar": "مسؤول الفوترة",
        "name_en": "Billing operator",
    },
    {
        "code": RoleCode.ASSOCIATION_ADMIN,
        "scope": RoleScope.ASSOCIATION,
        "name_ar": "مدير الجمعية على المنصة",
        "name_en": "Association administrator",
    },
    {
        "code": RoleCode.RECEPTION_EMPLOYEE,
        "scope": RoleScope.ASSOCIATION,
        "name_ar": "موظف الاستقبال",
        "name_en": "Reception employee",
    },
    {
        "code": RoleCode.SOCIAL_RESEARCH_OFFICER,
        "scope": RoleScope.ASSOCIATION,
        "name_ar": "مسؤول البحث الاجتماعي",
        "name_en": "Social research officer",
    },
    {
        "code": RoleCode.COMMITTEE_MEMBER,
        "scope": RoleScope.ASSOCIATION,
        "name_ar": "عضو لجنة البحث",
        "name_en": "Research committee member",
    },
    {
        "code": RoleCode.ADMINISTRATION,
        "scope": RoleScope.ASSOCIATION,
        "name_ar": "الإدارة",
        "name_en": "Administration",
    },
    {
        "code": RoleCode.BOARD_MEMBER,
        "scope": RoleScope.ASSOCIATION,
        "name_ar": "عضو مجلس الإدارة",
        "name_en": "Board member",
    },
]

# What an association may grant (invitations, the team's roles): its own roles, never the platform's.
ASSOCIATION_ROLE_CODES: tuple[str, ...] = tuple(
    r["code"] for r in ROLES if r["scope"] == RoleScope.ASSOCIATION
)
