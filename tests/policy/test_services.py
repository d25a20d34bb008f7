"""The policy services: one state change each, checked, audited, and safe under concurrency."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role, RoleCode, User
from audit.models import AuditEvent
from core.errors import ServiceError
from policy_engine import selectors, services
from policy_engine.models import (
    BoardApproval,
    BoardSettings,
    BoardVote,
    PolicyStatus,
    PolicyVersion,
)
from tenants.db import connection
from tenants.models import Association
from tests.conftest import PASSWORD, admin_email
from tests.policy.conftest import People, seed_document, vote


def SIGNED() -> str:
    return "mfa:totp"


def _refused(code: str, call: Any, **kwargs: Any) -> ServiceError:
    with pytest.raises(ServiceError) as raised:
        call(**kwargs)
    assert raised.value.code == code, raised.value
    return raised.value


# --- Lifecycle -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_lifecycle_draft_submitted_in_force_superseded(
    tenant_a: Association, people: People, draft: PolicyVersion
) -> None:
    connection.set_tenant(tenant_a)
    assert (draft.number, draft.status, draft.revision, draft.created_by) == (1, "draft", 1, people.admin)

    services.policy_version_submit(actor=people.admin, number=1)
    vote(tenant_a, people.member1, 1)
    vote(tenant_a, people.chair, 1)
    approval = services.policy_version_approve(
        actor=people.chair, number=1, date_hijri="1446-04-10", reauthenticate=SIGNED
    )

    first = PolicyVersion.objects.get(number=1)
    assert (first.status, first.in_force_from is not None) == (PolicyStatus.IN_FORCE, True)
    assert approval.date_gregorian.isoformat() == "2024-10-13"
    assert [s.board_member for s in approval.signatories.all()] == [people.seat1, people.chair_seat]

    second = services.policy_version_create_draft(actor=people.admin)  # from the one in force
    assert (second.number, second.based_on, second.document) == (2, first, first.document)
    services.policy_version_submit(actor=people.admin, number=2)
    vote(tenant_a, people.member1, 2)
    vote(tenant_a, people.member2, 2)
    services.policy_version_approve(actor=people.admin, number=2, reauthenticate=SIGNED)

    statuses = dict(PolicyVersion.objects.values_list("number", "status"))
    assert statuses == {1: PolicyStatus.SUPERSEDED, 2: PolicyStatus.IN_FORCE}
    assert selectors.policy_version_in_force() == PolicyVersion.objects.get(number=2)
    assert PolicyVersion.objects.get(number=1).superseded_at is not None


@pytest.mark.django_db
def test_only_one_version_can_be_in_force_even_behind_the_services_back(
    tenant_a: Association, people: People
) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="rumaila")
    services.policy_version_create_draft(actor=people.admin, based_on=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersion.objects.filter(number=2).update(status=PolicyStatus.IN_FORCE)
    assert list(
        PolicyVersion.objects.filter(status=PolicyStatus.IN_FORCE).values_list("number", flat=True)
    ) == [1]


@pytest.mark.django_db
def test_an_approved_version_cannot_be_saved_submitted_or_approved_again(
    tenant_a: Association, people: People
) -> None:
    connection.set_tenant(tenant_a)
    services.policy_seed_install(slug="rumaila")
    before = PolicyVersion.objects.values().get(number=1)

    _refused(
        "not_editable",
        services.policy_version_update_draft,
        actor=people.admin,
        number=1,
        document=seed_document("baraa"),
        revision=1,
    )
    _refused("not_a_draft", services.policy_version_submit, actor=people.admin, number=1)
    _refused("already_approved", services.policy_version_approve, actor=people.admin, number=1)
    _refused(
        "already_approved",
        services.policy_approval_record_paper,
        actor=people.admin,
        number=1,
        signatories=[{"name": "x", "role_ar": "y"}],
        date_gregorian=None,
        date_hijri="1446-01-01",
    )
    assert PolicyVersion.objects.values().get(number=1) == before
    assert BoardApproval.objects.count() == 1


@pytest.mark.django_db
def test_a_draft_cannot_be_approved_before_it_is_submitted(
    tenant_a: Association, people: People, draft: PolicyVersion
) -> None:
    _refused("not_submitted", services.policy_version_approve, actor=people.admin, number=1)


@pytest.mark.django_db
def test_submitting_checks_the_whole_document(tenant_a: Association, people: People) -> None:
    """A document saved before validation grew stricter still cannot reach the board."""
    connection.set_tenant(tenant_a)
    bad = seed_document()
    bad["procedure"] = [{"step": "receive"}, {"step": "receive"}]
    PolicyVersion.objects.create(number=1, document=bad)
    error = _refused("invalid", services.policy_version_submit, actor=people.admin, number=1)
    fields = {p.field: p.code for p in error.problems}
    assert fields["document.procedure[1].step"] == "duplicate_step"
    assert fields["document.procedure"] == "missing_committee_review"
    assert PolicyVersion.objects.get(number=1).status == PolicyStatus.DRAFT


@pytest.mark.django_db
def test_saving_a_draft_bumps_its_revision_and_refuses_a_stale_one(
    tenant_a: Association, people: People, draft: PolicyVersion
) -> None:
    connection.set_tenant(tenant_a)
    mine = seed_document()
    mine["procedure"][3]["window"] = "P2W"
    saved = services.policy_version_update_draft(actor=people.admin, number=1, document=mine, revision=1)
    assert saved.revision == 2

    theirs = seed_document()
    theirs["channels"] = ["interview"]
    error = _refused(
        "stale_revision",
        services.policy_version_update_draft,
        actor=people.admin2,
        number=1,
        document=theirs,
        revision=1,
    )
    assert error.status == 409
    assert "(revision 2)" in error.message_en and "(revision 1)" in error.message_en
    kept = PolicyVersion.objects.get(number=1)
    assert (kept.revision, kept.document) == (2, mine)


# --- Board: votes and quorum --------------------------------------------------------------------


@pytest.mark.django_db
def test_quorum_is_a_majority_of_the_active_board_by_default(
    tenant_a: Association, people: People, submitted: PolicyVersion
) -> None:
    connection.set_tenant(tenant_a)
    assert selectors.quorum_needed() == 2  # three active members
    people.seat2.is_active = False
    people.seat2.save()
    assert selectors.quorum_needed() == 2  # two active members: both
    vote(tenant_a, people.member1, 1)
    _refused("quorum_not_met", services.policy_version_approve, actor=people.admin, number=1)
    vote(tenant_a, people.chair, 1)
    services.policy_version_approve(actor=people.admin, number=1, reauthenticate=SIGNED)
    assert PolicyVersion.objects.get(number=1).status == PolicyStatus.IN_FORCE


@pytest.mark.django_db
@pytest.mark.parametrize(("quorum", "votes", "in_force"), [(3, 2, False), (3, 3, True), (1, 1, True)])
def test_board_settings_quorum_overrides_the_majority(
    tenant_a: Association, people: People, submitted: PolicyVersion, quorum: int, votes: int, in_force: bool
) -> None:
    connection.set_tenant(tenant_a)
    BoardSettings.objects.create(quorum=quorum)
    for user in [people.member1, people.member2, people.chair][:votes]:
        vote(tenant_a, user, 1)
    if in_force:
        services.policy_version_approve(actor=people.chair, number=1, reauthenticate=SIGNED)
    else:
        error = _refused("quorum_not_met", services.policy_version_approve, actor=people.chair, number=1)
        assert f"{votes} approving vote(s) of {quorum} needed" in error.message_en
    assert (PolicyVersion.objects.get(number=1).status == PolicyStatus.IN_FORCE) is in_force


@pytest.mark.django_db
def test_closing_the_vote_needs_a_fresh_reauthentication(
    tenant_a: Association, people: People, submitted: PolicyVersion
) -> None:
    connection.set_tenant(tenant_a)
    vote(tenant_a, people.member1, 1)
    vote(tenant_a, people.member2, 1)
    _refused("reauthentication_required", services.policy_version_approve, actor=people.chair, number=1)
    assert PolicyVersion.objects.get(number=1).status == PolicyStatus.SUBMITTED


@pytest.mark.django_db
def test_an_inactive_board_member_cannot_vote(
    tenant_a: Association, people: People, submitted: PolicyVersion
) -> None:
    connection.set_tenant(tenant_a)
    people.seat1.is_active = False
    people.seat1.save()
    _refused(
        "forbidden",
        services.board_vote_cast,
        actor=people.member1,
        number=1,
        choice="approve",
        reauthenticate=lambda: "mfa:totp",
    )
    assert not BoardVote.objects.exists()


@pytest.mark.django_db
def test_a_vote_without_reauthentication_is_not_recorded(
    tenant_a: Association, people: People, submitted: PolicyVersion
) -> None:
    connection.set_tenant(tenant_a)
    _refused(
        "reauthentication_required",
        services.board_vote_cast,
        actor=people.member1,
        number=1,
        choice="approve",
        reauthenticate=lambda: "",
    )
    assert not BoardVote.objects.exists()
    assert not AuditEvent.objects.filter(action="policy.vote_cast").exists()


# --- Roles in the services ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_services_check_roles_themselves(
    tenant_a: Association, people: People, draft: PolicyVersion
) -> None:
    connection.set_tenant(tenant_a)
    calls: list[tuple[Any, dict[str, Any]]] = [
        (services.policy_version_create_draft, {"document": seed_document()}),
        (services.policy_version_update_draft, {"number": 1, "document": seed_document(), "revision": 1}),
        (services.policy_version_submit, {"number": 1}),
    ]
    for call, kwargs in calls:
        error = _refused("forbidden", call, actor=people.reception, **kwargs)
        assert error.status == 403
    assert PolicyVersion.objects.get(number=1).status == PolicyStatus.DRAFT


# --- Audit ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_service_write_is_audited_with_its_actor_and_changes(
    tenant_a: Association, people: People
) -> None:
    connection.set_tenant(tenant_a)
    version = services.policy_version_create_draft(actor=people.admin, document=seed_document())
    services.policy_version_update_draft(
        actor=people.admin2, number=1, document=seed_document("jamoum"), revision=1
    )
    services.policy_version_submit(actor=people.admin, number=1)
    vote(tenant_a, people.member1, 1)

    events = list(AuditEvent.objects.order_by("id"))
    assert [(e.action, e.actor_id, e.actor_email) for e in events] == [
        ("policy.draft_created", people.admin.pk, "admin@alpha.test"),
        ("policy.draft_saved", people.admin2.pk, "admin2@alpha.test"),
        ("policy.submitted", people.admin.pk, "admin@alpha.test"),
        ("policy.vote_cast", people.member1.pk, "member1@alpha.test"),
    ]
    assert {(e.object_type, e.object_id) for e in events} == {
        ("policy_engine.policyversion", str(version.pk))
    }
    saved = events[1].changes
    assert saved["revision"] == {"old": 1, "new": 2}
    assert {"preamble_ar", "channels", "procedure", "bank_accounts"} <= set(saved["fields"])
    assert events[2].changes == {"status": {"old": "draft", "new": "submitted"}}
    assert events[3].changes == {
        "vote": {"old": None, "new": "approve"},
        "reauthenticated_by": {"old": None, "new": "mfa:totp"},
    }


# --- Two admins saving the same draft at the same moment -----------------------------------------


def in_thread(tenant: Association, work: Callable[[], Any]) -> Any:
    """Run ``work`` in alpha on a thread of its own: its own connection, its own transactions,
    committed for every other connection to see (the test's own connection sits in the test's
    rolled-back transaction, where nothing commits)."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            connection.set_tenant(tenant)
            assert connection.settings_dict["NAME"].startswith("test_"), "never outside the test database"
            result["value"] = work()
        except BaseException as exc:
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    if "error" in result:
        raise result["error"]
    return result.get("value")


