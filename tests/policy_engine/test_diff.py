"""Field-level differences between policy versions, and how the board reads them."""

import json
from dataclasses import replace
from typing import Any

import pytest

from policy_engine.rules.diff import Change, diff
from policy_engine.rules.document import (
    BankAccount,
    ChannelEntry,
    LocalizedText,
    PolicyDocument,
    ProcedureStep,
)
from policy_engine.rules.seeds import SEED_SLUGS, load_seed_document


def with_step(document: PolicyDocument, code: str, **params: Any) -> PolicyDocument:
    procedure = tuple(replace(step, **params) if step.step == code else step for step in document.procedure)
    return replace(document, procedure=procedure)


def kinds(changes: list[Change]) -> set[tuple[str, str]]:
    return {(change.path, change.kind) for change in changes}


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_a_version_has_no_difference_with_itself(slug: str) -> None:
    document = load_seed_document(slug)
    assert diff(document, document) == []


def test_jamoum_to_mawsam() -> None:
    # What the applicant is asked differs by sector (orphan care, social development): that part of
    # the diff is tested in test_intake.py; here, the policy texts and the procedure.
    changes = [
        change
        for change in diff(load_seed_document("jamoum"), load_seed_document("mawsam"))
        if change.section not in ("intake_form", "checklists")
    ]
    assert kinds(changes) == {
        # Jamoum's preamble names "جمعية اتقاء"; Mawsam's names itself.
        ("preamble_ar", "changed"),
        ("preamble_en", "changed"),
        ("responsibilities_ar", "added"),
        ("responsibilities_en", "added"),
        ("staff_tools.social_research_guide", "removed"),
        ("staff_tools.support_policy_guide", "removed"),
        ("staff_tools.support_regulation", "added"),
        ("staff_tools.support_request_form.note_ar", "added"),
        ("staff_tools.support_request_form.note_en", "added"),
        ("staff_acknowledgment_required", "changed"),
        ("contacts.email", "changed"),
        ("contacts.facebook[aljumumorphan]", "removed"),
        ("contacts.phone[0550477355]", "added"),
        ("contacts.address[مركز الموسم – المملكة العربية السعودية]", "added"),
        ("bank_accounts.programs_projects", "removed"),
        ("bank_accounts.endowment", "removed"),
        ("bank_accounts.sponsorship", "removed"),
        ("bank_accounts.general", "removed"),
        ("bank_accounts.zakat", "removed"),
        ("approval_seal", "changed"),  # Jamoum prints a field for its seal, Mawsam does not
    }
    # Same eight channels in the same order, same procedure and parameters; only the steps' wording
    # differs (Jamoum's printed sentences against the template's, which Mawsam uses).
    assert not [
        c
        for c in changes
        if c.section in {"channels", "procedure", "detailed_goals"}
        and c.attribute not in ("text_ar", "text_en")
    ]

    arabic = [change.describe("ar") for change in changes]
    assert "أضيفت أداة: لائحة الدعم للمستفيدين" in arabic
    assert "حذفت أداة: دليل خدمات البحث الاجتماعي" in arabic
    assert "أصبح على جميع العاملين الاطلاع على السياسة والتوقيع عليها" in arabic
    assert "تغيّر البريد الإلكتروني من aytaam.aljumum@gmail.com إلى almoassam@outlook.sa" in arabic
    assert "أضيفت وسيلة تواصل: رقم الهاتف 0550477355" in arabic
    assert "حذف حساب بنكي: حساب الزكاة (32400 0010 0060 8043 1053)" in arabic

    english = [change.describe("en") for change in changes]
    assert "Staff tool added: Beneficiary support regulation" in english
    assert "All staff must now read and sign the policy" in english


