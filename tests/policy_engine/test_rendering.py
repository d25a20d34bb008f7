"""Rendering a policy version as HTML and as PDF, for the five seed associations, in Arabic and English.

PDFs are really rendered (WeasyPrint) and read back with pypdf: the text of the Arabic runs comes
from their /ActualText (the glyph map of Noto Sans Arabic cannot say which letter a shared
skeleton or dot glyph was, see docs/adr/0007-policy-pdf.md), the rest from the glyph map.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from functools import cache
from html.parser import HTMLParser
from io import BytesIO
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ContentStream, DictionaryObject
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from policy_engine import rendering
from policy_engine.rendering import (
    FONT_DIR,
    RenderError,
    local_files_only_fetcher,
    render_policy_html,
    render_policy_pdf,
)
from policy_engine.rules.catalog import BENEFICIARY_TERMS, Lang
from policy_engine.rules.document import PolicyDocument
from policy_engine.rules.seeds import SEED_SLUGS, load_seed

LANGS: tuple[Lang, ...] = ("ar", "en")
ARABIC = re.compile("[\u0600-\u06ff]")

# What each source document prints, written out by hand (not computed by the code under test).
APPROVALS: dict[str, dict[str, str | None]] = {
    "rumaila": {
        "meeting": "2021/9",
        "hijri_ar": "١٥ جمادى الأولى ١٤٤٣ هـ",
        "hijri_en": "15 Jumada al-Ula 1443 AH",
        "gregorian_en": "19 December 2021",
    },
    "jamoum": {
        "meeting": None,
        "hijri_ar": "٢٥ شعبان ١٤٤٥ هـ",
        "hijri_en": "25 Shaban 1445 AH",
        "gregorian_en": "6 March 2024",
    },
    "mawsam": {
        "meeting": "12",
        "hijri_ar": "١٨ صفر ١٤٤٢ هـ",
        "hijri_en": "18 Safar 1442 AH",
        "gregorian_en": "5 October 2020",
    },
    "baraa": {
        "meeting": "2",
        "hijri_ar": "١٠ ربيع الآخر ١٤٤٦ هـ",
        "hijri_en": "10 Rabi al-Thani 1446 AH",
        "gregorian_en": "13 October 2024",
    },
}
CHANNELS_AR = {
    "rumaila": [
        "المقابلة",
        "الاتصالات الهاتفية",
        "وسائل التواصل الاجتماعي",
        "الخطابات",
        "خدمات طلب المساعدة",
        "خدمة التطوع",
        "الموقع الإلكتروني للجمعية",
    ],
    "tabuk": [
        "المقابلة",
        "الاتصالات الهاتفية",
        "وسائل التواصل الاجتماعي",
        "الخطابات",
        "خدمة التطوع",
        "الموقع الإلكتروني للجمعية",
        "فروع الجمعية ومكاتبها",
    ],
    "baraa": [
        "المقابلة",
        "الاتصالات الهاتفية",
        "وسائل التواصل الاجتماعي",
        "المخاطبة",
        "خدمات طلب المساعدة",
        "خدمة التطوع",
        "مندوبي المكاتب الفرعية",
        "الموقع الإلكتروني للجمعية",
    ],
}
DRAFT_AR = "مسودة بانتظار اعتماد مجلس الإدارة"
DRAFT_EN = "Draft awaiting board approval"


def inputs(slug: str, lang: str, **overrides: Any) -> dict[str, Any]:
    seed = load_seed(slug)
    status = "in_force" if seed["approval"] is not None else "draft"
    values: dict[str, Any] = {
        "association": seed["association"],
        "document": seed["document"],
        "version": {"number": 1, "status": status},
        "approval": seed["approval"],
        "lang": lang,
    }
    values.update(overrides)
    return values


def channel_labels(slug: str, lang: Lang) -> list[str]:
    """The channels in the association's order, labelled by the document model itself."""
    return [entry.label(lang) for entry in PolicyDocument.from_dict(load_seed(slug)["document"]).channels]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def assert_in_order(text: str, items: Sequence[str], *, after: str = "") -> None:
    position = text.index(after) + len(after) if after else 0
    for item in items:
        found = text.find(item, position)
        assert found >= 0, f"{item!r} missing, or out of order, after position {position}"
        position = found + len(item)


