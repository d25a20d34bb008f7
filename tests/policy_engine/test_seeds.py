"""The five seed profiles: identity, approval, faithfulness to the source, and the document round trip."""

import json
import re
from dataclasses import FrozenInstanceError, fields
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from policy_engine.rules.catalog import CatalogKind, get_entry
from policy_engine.rules.document import (
    FIELD_ORDER,
    OPTIONAL_FIELDS,
    ChannelEntry,
    DocumentError,
    PolicyDocument,
    StaffToolEntry,
)
from policy_engine.rules.seeds import SEED_SLUGS, load_seed, load_seed_document

# The extracted texts, copied beside the tests from the shared seeds (see seed_texts/README.md).
SOURCES = Path(__file__).resolve().parent / "seed_texts"
SOURCE_FILES = {
    "rumaila": "000_2e94da03e8007340.txt",
    "jamoum": "001_2d68397a7e3c7350.txt",
    "mawsam": "002_d50d4a66c5595f3d.txt",
    "tabuk": "003_2421e3b30be3fc6a.txt",
    "baraa": "004_d21047a9f43cbc40.txt",
}
ASSOCIATION_KEYS = {
    "slug",
    "name_ar",
    "name_en",
    "sector",
    "sector_ar",
    "region_ar",
    "region_en",
    "licence_number",
}


def test_the_five_slugs() -> None:
    assert SEED_SLUGS == ("rumaila", "jamoum", "mawsam", "tabuk", "baraa")


def test_unknown_slug() -> None:
    with pytest.raises(KeyError):
        load_seed("../pyproject")


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_profile_shape(slug: str) -> None:
    seed = load_seed(slug)
    assert set(seed) == {"association", "document", "approval"}
    assert set(seed["association"]) == ASSOCIATION_KEYS
    assert seed["association"]["slug"] == slug
    assert re.fullmatch(r"[a-z_]+", seed["association"]["sector"])


def test_load_seed_returns_a_fresh_copy() -> None:
    load_seed("jamoum")["document"]["channels"].clear()
    assert len(load_seed("jamoum")["document"]["channels"]) == 8


@pytest.mark.parametrize(
    ("slug", "name_ar", "name_en", "sector", "licence"),
    [
        (
            "rumaila",
            "جمعية الرميلة الخيرية للخدمات الاجتماعية والتنمية",
            "Al-Rumaila Charitable Association for Social Services and Development",
            "social_services",
            None,
        ),
        ("jamoum", "جمعية رعاية الأيتام بالجموم", "Jamoum Orphan Care Association", "orphan_care", "5343"),
        (
            "mawsam",
            "جمعية التنمية الاجتماعية بالموسم",
            "Social Development Association in Al-Mawsam",
            "social_development",
            None,
        ),
        (
            "tabuk",
            "الجمعية الخيرية للرعاية الصحية بمنطقة تبوك",
            "Charitable Association for Health Care in Tabuk Region",
            "health_care",
            None,
        ),
        ("baraa", "جمعية براعة التعليمية", "Bara'a Educational Association", "education", "1000651200"),
    ],
)
def test_association_identity(
    slug: str, name_ar: str, name_en: str, sector: str, licence: str | None
) -> None:
    association = load_seed(slug)["association"]
    assert (association["name_ar"], association["name_en"]) == (name_ar, name_en)
    assert association["sector"] == sector
    assert association["licence_number"] == licence


# --- Board approval -------------------------------------------------------------------------------


APPROVALS: dict[str, tuple[str | None, int | None, int | None, str, str, list[str]]] = {
    # slug: (meeting number, term, session, Hijri, Gregorian, signatory names)
    "rumaila": (
        "2021/9",
        None,
        None,
        "1443-05-15",
        "2021-12-19",
        ["علي بن حسين النباط", "منذر بن عبدالله الحماد"],
    ),
    "jamoum": (None, None, 2, "1445-08-25", "2024-03-06", ["د/ أنور بن حسين الحمراي"]),
    "mawsam": ("12", 1, None, "1442-02-18", "2020-10-05", []),
    "baraa": ("2", 1, None, "1446-04-10", "2024-10-13", ["د. رزان علي العقلاء"]),
}


