"""The API's JSON parser: refuses what PostgreSQL or Python cannot hold, as a 400, never a 500.

DRF's own parser lets through a NUL character in a string (``"\\u0000"``, which PostgreSQL's text
and jsonb types refuse with an error at save time) and turns a document nested tens of thousands
deep into a ``RecursionError``. This one parses, then walks the result once without recursion
and refuses both with a ``ParseError``.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

#: Deeper than any document Sila accepts (a policy document nests about eight levels).
MAX_JSON_DEPTH = 64


def _unencodable(text: str) -> bool:
    """A lone surrogate (``"\\ud800"``) is valid JSON but not text: no UTF-8 holds it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def json_problem(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why ``value`` (parsed JSON) cannot be accepted, or None. Iterative: any depth is safe."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return "A text value contains a NUL character (\\u0000), which is not allowed."
            if _unencodable(item):
                return "A text value contains a lone surrogate (\\ud800-\\udfff), which is not text."
        elif isinstance(item, dict | list):
            if depth > max_depth:
                return f"The JSON document is nested more than {max_depth} levels deep."
            if isinstance(item, dict):
                for key, child in item.items():
                    if "\x00" in key or _unencodable(key):
                        return "A key contains a NUL character or a lone surrogate, which is not allowed."
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)
    return None


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError(f"The JSON document is nested more than {MAX_JSON_DEPTH} levels deep.") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        problem = json_problem(data)
        if problem:
            raise ParseError(problem)
        return data


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; Python's parser accepts them unless told otherwise.
    raise ValueError(f"{name} is not a valid JSON value")
