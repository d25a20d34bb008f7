"""The staff screens' forms. Like the API's input serializers they check only the shape (types,
choices offered); the services check the meaning and answer field by field, in both languages.
A service's field problems are put back on the form with :func:`add_problems`, so the page shows
each error beside its field with everything the employee typed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from casework.models import CaseOutcome, Gender, Relation
from casework.privacy.models import ConsentKind
from casework.services.actions import ACTIONS
from casework.services.actions.inputs import spec_of
from core.errors import FieldProblem

# --- helpers ------------------------------------------------------------------------------------


def add_problems(form: forms.Form, problems: Iterable[FieldProblem], lang: str) -> None:
    """Put a service's field problems on the form: on the field of that name, else on the form."""
    for problem in problems:
        name = problem.field if problem.field in form.fields else None
        form.add_error(name, problem.message(lang))


def _text(
    label: Any, *, required: bool = False, max_length: int | None = None, **attrs: Any
) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=forms.TextInput(attrs=attrs)
    )


def _area(label: Any, rows: int = 3) -> forms.CharField:
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": rows}))


def _drop_blank(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value not in (None, "")}


class StaffForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def _choices(self, name: str, choices: list[tuple[Any, Any]]) -> None:
        field = self.fields[name]
        if isinstance(field, forms.ChoiceField):
            field.choices = choices


# --- case actions -------------------------------------------------------------------------------


def _choice_label(label: Any) -> str:
    """An option's label in the page's language: (Arabic, English) pairs, or a translatable text."""
    if isinstance(label, tuple):
        return str(label[1] if (get_language() or "ar").startswith("en") else label[0])
    return str(label)


class ActionForm(StaffForm):
    """One action of the current step, as transport only: the action declares its input once (see
    ``casework.services.actions.inputs``), and the form takes its options and maximum lengths from
    that declaration and leaves every check of the values to it, which answers field by field.
    ``expected_revision`` is the revision of the case as the page showed it: if someone changed
    the case since, the service refuses with a conflict."""

    action: ClassVar[str]
    expected_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, key: str = "", **kwargs: Any) -> None:
        # Several forms share a page: give each its own element ids.
        kwargs.setdefault("auto_id", f"id_{self.action}{'_' + key if key else ''}_%s")
        super().__init__(*args, **kwargs)
        rule = ACTIONS.get(self.action)
        for name, field in self.fields.items():
            spec = spec_of(rule.input, name) if rule is not None else None
            if spec is None:
                continue
            field.required = False
            if spec.max_length is not None:
                field.widget.attrs.setdefault("maxlength", str(spec.max_length))
            if spec.choices and isinstance(field.widget, forms.Select | forms.RadioSelect):
                blank = [] if isinstance(field.widget, forms.RadioSelect) else [("", "—")]
                field.widget.choices = [
                    *blank,
                    *((code, _choice_label(label)) for code, label in spec.choices),
                ]

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "expected_revision"}
        return _drop_blank(data)


def _hidden() -> forms.CharField:
    return forms.CharField(widget=forms.HiddenInput, required=False)


def _pick(label: Any, *, radio: bool = False) -> forms.CharField:
    """A select (or radio buttons) whose options come from the action's declared input."""
    return forms.CharField(label=label, required=False, widget=forms.RadioSelect if radio else forms.Select)


class VerifyItemForm(ActionForm):
    action = "verify_item"
    code = _hidden()
    note = _text(_("Note"))
    document = forms.CharField(label=_("Document seen"), required=False, widget=forms.Select)

    def __init__(self, *args: Any, documents: Iterable[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(pk), name) for pk, name in documents]
        if choices:
            self.fields["document"].widget.choices = [("", "—"), *choices]
        else:
            del self.fields["document"]


class AddItemForm(ActionForm):
    action = "add_item"
    label_ar = _text(_("Item (Arabic)"))
    label_en = _text(_("Item (English)"))
    code = _text(_("Short code (Latin letters)"), dir="ltr")
    kind = _pick(_("Kind"))
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)