def test_tabuk_is_a_draft_without_approval() -> None:
    assert load_seed("tabuk")["approval"] is None
    assert set(APPROVALS) == set(SEED_SLUGS) - {"tabuk"}


@pytest.mark.parametrize("slug", sorted(APPROVALS))
def test_approval(slug: str) -> None:
    approval = load_seed(slug)["approval"]
    meeting, term, session, hijri, gregorian, names = APPROVALS[slug]
    assert (approval["meeting_number"], approval["term"], approval["session"]) == (meeting, term, session)
    assert (approval["date_hijri"], approval["date_gregorian"]) == (hijri, gregorian)
    assert [signatory["name"] for signatory in approval["signatories"]] == names
    for signatory in approval["signatories"]:
        assert signatory["role_ar"] and signatory["role_en"]
    date.fromisoformat(approval["date_gregorian"])
    assert re.fullmatch(r"14\d\d-\d\d-\d\d", approval["date_hijri"])


@pytest.mark.parametrize("slug", sorted(APPROVALS))
def test_hijri_and_gregorian_dates_agree(slug: str) -> None:
    hijridate = pytest.importorskip("hijridate")
    approval = load_seed(slug)["approval"]
    year, month, day = (int(part) for part in approval["date_hijri"].split("-"))
    converted = hijridate.Hijri(year, month, day).to_gregorian()
    assert date(converted.year, converted.month, converted.day) == date.fromisoformat(
        approval["date_gregorian"]
    )


# --- Document content --------------------------------------------------------------------------


def test_beneficiary_terms() -> None:
    terms = {slug: load_seed_document(slug).beneficiary_term for slug in SEED_SLUGS}
    assert terms == {
        "rumaila": "beneficiary",
        "jamoum": "beneficiary",
        "mawsam": "beneficiary",
        "tabuk": "beneficiary",
        "baraa": "user",
    }


def test_staff_tools_per_association() -> None:
    tools = {slug: load_seed_document(slug).staff_tool_codes() for slug in SEED_SLUGS}
    assert tools == {
        "rumaila": (),
        "jamoum": ("bylaws", "social_research_guide", "support_policy_guide", "support_request_form"),
        "mawsam": ("bylaws", "support_regulation", "support_request_form"),
        "tabuk": ("bylaws", "social_research_guide"),
        "baraa": ("bylaws", "social_research_guide", "support_request_form", "support_policy_guide"),
    }


def test_jamoum_bank_accounts_are_kept_as_printed_without_inventing_ibans() -> None:
    accounts = {a.fund_code: a for a in load_seed_document("jamoum").bank_accounts}
    assert {code: a.account_number_as_printed for code, a in accounts.items()} == {
        "programs_projects": "32400 0010 0060 8043 1046",
        "endowment": "32400 0010 0060 8042 8000",
        "sponsorship": "32400 0010 0060 8042 8018",
        "general": "32400 0010 0060 8040 5503",
        "zakat": "32400 0010 0060 8043 1053",
    }
    assert all(a.iban is None for a in accounts.values())
    assert all(not load_seed_document(slug).bank_accounts for slug in SEED_SLUGS if slug != "jamoum")


def test_public_contacts() -> None:
    contacts = {slug: [(c.kind, c.value) for c in load_seed_document(slug).contacts] for slug in SEED_SLUGS}
    assert contacts["jamoum"] == [("email", "aytaam.aljumum@gmail.com"), ("facebook", "aljumumorphan")]
    assert contacts["mawsam"][:2] == [("email", "almoassam@outlook.sa"), ("phone", "0550477355")]
    assert contacts["mawsam"][2][0] == "address"
    assert contacts["rumaila"] == contacts["tabuk"] == contacts["baraa"] == []


def test_jamoum_preamble_keeps_the_source_slip() -> None:
    jamoum = load_seed_document("jamoum")
    assert "جمعية اتقاء" in jamoum.preamble_ar
    assert "Ittiqa" in jamoum.preamble_en