# --- HTML, read back with the standard library's parser ------------------------------------------------


class Page(HTMLParser):
    """Texts by section, list items by section, and the language every text node is in."""

    VOID = {"meta", "br", "img", "link", "input", "hr"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, str | None]] = []  # (tag, lang, section)
        self.items: dict[str, list[str]] = {}
        self.sections: list[str] = []
        self.texts: list[tuple[str, str, str | None]] = []  # (text, lang, section)
        self.attrs: list[tuple[str, dict[str, str | None]]] = []
        self._li: list[list[str]] = []
        self._li_section: list[str | None] = []
        self.feed(html)
        self.close()

    @property
    def lang(self) -> str:
        return next((lang for _, lang, _ in reversed(self.stack) if lang), "")

    @property
    def section(self) -> str | None:
        return next((section for _, _, section in reversed(self.stack) if section), None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        mapping = dict(attrs)
        self.attrs.append((tag, mapping))
        if tag in self.VOID:
            return
        section = mapping.get("data-section")
        if section:
            self.sections.append(section)
        self.stack.append((tag, mapping.get("lang"), section))
        if tag == "li":
            self._li.append([])
            self._li_section.append(self.section)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        while self.stack:
            open_tag, _, _ = self.stack.pop()
            if open_tag == "li" and self._li:
                words = self._li.pop()
                section = self._li_section.pop()
                self.items.setdefault(section or "", []).append(squash(" ".join(words)))
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        self.texts.append((data, self.lang, self.section))
        if not data.strip():
            return
        if self._li:
            self._li[-1].append(data)

    def text(self, section: str | None = None) -> str:
        return squash("".join(text for text, _, sec in self.texts if section is None or sec == section))


@cache
def html_page(slug: str, lang: Lang, standalone: bool = False) -> str:
    return render_policy_html(**inputs(slug, lang), standalone=standalone)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_html_has_the_seed_structure_in_order(slug: str, lang: Lang) -> None:
    seed = load_seed(slug)
    document = seed["document"]
    page = Page(html_page(slug, lang))

    expected = ["preamble", "general-goal", "detailed-goals", "channels"]
    expected += ["staff-tools"] if document["staff_tools"] else []
    expected += ["procedure"]
    expected += ["responsibilities"] if document["responsibilities_ar"] else []
    expected += ["acknowledgment"] if document["staff_acknowledgment_required"] else []
    expected += ["contacts"] if document["contacts"] else []
    expected += ["bank-accounts"] if document["bank_accounts"] else []
    expected += ["approval"]
    if seed["approval"] is None:
        expected.insert(0, "draft-banner")
    assert page.sections == expected

    assert page.items["channels"] == channel_labels(slug, lang)
    assert len(page.items["procedure"]) == len(document["procedure"])
    assert len(page.items.get("staff-tools", [])) == len(document["staff_tools"])
    # Six goals, the sixth («... عن طريق ما يلي:») holding the five after it as sub-items.
    goals = [squash(goal[lang]) for goal in document["detailed_goals"]]
    assert page.items["detailed-goals"] == goals[:5] + goals[6:] + goals[5:6]  # a sub-list closes first
    assert page.text("preamble").endswith(squash(document[f"preamble_{lang}"]))
    assert page.text("general-goal").endswith(squash(document[f"general_goal_{lang}"]))


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_arabic_html_is_right_to_left_with_the_associations_identity(slug: str) -> None:
    seed = load_seed(slug)
    html = html_page(slug, "ar")
    page = Page(html)
    assert html.startswith('<article class="sila-policy')
    assert "<html" not in html and "<style" not in html
    article = page.attrs[0][1]
    assert (article["lang"], article["dir"]) == ("ar", "rtl")
    text = page.text()
    assert seed["association"]["name_ar"] in text
    term = "المستخدمين" if seed["document"]["beneficiary_term"] == "user" else "المستفيدين"
    assert f"سياسة تنظيم العلاقة مع {term}" in text
    assert f"القنوات المستخدمة للتواصل مع {term}" in text
    licence = seed["association"]["licence_number"]
    if licence:
        assert f'ترخيص رقم (<bdi dir="ltr">{licence}</bdi>)' in html
    else:
        assert "ترخيص رقم" not in text


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_english_html_marks_every_arabic_text_as_arabic(slug: str) -> None:
    seed = load_seed(slug)
    page = Page(html_page(slug, "en"))
    assert (page.attrs[0][1]["lang"], page.attrs[0][1]["dir"]) == ("en", "ltr")
    text = page.text()
    assert seed["association"]["name_en"] in text
    # The official Arabic name stands beside the English one, marked as Arabic.
    assert any(t == seed["association"]["name_ar"] and lang == "ar" for t, lang, _ in page.texts)
    for data, lang, _ in page.texts:
        if ARABIC.search(data):
            assert lang == "ar", f"Arabic text not marked lang=ar on an English page: {data!r}"
    for tag, attrs in page.attrs:
        if attrs.get("lang") == "ar":
            assert attrs.get("dir") == "rtl", tag


def test_every_catalogued_beneficiary_term_has_its_word_forms() -> None:
    assert set(rendering.TERMS) == set(BENEFICIARY_TERMS)


def test_the_beneficiary_term_is_the_documents() -> None:
    baraa_ar = Page(html_page("baraa", "ar"))
    assert "سياسة تنظيم العلاقة مع المستخدمين وتقديم الخدمات" in baraa_ar.text()
    assert "القنوات المستخدمة للتواصل مع المستخدمين" in baraa_ar.text()
    # Bara'a's steps say المستفيد where its seed does, although it calls the people it serves users.
    assert baraa_ar.items["procedure"][0].startswith("استقبال المستفيد بلباقة")
    assert "المستفيدين" not in " ".join(baraa_ar.items["channels"])
    baraa_en = Page(html_page("baraa", "en"))
    assert "User Relations and Service Delivery Policy" in baraa_en.text()
    assert "Channels used to communicate with users" in baraa_en.text()
    jamoum_en = Page(html_page("jamoum", "en"))
    assert "Beneficiary Relations Policy" in jamoum_en.text()
    assert Page(html_page("jamoum", "ar")).items["procedure"][0].startswith("استقبال المستفيد بلباقة")


def test_procedure_parameters_are_in_words() -> None:
    jamoum = Page(html_page("jamoum", "ar")).items["procedure"]
    assert "إحالته لمسئول البحث الاجتماعي" in jamoum[2]
    assert "سيرفع للجنة البحث" in jamoum[4]
    assert "بشأن قبوله أو رفضه خلال مدة لا تقل عن أسبوعين." in jamoum[4]
    rumaila = Page(html_page("rumaila", "ar")).items["procedure"]
    assert len(rumaila) == 6 and not any("إحالته" in step for step in rumaila)
    assert "خلال مدة لا تقل عن شهر." in rumaila[3]
    tabuk = Page(html_page("tabuk", "ar")).items["procedure"]
    assert "إحالتها للإدارة" in tabuk[2]
    assert "سيرفع للإدارة" in tabuk[3] and tabuk[3].endswith("خلال مدة لا تقل عن أسبوع")
    english = Page(html_page("jamoum", "en")).items["procedure"]
    assert "refers them to the social research officer" in english[2]
    assert "referred to the research committee" in english[4]
    assert english[4].endswith("within a period of not less than two weeks.")


def test_a_changed_window_changes_the_sentence_that_keeps_the_policys_words() -> None:
    document = load_seed("tabuk")["document"]
    review = next(step for step in document["procedure"] if step["step"] == "committee_review")
    review["window"] = "P1M"
    tabuk = Page(render_policy_html(**inputs("tabuk", "ar", document=document), standalone=False))
    assert tabuk.items["procedure"][3] == (
        "التوضيح للمستفيد بأن طلبه سيرفع للإدارة لدراسة طلبه والرد عليه خلال مدة لا تقل عن شهر"
    )


def test_a_review_window_in_business_days_says_so() -> None:
    document = load_seed("jamoum")["document"]
    document["procedure"][4] = {
        "step": "committee_review",
        "body": "research_committee",
        "window": "P10D",
        "business_days": True,
    }
    ar = Page(render_policy_html(**inputs("jamoum", "ar", document=document), standalone=False))
    assert "خلال مدة لا تقل عن عشرة أيام من أيام العمل" in ar.items["procedure"][4]
    en = Page(render_policy_html(**inputs("jamoum", "en", document=document), standalone=False))
    assert "within a period of not less than ten days (working days only)" in en.items["procedure"][4]


def test_staff_acknowledgment_only_when_the_document_requires_it() -> None:
    mawsam = Page(html_page("mawsam", "ar"))
    assert "إقرار الموظف بالاطلاع على السياسة" in mawsam.text("acknowledgment")
    assert "الاطلاع على الأنظمة" in mawsam.text("responsibilities")
    assert "Staff acknowledgment" in Page(html_page("mawsam", "en")).text("acknowledgment")
    for slug in ("rumaila", "jamoum", "tabuk", "baraa"):
        assert "acknowledgment" not in Page(html_page(slug, "ar")).sections


REASON_SHARED_AR = "إذا لم يُقبل طلب المستفيد، ذكرت الرسالة النصية التي تبلغه بالقرار سبب عدم القبول باختصار."
REASON_SHARED_EN = (
    "If a beneficiary's request is not accepted, the text message telling them of the decision gives "
    "the reason in short."
)


def test_a_shared_rejection_reason_is_stated_under_the_procedure_in_both_languages() -> None:
    document = {**load_seed("jamoum")["document"], "decision_reason_shared": True}
    ar = Page(render_policy_html(**inputs("jamoum", "ar", document=document), standalone=False))
    assert REASON_SHARED_AR in ar.text("procedure")
    en = Page(render_policy_html(**inputs("jamoum", "en", document=document), standalone=False))
    assert REASON_SHARED_EN in en.text("procedure")
    assert REASON_SHARED_AR in actual_text(render_policy_pdf(**inputs("jamoum", "ar", document=document)))
    assert REASON_SHARED_EN in glyph_text(render_policy_pdf(**inputs("jamoum", "en", document=document)))
    # A policy that keeps the reason to the association says nothing of it.
    assert "decision_reason_shared" not in load_seed("jamoum")["document"]
    assert "سبب عدم القبول" not in Page(html_page("jamoum", "ar")).text()
    assert "gives the reason" not in Page(html_page("jamoum", "en")).text()


def test_contacts_and_bank_accounts_as_printed() -> None:
    jamoum = Page(html_page("jamoum", "ar"))
    accounts = jamoum.items.get("bank-accounts", []) or [jamoum.text("bank-accounts")]
    text = " ".join(accounts)
    assert_in_order(
        text,
        [
            "حساب البرامج والمشاريع",
            "32400 0010 0060 8043 1046",
            "حساب الوقف",
            "32400 0010 0060 8042 8000",
            "حساب الكفالة",
            "32400 0010 0060 8042 8018",
            "حساب العام",
            "32400 0010 0060 8040 5503",
            "حساب الزكاة",
            "32400 0010 0060 8043 1053",
        ],
    )
    assert "aytaam.aljumum@gmail.com" in jamoum.text("contacts")
    assert ("a", {"href": "mailto:aytaam.aljumum@gmail.com"}) in jamoum.attrs
    mawsam = Page(html_page("mawsam", "ar"))
    assert "0550477355" in mawsam.text("contacts")
    assert "مركز الموسم" in mawsam.text("contacts")
    assert "bank-accounts" not in mawsam.sections


def test_an_iban_is_printed_in_groups_of_four() -> None:
    document = load_seed("baraa")["document"]
    document["bank_accounts"] = [
        {
            "fund_code": "zakat",
            "label_ar": "حساب الزكاة",
            "label_en": "Zakat",
            "iban": "SA0380000000608010167519",
        }
    ]
    page = Page(render_policy_html(**inputs("baraa", "en", document=document), standalone=False))
    assert "IBAN SA03 8000 0000 6080 1016 7519" in page.text("bank-accounts")


@pytest.mark.parametrize("slug", ["rumaila", "jamoum", "mawsam", "baraa"])
def test_approval_block(slug: str) -> None:
    seed = load_seed(slug)
    expected = APPROVALS[slug]
    ar = Page(html_page(slug, "ar")).text("approval")
    en = Page(html_page(slug, "en")).text("approval")
    assert str(expected["hijri_ar"]) in ar
    assert str(expected["hijri_en"]) in en and str(expected["gregorian_en"]) in en
    if expected["meeting"]:
        assert f"في اجتماعه رقم ({expected['meeting']})" in ar
        assert f"at its meeting no. {expected['meeting']}" in en
    for person in seed["approval"]["signatories"]:
        assert person["name"] in ar and person["role_ar"] in ar
        assert person["name"] in en and person["role_en"] in en
    assert DRAFT_AR not in Page(html_page(slug, "ar")).text()
    assert DRAFT_EN not in Page(html_page(slug, "en")).text()


def test_term_and_session_in_words() -> None:
    assert "في دورته (الأولى)" in Page(html_page("baraa", "ar")).text("approval")
    assert "in its first term" in Page(html_page("mawsam", "en")).text("approval")
    assert "في جلسته (الثانية)" in Page(html_page("jamoum", "ar")).text("approval")


def test_tabuk_is_a_draft_awaiting_board_approval() -> None:
    ar = Page(html_page("tabuk", "ar"))
    assert DRAFT_AR in ar.text("draft-banner")
    assert DRAFT_AR in ar.text("approval")
    assert "اعتمد مجلس إدارة" not in ar.text()
    en = Page(html_page("tabuk", "en"))
    assert DRAFT_EN in en.text("draft-banner")


def test_a_missing_date_is_converted_and_dates_may_be_date_objects() -> None:
    approval = dict(load_seed("jamoum")["approval"], date_hijri=None, date_gregorian=dt.date(2024, 3, 6))
    page = Page(render_policy_html(**inputs("jamoum", "ar", approval=approval), standalone=False))
    assert "بتاريخ ٢٥ شعبان ١٤٤٥ هـ الموافق ٦ مارس ٢٠٢٤ م" in page.text("approval")
    approval = dict(load_seed("mawsam")["approval"], date_gregorian=None)
    page = Page(render_policy_html(**inputs("mawsam", "en", approval=approval), standalone=False))
    assert "on 18 Safar 1442 AH (5 October 2020)" in page.text("approval")


def test_english_falls_back_to_arabic_marked_as_arabic() -> None:
    document = load_seed("jamoum")["document"]
    document["preamble_en"] = ""
    document["channels"].append({"code": "custom:whatsapp", "label_ar": "واتساب"})
    document["detailed_goals"][0] = {"ar": "هدف بلا ترجمة.", "en": ""}
    association = dict(load_seed("jamoum")["association"], name_en="")
    html = render_policy_html(
        **inputs("jamoum", "en", document=document, association=association), standalone=False
    )
    page = Page(html)
    assert '<div class="sila-policy__text" lang="ar" dir="rtl"><p>تضع جمعية' in html
    assert '<li><span lang="ar" dir="rtl">واتساب</span></li>' in html
    assert '<li lang="ar" dir="rtl">هدف بلا ترجمة.</li>' in html
    assert page.items["channels"][-1] == "واتساب"
    assert ("p", {"class": "sila-policy__association", "lang": "ar", "dir": "rtl"}) in page.attrs
    for data, lang, _ in page.texts:
        if ARABIC.search(data):
            assert lang == "ar", data


def test_version_label_and_superseded_notice() -> None:
    version = {"number": 3, "status": "superseded"}
    ar = Page(render_policy_html(**inputs("rumaila", "ar", version=version), standalone=False)).text()
    assert "الإصدار ٣" in ar and "نسخة سابقة" in ar
    en = Page(render_policy_html(**inputs("rumaila", "en", version=version), standalone=False)).text()
    assert "Version 3" in en and "Earlier version" in en
    assert (
        "الإصدار"
        not in Page(render_policy_html(**inputs("rumaila", "ar", version=None), standalone=False)).text()
    )


def test_text_is_escaped() -> None:
    association = dict(load_seed("rumaila")["association"], name_ar="<script>alert(1)</script> جمعية")
    html = render_policy_html(**inputs("rumaila", "ar", association=association), standalone=True)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; جمعية" in html


def test_standalone_page() -> None:
    html = html_page("jamoum", "ar", standalone=True)
    assert html.startswith("<!doctype html>\n")
    assert '<html lang="ar" dir="rtl">' in html
    assert '<meta charset="utf-8">' in html
    assert "<title>سياسة تنظيم العلاقة مع المستفيدين — جمعية رعاية الأيتام بالجموم</title>" in html
    assert '@font-face { font-family: "Noto Sans Arabic"' in html
    assert 'url("/static/sila/fonts/noto-sans-arabic-arabic-400-normal.woff2") format("woff2")' in html
    # Nothing is loaded from the network (a contact's link is a link, not a fetch).
    assert not re.search(r"""(src=|url\()["']?https?:""", html)
    assert html.rstrip().endswith("</html>")
    assert '<html lang="en" dir="ltr">' in html_page("jamoum", "en", standalone=True)


def test_the_template_renders_the_same_without_the_app_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.apps import apps

    with_loader = render_policy_html(**inputs("mawsam", "ar"), standalone=True)
    monkeypatch.setattr(apps, "is_installed", lambda name: False)
    assert render_policy_html(**inputs("mawsam", "ar"), standalone=True) == with_loader


def test_bad_inputs() -> None:
    with pytest.raises(RenderError, match="unsupported language"):
        render_policy_html(**inputs("rumaila", "fr"), standalone=False)
    with pytest.raises(RenderError, match="not a policy document"):
        render_policy_html(**inputs("rumaila", "ar", document={"channels": []}), standalone=False)
    assert 'lang="en"' in render_policy_html(**inputs("rumaila", "en-GB"), standalone=False)[:80]


# --- PDF --------------------------------------------------------------------------------------------------


class RecordingFetcher(URLFetcher):
    """Records every URL WeasyPrint asks for; anything over http(s) fails the rendering."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> Any:
        self.urls.append(url)
        if url.lower().startswith(("http:", "https:")):
            raise FatalURLFetchingError(f"network fetch attempted: {url}")
        return super().fetch(url, headers)


@cache
def pdf_for(slug: str, lang: Lang) -> tuple[bytes, tuple[str, ...]]:
    fetcher = RecordingFetcher()
    pdf = render_policy_pdf(**inputs(slug, lang), url_fetcher=fetcher)
    return pdf, tuple(fetcher.urls)


def actual_text(pdf: bytes) -> str:
    """The /ActualText of every marked-content span, in drawing order (what a reader copies)."""
    reader = PdfReader(BytesIO(pdf))
    spans: list[str] = []
    for page in reader.pages:
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            properties = operands[1] if operator == b"BDC" and len(operands) == 2 else None
            if isinstance(properties, DictionaryObject) and "/ActualText" in properties:
                spans.append(str(properties["/ActualText"]))
    return squash(" ".join(spans))


def glyph_text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return squash(" ".join(page.extract_text() for page in reader.pages))


def embedded_fonts(pdf: bytes) -> dict[str, str]:
    """BaseFont → the family name inside the embedded font program."""
    reader = PdfReader(BytesIO(pdf))
    found: dict[str, str] = {}
    for page in reader.pages:
        resources: Any = page["/Resources"].get_object()
        fonts = resources.get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descendants: Iterable[Any] = font.get("/DescendantFonts", [font])
            for descendant in descendants:
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                assert program is not None, f"{font['/BaseFont']} is not embedded"
                family = TTFont(BytesIO(program.get_object().get_data()))["name"].getDebugName(1)
                found[str(font["/BaseFont"])] = str(family)
    return found


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_pdf_is_made_offline_with_the_shipped_font(slug: str, lang: Lang) -> None:
    pdf, urls = pdf_for(slug, lang)
    assert pdf.startswith(b"%PDF-")
    assert urls, "the fonts were not loaded"
    for url in urls:
        assert url.startswith(FONT_DIR.as_uri() + "/") and url.endswith(".woff"), url
    fonts = embedded_fonts(pdf)
    assert fonts, "no font in the PDF"
    for base_font, family in fonts.items():
        # Every glyph is from the shipped Noto Sans Arabic (no system fallback font crept in).
        assert re.fullmatch(r"/[A-Z]{6}\+Noto-Sans-Arabic(-Latin)?(-Bold)?", base_font), base_font
        assert family == "Noto Sans Arabic", (base_font, family)


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_arabic_pdf_text(slug: str) -> None:
    seed = load_seed(slug)
    pdf, _ = pdf_for(slug, "ar")
    text = actual_text(pdf)
    assert seed["association"]["name_ar"] in text
    heading = "القنوات المستخدمة للتواصل مع " + (
        "المستخدمين" if seed["document"]["beneficiary_term"] == "user" else "المستفيدين"
    )
    assert_in_order(text, channel_labels(slug, "ar"), after=heading)
    if slug in CHANNELS_AR:
        assert_in_order(text, CHANNELS_AR[slug], after=heading)
    if seed["approval"] is None:
        assert DRAFT_AR in text
        assert "مسودة" in text  # the watermark on every page
    else:
        expected = APPROVALS[slug]
        assert str(expected["hijri_ar"]) in text
        if expected["meeting"]:
            assert f"اجتماعه رقم ({expected['meeting']})" in text
        assert DRAFT_AR not in text
    if seed["association"]["licence_number"]:
        assert seed["association"]["licence_number"] in glyph_text(pdf)


@pytest.mark.parametrize("slug", SEED_SLUGS)
def test_english_pdf_text(slug: str) -> None:
    seed = load_seed(slug)
    pdf, _ = pdf_for(slug, "en")
    text = glyph_text(pdf)
    assert seed["association"]["name_en"] in text
    assert seed["association"]["name_ar"] in actual_text(pdf)
    assert_in_order(text, channel_labels(slug, "en"), after="Channels used to communicate with")
    if seed["approval"] is None:
        assert DRAFT_EN in text
    else:
        expected = APPROVALS[slug]
        assert str(expected["hijri_en"]) in text
        assert str(expected["gregorian_en"]) in text
        if expected["meeting"]:
            assert f"at its meeting no. {expected['meeting']}" in text
        for person in seed["approval"]["signatories"]:
            assert person["name"] in actual_text(pdf)
            assert person["role_en"] in text


def test_english_runs_keep_the_glyph_map_and_arabic_runs_carry_actual_text() -> None:
    pdf, _ = pdf_for("jamoum", "en")
    spans = actual_text(pdf)
    assert "Jamoum Orphan Care Association" not in spans  # English text needs no /ActualText
    assert "جمعية رعاية الأيتام بالجموم" in spans


def test_the_actual_text_hook_is_off_outside_policy_pdfs() -> None:
    import weasyprint

    html = "<html lang='ar' dir='rtl'><body><p>جمعية</p></body></html>"
    other_pdf = weasyprint.HTML(string=html).write_pdf()
    assert isinstance(other_pdf, bytes)
    assert actual_text(other_pdf) == ""
    assert rendering.pdf._ACTUAL_TEXT.get() is False


def test_a_web_address_in_the_document_is_text_not_a_fetch() -> None:
    document = load_seed("rumaila")["document"]
    document["contacts"] = [{"kind": "website", "value": "https://example.org/policy.css"}]
    fetcher = RecordingFetcher()
    pdf = render_policy_pdf(**inputs("rumaila", "ar", document=document), url_fetcher=fetcher)
    assert pdf.startswith(b"%PDF-")
    assert not any(url.startswith("http") for url in fetcher.urls)
    assert "https://example.org/policy.css" in glyph_text(pdf)


def test_the_default_fetcher_reads_only_the_shipped_assets() -> None:
    fetcher = local_files_only_fetcher()
    with pytest.raises(FatalURLFetchingError):
        fetcher.fetch("https://fonts.example.org/noto.woff")
    with pytest.raises(FatalURLFetchingError):
        fetcher.fetch("file:///etc/passwd")
    response = fetcher.fetch((FONT_DIR / "noto-sans-arabic-arabic-400-normal.woff").as_uri())
    assert response is not None
    pdf = render_policy_pdf(**inputs("baraa", "ar"))  # the default fetcher
    assert pdf.startswith(b"%PDF-") and "جمعية براعة التعليمية" in actual_text(pdf)
