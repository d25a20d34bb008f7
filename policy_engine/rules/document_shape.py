"""Reading JSON-like data into the policy document's dataclasses: shape checks only (types and
known keys), each failure a :class:`DocumentError` at the path of the offending value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class DocumentError(ValueError):
    """The data does not have the shape of a policy document."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def mapping(value: object, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise DocumentError(path, f"expected an object, got {type(value).__name__}")
    return value


def only_keys(data: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
    unknown = sorted(set(data) - set(allowed), key=str)
    if unknown:
        raise DocumentError(join(path, str(unknown[0])), "unknown field")


def req_str(data: Mapping[str, Any], key: str, path: str) -> str:
    if key not in data:
        raise DocumentError(join(path, key), "required")
    value = data[key]
    if not isinstance(value, str):
        raise DocumentError(join(path, key), "expected a string")
    return value


def opt_str(data: Mapping[str, Any], key: str, path: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DocumentError(join(path, key), "expected a string or null")
    return value


def opt_bool(data: Mapping[str, Any], key: str, path: str) -> bool | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise DocumentError(join(path, key), "expected true or false")
    return value


def opt_int(data: Mapping[str, Any], key: str, path: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise DocumentError(join(path, key), "expected a whole number")
    return value


def str_list(data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DocumentError(join(path, key), "expected a list of strings")
    return tuple(value)
