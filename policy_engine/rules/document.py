"""A policy version as a plain, immutable, JSON-serialisable document.

This is the *Beneficiary Relations Policy* (سياسة تنظيم العلاقة مع المستفيدين) an association's
board approves: texts, contact channels, staff tools, the case-handling procedure and public
contacts. ``from_dict`` checks the *shape* only (types, known keys) and raises
:class:`DocumentError`; whether the content is acceptable for the board (known codes, a valid
review window, IBANs...) is :func:`policy_engine.rules.validation.validate`'s job.

Canonical JSON form (what ``to_dict`` writes and the seeds use): every top-level key present
but the optional ones (:data:`OPTIONAL_FIELDS`, written only when set);
a channel or staff tool with nothing but a standard code is written as the bare code string;
optional nested keys are omitted when unset.

Longer than ~500 lines on purpose: the one schema of a version, each section's small immutable type
beside its ``from_dict``/``to_dict``, so the shape read and the shape written cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, TypeVar

from policy_engine.rules.catalog import CatalogKind, Lang, get_entry
from policy_engine.rules.document_shape import DocumentError
from policy_engine.rules.document_shape import join as _join
from policy_engine.rules.document_shape import mapping as _mapping
from policy_engine.rules.document_shape import only_keys as _only_keys
from policy_engine.rules.document_shape import opt_bool as _opt_bool
from policy_engine.rules.document_shape import opt_str as _opt_str
from policy_engine.rules.document_shape import req_str as _str
from policy_engine.rules.intake import ChecklistEntry, IntakeForm, checklists_from_dict, checklists_to_dict

T = TypeVar("T")

ContactKind = Literal["email", "phone", "facebook", "website", "address", "other"]
CONTACT_KINDS: tuple[str, ...] = ("email", "phone", "facebook", "website", "address", "other")


# --- Procedure step parameters, as data -------------------------------------------------------

ParamType = Literal["party", "duration", "bool"]


@dataclass(frozen=True, slots=True)
class ParamSpec:
    type: ParamType
    required: bool


# Which parameters each step takes. A step not listed takes none.
STEP_PARAMS: Mapping[str, Mapping[str, ParamSpec]] = MappingProxyType(
    {
        "refer": MappingProxyType({"target": ParamSpec("party", required=True)}),
        "committee_review": MappingProxyType(
            {
                "body": ParamSpec("party", required=True),
                "window": ParamSpec("duration", required=True),
                "business_days": ParamSpec("bool", required=False),
            }
        ),
    }
)
STEP_PARAM_NAMES: tuple[str, ...] = ("target", "body", "window", "business_days")
STEP_TEXT_KEYS: tuple[str, ...] = ("text_ar", "text_en")


# --- Reading helpers ------------------------------------------------------------------------------


def _items(
    data: Mapping[str, Any], key: str, path: str, parse: Callable[[object, str], T], *, required: bool
) -> tuple[T, ...]:
    if key not in data and not required:
        return ()
    value = data.get(key)
    if not isinstance(value, list | tuple):
        raise DocumentError(_join(path, key), "expected a list")
    return tuple(parse(item, _join(_join(path, key), index)) for index, item in enumerate(value))


def _put(out: dict[str, Any], key: str, value: object) -> None:
    if value is not None:
        out[key] = value


# --- Parts of a document --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LocalizedText:
    ar: str
    en: str

    def text(self, lang: Lang) -> str:
        return self.ar if lang == "ar" else self.en

    @classmethod
    def from_dict(cls, data: object, path: str = "") -> LocalizedText:
        mapping = _mapping(data, path)
        _only_keys(mapping, ("ar", "en"), path)
        return cls(ar=_str(mapping, "ar", path), en=_str(mapping, "en", path))

    def to_dict(self) -> dict[str, Any]:
        return {"ar": self.ar, "en": self.en}


@dataclass(frozen=True, slots=True)
class ChannelEntry:
    """A contact channel: a standard code, or ``custom:<slug>`` with both labels.

    A standard channel may carry labels too, to keep the association's own wording
    (Bara'a prints «المخاطبة» where the others print «الخطابات»).
    """

    code: str
    label_ar: str | None = None
    label_en: str | None = None
    note_ar: str | None = None
    note_en: str | None = None

    _KEYS = ("code", "label_ar", "label_en", "note_ar", "note_en")

    @property
    def is_custom(self) -> bool:
        return get_entry(CatalogKind.CHANNEL, self.code) is None

    def label(self, lang: Lang) -> str:
        own = self.label_ar if lang == "ar" else self.label_en
        if own:
            return own
        entry = get_entry(CatalogKind.CHANNEL, self.code)
        return entry.label(lang) if entry is not None else self.code

    @classmethod
    def from_dict(cls, data: object, path: str = "") -> ChannelEntry:
        if isinstance(data, str):
            return cls(code=data)
        mapping = _mapping(data, path)
        _only_keys(mapping, cls._KEYS, path)
        return cls(
            code=_str(mapping, "code", path),
            **{key: _opt_str(mapping, key, path) for key in cls._KEYS[1:]},
        )

    def to_dict(self) -> str | dict[str, Any]:
        optional = {key: getattr(self, key) for key in self._KEYS[1:]}
        if all(value is None for value in optional.values()):
            return self.code
        out: dict[str, Any] = {"code": self.code}
        for key, value in optional.items():
            _put(out, key, value)
        return out


@dataclass(frozen=True, slots=True)
class StaffToolEntry:
    """A tool available to the beneficiary-relations employee.

    ``document`` is an opaque reference to the tool's file (an upload id or path); ``note_*``
    keeps a qualifier the policy prints next to the tool (Mawsam: the support request is made
    "via the website or a visit to the head office").
    """

    code: str
    label_ar: str | None = None
    label_en: str | None = None
    document: str | None = None
    note_ar: str | None = None
    note_en: str | None = None

    _KEYS = ("code", "label_ar", "label_en", "document", "note_ar", "note_en")

    @property
    def is_custom(self) -> bool:
        return get_entry(CatalogKind.STAFF_TOOL, self.code) is None

    def label(self, lang: Lang) -> str:
        own = self.label_ar if lang == "ar" else self.label_en
        if own:
            return own
        entry = get_entry(CatalogKind.STAFF_TOOL, self.code)
        return entry.label(lang) if entry is not None else self.code

    @classmethod
    def from_dict(cls, data: object, path: str = "") -> StaffToolEntry:
        if isinstance(data, str):
            return cls(code=data)
        mapping = _mapping(data, path)
        _only_keys(mapping, cls._KEYS, path)
        return cls(
            code=_str(mapping, "code", path),
            **{key: _opt_str(mapping, key, path) for key in cls._KEYS[1:]},
        )

    def to_dict(self) -> str | dict[str, Any]:
        optional = {key: getattr(self, key) for key in self._KEYS[1:]}
        if all(value is None for value in optional.values()):
            return self.code
        out: dict[str, Any] = {"code": self.code}
        for key, value in optional.items():
            _put(out, key, value)
        return out


@dataclass(frozen=True, slots=True)
class ProcedureStep:
    """One step of the case-handling procedure; which parameters apply is in :data:`STEP_PARAMS`."""

    step: str
    target: str | None = None
    body: str | None = None
    window: str | None = None
    business_days: bool | None = None
    # The step as this policy prints it, when it words it otherwise than the template; may hold
    # {term}, {term_for}, {target}, {to_target}, {body}, {to_body} and {window} (see
    # policy_engine.rules.wording).
    text_ar: str | None = None
    text_en: str | None = None

    def params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in STEP_PARAM_NAMES if getattr(self, name) is not None}

    @classmethod
    def from_dict(cls, data: object, path: str = "") -> ProcedureStep:
        mapping = _mapping(data, path)
        _only_keys(mapping, ("step", *STEP_PARAM_NAMES, *STEP_TEXT_KEYS), path)
        return cls(
            step=_str(mapping, "step", path),
            target=_opt_str(mapping, "target", path),
            body=_opt_str(mapping, "body", path),
            window=_opt_str(mapping, "window", path),
            business_days=_opt_bool(mapping, "business_days", path),
            text_ar=_opt_str(mapping, "text_ar", path),
            text_en=_opt_str(mapping, "text_en", path),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"step": self.step, **self.params()}
        _put(out, "text_ar", self.text_ar)
        _put(out, "text_en", self.text_en)
        return out


@dataclass(frozen=True, slots=True)
class Contact:
    kind: str
    value: str
    label_ar: str | None = None
    label_en: str | None = None

    @classmethod
    def from_dict(cls, data: object, path: str = "") -> Contact:
        mapping = _mapping(data, path)
        _only_keys(mapping, ("kind", "value", "label_ar", "label_en"), path)
        return cls(
            kind=_str(mapping, "kind", path),
            value=_str(mapping, "value", path),
            label_ar=_opt_str(mapping, "label_ar", path),
            label_en=_opt_str(mapping, "label_en", path),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "value": self.value}
        _put(out, "label_ar", self.label_ar)
        _put(out, "label_en", self.label_en)
        return out


@dataclass(frozen=True, slots=True)
class BankAccount:
    """A donation account, by fund. ``account_number_as_printed`` keeps a number the association
    prints that is not an IBAN (Jamoum's), exactly as printed; never derive an IBAN from it."""

    fund_code: str
    label_ar: str
    label_en: str
    iban: str | None = None
    account_number_as_printed: str | None = None

    @classmethod
    def from_dict(cls, data: object, path: str = "") -> BankAccount:
        mapping = _mapping(data, path)
        _only_keys(mapping, ("fund_code", "label_ar", "label_en", "iban", "account_number_as_printed"), path)
        return cls(
            fund_code=_str(mapping, "fund_code", path),
            label_ar=_str(mapping, "label_ar", path),
            label_en=_str(mapping, "label_en", path),
            iban=_opt_str(mapping, "iban", path),
            account_number_as_printed=_opt_str(mapping, "account_number_as_printed", path),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "fund_code": self.fund_code,
            "label_ar": self.label_ar,
            "label_en": self.label_en,
        }
        _put(out, "iban", self.iban)
        _put(out, "account_number_as_printed", self.account_number_as_printed)
        return out


# --- The document -----------------------------------------------------------------------------------

TEXT_FIELDS: tuple[str, ...] = (
    "preamble_ar",
    "preamble_en",
    "general_goal_ar",
    "general_goal_en",
    "responsibilities_ar",
    "responsibilities_en",
)
# The canonical key order of a serialised document (``to_dict`` writes them all, in this order).
FIELD_ORDER: tuple[str, ...] = (
    "beneficiary_term",
    "preamble_ar",
    "preamble_en",
    "general_goal_ar",
    "general_goal_en",
    "detailed_goals",
    "responsibilities_ar",
    "responsibilities_en",
    "channels",
    "staff_tools",
    "procedure",
    "staff_acknowledgment_required",
    "contacts",
    "bank_accounts",
    # Optional, written only when set: the policy's own title, headings that it words otherwise
    # than the template, a text printed under the board's approval, and a seal field beside the
    # signatures.
    "title_ar",
    "title_en",
    "headings",
    "approval_note_ar",
    "approval_note_en",
    "approval_seal",
    # Optional too: the applicant's text message about the decision carries its reason's summary.
    "decision_reason_shared",
    "intake_form",
    "checklists",
)
OPTIONAL_FIELDS: tuple[str, ...] = (
    "title_ar",
    "title_en",
    "headings",
    "approval_note_ar",
    "approval_note_en",
    "approval_seal",
    "decision_reason_shared",
    "intake_form",
    "checklists",
)
# The headings a policy may word in its own way (the template's are in policy_engine.rendering).
HEADING_KEYS: tuple[str, ...] = (
    "preamble",
    "general_goal",
    "detailed_goals",
    "channels",
    "staff_tools",
    "procedure",
    "procedure_intro",
    "responsibilities",
    "contacts",
    "bank_accounts",
    "approval",
)
# Written only when set, so that a version made before intake forms existed reads back unchanged.
OPTIONAL_PARTS: tuple[str, ...] = ("intake_form", "checklists")
REQUIRED_FIELDS: frozenset[str] = frozenset(
    {
        "beneficiary_term",
        "preamble_ar",
        "preamble_en",
        "general_goal_ar",
        "general_goal_en",
        "channels",
        "procedure",
    }
)


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    beneficiary_term: str
    preamble_ar: str
    preamble_en: str
    general_goal_ar: str
    general_goal_en: str
    channels: tuple[ChannelEntry, ...]
    procedure: tuple[ProcedureStep, ...]
    detailed_goals: tuple[LocalizedText, ...] = ()
    responsibilities_ar: str | None = None
    responsibilities_en: str | None = None
    staff_tools: tuple[StaffToolEntry, ...] = ()
    staff_acknowledgment_required: bool = False
    contacts: tuple[Contact, ...] = ()
    bank_accounts: tuple[BankAccount, ...] = ()
    intake_form: IntakeForm = field(default_factory=IntakeForm)
    # (step, its items) pairs in the document's order: a tuple, so that the document stays hashable.
    checklists: tuple[tuple[str, tuple[ChecklistEntry, ...]], ...] = ()
    title_ar: str | None = None
    title_en: str | None = None
    # (key, wording) pairs: a tuple, so that the document stays hashable.
    headings: tuple[tuple[str, LocalizedText], ...] = ()
    approval_note_ar: str | None = None
    approval_note_en: str | None = None
    approval_seal: bool = False
    # The applicant's text message about the committee's decision says why, in short.
    decision_reason_shared: bool = False

    def heading(self, key: str, lang: Lang) -> str | None:
        """This policy's own wording of a heading, if it has one in ``lang``."""
        own = dict(self.headings).get(key)
        text = own.text(lang).strip() if own is not None else ""
        return text or None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PolicyDocument:
        mapping = _mapping(data, "")
        _only_keys(mapping, FIELD_ORDER, "")
        missing = sorted(REQUIRED_FIELDS - set(mapping))
        if missing:
            raise DocumentError(missing[0], "required")
        acknowledgment = _opt_bool(mapping, "staff_acknowledgment_required", "")
        return cls(
            beneficiary_term=_str(mapping, "beneficiary_term", ""),
            preamble_ar=_str(mapping, "preamble_ar", ""),
            preamble_en=_str(mapping, "preamble_en", ""),
            general_goal_ar=_str(mapping, "general_goal_ar", ""),
            general_goal_en=_str(mapping, "general_goal_en", ""),
            detailed_goals=_items(mapping, "detailed_goals", "", LocalizedText.from_dict, required=False),
            responsibilities_ar=_opt_str(mapping, "responsibilities_ar", ""),
            responsibilities_en=_opt_str(mapping, "responsibilities_en", ""),
            channels=_items(mapping, "channels", "", ChannelEntry.from_dict, required=True),
            staff_tools=_items(mapping, "staff_tools", "", StaffToolEntry.from_dict, required=False),
            procedure=_items(mapping, "procedure", "", ProcedureStep.from_dict, required=True),
            staff_acknowledgment_required=bool(acknowledgment),
            contacts=_items(mapping, "contacts", "", Contact.from_dict, required=False),
            bank_accounts=_items(mapping, "bank_accounts", "", BankAccount.from_dict, required=False),
            title_ar=_opt_str(mapping, "title_ar", ""),
            title_en=_opt_str(mapping, "title_en", ""),
            headings=_headings(mapping.get("headings")),
            approval_note_ar=_opt_str(mapping, "approval_note_ar", ""),
            approval_note_en=_opt_str(mapping, "approval_note_en", ""),
            approval_seal=bool(_opt_bool(mapping, "approval_seal", "")),
            decision_reason_shared=bool(_opt_bool(mapping, "decision_reason_shared", "")),
            intake_form=IntakeForm.from_dict(mapping["intake_form"])
            if mapping.get("intake_form") is not None
            else IntakeForm(),
            checklists=tuple(checklists_from_dict(mapping["checklists"]).items())
            if mapping.get("checklists") is not None
            else (),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "beneficiary_term": self.beneficiary_term,
            "preamble_ar": self.preamble_ar,
            "preamble_en": self.preamble_en,
            "general_goal_ar": self.general_goal_ar,
            "general_goal_en": self.general_goal_en,
            "detailed_goals": [goal.to_dict() for goal in self.detailed_goals],
            "responsibilities_ar": self.responsibilities_ar,
            "responsibilities_en": self.responsibilities_en,
            "channels": [entry.to_dict() for entry in self.channels],
            "staff_tools": [entry.to_dict() for entry in self.staff_tools],
            "procedure": [step.to_dict() for step in self.procedure],
            "staff_acknowledgment_required": self.staff_acknowledgment_required,
            "contacts": [contact.to_dict() for contact in self.contacts],
            "bank_accounts": [account.to_dict() for account in self.bank_accounts],
            **self._optional_dict(),
        }
        if self.intake_form.fields:
            out["intake_form"] = self.intake_form.to_dict()
        if self.checklists:
            out["checklists"] = checklists_to_dict(dict(self.checklists))
        return out

    def checklist(self, step: str) -> tuple[ChecklistEntry, ...]:
        return dict(self.checklists).get(step, ())

    def _optional_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        _put(out, "title_ar", self.title_ar)
        _put(out, "title_en", self.title_en)
        if self.headings:
            own = dict(self.headings)
            out["headings"] = {key: own[key].to_dict() for key in HEADING_KEYS if key in own}
        _put(out, "approval_note_ar", self.approval_note_ar)
        _put(out, "approval_note_en", self.approval_note_en)
        if self.approval_seal:
            out["approval_seal"] = True
        if self.decision_reason_shared:
            out["decision_reason_shared"] = True
        return out

    def channel_codes(self) -> tuple[str, ...]:
        return tuple(entry.code for entry in self.channels)

    def staff_tool_codes(self) -> tuple[str, ...]:
        return tuple(entry.code for entry in self.staff_tools)

    def step_codes(self) -> tuple[str, ...]:
        return tuple(step.step for step in self.procedure)

    def find_step(self, code: str) -> ProcedureStep | None:
        return next((step for step in self.procedure if step.step == code), None)


def _headings(value: object) -> tuple[tuple[str, LocalizedText], ...]:
    if value is None:
        return ()
    mapping = _mapping(value, "headings")
    _only_keys(mapping, HEADING_KEYS, "headings")
    out: dict[str, LocalizedText] = {}
    for key, item in mapping.items():
        path = _join("headings", key)
        entry = _mapping(item, path)
        _only_keys(entry, ("ar", "en"), path)
        out[key] = LocalizedText(ar=_opt_str(entry, "ar", path) or "", en=_opt_str(entry, "en", path) or "")
    return tuple(out.items())
