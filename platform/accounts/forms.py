"""allauth's forms, labelled in the user's language where allauth leaves a label to Django."""

from __future__ import annotations

from typing import Any

from allauth.mfa.webauthn.forms import AddWebAuthnForm
from django.utils.translation import gettext_lazy as _


class AddPasskeyForm(AddWebAuthnForm):
    """Adding a passkey or security key: allauth's form, whose name field has no label of its own
    (Django would print the field's name, "Name", untranslated on an Arabic page)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name")
