"""Validation of a whole policy version before it goes to the board, and Saudi IBANs."""

import re
from collections.abc import Callable
from typing import Any

import pytest

from policy_engine.rules.iban import format_iban, iban_check_digits, validate_iban
from policy_engine.rules.seeds import SEED_SLUGS, load_seed
from policy_engine.rules.validation import MESSAGES, FieldError, validate

Mutation = Callable[[dict[str, Any]], None]
ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
VALID_IBAN = "SA0380000000608010167519"


def jamoum() -> dict[str, Any]:
    document: dict[str, Any] = load_seed("jamoum")["document"]
    return document


def problems(data: dict[str, Any]) -> set[tuple[str, str]]:
    return {(error.path, error.code) for error in validate(data)}


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_every_seed_validates_clean(slug: str) -> None:
    assert validate(load_seed(slug)["document"]) == []


def set_item(key: str, index: int, value: object) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data[key][index] = value

    return mutate


def append(key: str, value: object) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data[key].append(value)

    return mutate


def set_field(key: str, value: object) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data[key] = value

    return mutate


def drop(key: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        del data[key]

    return mutate


def review(**params: object) -> Mutation:
    """Replace Jamoum's committee_review (procedure[4]) parameters."""

    def mutate(data: dict[str, Any]) -> None:
        data["procedure"][4] = {"step": "committee_review", **params}

    return mutate


def remove_step(code: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["procedure"] = [step for step in data["procedure"] if step["step"] != code]

    return mutate


def account(**fields: object) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        data["bank_accounts"] = [
            {"fund_code": "zakat", "label_ar": "حساب الزكاة", "label_en": "Zakat", **fields}
        ]

    return mutate


def contact(kind: str, value: object) -> Mutation:
    return set_field("contacts", [{"kind": kind, "value": value}])


BODY = "research_committee"
CASES: list[tuple[str, Mutation, set[tuple[str, str]]]] = [
    # channels
    ("unknown channel", set_item("channels", 3, "fax"), {("channels[3]", "unknown_channel")}),
    ("channel twice", append("channels", "phone"), {("channels[8]", "duplicate_channel")}),
    (
        "channel twice, once with own labels",
        append("channels", {"code": "phone", "label_ar": "الهاتف", "label_en": "Phone"}),
        {("channels[8]", "duplicate_channel")},
    ),
    (
        "custom channel without labels",
        append("channels", "custom:whatsapp"),
        {
            ("channels[8].label_ar", "custom_label_required"),
            ("channels[8].label_en", "custom_label_required"),
        },
    ),
    (
        "custom channel with a blank English label",
        append("channels", {"code": "custom:whatsapp", "label_ar": "واتساب", "label_en": "  "}),
        {("channels[8].label_en", "custom_label_required")},
    ),
    (
        "malformed custom code",
        append("channels", {"code": "custom:Whats App", "label_ar": "واتساب", "label_en": "WhatsApp"}),
        {("channels[8]", "invalid_custom_code")},
    ),
    ("no channels", set_field("channels", []), {("channels", "empty_list")}),
    ("channels not a list", set_field("channels", "phone"), {("channels", "invalid_type")}),
    (
        "standard channel with half a relabel",
        set_item("channels", 3, {"code": "letters", "label_ar": "المخاطبة"}),
        {("channels[3].label_en", "missing_translation")},
    ),
    (
        "unknown key in a channel",
        set_item("channels", 0, {"code": "interview", "icon": "x"}),
        {("channels[0].icon", "unknown_field")},
    ),
    # staff tools
    ("unknown tool", set_item("staff_tools", 0, "handbook"), {("staff_tools[0]", "unknown_staff_tool")}),
    ("tool twice", append("staff_tools", "bylaws"), {("staff_tools[4]", "duplicate_staff_tool")}),
    (
        "custom tool without labels",
        append("staff_tools", {"code": "custom:intake-checklist", "document": "uploads/42"}),
        {
            ("staff_tools[4].label_ar", "custom_label_required"),
            ("staff_tools[4].label_en", "custom_label_required"),
        },
    ),
    (
        "blank document reference",
        set_item("staff_tools", 0, {"code": "bylaws", "document": ""}),
        {("staff_tools[0].document", "blank")},
    ),
    # procedure
    (
        "unknown step",
        set_item("procedure", 1, {"step": "approve"}),
        # The verify step's checklist is left without its step.
        {("procedure[1].step", "unknown_step"), ("checklists.verify", "step_not_in_procedure")},
    ),
    (
        "step twice",
        append("procedure", {"step": "verify"}),
        {("procedure[7].step", "duplicate_step"), ("procedure[7].step", "step_before_decision")},
    ),
    (
        "does not start with receive",
        remove_step("receive"),
        {("procedure[0].step", "must_start_with_receive"), ("checklists.receive", "step_not_in_procedure")},
    ),
    ("no committee review", remove_step("committee_review"), {("procedure", "missing_committee_review")}),
    (
        "empty procedure",
        set_field("procedure", []),
        {
            ("procedure", "empty_list"),
            ("checklists.receive", "step_not_in_procedure"),
            ("checklists.verify", "step_not_in_procedure"),
        },
    ),
    (
        "refer without target",
        set_item("procedure", 2, {"step": "refer"}),
        {("procedure[2].target", "required")},
    ),
    (
        "refer to blank target",
        set_item("procedure", 2, {"step": "refer", "target": ""}),
        {("procedure[2].target", "required")},
    ),
    (
        "refer to an unknown party",
        set_item("procedure", 2, {"step": "refer", "target": "imam"}),
        {("procedure[2].target", "unknown_party")},
    ),
    ("review without body", review(window="P2W"), {("procedure[4].body", "required")}),
    (
        "review by an unknown body",
        review(body="board", window="P2W"),
        {("procedure[4].body", "unknown_party")},
    ),
    ("review without window", review(body=BODY), {("procedure[4].window", "required")}),
    ("window P1X", review(body=BODY, window="P1X"), {("procedure[4].window", "invalid_duration")}),
    ("window 1M", review(body=BODY, window="1M"), {("procedure[4].window", "invalid_duration")}),
    ("window P0W", review(body=BODY, window="P0W"), {("procedure[4].window", "window_too_short")}),
    ("window of 400 days", review(body=BODY, window="P400D"), {("procedure[4].window", "window_too_long")}),
    ("window empty", review(body=BODY, window=""), {("procedure[4].window", "invalid_duration")}),
    ("window with time", review(body=BODY, window="PT48H"), {("procedure[4].window", "invalid_duration")}),
    ("window as a number", review(body=BODY, window=14), {("procedure[4].window", "invalid_duration")}),
    (
        "business_days not a boolean",
        review(body=BODY, window="P2W", business_days="yes"),
        {("procedure[4].business_days", "invalid_type")},
    ),
    (
        "parameter on a step that takes none",
        set_item("procedure", 0, {"step": "receive", "target": "administration"}),
        {("procedure[0].target", "param_not_allowed")},
    ),
    (
        "window on refer",
        set_item("procedure", 2, {"step": "refer", "target": "administration", "window": "P1W"}),
        {("procedure[2].window", "param_not_allowed")},
    ),
    # texts and flags
    (
        "unknown beneficiary term",
        set_field("beneficiary_term", "customer"),
        {("beneficiary_term", "unknown_beneficiary_term")},
    ),
    ("no preamble", drop("preamble_ar"), {("preamble_ar", "required")}),
    ("blank general goal", set_field("general_goal_en", "   "), {("general_goal_en", "blank")}),
    (
        "responsibilities only in Arabic",
        set_field("responsibilities_ar", "نص"),
        {("responsibilities_en", "missing_translation")},
    ),
    (
        "detailed goal without English",
        set_item("detailed_goals", 0, {"ar": "هدف"}),
        {("detailed_goals[0].en", "required")},
    ),
    (
        "acknowledgement not a boolean",
        set_field("staff_acknowledgment_required", "yes"),
        {("staff_acknowledgment_required", "invalid_type")},
    ),
    ("unknown top-level field", set_field("board", "x"), {("board", "unknown_field")}),
    # contacts
    ("bad email", contact("email", "aytaam.aljumum@gmail"), {("contacts[0].value", "invalid_email")}),
    ("email with spaces", contact("email", "a b@example.com"), {("contacts[0].value", "invalid_email")}),
    ("bad phone", contact("phone", "call us"), {("contacts[0].value", "invalid_phone")}),
    ("bad website", contact("website", "www.example"), {("contacts[0].value", "invalid_url")}),
    ("unknown contact kind", contact("telegram", "@x"), {("contacts[0].kind", "unknown_contact_kind")}),
    ("blank contact value", contact("facebook", ""), {("contacts[0].value", "blank")}),
    (
        "same contact twice",
        set_field("contacts", [{"kind": "email", "value": "a@b.sa"}, {"kind": "email", "value": "A@B.SA"}]),
        {("contacts[1]", "duplicate_contact")},
    ),
    # bank accounts
    (
        "IBAN with a wrong check digit",
        account(iban="SA0480000000608010167519"),
        {("bank_accounts[0].iban", "invalid_iban")},
    ),
    ("IBAN too short", account(iban="SA038000000060801016751"), {("bank_accounts[0].iban", "invalid_iban")}),
    ("non-Saudi IBAN", account(iban="GB82WEST12345698765432"), {("bank_accounts[0].iban", "invalid_iban")}),
    (
        "IBAN with spaces",
        account(iban="SA03 8000 0000 6080 1016 7519"),
        {("bank_accounts[0].iban", "iban_not_normalized")},
    ),
    ("no number at all", account(), {("bank_accounts[0]", "account_number_required")}),
    (
        "bad fund code",
        account(fund_code="Zakat Fund", iban=VALID_IBAN),
        {("bank_accounts[0].fund_code", "invalid_fund_code")},
    ),
    (
        "fund twice",
        set_field(
            "bank_accounts",
            [{"fund_code": "zakat", "label_ar": "ز", "label_en": "Z", "iban": VALID_IBAN}] * 2,
        ),
        {("bank_accounts[1].fund_code", "duplicate_fund")},
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_bad_input_gives_exactly_the_expected_errors(
    mutate: Mutation, expected: set[tuple[str, str]]
) -> None:
    data = jamoum()
    mutate(data)
    assert problems(data) == expected


@pytest.mark.parametrize(
    "mutate",
    [
        append("channels", {"code": "custom:whatsapp", "label_ar": "واتساب", "label_en": "WhatsApp"}),
        append(
            "staff_tools", {"code": "custom:intake-checklist", "label_ar": "قائمة", "label_en": "Checklist"}
        ),
        set_item("staff_tools", 0, {"code": "bylaws", "document": "uploads/bylaws-2024.pdf"}),
        review(body="administration", window="P10D", business_days=True),
        review(body=BODY, window="P1M2D"),
        account(iban=VALID_IBAN),
        account(account_number_as_printed="32400 0010 0060 8043 1053"),
        contact("website", "https://example.org.sa/policies"),
        contact("phone", "+966 55 047 7355"),
        set_field("responsibilities_ar", None),
        drop("contacts"),
    ],
)
def test_acceptable_variations_validate_clean(mutate: Mutation) -> None:
    data = jamoum()
    mutate(data)
    assert validate(data) == []


def test_every_problem_is_reported_at_once() -> None:
    data = jamoum()
    data["channels"].append("fax")
    data["procedure"][2] = {"step": "refer"}
    data["procedure"][4]["window"] = "P1X"
    assert problems(data) == {
        ("channels[8]", "unknown_channel"),
        ("procedure[2].target", "required"),
        ("procedure[4].window", "invalid_duration"),
    }


def test_messages_are_bilingual_and_name_the_offending_value() -> None:
    data = jamoum()
    data["channels"][3] = "fax"
    data["procedure"][4]["window"] = "P1X"
    errors = validate(data)
    assert all(isinstance(error, FieldError) for error in errors)
    by_path = {error.path: error for error in errors}
    assert "fax" in by_path["channels[3]"].message_ar
    assert "fax" in by_path["channels[3]"].message_en
    assert "P1X" in by_path["procedure[4].window"].message_en
    for error in errors:
        assert ARABIC_LETTER.search(error.message_ar)
        assert not ARABIC_LETTER.search(error.message_en.replace("P1X", ""))
        assert error.to_dict() == {
            "path": error.path,
            "code": error.code,
            "message_ar": error.message_ar,
            "message_en": error.message_en,
        }


def test_duplicate_message_uses_the_label_in_each_language() -> None:
    data = jamoum()
    data["procedure"].insert(1, {"step": "verify"})
    (error,) = validate(data)
    assert "التأكد من اكتمال المعلومات" in error.message_ar
    assert "Check and match the information" in error.message_en


def test_every_message_template_has_both_languages() -> None:
    for code, (arabic, english) in MESSAGES.items():
        assert ARABIC_LETTER.search(arabic), code
        assert english and not ARABIC_LETTER.search(english), code


def test_not_a_mapping() -> None:
    assert [(e.path, e.code) for e in validate([])] == [("", "invalid_type")]  # type: ignore[arg-type]


# --- IBAN ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID_IBAN, VALID_IBAN),
        ("SA03 8000 0000 6080 1016 7519", VALID_IBAN),
        ("sa0380000000608010167519", VALID_IBAN),
        ("  SA03\u00a08000 0000 6080 1016 7519 ", VALID_IBAN),
        ("SA0480000000608010167519", None),  # check digits off by one
        ("SA0380000000608010167518", None),  # one account digit changed
        ("SA038000000060801016751", None),  # 21 digits
        ("SA03800000006080101675190", None),  # 23 digits
        ("GB82WEST12345698765432", None),  # a valid IBAN, but not Saudi
        ("SA03 8000 0000 6080 1016 751X", None),
        ("SA\u0660\u0663" + "80000000608010167519", None),  # Arabic-Indic digits
        ("", None),
    ],
)
def test_validate_iban(text: str, expected: str | None) -> None:
    assert validate_iban(text) == expected


def test_check_digits_build_valid_ibans() -> None:
    bban = "10000001234567890123"
    iban = f"SA{iban_check_digits('SA', bban)}{bban}"
    assert validate_iban(iban) == iban
    assert format_iban(iban) == " ".join(iban[i : i + 4] for i in range(0, 24, 4))


@pytest.mark.parametrize(
    "printed",
    [
        "32400 0010 0060 8043 1046",
        "32400 0010 0060 8042 8000",
        "32400 0010 0060 8042 8018",
        "32400 0010 0060 8040 5503",
        "32400 0010 0060 8043 1053",
    ],
)
def test_jamoum_printed_numbers_are_not_ibans(printed: str) -> None:
    digits = printed.replace(" ", "")
    assert len(digits) == 21  # neither a Saudi IBAN body (22 digits) nor a BBAN (20)
    assert validate_iban(printed) is None
    assert validate_iban("SA" + digits) is None


def test_a_decision_before_the_referral_it_requires_is_refused() -> None:
    data = jamoum()
    codes = [step["step"] for step in data["procedure"]]
    refer = data["procedure"].pop(codes.index("refer"))
    data["procedure"].insert(codes.index("committee_review"), refer)  # now just after the decision
    errors = validate(data)
    assert [(e.path, e.code) for e in errors] == [
        (f"procedure[{codes.index('committee_review')}].step", "step_before_decision")
    ]
    assert errors[0].message_ar == "خطوة «الإحالة لتوضيح الإجراءات» يجب أن تسبق دراسة الطلب والبت فيه."


def test_an_unknown_placeholder_in_a_steps_own_wording_is_named() -> None:
    data = jamoum()
    data["procedure"][0]["text_ar"] = "استقبال {المستفيد} بلباقة"
    (error,) = validate(data)
    assert (error.path, error.code) == ("procedure[0].text_ar", "unknown_placeholder")
    assert "{المستفيد}" in error.message_ar
