"""Filling an association's intake form on the new-request screen, as reception types it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator


def _fill_one(form: Locator, name: str, value: Any) -> None:
    field = form.locator(f"[name='{name}']")
    if isinstance(value, dict):  # a date: its calendar chosen beside it, unless the field fixes it
        chooser = form.locator(f"select[name='{name}.calendar']")
        if chooser.count():
            chooser.select_option(value["calendar"])
        field.fill(value["date"])
        return
    tag = field.evaluate("element => element.tagName")
    if tag == "SELECT":
        field.select_option(str(value))
    else:
        field.fill(str(value))


def fill_intake(form: Locator, answers: dict[str, Any]) -> None:
    """Type ``answers`` (the shape the API takes) into the form's ``intake.*`` inputs; a date of
    a field that takes either calendar is ``{"calendar": ..., "date": ...}``, else a string."""
    for code, value in answers.items():
        if isinstance(value, list):
            for index, row in enumerate(value):
                for sub, sub_value in row.items():
                    name = f"intake.{code}[{index}].{sub}"
                    if form.locator(f"select[name='{name}.calendar']").count() and not isinstance(
                        sub_value, dict
                    ):
                        sub_value = {"calendar": "gregorian", "date": sub_value}
                    _fill_one(form, name, sub_value)
            continue
        _fill_one(form, f"intake.{code}", value)
