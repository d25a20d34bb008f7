"""A form as a browser posts it: every field of the rendered page in document order, so a test
changes what a person would change and posts the rest untouched."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _Form(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[list[Any]] = []  # [name, value, kind]
        self._textarea: list[Any] | None = None
        self._select: list[Any] | None = None
        self._first_option: str | None = None
        self._template = 0  # a <template>'s content is not part of the form (a browser posts none of it)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "template":
            self._template += 1
        if self._template:
            return
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "reset", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append([a.get("name", ""), a.get("value", "on" if kind == "checkbox" else ""), kind])
        elif tag == "textarea":
            self._textarea = [a.get("name", ""), "", "textarea"]
        elif tag == "select":
            self._select = [a.get("name", ""), None, "select"]
            self._first_option = None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._select[1] = value

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and not self._template:
            self._textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self._template -= 1
            return
        if self._template:
            return
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline right after <textarea>.
            if self._textarea[1].startswith("\n"):
                self._textarea[1] = self._textarea[1][1:]
            self.fields.append(self._textarea)
            self._textarea = None
        elif tag == "select" and self._select is not None:
            if self._select[1] is None:
                self._select[1] = self._first_option or ""
            self.fields.append(self._select)
            self._select = None


def form_fields(html: str, form_id: str = "policy-editor") -> list[list[Any]]:
    """[[name, value, kind], ...] in the order the page holds them."""
    parser = _Form(form_id)
    parser.feed(html)
    return [f for f in parser.fields if f[0]]


def as_post(fields: list[list[Any]], *, crlf: bool = True) -> dict[str, list[str]]:
    """What the browser sends: textareas with CRLF line endings, as browsers post them."""
    data: dict[str, list[str]] = {}
    for name, value, kind in fields:
        if kind == "textarea" and crlf:
            value = value.replace("\r\n", "\n").replace("\n", "\r\n")
        data.setdefault(name, []).append(value)
    return data


def set_field(fields: list[list[Any]], name: str, value: str, index: int = 0) -> None:
    """Change the ``index``-th field called ``name`` (the ``index``-th row's)."""
    matching = [f for f in fields if f[0] == name]
    matching[index][1] = value
