"""Each founding association's policy says what its printed policy says.

For every association, passages of its printed text (the extracted seed in ``seed_texts/``) are
checked twice: that the passage really is in the printed text (so the expected wording comes from
the seed, not from our code), and that the rendered page, and the PDF, say it. Passages are compared
with runs of whitespace made one space (the extraction breaks lines anywhere); where the extraction
scrambles a line, the passage is split into the pieces it kept in order.
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from policy_engine.rendering import render_policy_html, render_policy_pdf
from policy_engine.rules.seeds import load_seed
from tests.policy_engine.test_rendering import ARABIC, Page, actual_text, inputs
from tests.policy_engine.test_seeds import SOURCE_FILES, SOURCES

# slug -> passages (each a tuple of pieces that must all appear) the page must print as the seed does.
PASSAGES: dict[str, tuple[tuple[str, ...], ...]] = {
    "rumaila": (
        ("القنوات المستخدمة للتواصل مع المستفيدين",),
        ("يتم التعامل مع المستفيد على مختلف المستويات لإنهاء معاملاته بالشكل التالي",),
        ("استقبال المستفيد بلباقة واحترام والإجابة على جميع الاستفسارات وإعطاء المراجع الوقت الكافي.",),
        (
            "التأكد من تقديم المراجع كافة المعلومات المطلوبة، وعلى الموظف مطابقة البيانات والتأكد من صلاحيتها"
            " وقت التقديم.",
        ),
        (
            "التأكد من صحة البيانات المقدمة من طالب الدعم والتوقيع عليها وأنه مسؤول مسئولية مباشرة عن صحة"
            " المعلومات.",
        ),
        (
            "التوضيح للمستفيد بأن طلبه سيرفع للجنة البحث لدراسة طلبه والرد عليه بشأن قبوله أو رفضه خلال مدة لا"
            " تقل عن شهر.",
        ),
        ("استكمال اجراءات التسجيل مع اكتمال الطلبات.",),
        ("تقديم الخدمة اللازمة.",),
        # Printed «ونحل» (an OCR slip for «وتحل»): the sentence as the association wrote it.
        ("هذه السياسة محل جميع السياسات الموضوعة سابقاً",),
        ("علي بن حسين النباط",),
    ),
    "jamoum": (
        ("الأدوات المتاحة لموظف علاقات المستفيدين للتواصل مع المستفيدين",),
        ("استقبال المستفيد بلباقة واحترام والإجابة على جميع الاستفسارات وإعطاء المراجع الوقت الكافي.",),
        (
            "في حالة عدم وضوح الإجراءات للمستفيد فعلى الموظف إحالته لمسئول البحث الاجتماعي للإجابة على تساؤلاته"
            " وإيضاح الجوانب التنظيمية.",
        ),
        (
            "التأكد على صحة البيانات المقدمة من طالب الدعم والتوقيع عليها وأنه مسؤول مسئولية مباشرة عن صحة"
            " المعلومات.",
        ),
        (
            "التوضيح للمستفيد بأن طلبه سيرفع للجنة البحث لدراسة طلبه والرد عليه بشأن قبوله أو رفضه خلال مدة لا"
            " تقل عن أسبوعين.",
        ),
        ("الختم",),
        ("aljumumorphan",),
        ("د/ أنور بن حسين الحمراي",),
    ),
    "mawsam": (
        ("الأدوات المتاحة لموظف علاقات المستفيدين للتواصل مع المستفيدين",),
        ("استقبال المستفيد بلباقة واحترام والإجابة على جميع الاستفسارات وإعطاء المراجع", "الوقت الكافي."),
        (
            "في حالة عدم وضوح الإجراءات للمستفيد فعلى الموظف إحالته لمسئول البحث",
            "الاجتماعي للإجابة على تساؤلاته",
        ),
        (
            "التوضيح للمستفيد بأن طلبه سيرفع للجنة البحث لدراسة طلبه والرد عليه بشأن قبوله",
            "أو رفضه خلال مدة لا تقل عن أسبوعين.",
        ),
        ("استكمال اجراءات التسجيل مع اكتمال الطلبات.",),
    ),
    "tabuk": (
        ("الهدف العام",),
        ("الأهداف التفصيلية",),
        ("القنوات المستخدمة للتواصل مع المستفيدين",),
        ("يتم التعامل مع المستفيد على مختلف المستويات لإنهاء معاملاته بالشكل التالي:",),
        ("استقبال المستفيد بلباقة وإحترام والإجابة على جميع الاستفسارات وإعطائه الوقت الكافي.",),
        (
            "التأكد من تقديم المراجع كافة المعلومات المطلوبة مطابقة البيانات والتأكد منها من قبل الموظف المختص"
            " وقت التقديم.",
        ),
        (
            "في حالة عدم وضوح الإجراءات للمستفيد فعلى الموظف إحالتها",
            "للإجابة على تساؤلاته",
            "وإيضاح الجوانب التنظيمية.",
        ),
        ("التوضيح للمستفيد بأن طلبه سيرفع للإدارة لدراسة طلبه والرد عليه خلال مدة لا تقل عن أسبوع",),
        ("ومن ثم تقديم الخدمة المناسبة للعميل",),
    ),
    "baraa": (
        ("سياسة تنظيم العلاقة مع المستخدمين", "وتقديم الخدمات"),
        ("القنوات المستخدمة للتواصل مع المستخدمين",),
        ("علاقات المستفيدين للتواصل مع المستفيدين",),
        ("ويتم التعامل مع المستفيد على مختلف المستويات لإنهاء معاملته بالشكل التالي",),
        ("استقبال المستفيد بلباقة واحترام والإجابة على جميع الاستفسارات وإعطاء المراجع الوقت الكافي.",),
        (
            "في حالة عدم وضوح الإجراءات للمستفيد فعلى الموظف إحالته لمسئول البحث الاجتماعي للإجابة على تساؤلاته"
            " وإيضاح الجوانب التنظيمية.",
        ),
        (
            "التأكد على صحة البيانات المقدمة من طالب الدعم والتوقيع عليها وأنه مسؤول مسؤولية مباشرة عن صحة"
            " المعلومات.",
        ),
        (
            "التوضيح للمستفيد بأن طلبه سيرفع للجنة البحث لدراسة طلبه والرد عليه بشأن قبوله أو رفضه خلال مدة لا"
            " تقل عن أسبوعين",
        ),
        ("استكمال إجراءات التسجيل مع اكتمال الطلبات.",),
        ("د. رزان علي العقلاء",),
    ),
}

# Tabuk numbers its sections; the extraction keeps the ordinals without hamza or tanween
# («اولا»), which the page prints in full («أولاً»), so they are checked on their own.
TABUK_NUMBERED = (
    ("اولا", "أولاً: الهدف العام"),
    ("ثانيا", "ثانياً: الأهداف التفصيلية"),
    ("ثالثا", "ثالثاً: القنوات المستخدمة للتواصل مع المستفيدين"),
    ("خامسا", "خامساً: الأدوات المتاحة لموظف علاقات المستفيدين للتواصل مع المستفيدين"),
    ("سادسا", "سادساً: التعامل مع المستفيد"),
)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


@cache
def seed_text(slug: str) -> str:
    return squash((SOURCES / SOURCE_FILES[slug]).read_text(encoding="utf-8").replace("*", ""))


@cache
def page_text(slug: str) -> str:
    return squash(Page(render_policy_html(**inputs(slug, "ar"), standalone=False)).text())


@pytest.mark.parametrize("slug", list(PASSAGES))
def test_the_expected_passages_are_the_seeds_own(slug: str) -> None:
    for passage in PASSAGES[slug]:
        for piece in passage:
            assert piece in seed_text(slug), (slug, piece)


@pytest.mark.parametrize("slug", list(PASSAGES))
def test_the_policy_page_says_what_the_seed_says(slug: str) -> None:
    for passage in PASSAGES[slug]:
        for piece in passage:
            assert piece in page_text(slug), (slug, piece)


@pytest.mark.parametrize("slug", list(PASSAGES))
def test_the_pdf_says_what_the_seed_says(slug: str) -> None:
    # The PDF's Arabic runs carry their real text (/ActualText); Latin names and links are left out.
    pdf = squash(actual_text(render_policy_pdf(**inputs(slug, "ar"))))
    for passage in PASSAGES[slug]:
        for piece in passage:
            if ARABIC.search(piece):
                assert piece in pdf, (slug, piece)


def test_tabuk_numbers_its_sections_as_its_seed_does() -> None:
    headings = Page(render_policy_html(**inputs("tabuk", "ar"), standalone=False))
    text = page_text("tabuk")
    for printed, heading in TABUK_NUMBERED:
        assert printed in seed_text("tabuk")
        assert heading in text
    assert headings.sections  # the headings above are the page's own sections, not stray text


def test_every_review_window_keeps_not_less_than() -> None:
    for slug in PASSAGES:
        assert "خلال مدة لا تقل عن" in seed_text(slug)
        assert "خلال مدة لا تقل عن" in page_text(slug)


def test_jamoums_facebook_page_is_a_link_and_its_seal_field_is_printed() -> None:
    html = render_policy_html(**inputs("jamoum", "ar"), standalone=False)
    assert "https://www.facebook.com/aljumumorphan" in seed_text("jamoum")
    assert '<a href="https://www.facebook.com/aljumumorphan">aljumumorphan</a>' in html
    assert '<td class="sila-policy__seal"><p class="sila-policy__role">الختم</p>' in html


def test_rumailas_replacement_sentence_is_under_its_approval() -> None:
    html = render_policy_html(**inputs("rumaila", "ar"), standalone=False)
    approval = html[html.index('data-section="approval"') :]
    assert (
        '<p class="sila-policy__approval-note">وتحل هذه السياسة محل جميع السياسات الموضوعة سابقاً.</p>'
        in approval
    )


def test_baraa_uses_each_word_where_its_seed_does() -> None:
    seed = load_seed("baraa")["document"]
    assert seed["beneficiary_term"] == "user"
    text = page_text("baraa")
    assert "القنوات المستخدمة للتواصل مع المستخدمين" in text
    assert "المستخدم" not in " ".join(
        Page(render_policy_html(**inputs("baraa", "ar"), standalone=False)).items["procedure"]
    )
