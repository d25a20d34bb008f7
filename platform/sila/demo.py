"""The demo: the platform and the five associations of shared/policy-profiles.md, with logins.

Everything here is idempotent: running it again reuses what exists, including the passwords it
generated the first time (kept in .sila/demo-credentials.json).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from accounts.models import Role, RoleCode, User
from accounts.security import mfa_required
from accounts.services import totp_enrol
from casework.models import ApiToken
from casework.services import api_token_create
from policy_engine.models import BoardMember, BoardRole
from policy_engine.rules.seeds import SEED_SLUGS, load_seed
from policy_engine.selectors import policy_version_in_force
from policy_engine.services import policy_seed_install
from sila.demo_cases import seed_sample_cases
from sila.demo_history import seed_history
from sila.demo_privacy import seed_privacy_notice, seed_shared_person
from tenants.db import connection
from tenants.fleet import fleet_schemas, migrate_fleet
from tenants.models import Association
from tenants.services import association_provision, template_refresh

PLATFORM_OPERATOR = "operator@sila.example"


@dataclass(frozen=True)
class DemoUser:
    key: str
    roles: tuple[str, ...]
    name_ar: str


ASSOCIATION_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", (RoleCode.ASSOCIATION_ADMIN,), "مدير الجمعية"),
    DemoUser("reception", (RoleCode.RECEPTION_EMPLOYEE,), "موظف الاستقبال"),
    DemoUser("research", (RoleCode.SOCIAL_RESEARCH_OFFICER,), "مسؤول البحث الاجتماعي"),
    DemoUser("committee1", (RoleCode.COMMITTEE_MEMBER,), "عضو لجنة البحث الأول"),
    DemoUser("committee2", (RoleCode.COMMITTEE_MEMBER,), "عضو لجنة البحث الثاني"),
    DemoUser("committee3", (RoleCode.COMMITTEE_MEMBER,), "عضو لجنة البحث الثالث"),
    DemoUser("manager", (RoleCode.ADMINISTRATION,), "المدير التنفيذي"),
    # Board logins carry people's names (fictional): a seat made for them signs the policy with it,
    # and a signature block shows names under the role titles, as the seeds print them.
    DemoUser("board1", (RoleCode.BOARD_MEMBER,), "سعد بن عبدالله العنزي"),
    DemoUser("board2", (RoleCode.BOARD_MEMBER,), "نورة بنت محمد البلوي"),
    DemoUser("board3", (RoleCode.BOARD_MEMBER,), "فهد بن علي الشهري"),
)


def demo_email(key: str, slug: str) -> str:
    return f"{key}@{slug}.sila.example"


def _load(path: Path) -> dict[str, Any]:
    if path.exists():
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    return {}


def _password(existing: dict[str, str], email: str) -> str:
    return existing.get(email) or secrets.token_urlsafe(12)


def _ensure_user(
    email: str, password: str, *, full_name: str, roles: tuple[str, ...], staff: bool, known: bool
) -> None:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password, full_name=full_name, is_staff=staff)
    elif not known:
        # The credentials file was lost: give the user the password we are about to print. (A
        # known password is not re-checked: hashing is deliberately slow.)
        user.set_password(password)
        user.save(update_fields=["password"])
    user.roles.add(*Role.objects.filter(code__in=roles))


BOARD_SEATS = {"board1": BoardRole.CHAIR, "board2": BoardRole.VICE_CHAIR, "board3": BoardRole.MEMBER}


def _link_board_members() -> None:
    """Give each demo board login a seat: the printed signatory of that role if the seed names
    one, else a new member under the demo name."""
    for key, role in BOARD_SEATS.items():
        user = User.objects.filter(email__startswith=f"{key}@").first()
        if user is None or BoardMember.objects.filter(user=user).exists():
            continue
        seat = BoardMember.objects.filter(role=role, user__isnull=True).first()
        if seat is None:
            seat = BoardMember.objects.create(name_ar=user.full_name, role=role)
        seat.user = user
        seat.save(update_fields=["user"])


def _api_token(existing: str | None, *, staff_user: str) -> str:
    """The demo employee's personal API token: the one saved before if it still works."""
    if existing:
        prefix = existing.split("_")[1] if existing.count("_") >= 2 else ""
        token = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
        if token is not None and token.token_sha256 == hashlib.sha256(existing.encode()).hexdigest():
            return existing
    _, plaintext = api_token_create(user=User.objects.get(email=staff_user), name="demo")
    return plaintext