def test_tabuk_to_jamoum_procedure_changes() -> None:
    changes = diff(load_seed_document("tabuk"), load_seed_document("jamoum"))
    procedure = {
        (c.path, c.kind, c.old, c.new)
        for c in changes
        if c.section == "procedure" and c.attribute and not c.attribute.startswith("text_")
    }
    assert procedure == {
        ("procedure.refer.target", "changed", "administration", "social_research_officer"),
        ("procedure.committee_review.body", "changed", "administration", "research_committee"),
        ("procedure.committee_review.window", "changed", "P1W", "P2W"),
    }
    assert {
        (c.path, c.kind) for c in changes if c.section in {"procedure", "channels"} and not c.attribute
    } == {
        ("procedure.attest", "added"),
        ("procedure.register", "added"),
        ("channels.branch_offices", "removed"),
        ("channels.help_request", "added"),
        ("channels.branch_representatives", "added"),
    }
    described = {c.path: (c.describe("ar"), c.describe("en")) for c in changes}
    assert described["procedure.refer.target"] == (
        "تغيّرت جهة الإحالة من الإدارة إلى مسئول البحث الاجتماعي",
        "The referral target changed from the administration to the social research officer",
    )
    assert described["procedure.committee_review.window"] == (
        "تغيّرت مدة دراسة الطلب من أسبوع إلى أسبوعين",
        "The review window changed from one week to two weeks",
    )
    assert described["procedure.committee_review.body"][0] == (
        "تغيّرت الجهة التي تدرس الطلب وتبتّ فيه من الإدارة إلى لجنة البحث"
    )


def test_review_window_change_reads_in_words() -> None:
    old = load_seed_document("jamoum")
    new = with_step(old, "committee_review", window="P1M")
    (change,) = diff(old, new)
    assert (change.path, change.kind, change.old, change.new) == (
        "procedure.committee_review.window",
        "changed",
        "P2W",
        "P1M",
    )
    assert change.describe("ar") == "تغيّرت مدة دراسة الطلب من أسبوعين إلى شهر"
    assert change.describe("en") == "The review window changed from two weeks to one month"


def test_switching_to_business_days_is_one_change_and_calendar_default_is_not() -> None:
    old = load_seed_document("tabuk")
    explicit_calendar = with_step(old, "committee_review", business_days=False)
    assert diff(old, explicit_calendar) == []
    (change,) = diff(old, with_step(old, "committee_review", business_days=True))
    assert change.path == "procedure.committee_review.business_days"
    assert change.describe("ar") == "أصبحت مدة دراسة الطلب تحسب بأيام العمل (من الأحد إلى الخميس)"


def test_channel_added_and_removed() -> None:
    rumaila = load_seed_document("rumaila")
    without_website = replace(rumaila, channels=tuple(c for c in rumaila.channels if c.code != "website"))
    (added,) = diff(without_website, rumaila)
    assert (added.path, added.kind, added.new) == ("channels.website", "added", "website")
    assert added.describe("ar") == "أضيفت قناة: الموقع الإلكتروني للجمعية"
    assert added.describe("en") == "Channel added: The association's website"
    (removed,) = diff(rumaila, without_website)
    assert removed.describe("ar") == "حذفت قناة: الموقع الإلكتروني للجمعية"


def test_custom_channel_is_described_by_its_own_label() -> None:
    rumaila = load_seed_document("rumaila")
    whatsapp = ChannelEntry("custom:whatsapp", "واتساب", "WhatsApp")
    (change,) = diff(rumaila, replace(rumaila, channels=(*rumaila.channels, whatsapp)))
    assert change.describe("ar") == "أضيفت قناة: واتساب"
    assert change.new == {"code": "custom:whatsapp", "label_ar": "واتساب", "label_en": "WhatsApp"}


def test_moving_the_last_channel_first_is_one_move_named_by_its_label() -> None:
    jamoum = load_seed_document("jamoum")
    last = len(jamoum.channels)
    reordered = replace(jamoum, channels=(jamoum.channels[-1], *jamoum.channels[:-1]))
    (change,) = diff(jamoum, reordered)
    assert change.kind == "moved"
    assert change.path == "channels.branch_representatives"
    assert (change.old, change.new) == (last, 1)
    assert change.describe("ar") == f"تغيّر موضع قناة «مناديب المكاتب الفرعية»: من {last} إلى 1"
    assert change.describe("en") == f"Channel 'Branch-office representatives' moved from position {last} to 1"