class CompleteForm(ActionForm):
    action = "complete"
    not_needed = forms.BooleanField(
        label=_("The procedures are clear to the beneficiary: no referral is needed"), required=False
    )
    registration_number = _text(_("Registration number"), dir="ltr")

    def __init__(self, *args: Any, step: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if step != "refer":
            del self.fields["not_needed"]
        if step != "register":
            del self.fields["registration_number"]


class ReferForm(ActionForm):
    action = "refer"
    question = _area(_("Question for the referral"))


class AnswerReferralForm(ActionForm):
    action = "answer_referral"
    referral = _hidden()
    answer = _area(_("Answer"))


class AttestForm(ActionForm):
    action = "attest"
    typed_name = _text(_("Applicant's full name, as typed by them"), autocomplete="off")
    signature = _hidden()
    data_hash = _hidden()


class VoteForm(ActionForm):
    action = "vote"
    choice = _pick(_("Your vote"), radio=True)
    reason = _area(_("Reason"), rows=2)


class DecideForm(ActionForm):
    action = "decide"
    outcome = _pick(_("Decision"), radio=True)
    reason = _area(_("Reason"), rows=2)
    minutes = _area(_("Minutes of the meeting"), rows=4)

    def __init__(self, *args: Any, body: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if body == "research_committee":
            # The votes decide; the committee keeps minutes.
            del self.fields["outcome"]
        else:
            del self.fields["minutes"]


class ServiceForm(ActionForm):
    action = "record_service"
    kind = _pick(_("Kind of service"))
    amount = _text(_("Amount (SAR)"), inputmode="decimal", dir="ltr")
    description = _area(_("In-kind description"), rows=2)
    delivered_on = forms.CharField(
        label=_("Date delivered"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class WithdrawForm(ActionForm):
    action = "withdraw"
    reason = _area(_("Reason for closing"), rows=2)


class AssignForm(ActionForm):
    """The association admin assigns anyone; other employees take the request themselves."""

    action = "assign"
    user = _pick(_("Assign to"))

    def __init__(self, *args: Any, staff: Iterable[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.self_only = staff is None
        if self.self_only:
            self.fields["user"] = forms.CharField(widget=forms.HiddenInput, required=False, initial="me")
        else:
            self.fields["user"].widget.choices = [
                ("me", _("Me")),
                *((str(pk), name) for pk, name in staff or ()),
            ]

    def service_data(self) -> dict[str, Any]:
        return {"user": self.cleaned_data.get("user") or "me"}


class NoteForm(ActionForm):
    action = "note"
    text = _area(_("Note"), rows=2)


class RatingForm(ActionForm):
    """Not a step: the beneficiary's rating of a service delivered, typed in for them (once per
    service)."""

    action = "rate"
    service = forms.TypedChoiceField(label=_("Which service"), coerce=int, choices=[])
    score = forms.TypedChoiceField(
        label=_("Rating (1 to 5)"),
        choices=[(n, str(n)) for n in (5, 4, 3, 2, 1)],
        coerce=int,
        widget=forms.RadioSelect,
        required=False,
        empty_value=None,
    )
    comment = _area(_("Comment"), rows=2)

    def __init__(self, *args: Any, services: Iterable[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices("service", [(pk, name) for pk, name in services])


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form
    for form in (
        VerifyItemForm,
        AddItemForm,
        CompleteForm,
        ReferForm,
        AnswerReferralForm,
        AttestForm,
        VoteForm,
        DecideForm,
        ServiceForm,
        WithdrawForm,
        AssignForm,
        NoteForm,
        RatingForm,
    )
}


# --- inbox --------------------------------------------------------------------------------------


# Filters of the inbox the reports' links use (names as casework.selectors.case_inbox takes them).
INBOX_REPORT_FILTERS = (
    "opened_from",
    "opened_to",
    "outcome",
    "closed_from",
    "closed_to",
    "decision",
    "decided_from",
    "decided_to",
    "reached",
)


class InboxFilterForm(StaffForm):
    q = forms.CharField(
        label=_("Name, ID or mobile number"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    step = forms.ChoiceField(label=_("Step"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), ("closed", _("Closed")), ("all", _("All"))],
    )
    assigned = forms.ChoiceField(
        label=_("Assigned"),
        required=False,
        choices=[("", _("Anyone")), ("me", _("To me")), ("none", _("Nobody"))],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    # The reports link each figure here with its period (days of the association, both included).
    opened_from = forms.DateField(
        label=_("Opened from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    opened_to = forms.DateField(
        label=_("Opened until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("Any outcome")), *CaseOutcome.choices]
    )
    closed_from = forms.DateField(required=False, widget=forms.HiddenInput)
    closed_to = forms.DateField(required=False, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        required=False,
        widget=forms.HiddenInput,
        choices=[
            ("", ""),
            (CaseOutcome.ACCEPTED, CaseOutcome.ACCEPTED),
            (CaseOutcome.REJECTED, CaseOutcome.REJECTED),
        ],
    )
    decided_from = forms.DateField(required=False, widget=forms.HiddenInput)
    decided_to = forms.DateField(required=False, widget=forms.HiddenInput)
    reached = forms.ChoiceField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        steps: Iterable[tuple[str, str]] = (),
        channels: Iterable[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._choices("step", [("", _("All steps")), *steps])
        self._choices("channel", [("", _("All channels")), *channels])
        self._choices("reached", [("", ""), *steps])


# --- registry -----------------------------------------------------------------------------------


class BeneficiaryForm(StaffForm):
    national_id = _text(
        _("National ID or iqama number"), max_length=40, inputmode="numeric", dir="ltr", autocomplete="off"
    )
    full_name_ar = _text(_("Full name in Arabic, as on the ID"), max_length=400, lang="ar", dir="rtl")
    phone = _text(_("Mobile number"), max_length=40, inputmode="tel", dir="ltr", placeholder="05XXXXXXXX")
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    gender = forms.ChoiceField(label=_("Gender"), required=False, choices=[("", "—"), *Gender.choices])
    city = _text(_("City"), max_length=100)
    notes = _area(_("Notes"), rows=2)


class HouseholdMemberForm(StaffForm):
    full_name_ar = _text(_("Name"), max_length=200, lang="ar", dir="rtl")
    relation = forms.ChoiceField(label=_("Relation"), required=False, choices=[("", "—"), *Relation.choices])
    national_id = _text(_("ID number"), max_length=40, inputmode="numeric", dir="ltr")
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    gender = forms.ChoiceField(label=_("Gender"), required=False, choices=[("", "—"), *Gender.choices])


HouseholdFormSet = forms.formset_factory(HouseholdMemberForm, extra=3, max_num=30)


class DocumentForm(StaffForm):
    file = forms.FileField(
        label=_("Document (PDF, PNG or JPEG, at most 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("national_id", _("ID card")),
            ("income_proof", _("Proof of income")),
            ("lease", _("Lease contract")),
            ("support_request_form", _("Support request form")),
            ("other", _("Other")),
        ],
        initial="other",
    )

    def __init__(self, *args: Any, staff_tools: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The support request form is a kind of document only where the policy in force lists it
        # among the staff's tools.
        if "support_request_form" not in staff_tools:
            self._choices(
                "kind",
                [c for c in self.fields["kind"].choices if c[0] != "support_request_form"],  # type: ignore[attr-defined]
            )


class DismissForm(StaffForm):
    note = _text(_("Why they are different people"), max_length=500)


# --- opening a case -----------------------------------------------------------------------------


class CaseOpenForm(StaffForm):
    # Chosen on the screen by national ID, name or mobile number; the record's id travels hidden.
    beneficiary = forms.IntegerField(
        label=_("Beneficiary"),
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={"required": _("Find the beneficiary first and choose them.")},
    )
    # The choices offered are the channels of the policy in force; anything else posted reaches
    # the service, which refuses it with its own message.
    channel = forms.CharField(label=_("Channel"), widget=forms.Select)
    assign_to_me = forms.BooleanField(label=_("Assign the request to me"), required=False, initial=True)
    # The privacy notice shown is the one in force; the consents are the applicant's own choice,
    # so none is ticked for them.
    # Checked by the service with the rest of the request, so that every problem shows at once.
    notice_given = forms.BooleanField(
        label=_("The applicant was given the privacy notice and told the purpose of the request"),
        required=False,
    )
    consents = forms.MultipleChoiceField(
        label=_("What the applicant consents to"),
        choices=ConsentKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, channels: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].widget.choices = [("", "—"), *channels]