def _second_factor(login: dict[str, Any], known_totp: dict[str, str]) -> None:
    """Accounts whose role requires MFA get an authenticator; its secret goes in the credentials
    file (``totp_secret``) so that any authenticator app, or the README's one-liner, gives the code."""
    user = User.objects.get(email=login["email"])
    if mfa_required(user):
        login["totp_secret"] = totp_enrol(user=user, secret=known_totp.get(login["email"]))


def base_url(host: str, port: int) -> str:
    return f"http://{host}:{port}" if port not in (80, 443) else f"http://{host}"


def demo_setup(*, port: int, credentials_file: Path) -> dict[str, Any]:
    """Migrate, provision the five associations and their demo users; return the credentials."""
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    template_refresh()
    report = migrate_fleet(fleet_schemas(include_template=False))
    if report.failed:
        raise RuntimeError(f"schemas failed to migrate: {report.failed}")

    previous = _load(credentials_file)
    known: dict[str, str] = {}
    known_tokens: dict[str, str] = {}
    known_totp: dict[str, str] = {}
    for entry in [previous.get("platform", {}), *previous.get("associations", [])]:
        for login in entry.get("logins", []):
            known[login["email"]] = login["password"]
            if login.get("api_token"):
                known_tokens[login["email"]] = login["api_token"]
            if login.get("totp_secret"):
                known_totp[login["email"]] = login["totp_secret"]

    base = settings.SILA_BASE_DOMAIN
    out: dict[str, Any] = {"platform": {}, "associations": []}
    with transaction.atomic():
        connection.set_schema_to_public()
        password = _password(known, PLATFORM_OPERATOR)
        _ensure_user(
            PLATFORM_OPERATOR,
            password,
            full_name="مشغّل المنصة",
            roles=(RoleCode.PLATFORM_ADMIN,),
            staff=True,
            known=PLATFORM_OPERATOR in known,
        )
        User.objects.filter(email=PLATFORM_OPERATOR).update(is_superuser=True)
        operator_login = {
            "email": PLATFORM_OPERATOR,
            "password": password,
            "roles": [RoleCode.PLATFORM_ADMIN],
        }
        _second_factor(operator_login, known_totp)
        out["platform"] = {"url": base_url(base, port), "logins": [operator_login]}

    for slug in SEED_SLUGS:
        identity = load_seed(slug)["association"]
        admin_email = demo_email("admin", slug)
        result = association_provision(
            slug=slug,
            name_ar=identity["name_ar"],
            name_en=identity["name_en"],
            admin_email=admin_email,
            admin_password=None,
            admin_full_name="مدير الجمعية",
            licence_number=identity.get("licence_number") or "",
            sector=identity.get("sector") or "",
            sector_ar=identity.get("sector_ar") or "",
            region=identity.get("region_ar") or "",
        )
        logins: list[dict[str, Any]] = []
        with transaction.atomic():
            connection.set_tenant(result.association)
            for demo_user in ASSOCIATION_USERS:
                email = demo_email(demo_user.key, slug)
                password = _password(known, email)
                _ensure_user(
                    email,
                    password,
                    full_name=demo_user.name_ar,
                    roles=demo_user.roles,
                    staff=True,
                    known=email in known,
                )
                logins.append({"email": email, "password": password, "roles": list(demo_user.roles)})
            policy_seed_install(slug=slug)
            _link_board_members()
            staff = {u.key: User.objects.get(email=demo_email(u.key, slug)) for u in ASSOCIATION_USERS}
            seed_privacy_notice(staff["admin"])
            seed_sample_cases(staff, seed=sum(map(ord, slug)))
            seed_shared_person(staff, slug=slug)
            seed_history(staff, seed=sum(map(ord, slug)))
            in_force = policy_version_in_force() is not None
            for login in logins:
                _second_factor(login, known_totp)
                login["api_token"] = _api_token(known_tokens.get(login["email"]), staff_user=login["email"])
            connection.set_schema_to_public()
        out["associations"].append(
            {
                "slug": slug,
                "name_ar": identity["name_ar"],
                "name_en": identity["name_en"],
                "url": base_url(f"{slug}.{base}", port),
                "logins": logins,
                "policy_in_force": in_force,
            }
        )
    credentials_file.parent.mkdir(parents=True, exist_ok=True)
    credentials_file.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    credentials_file.chmod(0o600)
    return out


def demo_associations() -> list[Association]:
    return list(Association.objects.filter(slug__in=SEED_SLUGS))
