"""How a procedure step reads in a policy: the template's wording, which a policy may replace with
its own (``ProcedureStep.text_ar`` / ``text_en``), filled with the step's parameters in words.

A wording is a sentence with placeholders, so that "the review window" stays data the engine
computes due dates from while the sentence keeps the association's own words:

- ``{term}`` / ``{term_for}``: the people served, «المستفيد» / «للمستفيد» ("beneficiary" / "the beneficiary");
- ``{target}`` / ``{to_target}``: who a referral goes to, «مسئول البحث الاجتماعي» / «لمسئول البحث الاجتماعي»;
- ``{body}`` / ``{to_body}``: who studies and decides, «لجنة البحث» / «للجنة البحث»;
- ``{window}``: the answer's window, «خلال مدة لا تقل عن أسبوعين» ("within a period of not less than two weeks").

The template's wording is the five founding policies' common text; where one of them words a step
otherwise, its seed carries its own sentence.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from policy_engine.rules.catalog import CatalogKind, Lang, get_entry
from policy_engine.rules.document import ProcedureStep
from policy_engine.rules.durations import DurationError, describe_duration

PLACEHOLDERS: tuple[str, ...] = ("term", "term_for", "target", "to_target", "body", "to_body", "window")


@dataclass(frozen=True, slots=True)
class Term:
    """How the document calls the people it serves, in the forms the generated sentences need."""

    ar: str  # المستفيد
    ar_plural: str  # المستفيدين (genitive, after a preposition)
    ar_for: str  # للمستفيد
    en: str  # beneficiary
    en_plural: str  # beneficiaries


TERMS: Mapping[str, Term] = {
    "beneficiary": Term("المستفيد", "المستفيدين", "للمستفيد", "beneficiary", "beneficiaries"),
    "user": Term("المستخدم", "المستخدمين", "للمستخدم", "user", "users"),
    "client": Term("العميل", "العملاء", "للعميل", "client", "clients"),
}

# The template: the founding policies' common wording of each step.
DEFAULT_WORDING: Mapping[str, tuple[str, str]] = {
    "receive": (
        "استقبال {term} بلباقة واحترام والإجابة على جميع الاستفسارات وإعطاء المراجع الوقت الكافي.",
        "Receive the {term} courteously and respectfully, answer all enquiries and give the visitor "
        "enough time.",
    ),
    "verify": (
        "التأكد من تقديم المراجع كافة المعلومات المطلوبة، وعلى الموظف مطابقة البيانات والتأكد من صلاحيتها "
        "وقت التقديم.",
        "Make sure the visitor has provided all the required information; the employee matches the data "
        "and checks that it is valid at the time of submission.",
    ),
    "refer": (
        "في حالة عدم وضوح الإجراءات {term_for} فعلى الموظف إحالته {to_target} للإجابة على تساؤلاته "
        "وإيضاح الجوانب التنظيمية.",
        "If the procedures are not clear to the {term}, the employee refers them to {to_target} to answer "
        "their questions and explain the organisational side.",
    ),
    "attest": (
        "التأكد على صحة البيانات المقدمة من طالب الدعم والتوقيع عليها وأنه مسؤول مسئولية مباشرة عن صحة "
        "المعلومات.",
        "Make sure the data supplied by the support applicant is correct and signed by them, and that they "
        "are directly responsible for the correctness of the information.",
    ),
    "committee_review": (
        "التوضيح {term_for} بأن طلبه سيرفع {to_body} لدراسة طلبه والرد عليه بشأن قبوله أو رفضه {window}.",
        "Explain to the {term} that their request will be referred to {to_body} to be studied and answered, "
        "accepted or rejected, {window}.",
    ),
    "register": (
        "استكمال اجراءات التسجيل مع اكتمال الطلبات.",
        "Complete the registration procedures once the requirements are complete.",
    ),
    "serve": ("تقديم الخدمة اللازمة.", "Deliver the required service."),
}


def default_wording(step: str, lang: Lang) -> str:
    """The template's sentence for ``step`` (its catalogue label for a step the template lacks)."""
    if step in DEFAULT_WORDING:
        ar, en = DEFAULT_WORDING[step]
        return ar if lang == "ar" else en
    entry = get_entry(CatalogKind.STEP, step)
    return (entry.label(lang) if entry is not None else step) + ("." if lang == "en" else "")


