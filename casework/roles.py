"""Who may see and do what in casework, by role.

Reading a case one may not see answers "not found" (404), as for a case of another association;
doing something one's role does not allow on a case one sees answers "forbidden" (403).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from accounts.models import RoleCode, User

RECEPTION = RoleCode.RECEPTION_EMPLOYEE
RESEARCH_OFFICER = RoleCode.SOCIAL_RESEARCH_OFFICER
COMMITTEE = RoleCode.COMMITTEE_MEMBER
ADMINISTRATION = RoleCode.ADMINISTRATION
ADMIN = RoleCode.ASSOCIATION_ADMIN

CASEWORK_ROLES: tuple[str, ...] = (RECEPTION, RESEARCH_OFFICER, COMMITTEE, ADMINISTRATION, ADMIN)
# Who keeps the registry (registers, edits, merges) and who may read it.
REGISTRY_WRITERS: tuple[str, ...] = (RECEPTION, ADMIN)
REGISTRY_READERS: tuple[str, ...] = (RECEPTION, RESEARCH_OFFICER, ADMINISTRATION, ADMIN)
CASE_OPENERS: tuple[str, ...] = (RECEPTION, ADMIN)

# The party codes a policy names (referral target, deciding body) and the role that acts for each.
PARTY_ROLES: dict[str, str] = {
    "social_research_officer": RESEARCH_OFFICER,
    "administration": ADMINISTRATION,
    "research_committee": COMMITTEE,
}


def role_codes(user: User | None) -> frozenset[str]:
    """The user's role codes (cached on the user object); a superuser holds every casework role."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    return frozenset(CASEWORK_ROLES) if user.is_superuser else user.role_codes()


def has_any(user: User | None, roles: tuple[str, ...]) -> bool:
    return bool(user is not None and user.is_authenticated and user.holds_any(roles))


def visible_cases_q(user: User | None) -> Q | None:
    """The cases ``user`` may see, as a filter; None means all of them.

    Reception, the association admin and the administration (which leads the service, whatever
    the policy makes it decide or answer) see every case. The social research officer sees the
    cases referred to them; the research committee the cases submitted to it.
    """
    from casework.models import Referral

    codes = role_codes(user)
    if codes & {RECEPTION, ADMIN, ADMINISTRATION}:
        return None
    q = Q(pk__in=[])
    for party, role in PARTY_ROLES.items():
        if role not in codes:
            continue
        q |= Q(Exists(Referral.objects.filter(case=OuterRef("pk"), target=party)))
        q |= Q(deciding_body=party, submitted_for_decision_at__isnull=False)
    return q