def test_only_mawsam_has_responsibilities() -> None:
    with_text = [slug for slug in SEED_SLUGS if load_seed_document(slug).responsibilities_ar]
    assert with_text == ["mawsam"]
    assert "التوقيع عليها" in (load_seed_document("mawsam").responsibilities_ar or "")


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_texts_are_bilingual_and_free_of_known_ocr_noise(slug: str) -> None:
    document = load_seed_document(slug)
    arabic = " ".join(
        [document.preamble_ar, document.general_goal_ar, *(g.ar for g in document.detailed_goals)]
    )
    for noise in ("الرمييلة", "المعقود", "حسيمة", "التصيير", "مختل ف", "طال ب", "قنوا ت"):
        assert noise not in arabic
    assert len(document.detailed_goals) == 11
    for goal in document.detailed_goals:
        assert goal.ar.strip() and goal.en.strip()
        assert not re.search(r"[\u0600-\u06FF]", goal.en)


def test_baraa_speaks_of_users_in_its_later_goals() -> None:
    goals = load_seed_document("baraa").detailed_goals
    assert "المستخدمين" in goals[5].ar
    assert "users" in goals[5].en


def _words(text: str) -> set[str]:
    normalised = re.sub("[إأآ]", "ا", text).replace("ى", "ي")
    return set(re.findall(r"[\u0621-\u064A]+", normalised))


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_channel_and_tool_wording_comes_from_the_source(slug: str) -> None:
    source = SOURCES / SOURCE_FILES[slug]
    source_words = _words(source.read_text(encoding="utf-8"))
    document = load_seed_document(slug)
    entries: list[ChannelEntry | StaffToolEntry] = [*document.channels, *document.staff_tools]
    for entry in entries:
        missing = _words(entry.label("ar")) - source_words
        assert not missing, (entry.code, missing)


def test_bara_a_keeps_its_own_wording_for_two_channels() -> None:
    labels = {c.code: c.label("ar") for c in load_seed_document("baraa").channels}
    assert labels["letters"] == "المخاطبة"
    assert labels["branch_representatives"] == "مندوبي المكاتب الفرعية"
    letters = get_entry(CatalogKind.CHANNEL, "letters")
    assert letters is not None and letters.label_ar == "الخطابات"


# --- Round trip -----------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_round_trip_is_identity(slug: str) -> None:
    data = load_seed(slug)["document"]
    document = PolicyDocument.from_dict(data)
    assert document.to_dict() == data
    # Every field in canonical order; the optional ones only when this policy sets them.
    assert list(document.to_dict()) == [
        name for name in FIELD_ORDER if name not in OPTIONAL_FIELDS or name in data
    ]
    assert PolicyDocument.from_dict(document.to_dict()) == document
    assert PolicyDocument.from_dict(json.loads(json.dumps(document.to_dict()))) == document


def test_field_order_names_every_document_field() -> None:
    assert set(FIELD_ORDER) == {field.name for field in fields(PolicyDocument)}


def test_documents_are_immutable() -> None:
    document = load_seed_document("rumaila")
    with pytest.raises(FrozenInstanceError):
        document.beneficiary_term = "user"  # type: ignore[misc]
    assert isinstance(document.channels, tuple)


def test_optional_fields_default_on_read() -> None:
    data = load_seed("rumaila")["document"]
    for key in (
        "detailed_goals",
        "responsibilities_ar",
        "responsibilities_en",
        "staff_tools",
        "contacts",
        "bank_accounts",
    ):
        del data[key]
    del data["staff_acknowledgment_required"]
    document = PolicyDocument.from_dict(data)
    assert document.staff_tools == () and document.responsibilities_ar is None
    assert document.staff_acknowledgment_required is False


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"channels": "phone"}, "channels"),
        ({"procedure": [{"step": "receive", "colour": "red"}]}, "procedure[0].colour"),
        ({"procedure": [{"target": "administration"}]}, "procedure[0].step"),
        ({"staff_acknowledgment_required": "yes"}, "staff_acknowledgment_required"),
        ({"channels": [42]}, "channels[0]"),
        ({"board": 1}, "board"),
    ],
)
def test_from_dict_rejects_the_wrong_shape(change: dict[str, Any], path: str) -> None:
    data = load_seed("rumaila")["document"]
    data.update(change)
    with pytest.raises(DocumentError) as caught:
        PolicyDocument.from_dict(data)
    assert caught.value.path == path


def test_from_dict_requires_the_core_fields() -> None:
    data = load_seed("rumaila")["document"]
    del data["procedure"]
    with pytest.raises(DocumentError) as caught:
        PolicyDocument.from_dict(data)
    assert caught.value.path == "procedure"