def test_swapping_two_steps_moves_one_of_them() -> None:
    jamoum = load_seed_document("jamoum")
    steps = list(jamoum.procedure)
    steps[0], steps[1] = steps[1], steps[0]
    changes = diff(jamoum, replace(jamoum, procedure=tuple(steps)))
    assert [(c.kind, c.old, c.new) for c in changes] == [("moved", 2, 1)]


def test_insertions_alone_are_not_a_move() -> None:
    tabuk, jamoum = load_seed_document("tabuk"), load_seed_document("jamoum")
    assert not [c for c in diff(tabuk, jamoum) if c.kind == "moved"]


def test_line_endings_trailing_spaces_and_unicode_form_are_no_difference() -> None:
    jamoum = load_seed_document("jamoum")
    # As a browser posts a textarea (CRLF), with a trailing space, and «أ» decomposed (ا + hamza above).
    posted = jamoum.preamble_ar.replace("\n", "\r\n").replace("أ", "\u0627\u0654") + "  \r\n"
    assert posted != jamoum.preamble_ar
    assert diff(jamoum, replace(jamoum, preamble_ar=posted)) == []


def test_changed_prose_is_shown_word_by_word() -> None:
    jamoum = load_seed_document("jamoum")
    edited = jamoum.general_goal_ar.replace("للمستفيدين", "للمستفيدين والمتطوعين", 1)
    (change,) = diff(jamoum, replace(jamoum, general_goal_ar=edited))
    assert change.words is not None
    assert [(p.op, p.text.strip()) for p in change.words if p.op != "same"] == [("added", "والمتطوعين")]
    assert "".join(p.text for p in change.words if p.op != "added") == jamoum.general_goal_ar
    assert "".join(p.text for p in change.words if p.op != "removed") == edited


def test_relabelling_a_standard_channel() -> None:
    tabuk, baraa = load_seed_document("tabuk"), load_seed_document("baraa")
    labels = {c.path: c for c in diff(tabuk, baraa) if c.path.startswith("channels.letters.")}
    assert set(labels) == {"channels.letters.label_ar", "channels.letters.label_en"}
    assert labels["channels.letters.label_ar"].new == "المخاطبة"
    assert labels["channels.letters.label_ar"].describe("ar") == (
        "إضافة التسمية العربية إلى قناة «الخطابات»: «المخاطبة»"
    )


def test_beneficiary_term_change() -> None:
    changes = diff(load_seed_document("jamoum"), load_seed_document("baraa"))
    (term,) = [c for c in changes if c.section == "beneficiary_term"]
    assert (term.old, term.new) == ("beneficiary", "user")
    assert term.describe("ar") == "تغيّرت تسمية المستفيد من «المستفيد» إلى «المستخدم»"


def test_inserting_a_detailed_goal_is_one_addition() -> None:
    jamoum = load_seed_document("jamoum")
    goal = LocalizedText("هدف جديد", "A new goal")
    (change,) = diff(jamoum, replace(jamoum, detailed_goals=(goal, *jamoum.detailed_goals)))
    assert (change.path, change.kind, change.new) == ("detailed_goals[0]", "added", goal.to_dict())
    assert change.describe("ar") == "أضيف هدف تفصيلي: هدف جديد"


def test_editing_a_detailed_goal_is_one_change() -> None:
    jamoum = load_seed_document("jamoum")
    goals = list(jamoum.detailed_goals)
    goals[2] = LocalizedText(goals[2].ar + " وغيرها", goals[2].en)
    (change,) = diff(jamoum, replace(jamoum, detailed_goals=tuple(goals)))
    assert (change.path, change.kind) == ("detailed_goals[2]", "changed")
    assert change.describe("en").startswith("Detailed goal 3 changed")


def test_bank_account_iban_added() -> None:
    jamoum = load_seed_document("jamoum")
    accounts = tuple(
        replace(a, iban="SA0380000000608010167519") if a.fund_code == "zakat" else a
        for a in jamoum.bank_accounts
    )
    (change,) = diff(jamoum, replace(jamoum, bank_accounts=accounts))
    assert (change.path, change.kind, change.new) == (
        "bank_accounts.zakat.iban",
        "added",
        "SA0380000000608010167519",
    )
    assert "حساب الزكاة" in change.describe("ar")