@pytest.mark.django_db
def test_two_admins_saving_one_draft_at_once_one_wins_and_nothing_is_lost(tenant_a: Association) -> None:
    def setup() -> dict[str, Any]:
        assert not PolicyVersion.objects.exists(), "alpha must start without committed policy versions"
        admin = User.objects.get(email=admin_email("alpha"))
        admin2 = User.objects.create_user("admin2-threads@alpha.test", PASSWORD, is_staff=True)
        admin2.roles.add(Role.objects.get(code=RoleCode.ASSOCIATION_ADMIN))
        draft = services.policy_version_create_draft(actor=admin, document=seed_document())
        last_audit = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        return {"admin": admin, "admin2": admin2, "draft": draft, "last_audit": last_audit}

    def cleanup() -> None:
        PolicyVersion.objects.all().delete()
        AuditEvent.objects.filter(object_type="policy_engine.policyversion").delete()
        User.objects.filter(email="admin2-threads@alpha.test").delete()

    made = in_thread(tenant_a, setup)
    try:
        number = made["draft"].number
        first_doc = seed_document()
        first_doc["procedure"][3]["window"] = "P2W"
        second_doc = seed_document()
        second_doc["channels"] = ["interview", "phone"]
        first_holds_the_row = threading.Event()

        def first() -> str:
            """Saves, then keeps its transaction (and the row lock) open while the second tries."""
            try:
                with transaction.atomic():
                    services.policy_version_update_draft(
                        actor=made["admin"], number=number, document=first_doc, revision=1
                    )
                    first_holds_the_row.set()
                    time.sleep(0.5)
            finally:
                first_holds_the_row.set()
            return "saved"

        def second() -> str:
            first_holds_the_row.wait(10)
            try:
                services.policy_version_update_draft(
                    actor=made["admin2"], number=number, document=second_doc, revision=1
                )
            except ServiceError as exc:
                return exc.code
            return "saved"

        outcome: dict[str, Any] = {}
        racers = [
            threading.Thread(target=lambda: outcome.update(first=in_thread(tenant_a, first))),
            threading.Thread(target=lambda: outcome.update(second=in_thread(tenant_a, second))),
        ]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(30)

        assert outcome == {"first": "saved", "second": "stale_revision"}
        connection.set_tenant(tenant_a)
        kept = PolicyVersion.objects.get(number=number)  # committed rows are visible here
        assert (kept.revision, kept.document) == (2, first_doc)
        saves = AuditEvent.objects.filter(action="policy.draft_saved", id__gt=made["last_audit"])
        assert list(saves.values_list("actor_email", flat=True)) == ["admin@alpha.test"]
    finally:
        in_thread(tenant_a, cleanup)
