"""The OpenAPI schema says what the server does: every error status an operation can answer is
declared with the one error body (``core.api.exception_handler``, ``core.middleware``).

A drf-spectacular postprocessing hook, so a new operation gets them without anyone remembering.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA_NAME = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error has this shape; `errors` and `error_codes` name the fields at fault.",
    "properties": {
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "error_codes": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["code", "detail"],
}
# What any operation may answer, and why.
COMMON_ERRORS = {
    "400": "Invalid request: malformed JSON, a NUL character, a field or query parameter refused.",
    "401": "Not signed in, or the token is unknown, revoked or for another association.",
    "403": "Signed in, but the role does not allow this.",
    "404": "No such object here (another association's objects are not found either).",
    "405": "This method is not allowed here.",
    "406": "The Accept header asks for a format the API does not serve.",
    "413": "The request body is too large.",
    "415": "Unsupported Content-Type.",
    "429": "Too many requests; retry after the time in Retry-After.",
    "503": "Temporarily unavailable (database busy or restarting); retry after Retry-After.",
}
WRITE_ERRORS = {
    "409": "Conflict: the object changed since it was read (stale revision) or already exists.",
    "422": "The Idempotency-Key was used for a different request.",
    "423": "The association is suspended.",
    "507": "Storage is full: nothing was saved; retry later.",
}
PUBLIC_HEADERS = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}


# Text never holds a NUL character: PostgreSQL cannot store one, and Sila refuses it (core.middleware,
# core.parsers). Declared on every free text field, so generated clients and fuzzers know.
NO_NUL_PATTERN = "^[^\\u0000]*$"


def _forbid_nul(schema: Any) -> None:
    stack = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("type") == "string" and not ({"enum", "format", "pattern"} & item.keys()):
                item["pattern"] = NO_NUL_PATTERN
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _require_one_of_bodies(result: dict[str, Any], components: dict[str, Any]) -> None:
    """A body that is one of several shapes (a ``PolymorphicProxySerializer``), each with required
    fields, is itself required: drf-spectacular cannot tell, and leaves it optional."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if not isinstance(body, dict):
                continue
            for media in body.get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                shapes = components.get(ref.rsplit("/", 1)[-1], {}).get("oneOf", [])
                alternatives = [components.get(s.get("$ref", "").rsplit("/", 1)[-1], {}) for s in shapes]
                if alternatives and all(a.get("required") for a in alternatives):
                    body["required"] = True


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    _forbid_nul(components)
    _require_one_of_bodies(result, components)
    components[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    error_ref = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            errors = dict(COMMON_ERRORS)
            if method != "get":
                errors |= WRITE_ERRORS
            for status, description in errors.items():
                response = responses.setdefault(status, {"description": description})
                response.setdefault("description", description)
                response["content"] = {"application/json": {"schema": error_ref}}
                if status in ("429", "503"):
                    response["headers"] = PUBLIC_HEADERS
    return result