def _li(name: str) -> str:
    """Arabic «لـ» before a name: «الإدارة» → «للإدارة», «لجنة البحث» → «للجنة البحث»."""
    return "ل" + name[1:] if name.startswith("ال") else "ل" + name


def party_words(code: str | None, lang: Lang) -> tuple[str, str]:
    """(name, name after "to") of a party: («لجنة البحث», «للجنة البحث») / ("the research committee", same)."""
    entry = get_entry(CatalogKind.PARTY, code) if code else None
    if lang == "ar":
        name = entry.label_ar if entry is not None else (code or "الجهة المختصة")
        return name, _li(name)
    if entry is None:
        name = code or "the competent body"
        return name, name
    name = "the " + entry.label_en[:1].lower() + entry.label_en[1:]
    return name, name


def window_words(step: ProcedureStep, lang: Lang) -> str:
    """«خلال مدة لا تقل عن أسبوعين» (the seeds' promise), with the business-day rule when it applies."""
    if not step.window:
        return ""
    try:
        words = describe_duration(step.window, lang, case="genitive")
    except DurationError:
        words = step.window
    if lang == "ar":
        return f"خلال مدة لا تقل عن {words}" + (" من أيام العمل" if step.business_days else "")
    return f"within a period of not less than {words}" + (
        " (working days only)" if step.business_days else ""
    )


def unknown_placeholders(text: str) -> list[str]:
    """The ``{names}`` in ``text`` that are not placeholders (a stray brace counts as one)."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return ["{"]
    return [name for name in names if name not in PLACEHOLDERS]


def step_sentence(step: ProcedureStep, term: Term, lang: Lang) -> str:
    """The step as this policy prints it: its own wording if it has one, else the template's."""
    own = step.text_ar if lang == "ar" else step.text_en
    template = (own or "").strip() or default_wording(step.step, lang)
    target, to_target = party_words(step.target, lang)
    body, to_body = party_words(step.body, lang)
    values = {
        "term": term.ar if lang == "ar" else term.en,
        "term_for": term.ar_for if lang == "ar" else "the " + term.en,
        "target": target,
        "to_target": to_target,
        "body": body,
        "to_body": to_body,
        "window": window_words(step, lang),
    }
    if unknown_placeholders(template):
        return " ".join(template.split())
    return " ".join(template.format_map(values).split())


# How the editor shows the placeholders: words in brackets, in the text's own language.
PLACEHOLDER_WORDS: Mapping[str, Mapping[str, str]] = {
    "ar": {
        "term": "[المستفيد]",
        "term_for": "[للمستفيد]",
        "target": "[جهة الإحالة]",
        "to_target": "[لجهة الإحالة]",
        "body": "[جهة البت]",
        "to_body": "[لجهة البت]",
        "window": "[مدة الرد]",
    },
    "en": {
        "term": "[beneficiary]",
        "term_for": "[the beneficiary]",
        "target": "[referral target]",
        "to_target": "[the referral target]",
        "body": "[deciding body]",
        "to_body": "[the deciding body]",
        "window": "[answer window]",
    },
}


def to_words(text: str, lang: Lang) -> str:
    """``{to_body}`` → «[إلى جهة البت]»: a wording as the editor shows it."""
    for name, words in PLACEHOLDER_WORDS[lang].items():
        text = text.replace("{" + name + "}", words)
    return text


def from_words(text: str, lang: Lang) -> str:
    """The editor's bracketed words back into placeholders (either language's words are read)."""
    for table in (PLACEHOLDER_WORDS[lang], *(t for k, t in PLACEHOLDER_WORDS.items() if k != lang)):
        for name, words in sorted(table.items(), key=lambda item: -len(item[1])):
            text = text.replace(words, "{" + name + "}")
    return text
