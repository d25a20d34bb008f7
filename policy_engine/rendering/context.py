"""The policy as the template reads it: every section already in words, in the page's language."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from policy_engine.rendering.words import (
    CONTACT_KINDS,
    Text,
    approval_dates,
    as_written,
    digits,
    has_arabic,
    labels_for,
    ordinal,
    pick,
)
from policy_engine.rules.catalog import CatalogKind, Lang, get_entry
from policy_engine.rules.document import (
    HEADING_KEYS,
    ChannelEntry,
    PolicyDocument,
    ProcedureStep,
    StaffToolEntry,
)
from policy_engine.rules.wording import TERMS, Term, step_sentence


class RenderError(ValueError):
    """The inputs cannot be rendered (unknown language, or a document that is not a policy)."""


@dataclass(frozen=True, slots=True)
class Goal:
    text: Text
    children: tuple[Text, ...] = ()


@dataclass(frozen=True, slots=True)
class Tool:
    label: Text
    note: Text | None = None
    document: str | None = None  # an uploaded file's id, served at /policy/documents/<id>


@dataclass(frozen=True, slots=True)
class ContactLine:
    label: Text
    value: Text
    href: str | None = None
    ltr: bool = True


@dataclass(frozen=True, slots=True)
class BankLine:
    label: Text
    kind_label: str
    number: str


@dataclass(frozen=True, slots=True)
class Signatory:
    name: Text
    role: Text


@dataclass(frozen=True, slots=True)
class Segment:
    """Part of a sentence; ``nowrap`` keeps it on one line (a date: «١٥ جمادى الأولى ١٤٤٣ هـ»)."""

    text: str
    nowrap: bool = False


def _segments(sentence: str, keep_together: Iterable[str | None]) -> tuple[Segment, ...]:
    pieces = sorted({piece for piece in keep_together if piece}, key=len, reverse=True)
    if not pieces:
        return (Segment(sentence),)
    pattern = re.compile("(" + "|".join(re.escape(piece) for piece in pieces) + ")")
    return tuple(
        Segment(part, nowrap=index % 2 == 1) for index, part in enumerate(pattern.split(sentence)) if part
    )


@dataclass(frozen=True, slots=True)
class ApprovalBlock:
    sentence: Text
    segments: tuple[Segment, ...]
    meeting_number: str | None
    date_hijri: str | None
    date_gregorian: str | None
    signatories: tuple[Signatory, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyContext:
    lang: Lang
    dir: str
    labels: Mapping[str, str]
    title: Text
    association_name: Text
    association_other_name: Text | None
    licence_number: str | None
    version_label: str | None
    is_draft: bool
    is_superseded: bool
    preamble: Text
    general_goal: Text
    goals: tuple[Goal, ...]
    channels: tuple[Tool, ...]  # a channel's label and its note, if the policy gives one
    staff_tools: tuple[Tool, ...]
    steps: tuple[Text, ...]
    responsibilities: Text | None
    acknowledgment_required: bool
    contacts: tuple[ContactLine, ...]
    bank_accounts: tuple[BankLine, ...]
    approval: ApprovalBlock | None
    slug: str = ""
    procedure_intro: str | None = None  # a sentence under the procedure heading (Tabuk)
    approval_note: Text | None = None  # printed under the approval (Rumaila: it replaces earlier policies)
    approval_seal: bool = False  # a seal field beside the signatures (Jamoum)
    # Under the procedure, where the policy shares a rejection's reason with the applicant.
    decision_reason: str | None = None


def _channel(entry: ChannelEntry, lang: Lang) -> Tool:
    catalog = get_entry(CatalogKind.CHANNEL, entry.code)
    label = pick(
        entry.label_ar or (catalog.label_ar if catalog else None) or entry.code,
        entry.label_en or (catalog.label_en if catalog else None),
        lang,
    )
    note = pick(entry.note_ar, entry.note_en, lang) if (entry.note_ar or entry.note_en) else None
    return Tool(label=label, note=note)


def _tool(entry: StaffToolEntry, lang: Lang) -> Tool:
    catalog = get_entry(CatalogKind.STAFF_TOOL, entry.code)
    label = pick(
        entry.label_ar or (catalog.label_ar if catalog else None) or entry.code,
        entry.label_en or (catalog.label_en if catalog else None),
        lang,
    )
    note = pick(entry.note_ar, entry.note_en, lang) if (entry.note_ar or entry.note_en) else None
    return Tool(label=label, note=note, document=entry.document)


def _step_text(step: ProcedureStep, term: Term, lang: Lang) -> Text:
    """One procedure step as this policy prints it (its own wording, else the template's)."""
    return Text(step_sentence(step, term, lang), lang)


def _goals(document: PolicyDocument, lang: Lang) -> tuple[Goal, ...]:
    """Detailed goals; the items after one that ends with a colon («... عن طريق ما يلي:») are its
    sub-items, as the seed policies print them."""
    goals: list[Goal] = []
    parent: Text | None = None
    children: list[Text] = []
    for goal in document.detailed_goals:
        text = pick(goal.ar, goal.en, lang)
        if parent is not None:
            children.append(text)
            continue
        if goal.ar.rstrip().endswith((":", "：")) or goal.en.rstrip().endswith(":"):
            parent = text
        else:
            goals.append(Goal(text))
    if parent is not None:
        goals.append(Goal(parent, tuple(children)))
    return tuple(goals)


_WEB_ADDRESS = re.compile(r"https?://\S+$", re.ASCII)
_FACEBOOK_NAME = re.compile(r"[A-Za-z0-9.]{5,50}", re.ASCII)


def _contacts(document: PolicyDocument, lang: Lang) -> tuple[ContactLine, ...]:
    lines: list[ContactLine] = []
    for contact in document.contacts:
        default_ar, default_en = CONTACT_KINDS.get(contact.kind, CONTACT_KINDS["other"])
        label = pick(contact.label_ar or default_ar, contact.label_en or default_en, lang)
        value = contact.value.strip()
        href = None
        if contact.kind == "email" and "@" in value:
            href = f"mailto:{value}"
        elif contact.kind == "phone":
            href = "tel:" + re.sub(r"[^0-9+]", "", value)
        elif contact.kind in ("facebook", "website") and _WEB_ADDRESS.match(value):
            href = value
        elif contact.kind == "facebook" and _FACEBOOK_NAME.fullmatch(value):
            # The seeds print a page name (Jamoum: «aljumumorphan»); the page is facebook.com/<name>.
            href = f"https://www.facebook.com/{value}"
        arabic = has_arabic(value)
        lines.append(
            ContactLine(label=label, value=as_written(value), href=href, ltr=not arabic),
        )
    return tuple(lines)


def _group_iban(iban: str) -> str:
    compact = re.sub(r"\s+", "", iban).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _bank_accounts(document: PolicyDocument, lang: Lang, labels: Mapping[str, str]) -> tuple[BankLine, ...]:
    lines: list[BankLine] = []
    for account in document.bank_accounts:
        if account.iban:
            kind, number = labels["iban"], _group_iban(account.iban)
        else:
            kind, number = labels["account_number"], (account.account_number_as_printed or "").strip()
        lines.append(
            BankLine(label=pick(account.label_ar, account.label_en, lang), kind_label=kind, number=number)
        )
    return tuple(lines)


def _approval(approval: Mapping[str, Any], lang: Lang) -> ApprovalBlock:
    meeting = str(approval.get("meeting_number") or "").strip() or None
    term = approval.get("term")
    session = approval.get("session")
    hijri, gregorian = approval_dates(approval, lang)
    if lang == "ar":
        parts = ["اعتمد مجلس إدارة الجمعية هذه السياسة"]
        parts.append(f"في اجتماعه رقم ({meeting})" if meeting else "في اجتماعه")
        if term not in (None, ""):
            parts.append(f"في دورته ({ordinal(term, lang)})")
        if session not in (None, ""):
            parts.append(f"في جلسته ({ordinal(session, lang)})")
        if hijri and gregorian:
            parts.append(f"بتاريخ {hijri} الموافق {gregorian}")
        elif hijri or gregorian:
            parts.append(f"بتاريخ {hijri or gregorian}")
        sentence = " ".join(parts) + "."
    else:
        parts = ["The board of directors approved this policy"]
        parts.append(f"at its meeting no. {meeting}" if meeting else "at its meeting")
        if term not in (None, ""):
            parts.append(f"in its {ordinal(term, lang)} term")
        if session not in (None, ""):
            parts.append(f"in its {ordinal(session, lang)} session")
        if hijri and gregorian:
            parts.append(f"on {hijri} ({gregorian})")
        elif hijri or gregorian:
            parts.append(f"on {hijri or gregorian}")
        sentence = parts[0] + " " + ", ".join(parts[1:]) + "."
    signatories = tuple(
        Signatory(
            name=as_written(str(person.get("name") or "")),
            role=pick(person.get("role_ar"), person.get("role_en"), lang),
        )
        for person in approval.get("signatories") or ()
        if isinstance(person, Mapping)
    )
    return ApprovalBlock(
        sentence=Text(sentence, lang),
        segments=_segments(sentence, (hijri, gregorian)),
        meeting_number=meeting,
        date_hijri=hijri,
        date_gregorian=gregorian,
        signatories=signatories,
    )


def normalise_lang(lang: str) -> Lang:
    code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
    if code == "ar":
        return "ar"
    if code == "en":
        return "en"
    raise RenderError(f"unsupported language {lang!r}: expected 'ar' or 'en'")


def build_context(
    *,
    association: Mapping[str, Any],
    document: Mapping[str, Any] | PolicyDocument,
    version: Mapping[str, Any] | None,
    approval: Mapping[str, Any] | None,
    lang: str,
) -> PolicyContext:
    """Everything the template shows, as words in the right language (no formatting left to it)."""
    language = normalise_lang(lang)
    policy = document if isinstance(document, PolicyDocument) else _parse(document)
    term = TERMS.get(policy.beneficiary_term, TERMS["beneficiary"])
    labels = dict(labels_for(language, term))
    # The policy's own headings where it words them otherwise than the template (Tabuk numbers its
    # sections «أولاً» … «سادساً»; Jamoum's tools heading adds «للتواصل مع المستفيدين»).
    for key in HEADING_KEYS:
        own = policy.heading(key, language)
        if own:
            labels[key] = own
    own_title = policy.title_ar if language == "ar" else policy.title_en
    if own_title and own_title.strip():
        labels["title"] = own_title.strip()
    licence = str(association.get("licence_number") or "").strip() or None
    version_label = None
    if version is not None and version.get("number") not in (None, ""):
        version_label = f"{labels['version']} {digits(str(version['number']), language)}"
    status = str(version.get("status") or "") if version is not None else ""
    # The association's name in the page's language, and its name in the other language beside it
    # (the seeds' letterheads print both; the Arabic one is the official name).
    name = pick(association.get("name_ar"), association.get("name_en"), language)
    other = association.get("name_en") if name.lang == "ar" else association.get("name_ar")
    other_name = Text(str(other).strip(), "en" if name.lang == "ar" else "ar") if other else None
    if other_name is not None and other_name.text in ("", name.text):
        other_name = None
    responsibilities = None
    if (policy.responsibilities_ar or "").strip() or (policy.responsibilities_en or "").strip():
        responsibilities = pick(policy.responsibilities_ar, policy.responsibilities_en, language)
    return PolicyContext(
        lang=language,
        dir="rtl" if language == "ar" else "ltr",
        labels=labels,
        title=Text(labels["title"], language),
        association_name=name,
        association_other_name=other_name,
        licence_number=licence,
        version_label=version_label,
        is_draft=approval is None,
        is_superseded=status == "superseded",
        preamble=pick(policy.preamble_ar, policy.preamble_en, language),
        general_goal=pick(policy.general_goal_ar, policy.general_goal_en, language),
        goals=_goals(policy, language),
        channels=tuple(_channel(entry, language) for entry in policy.channels),
        staff_tools=tuple(_tool(entry, language) for entry in policy.staff_tools),
        steps=tuple(_step_text(step, term, language) for step in policy.procedure),
        responsibilities=responsibilities,
        acknowledgment_required=policy.staff_acknowledgment_required,
        contacts=_contacts(policy, language),
        bank_accounts=_bank_accounts(policy, language, labels),
        approval=_approval(approval, language) if approval is not None else None,
        slug=str(association.get("slug") or ""),
        procedure_intro=labels.get("procedure_intro") or None,
        approval_note=(
            pick(policy.approval_note_ar, policy.approval_note_en, language)
            if (policy.approval_note_ar or policy.approval_note_en)
            else None
        ),
        approval_seal=policy.approval_seal,
        decision_reason=labels["decision_reason_shared"] if policy.decision_reason_shared else None,
    )


def _parse(document: Mapping[str, Any]) -> PolicyDocument:
    try:
        return PolicyDocument.from_dict(document)
    except ValueError as error:
        raise RenderError(f"not a policy document: {error}") from error
