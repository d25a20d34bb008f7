"""Validation as strict as the schema: a text field takes text.

DRF's ``CharField`` turns a number into text (``{"name": 0}`` is read as ``"0"``) although the
schema says ``type: string``; a client sending the wrong type has a bug it should hear about.
Installed once at start-up (``sila.apps``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

_original = serializers.CharField.to_internal_value


def _text_only(self: serializers.CharField, data: Any) -> str:
    if not isinstance(data, str) and not isinstance(self, serializers.ChoiceField):
        self.fail("invalid")
    return _original(self, data)


def strict_text_fields() -> None:
    if serializers.CharField.to_internal_value is not _text_only:
        serializers.CharField.to_internal_value = _text_only  # type: ignore[method-assign,assignment]
