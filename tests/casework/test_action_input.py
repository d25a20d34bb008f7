"""Typed action input: each action declares its input once and it is parsed once; the handler
receives it typed; forms and the API carry values only and every refusal is field by field."""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from collections.abc import Mapping
from decimal import Decimal

import pytest
from django.utils import timezone

from casework import forms as f
from casework.models import ChecklistItem
from casework.services.actions import ACTIONS
from casework.services.actions._types import ActionContext, Applied
from casework.services.actions.inputs import ActionInput
from casework.services.actions.serve import SERVICE_KINDS, RecordServiceInput
from casework.services.steps import CompleteInput
from core.errors import ServiceError
from tenants.models import Association
from tests.casework.conftest import Api, Staff, open_case


def _codes(error: ServiceError) -> dict[str, str]:
    return {p.field: p.code for p in error.problems}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_handler_takes_its_declared_input_typed(action: str) -> None:
    rule = ACTIONS[action]
    assert dataclasses.is_dataclass(rule.input) and issubclass(rule.input, ActionInput)
    hints = typing.get_type_hints(rule.handler)
    assert list(hints) == ["ctx", "inp", "return"]
    assert (hints["ctx"], hints["inp"], hints["return"]) == (ActionContext, rule.input, Applied)
    # No mapping of loose values anywhere in a handler's signature or its context.
    assert not any(typing.get_origin(h) is Mapping or h is Mapping for h in hints.values())
    assert "data" not in {field.name for field in dataclasses.fields(ActionContext)}


def test_an_input_is_parsed_once_into_typed_values() -> None:
    parsed = RecordServiceInput.parse(
        {"kind": "cash", "amount": "1500.5", "delivered_on": "2026-01-04", "description": "  "}
    )
    assert parsed == RecordServiceInput(
        kind="cash", amount=Decimal("1500.50"), description="", delivered_on=dt.date(2026, 1, 4)
    )
    assert CompleteInput.parse({"not_needed": "on"}) == CompleteInput(not_needed=True)
    assert CompleteInput.parse({}) == CompleteInput(to_step="", not_needed=False, registration_number="")


def test_every_field_at_fault_is_named_at_once_in_both_languages() -> None:
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    with pytest.raises(ServiceError) as caught:
        RecordServiceInput.parse(
            {"kind": "teleport", "amount": "ten", "delivered_on": tomorrow, "colour": "red"}
        )
    assert caught.value.status == 400
    assert _codes(caught.value) == {
        "colour": "unknown_field",
        "kind": "invalid_choice",
        "amount": "invalid_amount",
        "delivered_on": "in_future",
        # The rule across fields is still said: no amount was understood and nothing is described.
        "description": "required",
    }
    by_field = {p.field: p for p in caught.value.problems}
    assert by_field["kind"].message_ar == "اختر نوع الخدمة من القائمة."
    assert by_field["kind"].message_en == "Choose the kind of service from the list."
    with pytest.raises(ServiceError) as wrong_types:
        CompleteInput.parse({"not_needed": "perhaps", "registration_number": 17, "to_step": ["serve"]})
    assert _codes(wrong_types.value) == {
        "not_needed": "invalid_boolean",
        "registration_number": "invalid_text",
        "to_step": "invalid_text",
    }


def test_the_screen_form_carries_values_and_reads_its_options_from_the_declaration() -> None:
    form = f.ServiceForm(
        data={"expected_revision": "3", "kind": "teleport", "amount": "ten", "description": "x" * 3000}
    )
    # Transport only: the form accepts what the action's input will refuse.
    assert form.is_valid(), form.errors
    assert form.service_data() == {"kind": "teleport", "amount": "ten", "description": "x" * 3000}
    options = [code for code, _label in form.fields["kind"].widget.choices if code]
    assert options == list(SERVICE_KINDS)
    assert form.fields["description"].widget.attrs["maxlength"] == "2000"


@pytest.mark.django_db
def test_a_refused_action_input_over_the_api_saves_nothing(
    alpha: Association, staff: Staff, rumaila: object
) -> None:
    case = open_case(staff.reception)
    items = ChecklistItem.objects.filter(case=case).count()
    response = Api(alpha, staff.reception, lang="ar").post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"action": "add_item", "code": "بند", "label_ar": "", "required": "perhaps", "kind": "photo"},
    )
    assert response.status_code == 400, response.content
    assert response.json()["error_codes"] == {
        "code": "invalid_code",
        "label_ar": "required",
        "required": "invalid_boolean",
        "kind": "invalid_choice",
    }
    assert response.json()["errors"]["kind"] == ["معلومة أو مستند."]
    assert ChecklistItem.objects.filter(case=case).count() == items
    before = case.revision
    case.refresh_from_db()
    assert (case.revision, case.events.count()) == (before, 1)  # only its opening