def test_new_bank_account() -> None:
    mawsam = load_seed_document("mawsam")
    account = BankAccount("zakat", "حساب الزكاة", "Zakat account", iban="SA0380000000608010167519")
    (change,) = diff(mawsam, replace(mawsam, bank_accounts=(account,)))
    assert change.describe("ar") == "أضيف حساب بنكي: حساب الزكاة (SA0380000000608010167519)"


def test_removing_a_step_names_its_parameters() -> None:
    jamoum = load_seed_document("jamoum")
    without_refer = replace(jamoum, procedure=tuple(s for s in jamoum.procedure if s.step != "refer"))
    (change,) = diff(jamoum, without_refer)
    assert change.old == ProcedureStep("refer", target="social_research_officer").to_dict()
    assert change.describe("ar") == "حذفت خطوة: الإحالة لتوضيح الإجراءات (إلى مسئول البحث الاجتماعي)"


@pytest.mark.parametrize("old_slug", SEED_SLUGS)
@pytest.mark.parametrize("new_slug", SEED_SLUGS)
def test_every_change_is_json_and_readable(old_slug: str, new_slug: str) -> None:
    for change in diff(load_seed_document(old_slug), load_seed_document(new_slug)):
        data = json.loads(json.dumps(change.to_dict(), ensure_ascii=False))
        assert data["path"] == change.path
        assert data["description_ar"] and data["description_en"]
        assert "None" not in data["description_ar"] + data["description_en"]


def test_a_steps_own_wording_is_shown_word_by_word_with_placeholders_in_words() -> None:
    old = load_seed_document("jamoum")
    receive = next(s for s in old.procedure if s.step == "receive")
    new = replace(
        old,
        procedure=tuple(
            replace(s, text_en="Receive the {term} kindly and answer every question.")
            if s.step == "receive"
            else s
            for s in old.procedure
        ),
    )
    (change,) = diff(old, new)
    assert (change.path, change.attribute) == ("procedure.receive.text_en", "text_en")
    assert (
        change.describe("ar") == "تغيّرت صياغة خطوة «استقبال المستفيد والإجابة على استفساراته» (بالإنجليزية)"
    )
    assert change.describe("en") == "The wording of step 'Receive the beneficiary' changed (English)"
    assert receive.text_en is None  # Jamoum's English sentence was the template's
    added = "".join(p.text for p in change.words or () if p.op == "added")
    assert "[beneficiary]" in "".join(p.text for p in change.words or () if p.op != "removed")
    assert "{" not in added


def test_the_title_the_note_under_the_approval_the_seal_and_a_heading_are_changes() -> None:
    old = load_seed_document("rumaila")
    new = replace(
        old,
        title_en="Beneficiary Relations Policy of Rumaila",
        approval_note_ar=None,
        approval_seal=not old.approval_seal,
        headings=(*old.headings, ("channels", LocalizedText("قنوات التواصل", "Ways to reach us"))),
    )
    described = {c.path: c.describe("ar") for c in diff(old, new)}
    assert described == {
        "title_en": "أضيف نص عنوان السياسة (بالإنجليزية)",
        "approval_note_ar": "حذف نص العبارة تحت الاعتماد (بالعربية)",
        "headings.channels": "أصبح عنوان القسم «قنوات التواصل»",
        "approval_seal": "أصبح يُطبع حقل لختم الجمعية بجانب التوقيعات",
    }


def test_telling_the_applicant_the_decisions_reason_is_a_change_the_board_reads() -> None:
    from policy_engine.rules.diff_describe import describe

    before = load_seed_document("jamoum")
    after = replace(before, decision_reason_shared=True)
    [change] = diff(before, after)
    assert (change.path, change.kind, change.old, change.new) == (
        "decision_reason_shared",
        "changed",
        False,
        True,
    )
    assert describe(change, "en") == (
        "The applicant's text message about the decision now gives its reason in short"
    )
    assert "تذكر سببه" in describe(change, "ar")
    # Stored only when set, and read back.
    assert "decision_reason_shared" not in before.to_dict()
    assert PolicyDocument.from_dict(after.to_dict()).decision_reason_shared is True
